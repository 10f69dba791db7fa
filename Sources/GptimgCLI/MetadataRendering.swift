import Foundation
import PNGMetadata

/// How `meta read` and `meta strip` results look, as text for people and JSON for scripts.
enum MetadataRendering {
    struct JSONReport: Encodable {
        struct Text: Encodable {
            let type: String
            let keyword: String
            let text: String
            let compressed: Bool
            let encoding: String
            let language: String?
            let translatedKeyword: String?
            let afterImageData: Bool

            enum CodingKeys: String, CodingKey {
                case type, keyword, text, compressed, encoding, language
                case translatedKeyword = "translated_keyword"
                case afterImageData = "after_image_data"
            }
        }

        struct Generation: Encodable {
            let generator: String
            let prompt: String?
            let negativePrompt: String?
            /// In the order the file gave them.
            let parameters: [Pair]
            let gptimg: GptimgMetadata?

            enum CodingKeys: String, CodingKey {
                case generator, prompt
                case negativePrompt = "negative_prompt"
                case parameters, gptimg
            }
        }

        struct Pair: Encodable {
            let key: String
            let value: String
        }

        let file: String
        let bytes: Int
        let width: Int
        let height: Int
        let bitDepth: Int
        let colorType: Int
        let interlaced: Bool
        let generation: Generation?
        let textChunks: [Text]
        let chunks: [PNGMetadataReport.Chunk]
        let warnings: [String]

        enum CodingKeys: String, CodingKey {
            case file, bytes, width, height
            case bitDepth = "bit_depth"
            case colorType = "color_type"
            case interlaced, generation
            case textChunks = "text_chunks"
            case chunks, warnings
        }

        init(path: String, report: PNGMetadataReport) {
            file = path
            bytes = report.fileSize
            width = report.header.width
            height = report.header.height
            bitDepth = report.header.bitDepth
            colorType = report.header.colorType
            interlaced = report.header.interlaced
            generation = report.generation.map {
                Generation(
                    generator: $0.generator.rawValue, prompt: $0.prompt, negativePrompt: $0.negativePrompt,
                    parameters: $0.parameters.map { Pair(key: $0.key, value: $0.value) }, gptimg: $0.gptimg)
            }
            textChunks = report.textChunks.map {
                Text(
                    type: $0.kind.rawValue, keyword: $0.keyword, text: $0.text, compressed: $0.compressed,
                    encoding: $0.encoding.rawValue, language: $0.kind == .iTXt ? $0.languageTag : nil,
                    translatedKeyword: $0.kind == .iTXt ? $0.translatedKeyword : nil, afterImageData: $0.afterImageData)
            }
            chunks = report.chunks
            warnings = report.warnings.map(\.description)
        }
    }

    struct JSONFailure: Encodable {
        let file: String
        let error: String
    }

    struct JSONStrip: Encodable {
        let file: String
        let removed: [String]
    }

    static func text(path: String, report: PNGMetadataReport) -> String {
        let header = report.header
        let colour = ["grey", "", "RGB", "indexed", "grey+alpha", "", "RGBA"][min(header.colorType, 6)]
        var lines = ["\(oneLine(path, limit: 4096))  \(header.width)x\(header.height) \(header.bitDepth)-bit \(colour), \(byteCount(report.fileSize))"]
        if let generation = report.generation {
            lines.append("  generator  \(generation.generator.rawValue)")
            if let prompt = generation.prompt { lines.append("  prompt     \(indented(prompt))") }
            if let negative = generation.negativePrompt, !negative.isEmpty { lines.append("  negative   \(indented(negative))") }
            let width = min(24, generation.parameters.map(\.key.count).max() ?? 0)
            for parameter in generation.parameters {
                let key = oneLine(parameter.key, limit: 64)
                lines.append("  " + key.padding(toLength: max(width, key.count), withPad: " ", startingAt: 0) + "  " + oneLine(parameter.value, limit: 160))
            }
        } else {
            lines.append("  no generation metadata")
        }
        if !report.textChunks.isEmpty {
            lines.append("  text chunks (\(report.textChunks.count)):")
            for chunk in report.textChunks {
                var flags = [chunk.kind.rawValue]
                if chunk.compressed { flags.append("compressed") }
                if chunk.afterImageData { flags.append("after image data") }
                lines.append("    \(oneLine(chunk.keyword, limit: 79)) [\(flags.joined(separator: ", "))]: \(oneLine(chunk.text, limit: 100))")
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

    /// Text from a file is untrusted: control characters (escape sequences that could drive the
    /// terminal, NUL, carriage returns) are shown as U+FFFD; newlines become `newline`.
    static func terminalSafe(_ text: String, newline: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                result += newline
            } else if scalar == "\t" {
                result.unicodeScalars.append(scalar)
            } else if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format && scalar.value >= 0x202A && scalar.value <= 0x202E {
                result.unicodeScalars.append("\u{FFFD}")
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func byteCount(_ bytes: Int) -> String {
        bytes < 1024 ? "\(bytes) B" : bytes < 1 << 20 ? "\(bytes / 1024) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
