import Foundation
import Testing

@testable import PNGMetadata

/// Issue 14, item 1: every value read from a file is checked against its type where the file's
/// metadata is decoded; what does not fit is dropped with a warning, never stored or shown.
@Suite("Value shapes: what a file's values must look like")
struct ValueShapeTests {
    /// A real PNG (300×200) carrying a hand-written `gptimg` chunk.
    static func png(gptimgJSON json: String) -> [UInt8] {
        PNGFixtures.inserting(PNGFixtures.iTXt("gptimg", json), into: PNGFixtures.image(width: 300, height: 200))
    }

    @Test("an aspect ratio that would run a command is dropped with a warning; the size gives the ratio")
    func hostileAspectRatio() throws {
        let report = try PNGMetadataReader.read(
            bytes: Self.png(gptimgJSON: #"{"prompt":"a calm lake","aspect_ratio":"1:1 $(touch pwned)"}"#))
        let ours = try #require(report.generation?.gptimg)
        #expect(ours.prompt == "a calm lake")
        #expect(ours.aspectRatio == "3:2") // 300×200
        #expect(report.generation?.parameter("Aspect ratio") == "3:2")
        let warning = try #require(report.warnings.first { "\($0)".contains("aspect_ratio") })
        #expect(
            "\(warning)"
                == #"gptimg aspect_ratio "1:1 $(touch pwned)" is not W:H in digits (such as 16:9): value dropped"#)
    }

    @Test("every field of a hostile gptimg chunk: each bad value dropped with its own warning, the good ones kept")
    func everyField() throws {
        let json = """
            {"schema":1,"prompt":"p","aspect_ratio":"16:9","n":99,"index":-1,"type":"rm -rf /",
             "reference_images":["file:///etc/passwd","https://ok.example/a.png","https://user:pw@evil.example/x.png"],
             "task_id":"gpt-image-2-$(id)AAAAAAAAAAAAAA","row_id":"row 1;rm",
             "provider":"\\u001b[31mred","model":"gpt image 2",
             "created_at":"yesterday","completed_at":"2026-04-22T00:13:02.789Z","parent":{"task_id":"`id`","index":0},
             "remote_url":"javascript:alert(1)","tags":["ok","bad\\nline","\\u202egnp.exe"]}
            """
        let report = try PNGMetadataReader.read(bytes: Self.png(gptimgJSON: json))
        let ours = try #require(report.generation?.gptimg)
        #expect(ours.aspectRatio == "16:9")
        #expect(ours.n == 1 && ours.index == 0)
        #expect(ours.type == "image-to-image") // what its one good reference implies
        #expect(ours.referenceImages == ["https://ok.example/a.png"])
        #expect(ours.taskID == nil && ours.rowID == nil && ours.provider == nil && ours.model == nil)
        #expect(ours.createdAt == nil && ours.completedAt == "2026-04-22T00:13:02.789Z")
        #expect(ours.parent == nil && ours.remoteURL == nil)
        #expect(ours.tags == ["ok", "\u{202E}gnp.exe"]) // a bidi override is a tag's own business; a line break is not
        let fields = report.warnings.compactMap { warning -> String? in
            guard case .invalidValue(let field, _, _) = warning else { return nil }
            return field
        }
        #expect(
            fields == [
                "gptimg n", "gptimg index", "gptimg reference_images", "gptimg reference_images", "gptimg type",
                "gptimg task_id",
                "gptimg row_id", "gptimg provider", "gptimg model", "gptimg created_at", "gptimg remote_url",
                "gptimg parent.task_id",
                "gptimg tags",
            ])
        // A warning never carries a raw control character to the terminal that shows it.
        let provider = try #require(report.warnings.first { "\($0)".contains("provider") })
        #expect("\(provider)".contains(#""\u{1b}[31mred""#))
        #expect(!"\(report.warnings)".unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test("our own metadata passes untouched, and validating twice changes nothing")
    func ownMetadataIsUntouched() throws {
        let metadata = EmbeddingTests.metadata()
        let (checked, warnings) = metadata.validated(width: 300, height: 200)
        #expect(checked == metadata && warnings.isEmpty)
        let embedded = try GptimgEmbedding.embed(metadata, into: PNGFixtures.image(width: 300, height: 200))
        let report = try PNGMetadataReader.read(bytes: embedded)
        #expect(report.warnings.isEmpty)
        #expect(report.generation?.gptimg == metadata)

        let hostile = GptimgMetadata(
            prompt: "x", aspectRatio: "`reboot`", n: 0, index: 9, type: "?", taskID: "t", tags: ["\n"])
        let once = hostile.validated()
        #expect(!once.warnings.isEmpty)
        let twice = once.metadata.validated()
        #expect(twice.metadata == once.metadata && twice.warnings.isEmpty)
    }

    @Test("a foreign model name with control characters is dropped; an ordinary one is kept")
    func foreignModel() throws {
        let bad = TextChunk(
            kind: .tEXt, keyword: "parameters",
            text: "a cat\nSteps: 20, Sampler: Euler a, Model: sdxl\u{07}\u{1b}]0;owned\u{07}")
        var warnings: [PNGWarning] = []
        let info = try #require(GenerationInfoParser.parse([bad], warnings: &warnings))
        #expect(info.parameter("Model") == nil)
        #expect(info.parameter("Steps") == "20")
        #expect(warnings.count == 1)
        #expect("\(warnings[0])".hasPrefix("a1111 Model \"sdxl\\u{7}\\u{1b}]0;owned"))

        let good = TextChunk(
            kind: .tEXt, keyword: "parameters", text: "a cat\nSteps: 20, Sampler: Euler a, Model: juggernaut XL (v9)")
        warnings = []
        #expect(GenerationInfoParser.parse([good], warnings: &warnings)?.parameter("Model") == "juggernaut XL (v9)")
        #expect(warnings.isEmpty)
    }

    @Test("aspect ratios: the API's 13 and foreign W:H in digits, nothing else")
    func aspectRatios() {
        for ratio in ValueShape.apiAspectRatios + ["13:19", "1:100000000", "2147483647:1"] {
            #expect(ValueShape.isAspectRatio(ratio), "\(ratio)")
        }
        for ratio in [
            "", ":", "1:", ":1", "1:1:1", "1:0", "0:1", "01:1", "1 :1", "1:1 ", "+1:1", "-1:1", "1.5:1", "١:١",
            "12345678901:1",
            "1:1 $(touch pwned)", "1:1;id", "16/9",
        ] {
            #expect(!ValueShape.isAspectRatio(ratio), "\(ratio)")
        }
        #expect(ValueShape.aspectRatio(width: 832, height: 1216) == "13:19")
        #expect(ValueShape.aspectRatio(width: 1536, height: 864) == "16:9")
        #expect(ValueShape.aspectRatio(width: 0, height: 5) == "1:1")
    }

    @Test("URLs: https anywhere, http on this machine only, nothing a shell or page would read differently")
    func urls() {
        for url in [
            "https://file.gptimg.co/out/f063a662.png", "https://cdn.example/x.png?token=abc&exp=1#frag",
            "http://127.0.0.1:8080/files/a-0.png",
            "http://localhost/x.png", "http://[::1]:9/x", "HTTPS://Example.COM/A%20B.png", "https://[2001:db8::1]/x",
        ] {
            #expect(ValueShape.isWebURL(url), "\(url)")
        }
        for url in [
            "", "https://", "https:///x", "http://example.com/x.png", "http://127.0.0.1.evil.example/x",
            "ftp://example.com/x",
            "javascript:alert(1)", "file:///etc/passwd", "https://user:pw@example.com/x", "https://example.com/a b.png",
            "https://example.com/$(id)`x`", "https://example.com/\"onerror=", "https://exa_mple.com/x",
            "https://example.com:123456/x",
            "https://[::1/x", "https://example.com/\u{202E}gnp",
            "https://" + String(repeating: "a", count: 2100) + ".com",
        ] {
            #expect(!ValueShape.isWebURL(url), "\(url)")
        }
        #expect(ValueShape.withoutQuery("https://cdn.example/x.png?token=abc#f") == "https://cdn.example/x.png")
        #expect(ValueShape.withoutQuery("https://cdn.example/x.png#f?x") == "https://cdn.example/x.png")
        #expect(ValueShape.withoutQuery("https://cdn.example/x.png") == "https://cdn.example/x.png")
    }

    @Test("ids, names, times and excerpts")
    func idsNamesTimes() {
        #expect(ValueShape.isTaskID("gpt-image-2-kUtpnus8fXpDKkuEjayG3"))
        #expect(!ValueShape.isTaskID("gpt-image-2-kUtpnus8fXpDKkuEjayG"))
        #expect(!ValueShape.isTaskID("gpt-image-2-kUtpnus8fXpDKkuEjay;3"))
        #expect(!ValueShape.isTaskID("gpt-image-3-kUtpnus8fXpDKkuEjayG3"))
        #expect(
            ValueShape.isTaskIDInFile("gpt-image-2-kUtpnus8fXpDKkuEjayG")
                && ValueShape.isTaskIDInFile("gpt-image-2-abc"))
        #expect(!ValueShape.isTaskIDInFile("gpt-image-2-") && !ValueShape.isTaskIDInFile("gpt-image-2-a b"))
        #expect(!ValueShape.isTaskIDInFile("gpt-image-2-" + String(repeating: "a", count: 65)))
        #expect(ValueShape.isIDInFile("row-42_x") && !ValueShape.isIDInFile("row 42") && !ValueShape.isIDInFile(""))
        #expect(ValueShape.isID("kUtpnus8fXpDKkuEjayG3") && !ValueShape.isID("kUtpnus8fXpDKkuEjayGé"))
        #expect(ValueShape.isName("gpt-image-2") && ValueShape.isName("openai/gpt-image-2:v1.5"))
        #expect(
            !ValueShape.isName("") && !ValueShape.isName("gpt image")
                && !ValueShape.isName(String(repeating: "a", count: 65)))
        #expect(
            ValueShape.isTimestamp("2026-04-22T00:12:03.456Z") && ValueShape.isTimestamp("2026-04-22T02:12:03+02:00"))
        #expect(!ValueShape.isTimestamp("2026-02-30T00:00:00Z") && !ValueShape.isTimestamp("now"))
        #expect(ValueShape.excerpt("a\u{1b}[2J\u{202E}b\\") == #"a\u{1b}[2J\u{202e}b\\"#)
        #expect(ValueShape.excerpt(String(repeating: "x", count: 50)) == String(repeating: "x", count: 40) + "…")
    }
}
