import Foundation
import PNGMetadata
import Testing

@testable import GptimgCLI
@testable import PNGMetadata

@Suite("JSON output")
struct JSONOutTests {
    @Test("strings are escaped per RFC 8259 and parse back exactly")
    func escaping() throws {
        let hostile = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{07} esc \u{1B} 🌅 灯台 </script>"
        let rendered = JSONOut.object([("k", .string(hostile)), ("n", .null), ("b", .bool(false)), ("i", .int(-42))]).rendered
        #expect(!rendered.unicodeScalars.contains { $0.value < 0x20 })
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: Any])
        #expect(parsed["k"] as? String == hostile)
        #expect(parsed["n"] is NSNull)
        #expect(parsed["i"] as? Int == -42)
        #expect(rendered.hasPrefix(#"{"k":"#))
    }

    @Test("our metadata renders with exactly the keys and values of the embedded schema")
    func metadataMatchesSchema() throws {
        let metadata = GptimgMetadata(
            prompt: "p \"q\"", aspectRatio: "3:2", n: 4, index: 3, type: "image-to-image",
            referenceImages: ["https://a/b.png"], taskID: "gpt-image-2-x", rowID: "x", createdAt: "2026-01-01T00:00:00.000Z",
            parent: .init(taskID: "gpt-image-2-y", index: 1), remoteURL: "https://r/x.png", tags: ["t"])
        let ours = try JSONSerialization.jsonObject(with: Data(metadata.json.rendered.utf8)) as! NSDictionary
        let codable = try JSONSerialization.jsonObject(with: JSONEncoder().encode(metadata)) as! NSDictionary
        #expect(ours == codable)
        let bare = GptimgMetadata(prompt: "only")
        let bareOurs = try JSONSerialization.jsonObject(with: Data(bare.json.rendered.utf8)) as! NSDictionary
        let bareCodable = try JSONSerialization.jsonObject(with: JSONEncoder().encode(bare)) as! NSDictionary
        #expect(bareOurs == bareCodable)
    }
}
