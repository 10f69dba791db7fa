import Foundation
import GptimgSupport
import Testing

@Suite("JSON: the one reader and writer")
struct JSONTests {
    static let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    static let deepObject = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)

    @Test func deepJSONIsRejectedNotOverflowed() {
        #expect(JSONValue.parse(Self.deep) == nil)
        #expect(JSONValue.parse(Self.deepObject) == nil)
        let shallow = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(JSONValue.parse(shallow) != nil)
    }

    @Test func parserKeepsNumbersAndOrder() throws {
        let value = try #require(
            JSONValue.parse(
                #" {"b": 18446744073709551615, "a": 7.0, "b": -1e-3, "c": [true, null, "\u00e9\ud83c\udfa8"]} "#))
        let object = try #require(value.object)
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"]?.scalarText == "-1e-3")
        #expect(object["a"]?.scalarText == "7.0")
        #expect(object["c"]?.jsonText == #"[true, null, "é🎨"]"#)
        #expect(JSONValue.parse("[1,]") == nil)
        #expect(JSONValue.parse("01") == nil)
        #expect(JSONValue.parse("{\"a\": 1} x") == nil)
        #expect(JSONValue.parse("\"\\ud800\"") == .string("\u{FFFD}"))
    }

    @Test("bytes that are not UTF-8 are not JSON")
    func bytes() {
        #expect(JSONValue.parse(bytes: Array(#"{"a": "é"}"#.utf8)) != nil)
        #expect(JSONValue.parse(bytes: [0x22, 0xC3, 0x22]) == nil) // a cut two-byte sequence
        #expect(JSONValue.parse(bytes: []) == nil)
    }

    @Test("strings are escaped per RFC 8259 and parse back exactly")
    func escaping() throws {
        let hostile = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{07} esc \u{1B} 🌅 灯台 </script>"
        let value = JSONOut.object([("k", .string(hostile)), ("n", .null), ("b", .bool(false)), ("i", .int(-42))])
        let rendered = value.rendered
        #expect(!rendered.unicodeScalars.contains { $0.value < 0x20 })
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: Any])
        #expect(parsed["k"] as? String == hostile)
        #expect(parsed["n"] is NSNull)
        #expect(parsed["i"] as? Int == -42)
        #expect(rendered.hasPrefix(#"{"k":"#))
        // And our own reader reads back what our writer wrote.
        #expect(JSONValue.parse(rendered)?["k"]?.string == hostile)
    }

    // MARK: - Typed reads

    enum Colour: String { case red, green }

    static func reader(_ text: String) throws -> JSONReader {
        try JSONReader(parsing: Array(text.utf8))
    }

    @Test("typed reads name the path of the first value that does not fit")
    func shapeErrors() throws {
        let cases: [(String, (JSONReader) throws -> Void, String)] = [
            ("not json", { _ in }, "the body is not JSON"),
            (#"["an", "array"]"#, { _ in }, "the body has the wrong type"),
            (#"{"a": 1}"#, { _ = try $0.string("name") }, "name is missing"),
            (#"{"name": null}"#, { _ = try $0.string("name") }, "name has the wrong type"),
            (#"{"name": 5}"#, { _ = try $0.string("name") }, "name has the wrong type"),
            (#"{"data": {"n": "2"}}"#, { _ = try $0.required("data").int("n") }, "data.n has the wrong type"),
            (#"{"data": {"n": 2.5}}"#, { _ = try $0.required("data").int("n") }, "data.n has an unexpected value"),
            (
                #"{"colour": "blue"}"#, { _ = try $0.required("colour").asCase(of: Colour.self) },
                "colour has an unexpected value"
            ),
            (#"{"colour": 1}"#, { _ = try $0.required("colour").asCase(of: Colour.self) }, "colour has the wrong type"),
            (
                #"{"data": {"images": [{"url": "a"}, {}]}}"#,
                { _ = try $0.required("data").required("images").asArray().map { try $0.string("url") } },
                "data.images[1].url is missing"
            ),
            (#"{"flag": "yes"}"#, { _ = try $0.bool("flag") }, "flag has the wrong type"),
            (#"{"list": {}}"#, { _ = try $0.required("list").asArray() }, "list has the wrong type"),
        ]
        for (text, read, message) in cases {
            do {
                try read(try Self.reader(text))
                Issue.record("\(text) was read")
            } catch let error as JSONShapeError {
                #expect(error.description == message, "\(text)")
            }
        }
    }

    @Test("optional members are nil when absent or null, and still checked when present")
    func optionals() throws {
        let json = try Self.reader(#"{"a": null, "b": "x", "n": 3, "big": 99999999999999999999}"#)
        #expect(try json.optionalString("a") == nil)
        #expect(try json.optionalString("missing") == nil)
        #expect(try json.optionalString("b") == "x")
        #expect(try json.optionalInt("n") == 3)
        #expect(throws: JSONShapeError.unexpectedValue(path: "big")) { try json.optionalInt("big") }
        #expect(throws: JSONShapeError.wrongType(path: "b")) { try json.optionalInt("b") }
    }
}
