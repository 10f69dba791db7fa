import Dispatch
import Foundation
import TestSupport
import Testing

@testable import PNGRaster

/// Thumbnails in bounded memory: the declared size checked against the data before anything is
/// allocated, rows streamed into the downscaler, the memory reserved from a budget.
@Suite("Thumbnails in bounded memory")
struct ThumbnailTests {
    /// issue 14's file: 1x100,000,000 1-bit grey pixels declared, a few bytes of zlib behind them.
    static func bomb(height: Int = 100_000_000) -> [UInt8] {
        HandMadePNG.file(
            width: 1, height: height, bitDepth: 1, colorType: 0, rows: [],
            rawImageData: [UInt8](repeating: 0, count: 40))
    }

    static func image(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> [UInt8]) -> RGBAImage {
        try! RGBAImage(
            width: width, height: height, pixels: (0..<height).flatMap { y in (0..<width).flatMap { x in pixel(x, y) } }
        )
    }

    /// The raw (filtered) data of an Adam7-interlaced image whose pixels are `pixel(x, y)`,
    /// each already packed as the file stores it.
    static func adam7(width: Int, height: Int, _ pixel: (Int, Int) -> [UInt8]) -> [UInt8] {
        let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        var raw: [UInt8] = []
        for (x0, y0, dx, dy) in passes {
            let xs = Array(stride(from: x0, to: width, by: dx))
            guard !xs.isEmpty else { continue }
            for y in stride(from: y0, to: height, by: dy) {
                raw.append(0)
                for x in xs { raw += pixel(x, y) }
            }
        }
        return raw
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("thumb-\(UUID().uuidString).png").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("the 108-byte 1x100,000,000 bomb is refused from its header, at once, naming what it is")
    func bombRefusedAtOnce() throws {
        let bomb = Self.bomb()
        #expect(bomb.count < 110)
        let path = try Self.temporaryFile(bomb)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let budget = DecodeBudget(capacity: 64 << 20)
        let started = ContinuousClock.now
        for attempt in ["whole", "thumbnail of bytes", "thumbnail of a file"] {
            do {
                switch attempt {
                case "whole": _ = try RGBAImage(pngData: bomb)
                case "thumbnail of bytes": _ = try RGBAImage(thumbnailOfPNG: bomb, fitting: 320, 320, budget: budget)
                default: _ = try RGBAImage(thumbnailOfFile: path, fitting: 320, 320, budget: budget)
                }
                Issue.record("the bomb decoded: \(attempt)")
            } catch {
                #expect(error.description.contains("1x100000000"), "\(attempt): \(error)")
                #expect(error.description.contains("decompression bomb"), "\(attempt): \(error)")
            }
        }
        // Before any pixel memory: nothing was reserved, and no time went into inflating
        // (allocating and failing took 2.5 s and 834 MB each; microseconds now, with a margin
        // for a machine busy with other tests).
        #expect(budget.peak == 0)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("the data check counts every IDAT chunk and lets real files through, however well they compress")
    func dataCheckIsExact() throws {
        // 2000x2000 of one colour: zlib at level 9 reaches several hundred to one; fine.
        let flat = try Self.image(2000, 2000) { _, _ in [40, 80, 120, 255] }.pngData(compressionLevel: 9)
        #expect(try RGBAImage(thumbnailOfPNG: flat, fitting: 64, 64).width == 64)
        // Split over many IDAT chunks: all of them count.
        let rows = [[UInt8]](repeating: [UInt8](repeating: 7, count: 300), count: 300)
        let raw: [UInt8] = rows.flatMap { row -> [UInt8] in [0] + row }
        let stream = HandMadePNG.zlibStored(raw)
        var split: [UInt8] = []
        for start in stride(from: 0, to: stream.count, by: 1000) {
            split += HandMadePNG.chunk("IDAT", Array(stream[start..<min(stream.count, start + 1000)]))
        }
        let ihdr = HandMadePNG.be32(300) + HandMadePNG.be32(300) + [8, 0, 0, 0, 0]
        let file =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + HandMadePNG.chunk("IHDR", ihdr) + split
            + HandMadePNG.chunk("IEND", [])
        #expect(
            try RGBAImage(thumbnailOfPNG: file, fitting: 100, 100)
                == RGBAImage(pngData: file).thumbnail(fitting: 100, 100))
        // A bomb that declares what a few chunks could never hold is refused the same way.
        let declared = HandMadePNG.file(
            width: 30000, height: 30000, bitDepth: 8, colorType: 2, rows: [], rawImageData: [0, 1, 2])
        #expect(throws: RasterError.self) { try RGBAImage(thumbnailOfPNG: declared, fitting: 100, 100) }
    }

    @Test("a streamed thumbnail has exactly the pixels of decoding the whole image and resizing it")
    func identicalToWholeDecode() throws {
        var files: [(String, [UInt8])] = []
        files.append(
            (
                "opaque 640x360",
                try Self.image(640, 360) { x, y in
                    [UInt8(x * 255 / 640), UInt8(y * 255 / 360), UInt8((x ^ y) & 0xFF), 255]
                }.pngData()
            ))
        files.append(
            (
                "alpha 333x777",
                try Self.image(333, 777) { x, y in [UInt8(x & 0xFF), UInt8(y & 0xFF), 90, UInt8((x + y) & 0xFF)] }
                    .pngData()
            ))
        files.append(
            (
                "wide 2000x90",
                try Self.image(2000, 90) { x, y in [UInt8((x / 7) & 0xFF), UInt8(y), 3, 255] }.pngData(
                    compressionLevel: 1)
            ))
        files.append(
            (
                "smaller than the box 200x100",
                try Self.image(200, 100) { x, y in [UInt8(x), UInt8(y), 0, 200] }.pngData()
            ))
        files.append(
            (
                "exactly the box 320x320",
                try Self.image(320, 320) { x, y in [UInt8(x & 0xFF), UInt8(y & 0xFF), 1, 255] }.pngData()
            ))
        // 16-bit RGBA, written by hand.
        let rgba16: [[UInt8]] = (0..<301).map { y in
            (0..<499).flatMap { x -> [UInt8] in
                let red = UInt8(x & 0xFF)
                let blue = UInt8(y & 0xFF)
                let alpha = UInt8((x * y) & 0xFF)
                return [red, 0x11, blue, 0x22, 0x80, 0, alpha, 0xFF]
            }
        }
        files.append(
            ("16-bit RGBA 499x301", HandMadePNG.file(width: 499, height: 301, bitDepth: 16, colorType: 6, rows: rgba16))
        )
        // 4-bit palette with transparency.
        let entries: [UInt8] = (0..<16).flatMap { (index: Int) -> [UInt8] in
            [UInt8(index * 16), UInt8(255 - index * 16), UInt8(index * 7)]
        }
        let palette = HandMadePNG.chunk("PLTE", entries)
        let transparency = HandMadePNG.chunk("tRNS", (0..<16).map { (index: Int) -> UInt8 in UInt8(index * 17) })
        let indexed: [[UInt8]] = (0..<479).map { y in
            (0..<321).map { (x: Int) -> UInt8 in
                let high = (x / 3 + y) % 16
                let low = (x / 3 + y + 1) % 16
                return UInt8(high << 4 | low)
            }
        }
        files.append(
            (
                "4-bit palette 641x479",
                HandMadePNG.file(
                    width: 641, height: 479, bitDepth: 4, colorType: 3, rows: indexed, extra: palette + transparency)
            ))
        // Interlaced RGB: held whole, same result.
        let interlaced = Self.adam7(width: 700, height: 500) { x, y in
            [UInt8(x & 0xFF), UInt8(y & 0xFF), UInt8((x * 3 + y) & 0xFF)]
        }
        files.append(
            (
                "interlaced 700x500",
                HandMadePNG.file(
                    width: 700, height: 500, bitDepth: 8, colorType: 2, rows: [], interlaced: true,
                    rawImageData: interlaced)
            ))

        for (name, data) in files {
            let whole = try RGBAImage(pngData: data)
            for box in [320, 64, 7] {
                let expected = try whole.thumbnail(fitting: box, box)
                #expect(try RGBAImage(thumbnailOfPNG: data, fitting: box, box) == expected, "\(name) in \(box)")
            }
            let path = try Self.temporaryFile(data)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(
                try RGBAImage(thumbnailOfFile: path, fitting: 240, 240) == whole.thumbnail(fitting: 240, 240),
                "\(name) from a file")
        }
    }

    @Test("a large image's thumbnail reserves a small part of the image's size; the reservation is given back")
    func streamedMemory() throws {
        // 6000x4000 1-bit grey: 96 MB as RGBA, 3 MB of raw data.
        let width = 6000
        let height = 4000
        let row = (0..<(width / 8)).map { UInt8(truncatingIfNeeded: $0 * 37) }
        let file = HandMadePNG.file(
            width: width, height: height, bitDepth: 1, colorType: 0, rows: [[UInt8]](repeating: row, count: height))
        let budget = DecodeBudget(capacity: 64 << 20)
        let thumbnail = try RGBAImage(thumbnailOfPNG: file, fitting: 320, 320, budget: budget)
        #expect(thumbnail.width == 320 && thumbnail.height == 213)
        #expect(budget.peak > 0)
        #expect(budget.peak < 16 << 20, "reserved \(budget.peak) bytes")
        try budget.reserve(64 << 20) // everything was given back
        budget.release(64 << 20)
    }

    @Test("concurrent decodes wait for the budget; one that needs more than all of it is refused")
    func budgetCapsConcurrentDecodes() throws {
        let data = try Self.image(1279, 1279) { x, y in [UInt8(x & 0xFF), UInt8(y & 0xFF), 5, 255] }.pngData(
            compressionLevel: 1)
        let expected = try RGBAImage(pngData: data).thumbnail(fitting: 320, 320)
        let measure = DecodeBudget(capacity: 1 << 30)
        _ = try RGBAImage(thumbnailOfPNG: data, fitting: 320, 320, budget: measure)
        let one = measure.peak
        #expect(one > 0)

        // Room for one and a half: eight decodes on every core still hold at most one at a time.
        let budget = DecodeBudget(capacity: one + one / 2)
        let results = Results(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do throws(RasterError) {
                results.set(index, .success(try RGBAImage(thumbnailOfPNG: data, fitting: 320, 320, budget: budget)))
            } catch {
                results.set(index, .failure(error))
            }
        }
        for index in 0..<8 { #expect(try results.get(index).get() == expected) }
        #expect(budget.peak == one)

        let small = DecodeBudget(capacity: one - 1)
        do {
            _ = try RGBAImage(thumbnailOfPNG: data, fitting: 320, 320, budget: small)
            Issue.record("decoded over its budget")
        } catch {
            guard case .tooLarge(let message) = error else {
                Issue.record("expected tooLarge, got \(error)")
                return
            }
            #expect(message.contains("memory"))
        }
        #expect(small.peak == 0)
    }

    @Test("an interlaced image is held whole, so its reservation counts all of it")
    func interlacedCountsWholeImage() throws {
        let raw = Self.adam7(width: 1200, height: 1200) { x, y in [UInt8((x + y) & 0xFF)] }
        let interlaced = HandMadePNG.file(
            width: 1200, height: 1200, bitDepth: 8, colorType: 0, rows: [], interlaced: true, rawImageData: raw)
        let plain = HandMadePNG.file(
            width: 1200, height: 1200, bitDepth: 8, colorType: 0,
            rows: (0..<1200).map { y in (0..<1200).map { x in UInt8((x + y) & 0xFF) } })
        let budget = DecodeBudget(capacity: 3 << 20)
        let streamed = try RGBAImage(thumbnailOfPNG: plain, fitting: 64, 64, budget: budget)
        #expect(throws: RasterError.self) { try RGBAImage(thumbnailOfPNG: interlaced, fitting: 64, 64, budget: budget) }
        #expect(
            try RGBAImage(thumbnailOfPNG: interlaced, fitting: 64, 64, budget: DecodeBudget(capacity: 16 << 20))
                == streamed)
    }

    @Test("a FIFO or a missing file is unreadable, at once")
    func notARegularFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("thumb-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect(throws: RasterError.unreadable(path: path, reason: "not a regular file")) {
            try RGBAImage(thumbnailOfFile: path, fitting: 64, 64)
        }
        #expect(throws: RasterError.self) { try RGBAImage(thumbnailOfFile: path + "-missing", fitting: 64, 64) }
    }
}

/// Results from several threads, collected by index.
private final class Results: @unchecked Sendable {
    private var values: [Result<RGBAImage, RasterError>?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<RGBAImage, RasterError>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> Result<RGBAImage, RasterError> {
        lock.lock()
        defer { lock.unlock() }
        return values[index] ?? .failure(.outOfMemory)
    }
}
