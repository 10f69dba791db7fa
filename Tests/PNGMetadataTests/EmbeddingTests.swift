import Foundation
import GptimgSupport
import TestSupport
import Testing

@testable import PNGMetadata

/// What we embed, read back by us and by the tools our users use: pngcheck, exiftool, Pillow.
@Suite("Embedding gptimg metadata")
struct EmbeddingTests {
    static let hostilePrompt =
        "A \"lighthouse\", at dusk: <script>alert('x')</script> & waves\nsecond line — 灯台 🌅 \\ back"

    static func metadata(
        prompt: String = "A cinematic wide shot of a lone lighthouse on a cliff at sunset, oil painting style"
    ) -> GptimgMetadata {
        GptimgMetadata(
            prompt: prompt, aspectRatio: "16:9", n: 2, index: 1, type: "image-to-image",
            referenceImages: ["https://example.com/a.png", "https://example.com/b,c.png"],
            taskID: "gpt-image-2-kUtpnus8fXpDKkuEjayG3", rowID: "kUtpnus8fXpDKkuEjayG3",
            createdAt: "2026-04-22T00:12:03.456Z", completedAt: "2026-04-22T00:13:02.789Z",
            parent: .init(taskID: "gpt-image-2-AAAAAAAAAAAAAAAAAAAAA", index: 0),
            remoteURL: "https://file.gptimg.co/gpt-image-2-outputs/f063a662.png", tags: ["sea", "dusk"])
    }

    @Test("the chunk set: gptimg JSON, parameters, Description, Software, Creation Time, Source, XMP")
    func chunkSet() throws {
        let embedded = try GptimgEmbedding.embed(Self.metadata(), into: PNGFixtures.image(width: 300, height: 200))
        let report = try PNGMetadataReader.read(bytes: embedded)
        #expect(report.warnings.isEmpty)
        #expect(
            report.textChunks.map(\.keyword) == [
                "gptimg", "parameters", "Description", "Software", "Creation Time", "Source", "XML:com.adobe.xmp",
            ])
        #expect(report.textChunks.map(\.kind) == [.iTXt, .tEXt, .iTXt, .tEXt, .tEXt, .tEXt, .iTXt])
        #expect(report.textChunks.text(for: "Software") == "gptimg \(GptimgBuild.version)")
        #expect(report.textChunks.text(for: "Creation Time") == "Wed, 22 Apr 2026 00:12:03 GMT")
        #expect(report.textChunks.text(for: "Source") == "gpt-image-2")
        #expect(report.textChunks.text(for: "Description") == Self.metadata().prompt)
        let decoded = try JSONDecoder().decode(
            GptimgMetadata.self, from: Data(report.textChunks.text(for: "gptimg")!.utf8))
        #expect(decoded == Self.metadata())
        #expect(XMPPacket.description(in: report.textChunks.text(for: "XML:com.adobe.xmp")!) == Self.metadata().prompt)
        // The reader shows our settings as the infotext has them, Size from IHDR included.
        #expect(report.generation?.generator == .gptimg)
        #expect(report.generation?.parameters == Self.metadata().generationParameters(width: 300, height: 200))
        #expect(report.generation?.parameter("Size") == "300x200")
        #expect(PNGFixtures.chunks(embedded).allSatisfy { $0.crcValid })
        #expect(
            PNGFixtures.imageDataChunksRaw(embedded)
                == PNGFixtures.imageDataChunksRaw(PNGFixtures.image(width: 300, height: 200)))
    }

    @Test("the JSON has every schema-1 key, null included, and nothing else")
    func jsonShape() throws {
        let json = GptimgEmbedding.json(GptimgMetadata(prompt: "p"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "schema", "prompt", "aspect_ratio", "n", "index", "type", "reference_images", "task_id", "row_id",
                "provider", "model", "created_at", "completed_at", "parent", "remote_url", "tags",
            ])
        #expect(object["schema"] as? Int == 1)
        #expect(object["parent"] is NSNull)
    }

    @Test("parameters is A1111 infotext a strict reader accepts: prompt first, >= 3 pairs, values quoted")
    func parametersAreStrictInfotext() throws {
        for prompt in [Self.metadata().prompt, Self.hostilePrompt, "Negative prompt: not really\nstill the prompt"] {
            let text = GptimgEmbedding.infotext(Self.metadata(prompt: prompt), width: 1536, height: 864)
            #expect(A1111Infotext.validateStrict(text) == [], "\(text)")
            let parsed = try #require(A1111Infotext.parse(text))
            let settings = text.split(separator: "\n", omittingEmptySubsequences: false).last!
            #expect(
                settings.hasPrefix(
                    """
                    Model: gpt-image-2, Aspect ratio: "16:9", Size: 1536x864, Type: image-to-image, Task: \
                    gpt-image-2-kUtpnus8fXpDKkuEjayG3, Image: 2 of 2
                    """
                ))
            #expect(parsed.parameters.first { $0.key == "Aspect ratio" }?.value == "16:9")
            #expect(
                parsed.parameters.first { $0.key == "References" }?.value
                    == "https://example.com/a.png https://example.com/b,c.png")
            #expect(parsed.parameters.first { $0.key == "Tags" }?.value == "sea, dusk")
            #expect(
                parsed.parameters.first { $0.key == "Parent" }?.value == "gpt-image-2-AAAAAAAAAAAAAAAAAAAAA image 1")
            #expect(parsed.parameters.last == Parameter("Version", "gptimg \(GptimgBuild.version)"))
            #expect(parsed.prompt == GptimgEmbedding.guardedPrompt(prompt))
            #expect(parsed.negativePrompt == nil)
        }
    }

    @Test("only prompt lines that A1111 would take for a negative prompt are guarded")
    func guardedPrompt() {
        #expect(GptimgEmbedding.guardedPrompt("a\nNegative prompt: b") == "a\n\u{200B}Negative prompt: b")
        #expect(GptimgEmbedding.guardedPrompt("  Negative prompt: b") == "\u{200B}  Negative prompt: b")
        #expect(GptimgEmbedding.guardedPrompt("no Negative prompt: here") == "no Negative prompt: here")
    }

    @Test("embedding twice replaces, never duplicates, and an embedded file re-read gives the same metadata")
    func reembed() throws {
        let once = try GptimgEmbedding.embed(Self.metadata(), into: PNGFixtures.image())
        var changed = Self.metadata()
        changed.prompt = "changed"
        let twice = try GptimgEmbedding.embed(changed, into: once)
        let report = try PNGMetadataReader.read(bytes: twice)
        #expect(report.textChunks.count == 7)
        #expect(report.textChunks.text(for: "Description") == "changed")
        #expect(twice.count - once.count < 100) // only the prompt's length changed
    }

    @Test("the API key never reaches a file: only GptimgMetadata's fields are written")
    func noSecretsInFile() throws {
        let embedded = try GptimgEmbedding.embed(Self.metadata(), into: PNGFixtures.image())
        let text = String(decoding: embedded, as: UTF8.self)
        #expect(!text.contains("Bearer"))
        #expect(!text.contains("/tmp") && !text.contains(NSHomeDirectory()))
    }

    // MARK: - Other tools read what we wrote

    func writeEmbedded(_ metadata: GptimgMetadata) throws -> (URL, String) {
        let directory = PNGFixtures.temporaryDirectory()
        let path = directory.appendingPathComponent("embedded.png").path
        try AtomicFile.write(PNGFixtures.image(width: 320, height: 180), to: path, durable: false)
        try GptimgEmbedding.embedFile(metadata, at: path, durable: true)
        return (directory, path)
    }

    @Test("pngcheck: the file is valid and shows our text")
    func pngcheck() async throws {
        let (directory, path) = try writeEmbedded(Self.metadata())
        defer { try? FileManager.default.removeItem(at: directory) }
        let verbose = try await ProcessRunner.run(["pngcheck", "-v", path])
        #expect(verbose.status == 0, "\(verbose.stdout)\(verbose.stderr)")
        #expect(verbose.stdout.contains("No errors detected"))
        let text = try await ProcessRunner.run(["pngcheck", "-t", path])
        #expect(text.stdout.contains("lighthouse on a cliff at sunset"))
        #expect(text.stdout.contains("gpt-image-2-kUtpnus8fXpDKkuEjayG3"))
    }

    @Test("exiftool reads the prompt from Description, parameters and XMP, unicode and markup intact")
    func exiftool() async throws {
        let (directory, path) = try writeEmbedded(Self.metadata(prompt: Self.hostilePrompt))
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await ProcessRunner.run(["exiftool", "-j", "-G1", "-a", "-charset", "utf8", path])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let tags = try #require(objects.first)
        #expect(tags["PNG:Description"] as? String == Self.hostilePrompt)
        #expect(tags["XMP-dc:Description"] as? String == Self.hostilePrompt)
        #expect((tags["PNG:Parameters"] as? String)?.hasPrefix(Self.hostilePrompt + "\n") == true)
        #expect(tags["PNG:Software"] as? String == "gptimg \(GptimgBuild.version)")
        #expect(tags["XMP-xmp:CreatorTool"] as? String == "gptimg \(GptimgBuild.version)")
        #expect(result.stderr.isEmpty)
        #expect(tags["ExifTool:Warning"] == nil, "\(tags["ExifTool:Warning"] ?? "")")
    }

    @Test("Pillow opens, verifies and decodes the file, and reads every chunk we wrote")
    func pillow() async throws {
        let (directory, path) = try writeEmbedded(Self.metadata(prompt: Self.hostilePrompt))
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = """
            import json, sys
            from PIL import Image
            with Image.open(sys.argv[1]) as im:
                im.verify()
            with Image.open(sys.argv[1]) as im:
                im.load()
                print(json.dumps({"size": im.size, "text": im.text}))
            """
        let result = try await ProcessRunner.run(["python3", "-c", script, path])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let text = try #require(object["text"] as? [String: String])
        #expect(object["size"] as? [Int] == [320, 180])
        #expect(text["Description"] == Self.hostilePrompt)
        #expect(text["parameters"]?.hasPrefix(Self.hostilePrompt) == true)
        let json = try JSONDecoder().decode(GptimgMetadata.self, from: Data(try #require(text["gptimg"]).utf8))
        #expect(json.prompt == Self.hostilePrompt)
    }

    @Test("our metadata renders with exactly the keys and values of the embedded schema")
    func metadataMatchesSchema() throws {
        let metadata = GptimgMetadata(
            prompt: "p \"q\"", aspectRatio: "3:2", n: 4, index: 3, type: "image-to-image",
            referenceImages: ["https://a/b.png"], taskID: "gpt-image-2-x", rowID: "x",
            createdAt: "2026-01-01T00:00:00.000Z",
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
