import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// `--manifest json|csv`: one record per exported image, with every field the catalog holds
/// about it, so the export is useful without gptimg.
public enum ManifestFormat: String, Sendable, CaseIterable {
    case json, csv

    public var fileName: String { "manifest.\(rawValue)" }
}

/// One image of the export, as the manifest records it: the `file` it was written as, then
/// cli.md's image JSON (the shape `gptimg list --json` prints, in its order), then what that
/// shape leaves out: the settings parsed from the file's metadata, the negative prompt, the
/// lineage by task and by file, the model, the API's bookkeeping, how it reached the library,
/// and the rest of its generation's row (what was asked for with it, its batch line).
/// Every record has every key (null when empty), so the CSV has one column per key.
///
/// No URL keeps its query or fragment (`ManifestRecord.withoutQueries`): a signed URL's
/// `?token=…` is a credential, and an export is made to be shared. The catalog keeps the
/// whole URLs (a variant sends its source's hosted URL back to the API).
enum ManifestRecord {
    static func fields(_ item: ImageDetails, file: String, parameters: [Parameter], parentFile: String?) -> [(
        String, JSONOut
    )] {
        guard case .object(let catalogFields) = item.json else { return [] }
        let listed = catalogFields.map { field -> (String, JSONOut) in
            switch field {
            case ("remote_url", .string(let url)):
                return (field.0, JSONOut.string(ValueShape.withoutQuery(url)))
            case ("reference_images", .array(let urls)):
                return (
                    field.0,
                    JSONOut.array(
                        urls.map { url in
                            guard case .string(let text) = url else { return url }
                            return JSONOut.string(ValueShape.withoutQuery(text))
                        })
                )
            default:
                return field
            }
        }
        let parameters = parameters.map { Parameter($0.key, withoutQueries($0.value)) }
        let generation = item.generation
        let image = item.image
        return [("file", .string(file))] + listed + [
            ("negative_prompt", .optional(generation.negativePrompt)),
            ("parameters", .object(parameters.map { ($0.key, .string($0.value)) })),
            ("parent_task_id", .optional(generation.parentTaskID)),
            ("parent_index", generation.parentIndex.map(JSONOut.int) ?? .null),
            ("parent_file", .optional(parentFile)),
            ("provider", .optional(generation.provider)),
            ("model", .optional(generation.model)),
            ("server_row_id", .optional(generation.serverRowID)),
            ("base_url", .optional(generation.baseURL.map(ValueShape.withoutQuery))),
            ("submitted_at", .optional(generation.submittedAt)),
            ("completed_at", .optional(generation.completedAt)),
            ("credits_charged", .int(generation.creditsCharged)),
            ("credits_refunded", .int(generation.creditsRefunded)),
            ("error_code", .optional(generation.errorCode)),
            ("error_message", .optional(generation.errorMessage)),
            ("added_at", .string(image.addedAt)),
            ("original_name", .optional(image.originalName)),
            ("generation_id", .int(Int(generation.id))),
            ("generation_created_at", .string(generation.createdAt)),
            ("generation_updated_at", .string(generation.updatedAt)),
            ("requested_tags", .array(generation.requestedTags.map(JSONOut.string))),
            ("requested_collection", .optional(generation.requestedCollection)),
            ("batch_key", .optional(generation.batchKey)),
        ]
    }
}

extension ManifestRecord {
    /// `text` with every http(s) URL in it (a word starting with `http://` or `https://`, words
    /// split at white space) cut at its `?` or `#`: our `References` setting lists URLs so.
    static func withoutQueries(_ text: String) -> String {
        guard text.contains("?") || text.contains("#") else { return text }
        var out = ""
        var word = ""
        func flush() {
            let lowered = word.lowercased()
            out += lowered.hasPrefix("https://") || lowered.hasPrefix("http://") ? ValueShape.withoutQuery(word) : word
            word = ""
        }
        for character in text {
            if character.isWhitespace {
                flush()
                out.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return out
    }
}

/// Renders the manifest's bytes.
enum ManifestWriter {
    /// One JSON object: `header` (when and how the export was made), `count`, and `images`, one
    /// record a line so the file reads and diffs well.
    static func json(header: [(String, JSONOut)], records: [[(String, JSONOut)]]) -> [UInt8] {
        var output: [UInt8] = []
        output.append(UInt8(ascii: "{"))
        for (key, value) in header + [("count", .int(records.count))] {
            JSONOut.string(key).render(into: &output)
            output.append(UInt8(ascii: ":"))
            value.render(into: &output)
            output.append(UInt8(ascii: ","))
        }
        output += Array("\"images\":[".utf8)
        for (index, record) in records.enumerated() {
            output += index == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A]
            JSONOut.object(record).render(into: &output)
        }
        output += Array("\n]}\n".utf8)
        return output
    }

    /// RFC 4180: a header row of the records' keys, CRLF line ends, UTF-8 (no byte-order
    /// mark). Text as it is; numbers in decimal; true/false; null as an empty cell; lists and
    /// the parameters as compact JSON (lossless, whatever characters tags contain). A cell is
    /// quoted when it holds a comma, quote, line break or other control character.
    static func csv(records: [[(String, JSONOut)]]) -> [UInt8] {
        var output: [UInt8] = []
        guard let first = records.first else { return output }
        appendRow(first.map { $0.0 }, to: &output)
        for record in records {
            appendRow(record.map { cell($0.1) }, to: &output)
        }
        return output
    }

    static func cell(_ value: JSONOut) -> String {
        switch value {
        case .null: ""
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .string(let value): value
        case .array, .object: value.rendered
        }
    }

    static func appendRow(_ cells: [String], to output: inout [UInt8]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            let bytes = Array(cell.utf8)
            if bytes.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 < 0x20 || $0 == 0x7F })
            {
                output.append(UInt8(ascii: "\""))
                for byte in bytes {
                    if byte == UInt8(ascii: "\"") { output.append(byte) }
                    output.append(byte)
                }
                output.append(UInt8(ascii: "\""))
            } else {
                output += bytes
            }
        }
        output += [0x0D, 0x0A]
    }
}
