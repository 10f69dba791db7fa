/// A parsed JSON document, kept close to the text it came from: object keys keep their order,
/// numbers keep their literal spelling (a 64-bit seed or `7.0` reads back exactly as written).
///
/// The project's one JSON reader, for foreign metadata, our own chunks and the API's bodies
/// alike: all of it is hostile input, so this is our own small parser rather than
/// `JSONSerialization` or `JSONDecoder`: nesting is bounded (a 10 000-level document is
/// rejected, never a stack overflow), and Python's `json.dumps` extensions that ComfyUI and
/// others really write (`NaN`, `Infinity`) are accepted instead of failing the whole document.
/// Typed values are read from it with `JSONReader`, which names the path of a value that does
/// not fit; `JSONOut` writes.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number's literal text, e.g. `"156680208700286"`, `"7.5"`, `"NaN"`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Deeper documents are rejected. Real generation metadata nests a handful of levels.
    public static let maximumDepth = 100

    /// Parses `text` as one JSON value; nil when it is not JSON (or nests too deep).
    public static func parse(_ text: String) -> JSONValue? {
        var parser = JSONParser(text)
        return parser.parseDocument()
    }

    /// Parses UTF-8 `bytes` as one JSON value; nil when they are not UTF-8 or not JSON.
    public static func parse(bytes: [UInt8]) -> JSONValue? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return parse(text)
    }

    /// Parses `text` and returns it only if it is a JSON object.
    public static func parseObject(_ text: String) -> JSONObject? {
        guard case .object(let object)? = parse(text) else { return nil }
        return object
    }
}

/// A JSON object that remembers its key order. A repeated key keeps its first position and its
/// last value, as Python's `json.loads` does.
public struct JSONObject: Sendable, Hashable {
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}

    public subscript(key: String) -> JSONValue? {
        storage[key]
    }

    mutating func set(_ value: JSONValue, for key: String) {
        if storage.updateValue(value, forKey: key) == nil {
            keys.append(key)
        }
    }

    public var entries: [(key: String, value: JSONValue)] {
        keys.compactMap { key in storage[key].map { (key, $0) } }
    }

    public var count: Int { keys.count }
}

// MARK: - Accessors

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    public var object: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// The value when it is a JSON string.
    public var string: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// A scalar as parameter text: strings as they are, numbers as written, booleans as
    /// `true`/`false`. Nil for null, arrays and objects.
    public var scalarText: String? {
        switch self {
        case .string(let string): string
        case .number(let literal): literal
        case .bool(let flag): flag ? "true" : "false"
        case .null, .array, .object: nil
        }
    }

    /// Any non-null value as parameter text: scalars as `scalarText`, arrays and objects as
    /// compact JSON.
    public var displayText: String? {
        switch self {
        case .null: nil
        case .array, .object: jsonText
        default: scalarText
        }
    }

    /// The value serialised the way Python's `json.dumps(value, ensure_ascii=False)` would.
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let literal): out += literal
        case .string(let string): out += JSONText.quote(string)
        case .array(let array):
            out += "["
            for (index, element) in array.enumerated() {
                if index > 0 { out += ", " }
                element.write(to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (index, entry) in object.entries.enumerated() {
                if index > 0 { out += ", " }
                out += JSONText.quote(entry.key)
                out += ": "
                entry.value.write(to: &out)
            }
            out += "}"
        }
    }
}

extension JSONObject {
    /// The first key of `keys` whose value is a non-empty string.
    public func firstString(_ keys: String...) -> String? {
        for key in keys {
            if let text = self[key]?.string, !text.isEmpty { return text }
        }
        return nil
    }
}

// MARK: - JSON string literals

/// JSON string literal encoding and decoding shared by the JSON parser and the A1111 infotext
/// quoting, so both agree with Python's `json` module byte for byte.
public enum JSONText {
    /// `json.dumps(text, ensure_ascii=False)`: quotes, backslashes and control characters are
    /// escaped (`\n`, `\t`… or `\u00XX` in lower-case hex), everything else is kept verbatim.
    public static func quote(_ text: String) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count + 2)
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `quote(text)` appended to `bytes` as UTF-8.
    public static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(0x22)
        // Escaping works on UTF-8 bytes: a multi-byte sequence never contains a byte below
        // 0x80, so escaping by byte is escaping by character, without decoding scalars.
        text.utf8.withContiguousStorageIfAvailable { utf8 in appendEscaped(utf8, to: &bytes) }
            ?? appendEscaped(Array(text.utf8), to: &bytes)
        bytes.append(0x22)
    }

    private static func appendEscaped(_ utf8: some Collection<UInt8>, to bytes: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for byte in utf8 {
            switch byte {
            case 0x22: bytes += [0x5C, 0x22]
            case 0x5C: bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, 0x6E]
            case 0x0D: bytes += [0x5C, 0x72]
            case 0x09: bytes += [0x5C, 0x74]
            case 0x08: bytes += [0x5C, 0x62]
            case 0x0C: bytes += [0x5C, 0x66]
            case 0..<0x20: bytes += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
    }

    /// Decodes one complete JSON string literal (quotes included), as `json.loads` would.
    /// Nil when `literal` is anything else, e.g. has text after the closing quote, or (strict
    /// mode, Python's default) holds a raw control character.
    public static func unquote(_ literal: String, strict: Bool = true) -> String? {
        var parser = JSONParser(literal, allowControlCharacters: !strict)
        guard case .string(let value)? = parser.parseDocument(allowingBOM: false) else { return nil }
        return value
    }
}
