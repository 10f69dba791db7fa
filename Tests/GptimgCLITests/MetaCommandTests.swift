import Foundation
import GptimgSupport
import PNGMetadata
import PNGRaster
import TestSupport
import Testing

@testable import GptimgCLI

/// `gptimg meta read` and `gptimg meta strip`, run in-process.
@Suite("gptimg meta")
struct MetaCommandTests {
    let gptimg = Gptimg()

    static func samplePNG(width: Int = 96, height: Int = 64, seed: UInt8 = 0) -> [UInt8] {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                pixels += [
                    UInt8(truncatingIfNeeded: x &* 3 &+ Int(seed)), UInt8(truncatingIfNeeded: y &* 4),
                    UInt8(truncatingIfNeeded: x ^ y), 255,
                ]
            }
        }
        return try! RGBAImage(width: width, height: height, pixels: pixels).pngData()
    }

    func makeLibrary() throws -> (URL, good: String, foreign: String, text: String, empty: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let good = directory.appendingPathComponent("ours.png").path
        let metadata = GptimgMetadata(
            prompt: "A red apple on white marble", aspectRatio: "1:1", taskID: "gpt-image-2-kUtpnus8fXpDKkuEjayG3",
            createdAt: "2026-04-22T00:12:03.456Z")
        try AtomicFile.write(try GptimgEmbedding.embed(metadata, into: Self.samplePNG()), to: good, durable: false)
        let foreign = directory.appendingPathComponent("a1111.png").path
        let infotext = TextChunk(
            kind: .tEXt, keyword: "parameters",
            text:
                """
                a cat in a hat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: \
                96x64
                """
        )
        try AtomicFile.write(
            try PNGEditor.splice(Self.samplePNG(seed: 9), inserting: [infotext], removingKeywords: []), to: foreign,
            durable: false)
        let text = directory.appendingPathComponent("notes.png").path
        try AtomicFile.write(Array("just some text\n".utf8), to: text, durable: false)
        let empty = directory.appendingPathComponent("empty.png").path
        try AtomicFile.write([], to: empty, durable: false)
        return (directory, good, foreign, text, empty)
    }

    @Test("meta read shows the prompt, parameters and text chunks of ours and foreign files")
    func readText() async throws {
        let library = try makeLibrary()
        defer { try? FileManager.default.removeItem(at: library.0) }
        let result = await gptimg(["meta", "read", library.good, library.foreign])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.contains("generator  gptimg"))
        #expect(result.stdout.contains("prompt     A red apple on white marble"))
        #expect(result.stdout.contains("gpt-image-2-kUtpnus8fXpDKkuEjayG3"))
        #expect(result.stdout.contains("generator  a1111"))
        #expect(result.stdout.contains("negative   blurry"))
        #expect(result.stdout.contains("96x64 8-bit RGB"))
    }

    @Test("meta read --json: one object per file, in the order given")
    func readJSON() async throws {
        let library = try makeLibrary()
        defer { try? FileManager.default.removeItem(at: library.0) }
        let result = await gptimg(["meta", "read", "--json", library.good, library.foreign])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(lines.count == 2)
        #expect(lines[0]["file"] as? String == library.good)
        let generation = try #require(lines[0]["generation"] as? [String: Any])
        #expect(generation["generator"] as? String == "gptimg")
        #expect(generation["prompt"] as? String == "A red apple on white marble")
        #expect((generation["gptimg"] as? [String: Any])?["task_id"] as? String == "gpt-image-2-kUtpnus8fXpDKkuEjayG3")
        #expect((lines[0]["text_chunks"] as? [[String: Any]])?.count == 7)
        let foreign = try #require(lines[1]["generation"] as? [String: Any])
        #expect(foreign["negative_prompt"] as? String == "blurry")
        #expect((foreign["parameters"] as? [[String: String]])?.first { $0["key"] == "Seed" }?["value"] == "1234")
    }

    @Test("a bad file gets one line naming it and the reason; the others are still read; exit 1")
    func badFilesDoNotStopTheRest() async throws {
        let library = try makeLibrary()
        defer { try? FileManager.default.removeItem(at: library.0) }
        let missing = library.0.appendingPathComponent("missing.png").path
        let result = await gptimg(["meta", "read", library.text, library.good, library.empty, missing, "/dev/null"])
        #expect(result.status == 1)
        let errors = result.stderr.split(separator: "\n").map(String.init)
        #expect(
            errors == [
                "gptimg: \(library.text): not a PNG file (it looks like a text file)",
                "gptimg: \(library.empty): empty file (0 bytes): not a PNG",
                "gptimg: \(missing): cannot read the file: No such file or directory",
                "gptimg: /dev/null: not a regular file (a folder, device or pipe)",
            ])
        #expect(result.stdout.contains("A red apple on white marble"))
        let json = await gptimg(["meta", "read", "--json", library.text, library.good])
        #expect(json.status == 1)
        let first = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.split(separator: "\n")[0].utf8))
                as? [String: Any])
        #expect(first["file"] as? String == library.text)
        #expect(first["error"] as? String == "not a PNG file (it looks like a text file)")
        #expect(first["schema_version"] as? Int == 1 && first.count == 3)
        // With --json, the file's error on stderr is a JSON object too.
        let error = try #require(jsonObjects(json.stderr).first?["error"] as? [String: Any])
        #expect(error["code"] as? String == "file")
        #expect(error["message"] as? String == "\(library.text): not a PNG file (it looks like a text file)")
    }

    @Test("meta strip removes our chunks, keeps the pixels byte for byte, and is idempotent")
    func strip() async throws {
        let library = try makeLibrary()
        defer { try? FileManager.default.removeItem(at: library.0) }
        let before = try AtomicFile.read(library.good)
        let result = await gptimg(["meta", "strip", library.good, library.foreign, library.text])
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                """
                \(library.good): removed gptimg, parameters, Description, Software, Creation Time, Source, \
                XML:com.adobe.xmp
                """
            ))
        #expect(result.stdout.contains("\(library.foreign): no generation metadata to remove"))
        #expect(result.stderr == "gptimg: \(library.text): not a PNG file (it looks like a text file)\n")
        let after = try AtomicFile.read(library.good)
        #expect(try PNGMetadataReader.read(bytes: after).textChunks.isEmpty)
        #expect(after == Self.samplePNG())
        #expect(before.count > after.count)
        let foreign = await gptimg(["meta", "strip", "--foreign", "--json", library.foreign])
        #expect(
            foreign.stdout == """
                {"file":"\(library.foreign)","removed":["parameters"],"c2pa_manifest_bytes":null,\
                "provenance_kept":false,"schema_version":1}

                """)
        #expect(try AtomicFile.read(library.foreign) == Self.samplePNG(seed: 9))
    }

    @Test("a folder stands for every PNG under it, recursively, in sorted order")
    func folders() async throws {
        let library = try makeLibrary()
        defer { try? FileManager.default.removeItem(at: library.0) }
        let nested = library.0.appendingPathComponent("nested/deeper")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: library.good, toPath: nested.appendingPathComponent("copy.PNG").path)
        try Data("not an image".utf8).write(to: library.0.appendingPathComponent("readme.txt"))
        let result = await gptimg(["meta", "read", "--json", library.0.path])
        let files = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.compactMap { $0["file"] as? String }
        let root = library.0.path
        #expect(
            files == [
                "\(root)/a1111.png", "\(root)/empty.png", "\(root)/nested/deeper/copy.PNG", "\(root)/notes.png",
                "\(root)/ours.png",
            ])
        #expect(result.status == 1) // empty.png and notes.png are not PNGs
        #expect(result.stderr.split(separator: "\n").count == 2)
    }

    @Test("hostile text cannot drive the terminal: control characters are neutralised")
    func controlCharacters() async throws {
        let library = try makeLibrary()
        defer { try? FileManager.default.removeItem(at: library.0) }
        let path = library.0.appendingPathComponent("escape.png").path
        let hostile = TextChunk(kind: .iTXt, keyword: "Title", text: "\u{1B}]0;owned\u{07}\u{1B}[2Jtitle\r")
        try AtomicFile.write(
            try PNGEditor.splice(Self.samplePNG(), inserting: [hostile], removingKeywords: []), to: path, durable: false
        )
        let result = await gptimg(["meta", "read", path])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("\u{1B}") && !result.stdout.contains("\u{07}") && !result.stdout.contains("\r"))
        #expect(result.stdout.contains("title"))
    }
}
