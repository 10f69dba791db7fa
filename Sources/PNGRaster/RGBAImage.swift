import CPNG
import Foundation

/// An 8-bit RGBA image in memory, row-major, four bytes a pixel.
public struct RGBAImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// The most pixels a file may decode to, checked before any pixel memory is allocated.
    public static let defaultMaxPixels = 100_000_000

    public init(width: Int, height: Int, pixels: [UInt8]) throws(RasterError) {
        try Self.validate(width: width, height: height)
        guard pixels.count == width * height * 4 else {
            throw .pixelCountMismatch(expected: width * height * 4, actual: pixels.count)
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour.
    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8, a: UInt8)) throws(RasterError) {
        try Self.validate(width: width, height: height)
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        for i in stride(from: 0, to: pixels.count, by: 4) {
            pixels[i] = fill.r
            pixels[i + 1] = fill.g
            pixels[i + 2] = fill.b
            pixels[i + 3] = fill.a
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    private static func validate(width: Int, height: Int) throws(RasterError) {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw .invalidSize(width: width, height: height)
        }
    }

    /// Whether every pixel is fully opaque (so the image can be stored as RGB).
    public var isOpaque: Bool {
        var index = 3
        while index < pixels.count {
            if pixels[index] != 255 { return false }
            index += 4
        }
        return true
    }

    // MARK: - Decoding

    /// Decodes any PNG (every colour type and bit depth, interlaced or not) to 8-bit RGBA.
    /// Refuses, before allocating pixels, more than `maxPixels` and an image whose compressed data
    /// cannot hold the pixels it declares. For a thumbnail, `init(thumbnailOfFile:…)` never holds
    /// the whole image.
    public init(pngData data: some ContiguousBytes, maxPixels: Int = RGBAImage.defaultMaxPixels) throws(RasterError) {
        var pixelsPointer: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0
        var height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = data.withUnsafeBytes { buffer in
            message.withUnsafeMutableBufferPointer { errbuf in
                cpng_decode_rgba(
                    buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count,
                    UInt64(max(0, maxPixels)), &pixelsPointer, &width, &height, errbuf.baseAddress,
                    errbuf.count)
            }
        }
        guard status == CPNG_OK, let pixelsPointer else {
            throw RasterError(status: status, message: String(cStringBuffer: message))
        }
        defer { cpng_free(pixelsPointer) }
        let count = Int(width) * Int(height) * 4
        self.width = Int(width)
        self.height = Int(height)
        self.pixels = Array(UnsafeBufferPointer(start: pixelsPointer, count: count))
    }

    /// Decodes the PNG file at `url`.
    public init(contentsOf url: URL, maxPixels: Int = RGBAImage.defaultMaxPixels) throws(RasterError) {
        guard let file = fopen(url.path, "rb") else {
            throw .unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { data.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count {
                if ferror(file) != 0 { throw .unreadable(path: url.path, reason: String(cString: strerror(errno))) }
                break
            }
        }
        try self.init(pngData: data, maxPixels: maxPixels)
    }

    // MARK: - Encoding

    /// Encodes to PNG bytes: RGB when every pixel is opaque (as photographs are), else RGBA.
    /// `compressionLevel` is zlib's 0-9.
    public func pngData(compressionLevel: Int = 6) throws(RasterError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let dropAlpha: Int32 = isOpaque ? 1 : 0
        let status = pixels.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { errbuf in
                cpng_encode_rgba(
                    buffer.baseAddress, UInt32(width), UInt32(height), dropAlpha,
                    Int32(compressionLevel), &output, &size, errbuf.baseAddress, errbuf.count)
            }
        }
        guard status == CPNG_OK, let output else {
            throw RasterError(status: status, message: String(cStringBuffer: message))
        }
        defer { cpng_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    // MARK: - Resizing

    /// A resized copy (box pre-shrink, then Lanczos-3 on premultiplied alpha).
    public func resized(width newWidth: Int, height newHeight: Int) throws(RasterError) -> RGBAImage {
        guard newWidth > 0, newHeight > 0, newWidth <= 65_535, newHeight <= 65_535 else {
            throw .invalidSize(width: newWidth, height: newHeight)
        }
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * 4)
        let status = pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                cpng_resize_rgba(
                    source.baseAddress, UInt32(width), UInt32(height), destination.baseAddress,
                    UInt32(newWidth), UInt32(newHeight))
            }
        }
        guard status == CPNG_OK else { throw RasterError(status: status, message: "") }
        return try RGBAImage(width: newWidth, height: newHeight, pixels: output)
    }

    /// A copy that fits within `maxWidth` x `maxHeight`, keeping the aspect ratio; never enlarged.
    public func thumbnail(fitting maxWidth: Int, _ maxHeight: Int) throws(RasterError) -> RGBAImage {
        guard maxWidth > 0, maxHeight > 0 else { throw .invalidSize(width: maxWidth, height: maxHeight) }
        let (newWidth, newHeight) = Self.fittedSize(
            width: width, height: height, maxWidth: maxWidth, maxHeight: maxHeight)
        if newWidth == width && newHeight == height { return self }
        return try resized(width: newWidth, height: newHeight)
    }
}

/// The header of a PNG, read without decoding its pixels.
public struct PNGHeaderInfo: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var bitDepth: Int
    public var colorType: Int

    public init(pngData data: some ContiguousBytes) throws(RasterError) {
        var width: UInt32 = 0
        var height: UInt32 = 0
        var bitDepth: Int32 = 0
        var colorType: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { buffer in
            message.withUnsafeMutableBufferPointer { errbuf in
                cpng_read_header(
                    buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count, &width,
                    &height, &bitDepth, &colorType, errbuf.baseAddress, errbuf.count)
            }
        }
        guard status == CPNG_OK else {
            throw RasterError(status: status, message: String(cStringBuffer: message))
        }
        self.width = Int(width)
        self.height = Int(height)
        self.bitDepth = Int(bitDepth)
        self.colorType = Int(colorType)
    }
}

extension String {
    init(cStringBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
