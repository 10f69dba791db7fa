import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// How `meta read` and `meta strip` results look, as text for people and JSON for scripts.
enum MetadataRendering {
    /// One `meta read --json` line. Keys come in a fixed, readable order.
    static func json(path: String, report: PNGMetadataReport) -> JSONOut {
        let header = report.header
        return .object([
            ("file", .string(path)),
            ("bytes", .int(report.fileSize)),
            ("width", .int(header.width)),
            ("height", .int(header.height)),
            ("bit_depth", .int(header.bitDepth)),
            ("color_type", .int(header.colorType)),
            ("interlaced", .bool(header.interlaced)),
            ("generation", report.generation.map(json) ?? .null),
            ("c2pa_manifest_bytes", report.c2paManifestBytes.map(JSONOut.int) ?? .null),
            ("text_chunks", .array(report.textChunks.map(json))),
            (
                "chunks",
                .array(
                    report.chunks.map {
                        .object([
                            ("type", .string($0.type)), ("offset", .int($0.offset)), ("size", .int($0.size)),
                            ("count", $0.count.map(JSONOut.int) ?? .null),
                        ])
                    })
            ),
            ("warnings", .array(report.warnings.map { .string($0.description) })),
        ])
    }

    static func json(_ generation: GenerationInfo) -> JSONOut {
        .object([
            ("generator", .string(generation.generator.rawValue)),
            ("prompt", .optional(generation.prompt)),
            ("negative_prompt", .optional(generation.negativePrompt)),
            (
                "parameters",
                .array(generation.parameters.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })
            ),
            ("gptimg", generation.gptimg.map(\.json) ?? .null),
        ])
    }

    static func json(_ chunk: TextChunk) -> JSONOut {
        var members: [(String, JSONOut)] = [
            ("type", .string(chunk.kind.rawValue)),
            ("keyword", .string(chunk.keyword)),
            ("text", .string(chunk.text)),
            ("compressed", .bool(chunk.compressed)),
            ("encoding", .string(chunk.encoding.rawValue)),
        ]
        if chunk.kind == .iTXt {
            members.append(("language", .string(chunk.languageTag)))
            members.append(("translated_keyword", .string(chunk.translatedKeyword)))
        }
        members.append(("after_image_data", .bool(chunk.afterImageData)))
        return .object(members)
    }

    static func failure(file: String, error: String) -> JSONOut {
        .object([("file", .string(file)), ("error", .string(error))])
    }

    static func stripped(file: String, result: PNGEditor.StripResult) -> JSONOut {
        .object([
            ("file", .string(file)), ("removed", .array(result.removed.map(JSONOut.string))),
            ("c2pa_manifest_bytes", result.keptC2PABytes.map(JSONOut.int) ?? .null),
            ("provenance_kept", .bool(result.wroteProvenance)),
        ])
    }

    /// One `meta strip` line: what went, and what provenance stayed.
    static func stripped(path: String, result: PNGEditor.StripResult, keepProvenance: Bool) -> String {
        var line =
            result.removed.isEmpty
            ? "\(path): no generation metadata to remove"
            : "\(path): removed \(result.removed.joined(separator: ", "))"
        var kept: [String] = []
        if result.wroteProvenance { kept.append("the provenance labels (XMP digital source type and generator)") }
        if let bytes = result.keptC2PABytes {
            kept.append("the C2PA manifest (\(bytes) bytes\(keepProvenance ? "" : "; --c2pa removes it"))")
        }
        if !kept.isEmpty { line += "; kept " + kept.joined(separator: " and ") }
        return line
    }

    static func text(path: String, report: PNGMetadataReport) -> String {
        let header = report.header
        let colour = ["grey", "", "RGB", "indexed", "grey+alpha", "", "RGBA"][min(header.colorType, 6)]
        var lines = [
            """
            \(oneLine(path, limit: 4096))  \(header.width)x\(header.height) \(header.bitDepth)-bit \(colour), \
            \(byteCount(report.fileSize))
            """
        ]
        if let generation = report.generation {
            lines.append("  generator  \(generation.generator.rawValue)")
            if let prompt = generation.prompt { lines.append("  prompt     \(indented(prompt))") }
            if let negative = generation.negativePrompt, !negative.isEmpty {
                lines.append("  negative   \(indented(negative))")
            }
            let width = min(24, generation.parameters.map(\.key.count).max() ?? 0)
            for parameter in generation.parameters {
                let key = oneLine(parameter.key, limit: 64)
                lines.append(
                    "  " + key.padding(toLength: max(width, key.count), withPad: " ", startingAt: 0) + "  "
                        + oneLine(parameter.value, limit: 160))
            }
        } else {
            lines.append("  no generation metadata")
        }
        if let c2pa = report.c2paSummary { lines.append("  C2PA manifest: \(c2pa)") }
        if !report.textChunks.isEmpty {
            lines.append("  text chunks (\(report.textChunks.count)):")
            for chunk in report.textChunks {
                var flags = [chunk.kind.rawValue]
                if chunk.compressed { flags.append("compressed") }
                if chunk.afterImageData { flags.append("after image data") }
                lines.append(
                    """
                        \(oneLine(chunk.keyword, limit: 79)) [\(flags.joined(separator: ", "))]: \
                    \(oneLine(chunk.text, limit: 100))
                    """
                )
            }
        }
        for warning in report.warnings { lines.append("  warning: \(warning)") }
        return lines.joined(separator: "\n")
    }

    static func oneLine(_ text: String, limit: Int) -> String {
        var flat = terminalSafe(text, newline: "⏎")
        if flat.count > limit { flat = String(flat.prefix(limit - 1)) + "…" }
        return flat
    }

    /// Multi-line values continue under the first line's column.
    static func indented(_ text: String) -> String {
        terminalSafe(text, newline: "\n             ")
    }

    /// Text from a file is untrusted: control and bidirectional characters are escaped as on
    /// every line the CLI prints (`TerminalText.escape`); newlines become `newline`.
    static func terminalSafe(_ text: String, newline: String) -> String {
        let escaped = TerminalText.escape(text)
        guard escaped.utf8.contains(0x0A) else { return escaped }
        return escaped.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: newline)
    }

    static func byteCount(_ bytes: Int) -> String {
        bytes < 1024
            ? "\(bytes) B"
            : bytes < 1 << 20 ? "\(bytes / 1024) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
