import Foundation
import Testing

@testable import PNGMetadata

@Suite("Reading text chunks")
struct ChunkReadingTests {
    @Test("tEXt, zTXt and iTXt (plain and compressed) are all read, with their kinds")
    func readsEveryTextKind() throws {
        let png = PNGFixtures.inserting(
            PNGFixtures.tEXt("Title", latin1: "A title")
                + PNGFixtures.zTXt("Comment", Array("compressed comment".utf8))
                + PNGFixtures.iTXt("Description", "ünïcödé 🌅", language: "en", translated: "Beschreibung")
                + PNGFixtures.iTXt("parameters", String(repeating: "long prompt ", count: 500), compressed: true),
            into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.warnings.isEmpty)
        #expect(report.textChunks.map(\.keyword) == ["Title", "Comment", "Description", "parameters"])
        #expect(report.textChunks.map(\.kind) == [.tEXt, .zTXt, .iTXt, .iTXt])
        #expect(report.textChunks[1].text == "compressed comment")
        #expect(report.textChunks[1].compressed)
        #expect(report.textChunks[2].text == "ünïcödé 🌅")
        #expect(report.textChunks[2].languageTag == "en")
        #expect(report.textChunks[2].translatedKeyword == "Beschreibung")
        #expect(report.textChunks[3].text == String(repeating: "long prompt ", count: 500))
        #expect(report.textChunks[3].compressed)
        #expect(report.header.width == 64 && report.header.height == 48)
    }

    @Test("text stored after the image data is read and marked as such")
    func readsTextAfterImageData() throws {
        let png = PNGFixtures.inserting(
            PNGFixtures.tEXt("parameters", latin1: "after the pixels"),
            into: PNGFixtures.image(width: 300, height: 300), afterImageData: true)
        #expect(PNGFixtures.chunks(png).filter { $0.type == "IDAT" }.count > 1)
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.textChunks.count == 1)
        #expect(report.textChunks[0].text == "after the pixels")
        #expect(report.textChunks[0].afterImageData)
    }

    @Test("tEXt is Latin-1 by the spec, but UTF-8 written there by generators is recognised")
    func latin1VersusUTF8() throws {
        let latin1 = PNGFixtures.tEXt("Comment", rawText: [0x63, 0x61, 0x66, 0xE9]) // "café" in Latin-1
        let utf8 = PNGFixtures.tEXt("Title", rawText: Array("café ☕".utf8))
        let png = PNGFixtures.inserting(latin1 + utf8, into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.textChunks[0].text == "café")
        #expect(report.textChunks[0].encoding == .latin1)
        #expect(report.textChunks[1].text == "café ☕")
        #expect(report.textChunks[1].encoding == .utf8)
    }

    @Test("reading from a file seeks past the image data and agrees with reading from memory")
    func fileAndMemoryAgree() throws {
        // Big enough that the text after the image data lies far outside the first read window.
        let png = PNGFixtures.inserting(
            PNGFixtures.iTXt("after", "far away", compressed: true),
            into: PNGFixtures.inserting(
                PNGFixtures.tEXt("before", latin1: "near"), into: PNGFixtures.image(width: 400, height: 400)),
            afterImageData: true)
        #expect(png.count > 200_000)
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("big.png").path
        try Data(png).write(to: URL(fileURLWithPath: path))
        let fromFile = try PNGMetadataReader.read(contentsOf: path)
        let fromMemory = try PNGMetadataReader.read(bytes: png)
        #expect(fromFile == fromMemory)
        #expect(fromFile.textChunks.map(\.text) == ["near", "far away"])
        let run = try #require(fromFile.chunks.first { $0.type == "IDAT" })
        let idats = PNGFixtures.chunks(png).filter { $0.type == "IDAT" }
        #expect(run.offset == idats.first!.offset)
        #expect(run.size == idats.map { $0.data.count + 12 }.reduce(0, +))
        #expect(run.count == nil) // stepped over, not counted
        #expect(
            try PNGMetadataReader.read(contentsOf: path, verifyImageData: true).chunks.first { $0.type == "IDAT" }?
                .count == idats.count)
    }

    @Test("stepping over the image data finds exactly what visiting every header finds", arguments: 0..<6)
    func fastPathAgreesWithFullWalk(layout: Int) throws {
        let big = PNGFixtures.image(width: 400, height: 300)
        let after = PNGFixtures.tEXt("Comment", latin1: "after") + PNGFixtures.iTXt("Title", "t", compressed: true)
        let layouts: [[UInt8]] = [
            big,
            PNGFixtures.inserting(after, into: big, afterImageData: true),
            // Text after the image data larger than the searched tail: the walk visits every header.
            PNGFixtures.inserting(
                PNGFixtures.tEXt("big", latin1: String(repeating: "x", count: 20_000)), into: big,
                afterImageData: true),
            // A bad CRC after the image data: not a valid chain, so every header is visited and the chunk warned about.
            PNGFixtures.inserting(
                PNGFixtures.chunk("tEXt", Array("k".utf8) + [0, 65], validCRC: false), into: big, afterImageData: true),
            PNGFixtures.image(width: 20, height: 20),
            // Bytes after IEND.
            PNGFixtures.inserting(after, into: big, afterImageData: true) + [1, 2, 3],
        ]
        let png = layouts[layout]
        let fast = try PNGMetadataReader.read(bytes: png)
        let full = try PNGMetadataReader.read(bytes: png, verifyImageData: true)
        #expect(fast.textChunks == full.textChunks)
        #expect(fast.warnings == full.warnings)
        #expect(fast.generation == full.generation)
        #expect(fast.chunks.map(\.offset) == full.chunks.map(\.offset))
        #expect(fast.chunks.map(\.size) == full.chunks.map(\.size))
    }

    @Test("a tail with two possible last IDATs is ambiguous, so every header is visited")
    func chainRules() {
        // IDAT(0) IDAT(0) IEND: only the second may be the last IDAT (no IDAT may follow it).
        let idat = PNGFixtures.chunk("IDAT", [])
        let tail = idat + idat + PNGFixtures.chunk("IEND", [])
        tail.withUnsafeBytes { bytes in
            #expect(!ChunkWalker<MemoryByteSource>.chainEndsAtIEND(bytes, from: 0))
            #expect(ChunkWalker<MemoryByteSource>.chainEndsAtIEND(bytes, from: 12))
        }
        let broken = idat + PNGFixtures.chunk("IEND", [1])
        broken.withUnsafeBytes { #expect(!ChunkWalker<MemoryByteSource>.chainEndsAtIEND($0, from: 0)) }
    }
}

@Suite("Hostile files")
struct HostileFileTests {
    func expectError(_ bytes: [UInt8], _ check: (PNGError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try PNGMetadataReader.read(bytes: bytes)
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch let error as PNGError {
            #expect(check(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
            #expect(!error.description.isEmpty && !error.description.contains("\n"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a PNGError: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func emptyFile() {
        expectError([]) { $0 == .emptyFile }
    }

    @Test func notAPNG() {
        expectError(Array("hello, this is text".utf8)) { if case .notPNG = $0 { true } else { false } }
        expectError([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) { $0 == .notPNG(looksLike: "a JPEG image") }
        expectError(Array(PNGFixtures.image().prefix(5))) { if case .notPNG = $0 { true } else { false } }
    }

    @Test("a file cut short, in the image data or between chunks, is reported as truncated")
    func truncatedFile() {
        let png = PNGFixtures.image(width: 200, height: 200)
        for cut in [png.count / 2, png.count - 12, png.count - 3, 8, 20] {
            expectError(Array(png.prefix(cut))) { if case .truncated = $0 { true } else { false } }
        }
    }

    @Test("a chunk length of 0xFFFFFFFF is refused before anything is allocated")
    func hugeChunkLength() {
        let png = PNGFixtures.image()
        let hostile = PNGFixtures.inserting([0xFF, 0xFF, 0xFF, 0xFF] + Array("tEXt".utf8) + [0, 0, 0, 0], into: png)
        expectError(hostile) {
            $0
                == .chunkTooLong(
                    type: "tEXt", offset: PNGFixtures.chunks(png).first { $0.type == "IDAT" }!.offset,
                    length: 0xFFFF_FFFF)
        }
        // Below 2^31 but past the end of the file: truncated, also before allocating.
        let pastEnd = PNGFixtures.inserting([0x7F, 0xFF, 0xFF, 0xFF] + Array("tEXt".utf8) + [0, 0, 0, 0], into: png)
        expectError(pastEnd) { if case .truncated = $0 { true } else { false } }
    }

    @Test("a zTXt that inflates past the cap is skipped with a warning; the rest is read")
    func decompressionBomb() throws {
        let bomb = PNGFixtures.zTXt("bomb", [UInt8](repeating: 0x41, count: 9 << 20))
        #expect(bomb.count < 20_000)
        let png = PNGFixtures.inserting(bomb + PNGFixtures.tEXt("Title", latin1: "survivor"), into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.textChunks.map(\.keyword) == ["Title"])
        #expect(
            report.warnings == [
                .textChunkTooLarge(
                    type: "zTXt", offset: PNGFixtures.chunks(png)[1].offset, keyword: "bomb", limit: 8 << 20)
            ])
        // The same for a compressed iTXt.
        let itxtBomb = PNGFixtures.chunk(
            "iTXt",
            Array("big".utf8) + [0, 1, 0, 0, 0] + PNGFixtures.zlibCompress([UInt8](repeating: 0x42, count: 9 << 20)))
        let second = try PNGMetadataReader.read(bytes: PNGFixtures.inserting(itxtBomb, into: PNGFixtures.image()))
        #expect(second.textChunks.isEmpty)
        #expect(second.warnings.count == 1)
    }

    @Test("2000 text chunks: the first 1000 are read, the rest skipped with one warning")
    func tooManyTextChunks() throws {
        let chunks = (0..<2000).flatMap { PNGFixtures.tEXt("k\($0)", latin1: "v\($0)") }
        let report = try PNGMetadataReader.read(bytes: PNGFixtures.inserting(chunks, into: PNGFixtures.image()))
        #expect(report.textChunks.count == 1000)
        #expect(report.textChunks.last?.keyword == "k999")
        #expect(report.warnings == [.tooManyTextChunks(skipped: 1000, limit: 1000)])
    }

    @Test("the per-file text budget stops reading once spent")
    func totalTextBudget() throws {
        let limits = PNGLimits(maxTextChunkBytes: 1000, maxTextChunks: 1000, maxTotalTextBytes: 2500)
        let chunks = (0..<5).flatMap { PNGFixtures.tEXt("k\($0)", latin1: String(repeating: "x", count: 900)) }
        let report = try PNGMetadataReader.read(
            bytes: PNGFixtures.inserting(chunks, into: PNGFixtures.image()), limits: limits)
        #expect(report.textChunks.count == 2) // a third 900-byte text would pass 2500
        #expect(report.warnings == [.textBytesLimit(skipped: 3, limit: 2500)])
    }

    @Test("a bad CRC on a tEXt drops that chunk with a warning")
    func badTextCRC() throws {
        let bad = PNGFixtures.chunk("tEXt", Array("Comment".utf8) + [0] + Array("tampered".utf8), validCRC: false)
        let png = PNGFixtures.inserting(bad + PNGFixtures.tEXt("Title", latin1: "fine"), into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.textChunks.map(\.keyword) == ["Title"])
        #expect(report.warnings == [.badAncillaryCRC(type: "tEXt", offset: PNGFixtures.chunks(png)[1].offset)])
    }

    @Test("a bad CRC on IHDR rejects the file")
    func badHeaderCRC() {
        var png = PNGFixtures.image()
        png[20] ^= 0x01 // a bit of the width: the stored CRC no longer matches
        expectError(png) { $0 == .badCriticalCRC(type: "IHDR", offset: 8) }
    }

    @Test("structural damage: invalid chunk type, no IEND, no IDAT, first chunk not IHDR")
    func structuralDamage() {
        let png = PNGFixtures.image()
        expectError(PNGFixtures.inserting(PNGFixtures.chunk("t3Xt", [1, 2, 3]), into: png)) {
            if case .invalidChunkType = $0 { true } else { false }
        }
        expectError(Array(png.dropLast(12))) { if case .truncated = $0 { true } else { false } }
        let withoutImageData = PNGFixtures.chunks(png).filter { $0.type != "IDAT" }.flatMap {
            PNGFixtures.chunk($0.type, $0.data)
        }
        expectError(Array(png.prefix(8)) + withoutImageData) { $0 == .missingImageData }
        expectError(Array(png.prefix(8)) + PNGFixtures.tEXt("a", latin1: "b") + Array(png.dropFirst(8))) {
            if case .badHeader = $0 { true } else { false }
        }
    }

    @Test("malformed text chunks are skipped with a warning")
    func malformedText() throws {
        let noTerminator = PNGFixtures.chunk("tEXt", Array("keyword without end".utf8))
        let badMethod = PNGFixtures.chunk("zTXt", Array("k".utf8) + [0, 7, 1, 2])
        let brokenStream = PNGFixtures.chunk("zTXt", Array("k".utf8) + [0, 0, 0x78, 0x9C, 1, 2, 3])
        let png = PNGFixtures.inserting(noTerminator + badMethod + brokenStream, into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.textChunks.isEmpty)
        #expect(report.warnings.count == 3)
    }

    @Test("bytes after IEND are reported, not fatal")
    func trailingData() throws {
        let report = try PNGMetadataReader.read(bytes: PNGFixtures.image() + [1, 2, 3])
        #expect(report.warnings == [.dataAfterEnd(bytes: 3)])
    }

    @Test("a directory is not read as a file")
    func directory() {
        #expect(throws: PNGError.notRegularFile(path: "/tmp")) { try PNGMetadataReader.read(contentsOf: "/tmp") }
    }

    /// A regular file (to `fstat`) whose read fails, as one on a failing disk does (EIO): the
    /// loopback device's link speed, which every network namespace has and which reads EINVAL.
    static let unreadableFile = "/sys/class/net/lo/speed"

    @Test(
        "a file whose first read fails is reported, its descriptor closed and its buffer freed once",
        .enabled(if: FileManager.default.isReadableFile(atPath: unreadableFile)))
    func firstReadFails() {
        // Before: the failed init closed and freed, then its deinit did both again (glibc aborts).
        for _ in 0..<3 {
            #expect(throws: PNGError.unreadable(path: Self.unreadableFile, reason: "Invalid argument")) {
                try PNGMetadataReader.read(contentsOf: Self.unreadableFile)
            }
        }
    }
}
