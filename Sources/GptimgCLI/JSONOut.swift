import PNGMetadata

/// A JSON value built for output: objects keep the order they are written in, and rendering
/// is a single pass over UTF-8 (Foundation's JSONEncoder costs more than reading a PNG's
/// metadata does, and sorts keys instead of keeping a readable order).
indirect enum JSONOut: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONOut])
    case object([(String, JSONOut)])

    static func == (lhs: JSONOut, rhs: JSONOut) -> Bool { lhs.rendered == rhs.rendered }

    static func optional(_ value: String?) -> JSONOut { value.map(JSONOut.string) ?? .null }

    var rendered: String {
        var output = ""
        render(into: &output)
        return output
    }

    func render(into output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .string(let value): Self.renderString(value, into: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.render(into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output += "," }
                Self.renderString(key, into: &output)
                output += ":"
                value.render(into: &output)
            }
            output += "}"
        }
    }

    /// RFC 8259 string escaping (the same as Python's `json.dumps`, which our A1111 quoting
    /// must match): quotes, backslashes and control characters; everything else as UTF-8.
    static func renderString(_ value: String, into output: inout String) {
        output += JSONText.quote(value)
    }
}
