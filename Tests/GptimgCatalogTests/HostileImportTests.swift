import Foundation
import GptimgCatalog
import TestSupport
import Testing

@testable import PNGMetadata

/// Issue 14, items 3 and 4, as `import` meets them: hostile zip archives (a lying compressed
/// size, aliases, overlaps, an encrypted entry), the staging bound, staging a dead import left
/// behind, and what the catalog keeps of a file's text.
@Suite("catalog: hostile archives and text")
struct HostileImportTests {
    static func rawDeflate(_ bytes: [UInt8]) -> [UInt8] {
        Array(try! TextChunkCodec.deflate(bytes).dropFirst(2).dropLast(4))
    }

    /// `png` with a chunk inserted before its first IDAT.
    static func inserting(_ type: String, _ data: [UInt8], into png: [UInt8]) -> [UInt8] {
        var position = 8
        while String(decoding: png[(position + 4)..<(position + 8)], as: UTF8.self) != "IDAT" {
            let length =
                Int(png[position]) << 24 | Int(png[position + 1]) << 16 | Int(png[position + 2]) << 8
                | Int(png[position + 3])
            position += 12 + length
        }
        let body = Array(type.utf8) + data
        let crc = independentCRC32(body)
        let length = UInt32(data.count)
        let chunk =
            [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        return Array(png[..<position]) + chunk + Array(png[position...])
    }

    static func reasons(_ summary: ImportSummary) -> [String: String] {
        Dictionary(
            summary.skips.map { ($0.source.components(separatedBy: ".zip:").last!, $0.reason) },
            uniquingKeysWith: { a, _ in a })
    }

    @Test("a deflated entry declaring 0 compressed bytes does not slip past the ratio guard")
    func zeroCompressedSize() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        // A sound PNG of 20 MiB (a private chunk of zeros) deflates to ~20 KB.
        let huge = Self.inserting("prVt", [UInt8](repeating: 0, count: 20 << 20), into: Fixtures.png(seed: 40))
        var zip = ZipBuilder()
        zip.add(
            "huge.png", stored: Self.rawDeflate(huge), method: 8, crc32: independentCRC32(huge),
            uncompressedSize: huge.count, declaredCompressedSize: 0)
        let archive = try Fixtures.write(zip.finish(), to: try library.sources().appendingPathComponent("lying.zip"))
        #expect((try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as! Int) < 100_000)
        let (summary, _) = try await importAll(catalog, [archive.path])
        #expect(summary.imported == 0)
        #expect(summary.skipped == 1)
        #expect(Self.reasons(summary)["huge.png"]?.contains("decompression bomb") == true, "\(summary.skips)")
        #expect(try await library.sql("SELECT count(*) FROM images") == "0")
    }

    @Test("entries aliasing one entry's data are refused, not inflated and hashed again and again")
    func aliases() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let png = Fixtures.png(seed: 41)
        var zip = ZipBuilder()
        let original = zip.add(
            "original.png", stored: Self.rawDeflate(png), method: 8, crc32: independentCRC32(png),
            uncompressedSize: png.count)
        for index in 0..<39 {
            var alias = original
            alias.name = "alias-\(index).png"
            zip.list(alias)
        }
        zip.add("other.png", stored: Fixtures.png(seed: 42))
        let archive = try Fixtures.write(zip.finish(), to: try library.sources().appendingPathComponent("aliases.zip"))
        let (summary, _) = try await importAll(catalog, [archive.path])
        #expect(summary.imported == 1) // other.png
        #expect(summary.duplicates == 0)
        #expect(summary.skipped == 40)
        #expect(
            summary.skips.allSatisfy { $0.reason.contains("overlaps another entry's") }, "\(summary.skips.prefix(3))")
    }

    @Test("an entry stored inside another entry's data is refused, and so is the other")
    func overlappingEntries() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let inner = Fixtures.png(seed: 43)
        var zip = ZipBuilder()
        var innerRecord = ZipBuilder.Record(
            name: "inner.png", method: 0, flags: 0x0800, crc32: independentCRC32(inner),
            compressedSize: UInt32(inner.count),
            uncompressedSize: UInt32(inner.count), localHeaderOffset: UInt32(30 + "outer.png".utf8.count))
        innerRecord.localHeaderOffset = UInt32(30 + "outer.png".utf8.count)
        zip.add("outer.png", stored: ZipBuilder.localHeader(innerRecord) + inner)
        zip.list(innerRecord)
        zip.add("fine.png", stored: Fixtures.png(seed: 44))
        let archive = try Fixtures.write(zip.finish(), to: try library.sources().appendingPathComponent("overlap.zip"))
        let (summary, _) = try await importAll(catalog, [archive.path])
        #expect(summary.imported == 1)
        let reasons = Self.reasons(summary)
        #expect(reasons["outer.png"]?.contains("overlaps another entry's") == true, "\(reasons)")
        #expect(reasons["inner.png"]?.contains("overlaps another entry's") == true, "\(reasons)")
        #expect(try catalog.list("").map { $0.image.originalName } == ["\(archive.path):fine.png"])
    }

    @Test("an encrypted entry is skipped with its reason and the entries after it are imported")
    func encryptedEntry() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        var zip = ZipBuilder()
        zip.add("one.png", stored: Fixtures.png(seed: 45))
        zip.add(
            "secret.png", stored: (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31) }, method: 8, crc32: 0x0BAD_CAFE,
            uncompressedSize: 1000, flags: 0x0801)
        let three = Fixtures.png(seed: 46)
        zip.add(
            "three.png", stored: Self.rawDeflate(three), method: 8, crc32: independentCRC32(three),
            uncompressedSize: three.count)
        zip.add("four.png", stored: Fixtures.png(seed: 47))
        let archive = try Fixtures.write(zip.finish(), to: try library.sources().appendingPathComponent("locked.zip"))
        let (summary, events) = try await importAll(catalog, [archive.path])
        #expect(summary.imported == 3)
        #expect(summary.skipped == 1)
        #expect(Self.reasons(summary)["secret.png"]?.contains("encrypted") == true, "\(summary.skips)")
        #expect(events.count == 4)
    }

    @Test("files read and not yet landed stay within maxStagedBytes (plus one file)")
    func stagingIsBounded() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        // 150 distinct files of ~40 KB each; at most ~100 KB may wait at once.
        var largest = 0
        for seed in 0..<150 {
            let png = Self.inserting(
                "prVt", [UInt8](repeating: UInt8(seed), count: 40_000), into: Fixtures.png(seed: 1000 + seed))
            largest = max(largest, png.count)
            try Fixtures.write(png, to: source.appendingPathComponent("\(seed).png"))
        }
        let limits = ImportLimits(maxStagedBytes: 100_000)
        let bound = limits.maxStagedBytes + largest
        let staging = library.location.root.appendingPathComponent(".staging").path
        // What lies in the staging folders now (the lock files aside).
        @Sendable func staged() -> Int {
            var total = 0
            for owner in (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [] {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: staging + "/" + owner)) ?? []
                where name != "lock" {
                    total +=
                        (try? FileManager.default.attributesOfItem(atPath: staging + "/" + owner + "/" + name)[.size]
                            as? Int) ?? 0
                }
            }
            return total
        }
        // Watched from another thread all along, and at every event.
        let peak = Peak()
        detachThread {
            while !peak.stopped {
                peak.record(staged())
                usleep(500)
            }
        }
        var atEvents = 0
        let summary = try await catalog.importFiles(
            [source.path], limits: limits, onEvent: { _ in atEvents = max(atEvents, staged()) })
        peak.stop()
        #expect(summary.imported == 150)
        #expect(atEvents <= bound, "\(atEvents) bytes staged at once (bound \(bound))")
        #expect(peak.value <= bound, "\(peak.value) bytes staged at once (bound \(bound))")
    }

    final class Peak: @unchecked Sendable {
        private let lock = NSLock()
        private var maximum = 0
        private var done = false
        var value: Int { lock.withLock { maximum } }
        var stopped: Bool { lock.withLock { done } }
        func record(_ bytes: Int) { lock.withLock { maximum = max(maximum, bytes) } }
        func stop() { lock.withLock { done = true } }
    }

    @Test("staging a killed import left is reported by read-only doctor and removed by --fix and by the next import")
    func abandonedStaging() async throws {
        let library = try TemporaryLibrary()
        let source = try library.sources()
        try Fixtures.write(Fixtures.png(seed: 48), to: source.appendingPathComponent("a.png"))
        do {
            let catalog = try library.open()
            _ = try await importAll(catalog, [source.path])
        }
        let root = library.location.root
        // What a process killed while staging leaves: its folder, its lock (free now), its files.
        func leaveStaging() throws {
            let folder = root.appendingPathComponent(".staging/deadbeef")
            try Fixtures.write([], to: folder.appendingPathComponent("lock"))
            try Fixtures.write([UInt8](repeating: 1, count: 3_000_000), to: folder.appendingPathComponent("k1.png"))
            try Fixtures.write([UInt8](repeating: 2, count: 1_000_000), to: folder.appendingPathComponent("k2.png"))
        }
        try leaveStaging()
        let report = try library.open(.readOnly).doctor()
        #expect(report.isClean)
        #expect(report.notices == [.abandonedStaging(files: 2, bytes: 4_000_000)])
        #expect(report.notices.first?.description.contains("2 staged file(s) (4.0 MB)") == true)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(".staging/deadbeef/k1.png").path))

        let fixed = try library.open().doctor(fix: true)
        #expect(fixed.fixed.contains { $0.contains("removed 2 staged file(s) (4.0 MB)") }, "\(fixed.fixed)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".staging/deadbeef").path))

        try leaveStaging()
        let catalog = try library.open()
        try Fixtures.write(Fixtures.png(seed: 49), to: source.appendingPathComponent("b.png"))
        let (summary, _) = try await importAll(catalog, [source.path])
        #expect(summary.imported == 1)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".staging/deadbeef").path))
        #expect(try library.open(.readOnly).doctor().notices.isEmpty)
    }

    @Test("what the catalog keeps of a file's text is bounded, and holds no NUL")
    func storedTextIsBounded() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let prompt = String(repeating: "an endless prompt ", count: 10_000) // 180 KB
        let infotext = TextChunk(
            kind: .iTXt, keyword: "parameters",
            text: prompt + "\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 48x32", compressed: true)
        let controls = TextChunk(
            kind: .iTXt, keyword: "Comment", text: String(repeating: "\u{1}", count: 2 << 20), compressed: true)
        var png = try PNGEditor.splice(Fixtures.png(seed: 50), inserting: [infotext, controls], removingKeywords: [])
        // 8 MiB of NULs in a zTXt: 8 KB in the file.
        png = Self.inserting(
            "zTXt", Array("nuls".utf8) + [0, 0] + (try TextChunkCodec.deflate([UInt8](repeating: 0, count: 8 << 20))),
            into: png)
        #expect(png.count < 100_000)
        let file = try Fixtures.write(png, to: try library.sources().appendingPathComponent("wordy.png"))
        let (summary, _) = try await importAll(catalog, [file.path])
        #expect(summary.imported == 1)
        let limits = StoredTextLimits.catalog
        #expect(
            Int(try await library.sql("SELECT length(CAST(prompt AS BLOB)) FROM generations"))! <= limits.maxPromptBytes
        )
        let stored = Int(
            try await library.sql(
                """
                SELECT length(CAST(text_chunks AS BLOB)) + length(CAST(parameters AS BLOB)) + length(CAST(warnings AS \
                BLOB)) FROM image_metadata
                """
            ))!
        #expect(stored <= limits.maxTextChunkBytes + limits.maxParameterBytes + 64 * 1024, "\(stored) bytes")
        #expect(try await library.sql("SELECT instr(text_chunks, '\\u0000') FROM image_metadata") == "0")
        let warnings = try await library.sql("SELECT warnings FROM image_metadata")
        #expect(warnings.contains("NUL"))
        #expect(warnings.contains("the prompt"))
        #expect(try catalog.list("endless").count == 1)
        #expect(try library.open(.readOnly).doctor().isClean)
    }
}
