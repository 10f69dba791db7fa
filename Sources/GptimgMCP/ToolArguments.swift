import GptimgSupport
import MCP

/// A tool call that cannot run as asked: its text is the one line the assistant sees (an MCP
/// tool error, `isError: true`), worded like the CLI's errors.
public struct ToolFailure: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A tool call's arguments, checked against what the tool takes. The SDK does not validate
/// arguments against a tool's `inputSchema`, and an assistant (or whoever speaks for it) can
/// send anything: every value is checked for its type and range here, and an argument the
/// tool does not take is refused rather than ignored (a misspelt `confirm` must not pass).
struct ToolArguments {
    let tool: String
    private let values: [String: Value]

    /// The longest text any argument may be: prompts are the longest real ones.
    static let maxText = 32_000
    /// The most IDs one call may name.
    static let maxIDs = 1000

    init(_ arguments: [String: Value]?, tool: String, allowed: [String]) throws(ToolFailure) {
        self.tool = tool
        self.values = arguments ?? [:]
        let unknown = values.keys.filter { !allowed.contains($0) }.sorted()
        if let first = unknown.first {
            let takes = allowed.isEmpty ? "no arguments" : allowed.joined(separator: ", ")
            throw ToolFailure("\(tool) does not take '\(Self.clip(first))' (it takes: \(takes))")
        }
    }

    func has(_ key: String) -> Bool {
        if let value = values[key], !value.isNull { return true }
        return false
    }

    /// A string argument: nil when absent (or null), an error when it is anything but a string.
    func string(_ key: String, maxLength: Int = maxText) throws(ToolFailure) -> String? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let text = Self.text(value) else { throw wrongType(key, "a string", value) }
        guard text.count <= maxLength else {
            throw ToolFailure("\(key) is too long (\(text.count) characters; at most \(maxLength))")
        }
        guard !text.unicodeScalars.contains("\0") else { throw ToolFailure("\(key) contains a NUL character") }
        return text
    }

    func requiredString(_ key: String, maxLength: Int = maxText) throws(ToolFailure) -> String {
        guard let text = try string(key, maxLength: maxLength) else { throw missing(key) }
        return text
    }

    /// A whole number in `range`. JSON has one number type: `5.0` arrives as a double and is
    /// taken when it is whole.
    func int(_ key: String, in range: ClosedRange<Int>) throws(ToolFailure) -> Int? {
        guard let value = values[key], !value.isNull else { return nil }
        let number: Int
        switch value {
        case .int(let whole): number = whole
        case .double(let real) where real.rounded() == real && abs(real) < 1e15: number = Int(real)
        default: throw wrongType(key, "a whole number", value)
        }
        guard range.contains(number) else {
            throw ToolFailure("\(key) must be from \(range.lowerBound) to \(range.upperBound) (got \(number))")
        }
        return number
    }

    func bool(_ key: String) throws(ToolFailure) -> Bool? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw wrongType(key, "true or false", value) }
        return flag
    }

    /// A list of strings (at most `maxCount`, each at most `maxLength` characters).
    func strings(_ key: String, maxCount: Int = 100, maxLength: Int = 1000) throws(ToolFailure) -> [String]? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let array = value.arrayValue else { throw wrongType(key, "a list of strings", value) }
        guard array.count <= maxCount else { throw ToolFailure("\(key) has \(array.count) items; at most \(maxCount)") }
        var result: [String] = []
        for item in array {
            guard let text = Self.text(item) else { throw wrongType(key, "a list of strings", value) }
            guard text.count <= maxLength, !text.unicodeScalars.contains("\0") else {
                throw ToolFailure("an item of \(key) is too long or contains a NUL character")
            }
            result.append(text)
        }
        return result
    }

    /// Image IDs: numbers, or strings (a number or 6+ hex digits of the SHA-256), as the CLI
    /// takes them; one ID alone is taken as a list of one.
    func ids(_ key: String, required: Bool = true) throws(ToolFailure) -> [String] {
        guard let value = values[key], !value.isNull else {
            if required { throw missing(key) }
            return []
        }
        let items = value.arrayValue ?? [value]
        guard !items.isEmpty || !required else { throw ToolFailure("\(key) is empty: give at least one image ID") }
        guard items.count <= Self.maxIDs else {
            throw ToolFailure("\(key) has \(items.count) IDs; at most \(Self.maxIDs) a call")
        }
        var ids: [String] = []
        for item in items {
            switch item {
            case .int(let number): ids.append(String(number))
            case .string(let text) where text.count <= 64: ids.append(text)
            default: throw wrongType(key, "image IDs (numbers, or 6+ hex digits of a SHA-256)", item)
            }
        }
        return ids
    }

    /// One image ID (a number or a SHA-256 prefix).
    func id(_ key: String) throws(ToolFailure) -> String {
        guard let value = values[key], !value.isNull else { throw missing(key) }
        switch value {
        case .int(let number): return String(number)
        case .string(let text) where text.count <= 64: return text
        default: throw wrongType(key, "an image ID (a number, or 6+ hex digits of a SHA-256)", value)
        }
    }

    private static func text(_ value: Value) -> String? {
        switch value {
        case .string(let text): return text
        // The SDK decodes a string that reads as a data: URL into `.data`; only a prompt could
        // be one, and its text is gone by then.
        default: return nil
        }
    }

    private func missing(_ key: String) -> ToolFailure {
        ToolFailure("\(tool) needs '\(key)'")
    }

    private func wrongType(_ key: String, _ expected: String, _ value: Value) -> ToolFailure {
        ToolFailure("\(key) must be \(expected), not \(Self.kind(value))")
    }

    static func kind(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int(let number): "the number \(number)"
        case .double(let number): "the number \(number)"
        case .string: "a string"
        case .data: "data"
        case .array: "a list"
        case .object: "an object"
        }
    }

    /// A name from the client, shortened and made printable for an error line.
    static func clip(_ text: String) -> String {
        let printable = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map {
                    $0.properties.generalCategory == .control ? "?" : $0
                }))
        return printable.count > 40 ? String(printable.prefix(40)) + "…" : printable
    }
}

extension JSONOut {
    /// The same JSON as the SDK's `Value`, for structured results.
    var mcpValue: Value {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(\.mcpValue))
        case .object(let members):
            .object(Dictionary(members.map { ($0.0, $0.1.mcpValue) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
