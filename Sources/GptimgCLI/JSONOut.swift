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

    /// RFC 8259 string escaping: quotes, backslashes and control characters; everything else,
    /// non-ASCII included, is written as UTF-8.
    static func renderString(_ value: String, into output: inout String) {
        output += "\""
        var needsEscaping = false
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            output += value
            output += "\""
            return
        }
        let hex: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += "\\u00"
                output.append(hex[Int(scalar.value >> 4)])
                output.append(hex[Int(scalar.value & 0xF)])
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
