/// Why a JSON document does not have the shape its reader expects, naming the first value that
/// does not fit by its path (`data.images[0].url`).
public enum JSONShapeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not JSON at all (or not UTF-8, or nested too deep).
    case notJSON
    case missing(path: String)
    /// A value of another JSON type, or null where a value is required.
    case wrongType(path: String)
    /// A value of the right type that is not one of those allowed (an unknown status).
    case unexpectedValue(path: String)

    public var description: String {
        switch self {
        case .notJSON: "the body is not JSON"
        case .missing(let path): "\(Self.name(path)) is missing"
        case .wrongType(let path): "\(Self.name(path)) has the wrong type"
        case .unexpectedValue(let path): "\(Self.name(path)) has an unexpected value"
        }
    }

    private static func name(_ path: String) -> String { path.isEmpty ? "the body" : path }
}

/// Typed reads from a parsed JSON value, each naming the path of a value that does not fit: the
/// API's bodies are read with it, field by field, in the order the types declare them, so the
/// error names the first field that is wrong.
///
/// Required fields (`string`, `int`…) are missing when absent and of the wrong type when null;
/// optional ones (`optionalString`…) are nil when absent or null.
public struct JSONReader: Sendable {
    public let value: JSONValue
    /// Where `value` stands in the document: "" for the root, `data.images[0]` below it.
    public let path: String

    public init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    /// Parses UTF-8 `bytes` and reads the document's root, which must be an object.
    public init(parsing bytes: [UInt8]) throws(JSONShapeError) {
        guard let value = JSONValue.parse(bytes: bytes) else { throw .notJSON }
        guard case .object = value else { throw .wrongType(path: "") }
        self.init(value)
    }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The member `key` of this object, or nil when absent or null.
    public func optional(_ key: String) throws(JSONShapeError) -> JSONReader? {
        guard case .object(let object) = value else { throw .wrongType(path: path) }
        switch object[key] {
        case nil, .null?: return nil
        case let member?: return JSONReader(member, path: childPath(key))
        }
    }

    /// The member `key` of this object, which must be present and not null.
    public func required(_ key: String) throws(JSONShapeError) -> JSONReader {
        guard case .object(let object) = value else { throw .wrongType(path: path) }
        switch object[key] {
        case nil: throw .missing(path: childPath(key))
        case .null?: throw .wrongType(path: childPath(key))
        case let member?: return JSONReader(member, path: childPath(key))
        }
    }

    // MARK: - This value as a type

    public func asString() throws(JSONShapeError) -> String {
        guard case .string(let text) = value else { throw .wrongType(path: path) }
        return text
    }

    public func asBool() throws(JSONShapeError) -> Bool {
        guard case .bool(let flag) = value else { throw .wrongType(path: path) }
        return flag
    }

    /// An integer written as one (`2`, not `2.5` or `"2"`); one that does not fit in `Int` is an
    /// unexpected value.
    public func asInt() throws(JSONShapeError) -> Int {
        guard case .number(let literal) = value else { throw .wrongType(path: path) }
        guard let number = Int(literal) else { throw .unexpectedValue(path: path) }
        return number
    }

    /// One of `Value`'s raw values.
    public func asCase<Value: RawRepresentable>(of type: Value.Type = Value.self) throws(JSONShapeError) -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: try asString()) else { throw .unexpectedValue(path: path) }
        return value
    }

    /// The elements of this array, each read at its own path (`images[2]`).
    public func asArray() throws(JSONShapeError) -> [JSONReader] {
        guard case .array(let elements) = value else { throw .wrongType(path: path) }
        return elements.enumerated().map { JSONReader($1, path: path + "[\($0)]") }
    }

    // MARK: - Members

    public func string(_ key: String) throws(JSONShapeError) -> String { try required(key).asString() }
    public func bool(_ key: String) throws(JSONShapeError) -> Bool { try required(key).asBool() }
    public func int(_ key: String) throws(JSONShapeError) -> Int { try required(key).asInt() }

    public func optionalString(_ key: String) throws(JSONShapeError) -> String? {
        try optional(key)?.asString()
    }

    public func optionalInt(_ key: String) throws(JSONShapeError) -> Int? {
        try optional(key)?.asInt()
    }
}
