import MCP

/// JSON Schemas for tool inputs, written once: every tool's `inputSchema` is built from these,
/// and `ToolArguments` enforces the same shapes (the SDK does not).
enum ToolSchema {
    static func object(_ properties: [(String, Value)], required: [String] = []) -> Value {
        var schema: [String: Value] = [
            "type": "object",
            "properties": .object(Dictionary(properties, uniquingKeysWith: { first, _ in first })),
            "additionalProperties": false,
        ]
        if !required.isEmpty { schema["required"] = .array(required.map(Value.string)) }
        return .object(schema)
    }

    static func string(_ description: String, maxLength: Int = ToolArguments.maxText, values: [String]? = nil) -> Value
    {
        var schema: [String: Value] = ["type": "string", "description": .string(description)]
        if let values {
            schema["enum"] = .array(values.map(Value.string))
        } else {
            schema["maxLength"] = .int(maxLength)
        }
        return .object(schema)
    }

    static func integer(_ description: String, _ range: ClosedRange<Int>, default value: Int? = nil) -> Value {
        var schema: [String: Value] = [
            "type": "integer", "description": .string(description),
            "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound),
        ]
        if let value { schema["default"] = .int(value) }
        return .object(schema)
    }

    static func boolean(_ description: String, default value: Bool? = nil) -> Value {
        var schema: [String: Value] = ["type": "boolean", "description": .string(description)]
        if let value { schema["default"] = .bool(value) }
        return .object(schema)
    }

    static func strings(_ description: String, maxItems: Int = 100) -> Value {
        .object([
            "type": "array", "description": .string(description), "maxItems": .int(maxItems),
            "items": ["type": "string", "maxLength": 1000],
        ])
    }

    static let imageID: Value = .object([
        "description": "An image: its number, or 6+ hex digits of its SHA-256.",
        "type": .array(["integer", "string"]),
    ])

    static func imageIDs(_ description: String = "Images: their numbers, or 6+ hex digits of their SHA-256.") -> Value {
        .object([
            "type": "array", "description": .string(description), "minItems": 1, "maxItems": .int(ToolArguments.maxIDs),
            "items": ["type": .array(["integer", "string"])],
        ])
    }

    /// The property names of an object schema: the arguments a tool takes.
    static func properties(of schema: Value) -> [String] {
        schema.objectValue?["properties"]?.objectValue.map { Array($0.keys).sorted() } ?? []
    }
}
