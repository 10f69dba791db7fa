import Foundation
import GptimgSupport
import Testing

@testable import PNGMetadata

@Suite("Splicing and stripping text chunks")
struct EditorTests {
    let sample = [
        TextChunk(kind: .iTXt, keyword: "gptimg", text: #"{"schema":1,"prompt":"a lighthouse"}"#),
        TextChunk(kind: .tEXt, keyword: "Software", text: "gptimg 0.1.0"),
        TextChunk(kind: .iTXt, keyword: "Description", text: "a lighthouse 🌅"),
    ]

    @Test("embedding copies every IDAT byte as is, puts the chunks before the first IDAT, with valid CRCs")
    func spliceIsLossless() throws {
        let original = PNGFixtures.inserting(
            PNGFixtures.tEXt("Comment", latin1: "keep me"), into: PNGFixtures.image(width: 300, height: 200),
            afterImageData: true)
        let edited = try PNGEditor.splice(original, inserting: sample, removingKeywords: [])
        #expect(PNGFixtures.imageDataChunksRaw(edited) == PNGFixtures.imageDataChunksRaw(original))
        #expect(PNGFixtures.chunks(edited).allSatisfy { $0.crcValid })
        #expect(Array(edited.prefix(33)) == Array(original.prefix(33))) // signature and IHDR
        let types = PNGFixtures.chunks(edited).map(\.type)
        let firstIDAT = types.firstIndex(of: "IDAT")!
        #expect(Array(types[(firstIDAT - 3)..<firstIDAT]) == ["iTXt", "tEXt", "iTXt"])
        let report = try PNGMetadataReader.read(bytes: edited)
        #expect(report.textChunks.map(\.keyword) == ["gptimg", "Software", "Description", "Comment"])
        #expect(report.textChunks[2].text == "a lighthouse 🌅")
        // Only the inserted bytes differ from the original.
        #expect(edited.count == original.count + sample.map { try! TextChunkCodec.encode($0).count }.reduce(0, +))
    }

    @Test("re-embedding replaces our chunks, wherever they stood, instead of duplicating them")
    func replaceNotDuplicate() throws {
        let original = PNGFixtures.image()
        let once = try PNGEditor.splice(
            original, inserting: sample, removingKeywords: ["gptimg", "Software", "Description"])
        var updated = sample
        updated[2].text = "a lighthouse at dawn"
        let twice = try PNGEditor.splice(
            once, inserting: updated, removingKeywords: ["gptimg", "Software", "Description"])
        let report = try PNGMetadataReader.read(bytes: twice)
        #expect(report.textChunks.map(\.keyword) == ["gptimg", "Software", "Description"])
        #expect(report.textChunks[2].text == "a lighthouse at dawn")
        // A chunk of ours after the image data is removed too.
        let trailing = PNGFixtures.inserting(
            PNGFixtures.tEXt("Software", latin1: "gptimg 0.0.1"), into: once, afterImageData: true)
        let third = try PNGEditor.splice(
            trailing, inserting: updated, removingKeywords: ["gptimg", "Software", "Description"])
        #expect(try PNGMetadataReader.read(bytes: third).textChunks.filter { $0.keyword == "Software" }.count == 1)
    }

    @Test("stripping what was embedded gives back the original file, byte for byte")
    func stripRestoresOriginal() throws {
        let original = PNGFixtures.inserting(
            PNGFixtures.tEXt("Comment", latin1: "foreign"), into: PNGFixtures.image(width: 300, height: 300))
        let embedded = try PNGEditor.splice(original, inserting: sample, removingKeywords: [])
        let chunks = try PNGMetadataReader.read(bytes: embedded).textChunks
        let keywords = PNGEditor.keywordsToStrip(from: chunks, includeForeign: false)
        #expect(keywords == ["gptimg", "Software", "Description"])
        #expect(try PNGEditor.splice(embedded, inserting: [], removingKeywords: keywords) == original)
    }

    @Test("strip leaves foreign metadata unless asked, and then removes it too")
    func stripForeign() throws {
        let foreign = PNGFixtures.inserting(
            PNGFixtures.tEXt("parameters", latin1: "a cat\nSteps: 20, Sampler: Euler a, Seed: 1")
                + PNGFixtures.tEXt("Title", latin1: "kept"),
            into: PNGFixtures.image())
        let chunks = try PNGMetadataReader.read(bytes: foreign).textChunks
        #expect(PNGEditor.keywordsToStrip(from: chunks, includeForeign: false).isEmpty)
        let keywords = PNGEditor.keywordsToStrip(from: chunks, includeForeign: true)
        #expect(keywords == ["parameters"])
        let stripped = try PNGEditor.splice(foreign, inserting: [], removingKeywords: keywords)
        #expect(try PNGMetadataReader.read(bytes: stripped).textChunks.map(\.keyword) == ["Title"])
        #expect(PNGFixtures.imageData(stripped) == PNGFixtures.imageData(foreign))
    }

    @Test("the one stripper, bytes form: what `meta strip` and an export remove, or the same bytes")
    func strippedBytes() throws {
        let original = PNGFixtures.inserting(
            PNGFixtures.tEXt("prompt", latin1: #"{"3": {"class_type": "KSampler"}}"#)
                + PNGFixtures.tEXt("Title", latin1: "kept"),
            into: PNGFixtures.image())
        let embedded = try PNGEditor.splice(original, inserting: sample, removingKeywords: [])
        let ours = try PNGEditor.stripped(embedded, includeForeign: false)
        #expect(try PNGMetadataReader.read(bytes: ours).textChunks.map(\.keyword) == ["prompt", "Title"])
        let all = try PNGEditor.stripped(embedded, includeForeign: true)
        #expect(try PNGMetadataReader.read(bytes: all).textChunks.map(\.keyword) == ["Title"])
        #expect(PNGFixtures.imageData(all) == PNGFixtures.imageData(original))
        let clean = PNGFixtures.image(seed: 3)
        #expect(try PNGEditor.stripped(clean, includeForeign: true) == clean)
        #expect(throws: PNGError.self) { try PNGEditor.stripped(Array(clean.prefix(40)), includeForeign: true) }
    }

    @Test("the one stripper, file form: replaced atomically, the removed keywords in file order, untouched when clean")
    func strippedFile() throws {
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("image.png").path
        let original = PNGFixtures.image()
        let embedded = try PNGEditor.splice(original, inserting: sample, removingKeywords: [])
        try AtomicFile.write(embedded, to: path, durable: false)
        #expect(try PNGEditor.strip(fileAt: path, includeForeign: false) == ["gptimg", "Software", "Description"])
        #expect(try AtomicFile.read(path) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["image.png"])
        // Nothing to remove: the file is not rewritten (same inode).
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        #expect(try PNGEditor.strip(fileAt: path, includeForeign: true) == [])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == before)
        #expect(throws: PNGError.notRegularFile(path: directory.path)) {
            try PNGEditor.strip(fileAt: directory.path, includeForeign: true)
        }
    }

    @Test("text that is not Latin-1 is written as iTXt even when tEXt was asked for; NUL never ends a text early")
    func encodingChoices() throws {
        let chunks = [
            TextChunk(kind: .tEXt, keyword: "parameters", text: "plain latin-1 café"),
            TextChunk(kind: .tEXt, keyword: "Comment", text: "日本語"),
            TextChunk(kind: .iTXt, keyword: "Title", text: "a\u{0}b"),
            TextChunk(kind: .zTXt, keyword: "Big", text: String(repeating: "zip ", count: 100)),
        ]
        let report = try PNGMetadataReader.read(
            bytes: try PNGEditor.splice(PNGFixtures.image(), inserting: chunks, removingKeywords: []))
        #expect(report.textChunks.map(\.kind) == [.tEXt, .iTXt, .iTXt, .zTXt])
        #expect(report.textChunks[0].text == "plain latin-1 café")
        #expect(report.textChunks[1].text == "日本語")
        #expect(report.textChunks[2].text == "a?b")
        #expect(report.textChunks[3].text == String(repeating: "zip ", count: 100))
    }

    @Test("invalid keywords are refused")
    func invalidKeywords() {
        for keyword in ["", " lead", "trail ", "dou  ble", String(repeating: "k", count: 80), "tab\there", "emoji🙂"] {
            #expect(throws: PNGError.invalidKeyword(keyword)) {
                try PNGEditor.splice(
                    PNGFixtures.image(), inserting: [TextChunk(kind: .tEXt, keyword: keyword, text: "x")],
                    removingKeywords: [])
            }
        }
    }

    @Test("a damaged file is refused, not given new metadata; with verification a bad IDAT CRC is caught")
    func refusesDamage() throws {
        var png = PNGFixtures.image()
        let idat = PNGFixtures.chunks(png).first { $0.type == "IDAT" }!
        png[idat.offset + 10] ^= 0xFF
        #expect(throws: PNGError.badCriticalCRC(type: "IDAT", offset: idat.offset)) {
            try PNGEditor.splice(png, inserting: sample, removingKeywords: [], verifyImageData: true)
        }
        #expect(throws: PNGError.emptyFile) { try PNGEditor.splice([], inserting: sample, removingKeywords: []) }
    }
}

@Suite("Splicing files without reading their image data")
struct FileSpliceTests {
    static let ours = [
        TextChunk(kind: .iTXt, keyword: "gptimg", text: #"{"schema":1,"prompt":"x"}"#),
        TextChunk(kind: .tEXt, keyword: "Software", text: "gptimg 0.1.0"),
    ]

    /// Layouts a file can have: our chunks before and after the image data, foreign chunks,
    /// many IDATs, bytes after IEND.
    static func layouts() -> [[UInt8]] {
        let big = PNGFixtures.image(width: 300, height: 300)
        let withOurs = try! PNGEditor.splice(big, inserting: ours, removingKeywords: [])
        return [
            PNGFixtures.image(),
            big,
            withOurs,
            PNGFixtures.inserting(
                PNGFixtures.tEXt("Software", latin1: "gptimg old") + PNGFixtures.tEXt("Comment", latin1: "keep"),
                into: withOurs, afterImageData: true),
            PNGFixtures.inserting(PNGFixtures.tEXt("Comment", latin1: "foreign"), into: big) + [9, 9, 9],
        ]
    }

    @Test("the file splice writes exactly the bytes of the in-memory splice", arguments: 0..<5)
    func sameBytes(layout: Int) throws {
        let original = Self.layouts()[layout]
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("in.png").path
        let destination = directory.appendingPathComponent("out.png").path
        try AtomicFile.write(original, to: source, durable: false)
        let keywords: Set<String> = ["gptimg", "Software"]
        try PNGEditor.spliceFile(at: source, to: destination, removingKeywords: keywords, durable: false) { _ in
            Self.ours
        }
        let expected = try PNGEditor.splice(original, inserting: Self.ours, removingKeywords: keywords)
        #expect(try AtomicFile.read(destination) == expected)
        #expect(try AtomicFile.read(source) == original)
        // In place, and durable.
        try PNGEditor.spliceFile(at: source, to: source, removingKeywords: keywords, durable: true) { _ in Self.ours }
        #expect(try AtomicFile.read(source) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["in.png", "out.png"])
    }

    @Test("across filesystems (where copy_file_range may refuse) the copy is still exact")
    func acrossFilesystems() throws {
        guard FileManager.default.fileExists(atPath: "/dev/shm") else { return }
        let original = Self.layouts()[3]
        let source = "/dev/shm/gptimg-\(UUID().uuidString).png"
        defer { unlink(source) }
        try AtomicFile.write(original, to: source, durable: false)
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appendingPathComponent("out.png").path
        try PNGEditor.spliceFile(at: source, to: destination, removingKeywords: ["gptimg"], durable: false) { _ in
            Self.ours
        }
        #expect(
            try AtomicFile.read(destination)
                == PNGEditor.splice(original, inserting: Self.ours, removingKeywords: ["gptimg"]))
    }

    @Test("a file that fails leaves the destination untouched and no temporary file behind")
    func failureLeavesNothing() throws {
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.png").path
        let truncated = Array(PNGFixtures.image(width: 200, height: 200).dropLast(100))
        try AtomicFile.write(truncated, to: path, durable: false)
        #expect(throws: PNGError.self) {
            try GptimgEmbedding.embedFile(GptimgMetadata(prompt: "p"), at: path, durable: false)
        }
        #expect(try AtomicFile.read(path) == truncated)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["bad.png"])
        // A bad IDAT CRC is only caught when asked to verify.
        var damaged = PNGFixtures.image()
        damaged[PNGFixtures.chunks(damaged).first { $0.type == "IDAT" }!.offset + 9] ^= 1
        try AtomicFile.write(damaged, to: path, durable: false)
        #expect(throws: PNGError.self) {
            try GptimgEmbedding.embedFile(GptimgMetadata(prompt: "p"), at: path, durable: false, verifyImageData: true)
        }
        #expect(try AtomicFile.read(path) == damaged)
    }
}
