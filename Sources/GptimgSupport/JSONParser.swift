/// A recursive-descent JSON parser over UTF-8 bytes, bounded in depth (see `JSONValue`).
///
/// Accepts RFC 8259 JSON plus what Python's `json` module accepts and writes by default:
/// `NaN`, `Infinity`, `-Infinity`. Anything else (trailing text, unterminated strings,
/// nesting beyond `JSONValue.maximumDepth`) makes the whole document nil.
struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private let allowControlCharacters: Bool

    init(_ text: String, allowControlCharacters: Bool = true) {
        self.bytes = Array(text.utf8)
        self.allowControlCharacters = allowControlCharacters
    }

    /// The whole input as one value, or nil.
    mutating func parseDocument(allowingBOM: Bool = true) -> JSONValue? {
        // A UTF-8 byte order mark is not JSON, but some writers prepend one to a chunk's text.
        if allowingBOM, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        skipWhitespace()
        guard let value = parseValue(depth: 0) else { return nil }
        skipWhitespace()
        return position == bytes.count ? value : nil
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) -> JSONValue? {
        guard depth < JSONValue.maximumDepth, position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "{"): return parseObject(depth: depth)
        case UInt8(ascii: "["): return parseArray(depth: depth)
        case UInt8(ascii: "\""): return parseString().map(JSONValue.string)
        case UInt8(ascii: "t"): return consume("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return consume("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return consume("null") ? .null : nil
        case UInt8(ascii: "N"): return consume("NaN") ? .number("NaN") : nil
        case UInt8(ascii: "I"): return consume("Infinity") ? .number("Infinity") : nil
        default: return parseNumber()
        }
    }

    private mutating func parseObject(depth: Int) -> JSONValue? {
        position += 1 // {
        var object = JSONObject()
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")), let key = parseString() else { return nil }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { return nil }
            position += 1
            skipWhitespace()
            guard let value = parseValue(depth: depth + 1) else { return nil }
            object.set(value, for: key)
            skipWhitespace()
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(object)
            } else {
                return nil
            }
        }
    }

    private mutating func parseArray(depth: Int) -> JSONValue? {
        position += 1 // [
        var array: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            guard let value = parseValue(depth: depth + 1) else { return nil }
            array.append(value)
            skipWhitespace()
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(array)
            } else {
                return nil
            }
        }
    }

    private mutating func parseNumber() -> JSONValue? {
        let start = position
        if peek(UInt8(ascii: "-")) {
            position += 1
            if consume("Infinity") { return .number("-Infinity") }
        }
        guard position < bytes.count, isDigit(bytes[position]) else { return nil }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { return nil }
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { return nil }
            skipDigits()
        }
        return .number(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    // MARK: - Strings

    private mutating func parseString() -> String? {
        position += 1 // opening quote
        // The input came from a String, so it is valid UTF-8, and a run between ASCII
        // delimiters never splits a character: runs are copied as bytes, escapes encoded.
        var utf8: [UInt8] = []
        var runStart = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text: String
                if utf8.isEmpty {
                    text = String(decoding: bytes[runStart..<position], as: UTF8.self)
                } else {
                    utf8 += bytes[runStart..<position]
                    text = String(decoding: utf8, as: UTF8.self)
                }
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") {
                utf8 += bytes[runStart..<position]
                position += 1
                guard let scalar = parseEscape() else { return nil }
                utf8 += String(scalar).utf8
                runStart = position
                continue
            }
            if byte < 0x20, !allowControlCharacters { return nil }
            position += 1
        }
        return nil // unterminated
    }

    private mutating func parseEscape() -> Unicode.Scalar? {
        guard position < bytes.count else { return nil }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            guard let unit = parseHex4() else { return nil }
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate must pair with an escaped low one; Python would keep a lone
                // surrogate, which a Swift string cannot hold, so it becomes U+FFFD.
                let save = position
                if consume("\\u"), let low = parseHex4(), (0xDC00...0xDFFF).contains(low) {
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                position = save
                return "\u{FFFD}"
            }
            return Unicode.Scalar(unit) ?? "\u{FFFD}"
        default: return nil
        }
    }

    private mutating func parseHex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    // MARK: - Bytes

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private mutating func consume(_ literal: StaticString) -> Bool {
        let matches = literal.withUTF8Buffer { buffer in
            position + buffer.count <= bytes.count
                && buffer.elementsEqual(bytes[position..<position + buffer.count])
        }
        let count = literal.utf8CodeUnitCount
        if matches { position += count }
        return matches
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }
}
