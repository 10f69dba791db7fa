import Foundation
import TestSupport
import Testing

@testable import PNGRaster

/// PNGs written by hand (raw scanlines, filter 0, zlib via Foundation-free deflate in libpng's
/// zlib), so the decoder is checked against bytes it did not make.
enum HandMadePNG {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        independentCRC32(bytes)
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        be32(UInt32(data.count)) + Array(type.utf8) + data + be32(crc32(Array(type.utf8) + data))
    }

    /// A zlib stream of stored (uncompressed) deflate blocks: valid, and independent of zlib.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65535, data.count - offset)
            let final: UInt8 = offset + count == data.count ? 1 : 0
            out += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + be32(b << 16 | a)
    }

    /// `rows` are already packed scanlines (without filter bytes).
    static func file(
        width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]], extra: [UInt8] = [],
        interlaced: Bool = false, rawImageData: [UInt8]? = nil
    ) -> [UInt8] {
        let ihdr = be32(UInt32(width)) + be32(UInt32(height)) + [bitDepth, colorType, 0, 0, interlaced ? 1 : 0]
        let raw = rawImageData ?? rows.flatMap { [0] + $0 }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + extra
            + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
    }
}

@Suite("Decoding, encoding and resizing pixels")
struct RasterTests {
    func image(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> [UInt8]) -> RGBAImage {
        try! RGBAImage(
            width: width, height: height, pixels: (0..<height).flatMap { y in (0..<width).flatMap { x in pixel(x, y) } }
        )
    }

    @Test("encode then decode gives the same pixels; opaque images are stored as RGB")
    func roundTrip() throws {
        let opaque = image(37, 23) { x, y in [UInt8(x * 6), UInt8(y * 11), UInt8((x ^ y) & 0xFF), 255] }
        let data = try opaque.pngData()
        #expect(try PNGHeaderInfo(pngData: data).colorType == 2)
        #expect(try RGBAImage(pngData: data) == opaque)
        let translucent = image(5, 4) { x, y in [200, 100, 50, UInt8(x * 50 + y)] }
        let alphaData = try translucent.pngData(compressionLevel: 9)
        #expect(try PNGHeaderInfo(pngData: alphaData).colorType == 6)
        #expect(try RGBAImage(pngData: alphaData) == translucent)
    }

    @Test("every colour type and bit depth decodes to 8-bit RGBA")
    func colourTypes() throws {
        // Grey, 8-bit
        let grey8 = HandMadePNG.file(width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [[0, 200]])
        #expect(try RGBAImage(pngData: grey8).pixels == [0, 0, 0, 255, 200, 200, 200, 255])
        // Grey, 1-bit: 1 0 1 packed in one byte
        let grey1 = HandMadePNG.file(width: 3, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0000]])
        #expect(try RGBAImage(pngData: grey1).pixels == [255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255])
        // Grey, 16-bit: high bytes kept
        let grey16 = HandMadePNG.file(width: 1, height: 1, bitDepth: 16, colorType: 0, rows: [[0x80, 0x7F]])
        #expect(try RGBAImage(pngData: grey16).pixels == [0x80, 0x80, 0x80, 255])
        // Grey + alpha
        let greyAlpha = HandMadePNG.file(width: 1, height: 1, bitDepth: 8, colorType: 4, rows: [[10, 20]])
        #expect(try RGBAImage(pngData: greyAlpha).pixels == [10, 10, 10, 20])
        // RGB, 16-bit
        let rgb16 = HandMadePNG.file(width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[1, 0, 2, 0, 3, 0]])
        #expect(try RGBAImage(pngData: rgb16).pixels == [1, 2, 3, 255])
        // Palette with a transparent entry
        let palette = HandMadePNG.file(
            width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1]],
            extra: HandMadePNG.chunk("PLTE", [255, 0, 0, 0, 0, 255]) + HandMadePNG.chunk("tRNS", [0]))
        #expect(try RGBAImage(pngData: palette).pixels == [255, 0, 0, 0, 0, 0, 255, 255])
    }

    @Test("Adam7-interlaced files decode to the same pixels as plain ones")
    func interlaced() throws {
        let width = 11
        let height = 9
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { [UInt8(x * 20), UInt8(y * 25), UInt8(x * y), 255] }
        let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        var raw: [UInt8] = []
        for (x0, y0, dx, dy) in passes {
            let xs = Array(stride(from: x0, to: width, by: dx))
            guard !xs.isEmpty else { continue }
            for y in stride(from: y0, to: height, by: dy) {
                raw.append(0)
                for x in xs { raw += pixel(x, y).prefix(3) }
            }
        }
        let file = HandMadePNG.file(
            width: width, height: height, bitDepth: 8, colorType: 2, rows: [], interlaced: true, rawImageData: raw)
        #expect(try RGBAImage(pngData: file) == image(width, height, pixel))
    }

    @Test("an image over the pixel cap is refused before its pixels are allocated")
    func pixelCap() throws {
        // 60000 x 60000 declared (3.6 gigapixels), with a few bytes of image data.
        let bomb = HandMadePNG.file(
            width: 60000, height: 60000, bitDepth: 8, colorType: 2, rows: [], rawImageData: [0, 1, 2, 3])
        #expect(throws: RasterError.self) { try RGBAImage(pngData: bomb) }
        do {
            _ = try RGBAImage(pngData: bomb)
        } catch {
            guard case .tooLarge = error else {
                Issue.record("expected tooLarge, got \(error)")
                return
            }
        }
        let small = try image(100, 100) { _, _ in [1, 2, 3, 255] }.pngData()
        #expect(throws: RasterError.self) { try RGBAImage(pngData: small, maxPixels: 9_999) }
        #expect(try RGBAImage(pngData: small, maxPixels: 10_000).width == 100)
    }

    @Test("damaged data comes back as an error value: truncated, not a PNG, empty, bad zlib")
    func damage() throws {
        let good = try image(64, 64) { x, y in [UInt8(x), UInt8(y), 9, 255] }.pngData()
        for bad in [Array(good.prefix(good.count / 2)), Array("not a png".utf8), [], Array(good.prefix(40))] {
            #expect(throws: RasterError.self) { try RGBAImage(pngData: bad) }
        }
        let badStream = HandMadePNG.file(width: 4, height: 4, bitDepth: 8, colorType: 2, rows: [], rawImageData: [])
            .enumerated().map { $0.offset == 45 ? 0xFF : $0.element }
        #expect(throws: RasterError.self) { try RGBAImage(pngData: badStream) }
    }

    @Test("downscaling keeps flat colours flat and averages fine detail")
    func downscale() throws {
        let flat = image(640, 480) { _, _ in [12, 200, 77, 255] }
        let small = try flat.resized(width: 64, height: 48)
        #expect(
            Set(stride(from: 0, to: small.pixels.count, by: 4).map { Array(small.pixels[$0..<($0 + 4)]) }) == [
                [12, 200, 77, 255]
            ])
        let checker = image(512, 512) { x, y in (x + y) % 2 == 0 ? [255, 255, 255, 255] : [0, 0, 0, 255] }
        let grey = try checker.resized(width: 100, height: 100)
        #expect(
            grey.pixels.enumerated().allSatisfy {
                $0.offset % 4 == 3 ? $0.element == 255 : abs(Int($0.element) - 128) <= 2
            })
    }

    @Test("downscaling is monotonic on a gradient and fits thumbnails to the box")
    func gradientAndThumbnail() throws {
        let gradient = image(1024, 16) { x, _ in [UInt8(x / 4), 0, 0, 255] }
        let small = try gradient.resized(width: 128, height: 2)
        let reds = (0..<128).map { Int(small.pixels[$0 * 4]) }
        #expect(zip(reds, reds.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(reds.first! <= 2 && reds.last! >= 253)
        let thumb = try image(1536, 864) { _, _ in [0, 0, 0, 255] }.thumbnail(fitting: 256, 256)
        #expect(thumb.width == 256 && thumb.height == 144)
        let tiny = image(10, 10) { _, _ in [0, 0, 0, 255] }
        #expect(try tiny.thumbnail(fitting: 256, 256) == tiny)
    }

    @Test("transparent pixels do not bleed their colour into the result (premultiplied alpha)")
    func premultipliedAlpha() throws {
        // Left half opaque red, right half fully transparent *green*.
        let half = image(200, 100) { x, _ in x < 100 ? [255, 0, 0, 255] : [0, 255, 0, 0] }
        let seam = try half.resized(width: 20, height: 10)
        for index in stride(from: 0, to: seam.pixels.count, by: 4) where seam.pixels[index + 3] > 8 {
            #expect(seam.pixels[index + 1] <= 2, "green bled into a visible pixel")
        }
        // Well inside the red half: fully red and opaque.
        let inside = (5 * 20 + 3) * 4
        #expect(Array(seam.pixels[inside..<(inside + 4)]) == [255, 0, 0, 255])
    }

    @Test("invalid sizes are errors, not crashes")
    func invalidSizes() {
        #expect(throws: RasterError.invalidSize(width: 0, height: 5)) { try RGBAImage(width: 0, height: 5, pixels: []) }
        #expect(throws: RasterError.pixelCountMismatch(expected: 16, actual: 3)) {
            try RGBAImage(width: 2, height: 2, pixels: [1, 2, 3])
        }
        let one = image(1, 1) { _, _ in [1, 2, 3, 4] }
        #expect(throws: RasterError.self) { try one.resized(width: 0, height: 1) }
    }
}
