import Foundation
import Testing

@testable import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14, item 4: everything a file makes the reader do counts toward its limits (every
/// text chunk met toward the chunk cap, every byte read or inflated toward the byte budget),
/// NULs are not text, and what a store keeps of a file's text is bounded.
@Suite("Text budgets of hostile files")
struct TextBudgetTests {
    /// CPU time of the calling thread, in seconds.
    static func threadCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// A zTXt chunk whose ~9 KB inflate to 9 MiB, past the 8 MiB per-chunk cap.
    static func bomb(_ keyword: String) -> [UInt8] {
        PNGFixtures.chunk("zTXt", Array(keyword.utf8) + [0, 0] + bombData)
    }

    static let bombData = PNGFixtures.zlibCompress([UInt8](repeating: 0x41, count: 9 << 20))

    @Test("a 9 MB file of 1000 zTXt bombs costs two inflates, not a thousand")
    func rejectedInflatesCount() throws {
        let chunks = (0..<1000).flatMap { Self.bomb("b\($0)") }
        let png = PNGFixtures.inserting(chunks, into: PNGFixtures.image())
        #expect(png.count > 9_000_000 && png.count < 10_000_000)
        let start = Self.threadCPUTime()
        let report = try PNGMetadataReader.read(bytes: png)
        let seconds = Self.threadCPUTime() - start
        #expect(seconds < 2, "\(seconds) s of CPU")
        let limit = PNGLimits.standard.maxTotalTextBytes
        #expect(report.textBytesRead <= limit + 1)
        #expect(report.textChunks.isEmpty)
        #expect(report.warnings.count == 2)
        #expect(report.warnings.last == .textBytesLimit(skipped: 999, limit: limit))
    }

    @Test("inflated bytes of refused chunks are spent: a later small chunk finds the budget gone")
    func budgetSpentByRefusedChunks() throws {
        let png = PNGFixtures.inserting(
            Self.bomb("one") + Self.bomb("two") + Self.bomb("three") + PNGFixtures.tEXt("Title", latin1: "after"),
            into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        let limit = PNGLimits.standard.maxTotalTextBytes
        #expect(report.textChunks.isEmpty)
        #expect(report.warnings.count == 2)
        #expect(report.warnings.first.map { if case .textChunkTooLarge = $0 { true } else { false } } == true)
        #expect(report.warnings.last == .textBytesLimit(skipped: 3, limit: limit))
    }

    @Test("chunks with bad CRCs and malformed chunks count toward the chunk cap")
    func damagedChunksCount() throws {
        let badCRC = (0..<800).flatMap {
            PNGFixtures.chunk("tEXt", Array("k\($0)".utf8) + [0] + Array("v".utf8), validCRC: false)
        }
        let malformed = (0..<800).flatMap { _ in PNGFixtures.chunk("tEXt", Array("no terminator".utf8)) }
        let png = PNGFixtures.inserting(
            badCRC + malformed + PNGFixtures.tEXt("Title", latin1: "late"), into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.textChunks.isEmpty) // the 1601st text chunk is past the cap of 1000
        #expect(report.warnings.count == 1001)
        #expect(report.warnings.last == .tooManyTextChunks(skipped: 601, limit: 1000))
    }

    @Test("NUL bytes are removed from text, with a warning")
    func nulsAreNotText() throws {
        let nuls = (0..<3).flatMap { PNGFixtures.zTXt("n\($0)", [UInt8](repeating: 0, count: 4 << 20)) }
        let png = PNGFixtures.inserting(
            nuls + PNGFixtures.tEXt("Comment", rawText: Array("a\0b\0".utf8)) + PNGFixtures.iTXt("Title", "x\0y"),
            into: PNGFixtures.image())
        #expect(png.count < 100_000)
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.textChunks.map(\.text) == ["", "", "", "ab", "xy"])
        #expect(report.textChunks.allSatisfy { !$0.text.utf8.contains(0) })
        #expect(report.warnings.contains(.nulInText(keyword: "n0", count: 4 << 20)))
        #expect(report.warnings.contains(.nulInText(keyword: "Comment", count: 2)))
        #expect(report.warnings.contains(.nulInText(keyword: "Title", count: 1)))
    }

    @Test("what a store keeps is bounded: chunks, prompt, settings, counted as JSON")
    func storedTextIsBounded() throws {
        let prompt = String(repeating: "a long prompt ", count: 10_000) + "end" // 140 KB
        let infotext =
            prompt + "\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x48"
        let controls = String(repeating: "\u{1}", count: 1 << 20) // 1 MiB, 6 MiB as JSON
        let png = PNGFixtures.inserting(
            PNGFixtures.iTXt("parameters", infotext, compressed: true)
                + PNGFixtures.iTXt("Comment", controls, compressed: true)
                + PNGFixtures.tEXt("Title", latin1: "kept whole?"),
            into: PNGFixtures.image())
        let report = try PNGMetadataReader.read(bytes: png)
        #expect(report.generation?.prompt?.utf8.count == prompt.utf8.count)
        let limits = StoredTextLimits.catalog
        let stored = report.bounded(limits)
        #expect(stored.generation?.prompt?.utf8.count ?? .max <= limits.maxPromptBytes)
        #expect(prompt.hasPrefix(stored.generation?.prompt ?? "-"), "not a prefix")
        #expect(stored.generation?.negativePrompt == "blurry")
        let storedCost = stored.textChunks.reduce(0) { $0 + StoredText.cost(of: $1.text.utf8) }
        #expect(storedCost <= limits.maxTextChunkBytes)
        #expect(stored.textChunks[0].text.utf8.count == infotext.utf8.count) // within the budget: whole
        #expect(stored.textChunks[1].text.utf8.count < controls.utf8.count)
        #expect(stored.textChunks[2].text.utf8.count < 6) // the few bytes left of the budget
        #expect(
            stored.warnings.contains(
                .textShortened(what: "the prompt", bytes: prompt.utf8.count, kept: limits.maxPromptBytes)))
        #expect(
            stored.warnings.contains {
                if case .textShortened(let what, _, _) = $0 { what == "text chunk \"Comment\"" } else { false }
            })
        // A report within the limits is unchanged.
        let small = try PNGMetadataReader.read(
            bytes: PNGFixtures.inserting(PNGFixtures.tEXt("Title", latin1: "fine"), into: PNGFixtures.image()))
        #expect(small.bounded(limits) == small)
    }

    @Test("a cut never splits a UTF-8 sequence")
    func cutsAtScalarBoundaries() {
        let text = String(repeating: "é🌅", count: 100)
        for limit in 0..<40 {
            let (kept, cost) = StoredText.prefix(text, fitting: limit)
            #expect(cost <= limit)
            #expect(text.hasPrefix(kept))
            #expect(limit - cost < 4) // no room for the next scalar (at most 4 bytes)
        }
    }
}
