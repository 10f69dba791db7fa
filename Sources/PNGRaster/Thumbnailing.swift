import CPNG
import Foundation
import GptimgSupport

/// Bytes of memory that pixel decodes may hold at once, shared by every decode that takes from
/// it. A decode reserves what libpng and the downscaler will allocate (`cpng_thumbnail_memory`,
/// worked out from the header before any pixel memory is allocated) and gives it back when done;
/// while the others hold too much it waits, and one that needs more than the whole budget is
/// refused at once. Cores cap how many decodes run; this caps what they hold, so a page of
/// thumbnails of large images costs the budget, not the sum of their sizes.
///
/// `reserve` blocks: call it from Dispatch threads, never from Swift's cooperative pool.
public final class DecodeBudget: @unchecked Sendable {
    /// The bytes all decodes together may hold.
    public let capacity: Int
    private let condition = NSCondition()
    private var reserved = 0
    private var mostReserved = 0

    /// The process's budget: the gallery's thumbnails and export's contact sheets take from it.
    public static let shared = DecodeBudget(capacity: DecodeBudget.defaultCapacity)

    /// 128 MiB: a streamed decode holds two or three rows of the image and the downscaler's
    /// buffers (the box shrink's, a few times the thumbnail: at most about 35 MB for a 320-pixel
    /// one), so decodes on two cores fit with room; an interlaced image is held whole, so one of
    /// up to about 30 megapixels fits. A file whose rows alone would exceed it (100,000,000
    /// pixels wide) is refused.
    public static let defaultCapacity = 128 << 20

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The most bytes reserved at once so far.
    public var peak: Int {
        condition.lock()
        defer { condition.unlock() }
        return mostReserved
    }

    /// Reserves `bytes`, waiting while the other decodes hold too much; refuses what the whole
    /// budget could never hold.
    public func reserve(_ bytes: Int) throws(RasterError) {
        guard bytes <= capacity else {
            throw .tooLarge(
                "decoding it takes \(Self.megabytes(bytes)) of memory, more than the \(Self.megabytes(capacity)) "
                    + "allowed for decoding images")
        }
        condition.lock()
        while reserved + bytes > capacity { condition.wait() }
        reserved += bytes
        mostReserved = max(mostReserved, reserved)
        condition.unlock()
    }

    /// Gives back what `reserve` took.
    public func release(_ bytes: Int) {
        condition.lock()
        reserved -= bytes
        condition.broadcast()
        condition.unlock()
    }

    static func megabytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_048_576
        return value < 10 ? String(format: "%.1f MiB", value) : "\(Int(value.rounded())) MiB"
    }
}

extension RGBAImage {
    /// The size of a copy of a `width`×`height` image that fits within `maxWidth`×`maxHeight`,
    /// keeping the aspect ratio; never enlarged.
    public static func fittedSize(width: Int, height: Int, maxWidth: Int, maxHeight: Int) -> (width: Int, height: Int) {
        let scale = min(Double(maxWidth) / Double(width), Double(maxHeight) / Double(height), 1)
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// A thumbnail of the PNG file at `path` that fits `maxWidth`×`maxHeight` (never enlarged):
    /// the pixels of `RGBAImage(contentsOf:).thumbnail(fitting:)`, made in bounded memory. The
    /// header is checked first (at most `maxPixels`, and enough compressed data for the pixels it
    /// declares: a decompression bomb fails here, in microseconds); the memory the decode needs
    /// is reserved from `budget`; then rows stream from the file into the downscaler, so neither
    /// the file nor the whole image is ever held. Blocking (file reads, and `budget`).
    public init(
        thumbnailOfFile path: String, fitting maxWidth: Int, _ maxHeight: Int,
        maxPixels: Int = RGBAImage.defaultMaxPixels,
        budget: DecodeBudget = .shared
    ) throws(RasterError) {
        let descriptor = try RasterError.openRegularFile(path)
        defer { close(descriptor) }
        try self.init(
            thumbnailOf: cpng_input(data: nil, size: 0, fd: descriptor), fitting: maxWidth, maxHeight,
            maxPixels: maxPixels, budget: budget)
    }

    /// `init(thumbnailOfFile:…)` for PNG bytes in memory.
    public init(
        thumbnailOfPNG data: some ContiguousBytes, fitting maxWidth: Int, _ maxHeight: Int,
        maxPixels: Int = RGBAImage.defaultMaxPixels,
        budget: DecodeBudget = .shared
    ) throws(RasterError) {
        let result = data.withUnsafeBytes { buffer in
            Result { () throws(RasterError) -> RGBAImage in
                try RGBAImage(
                    thumbnailOf: cpng_input(
                        data: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), size: buffer.count, fd: -1),
                    fitting: maxWidth, maxHeight, maxPixels: maxPixels, budget: budget)
            }
        }
        self = try result.get()
    }

    private init(
        thumbnailOf input: cpng_input, fitting maxWidth: Int, _ maxHeight: Int, maxPixels: Int, budget: DecodeBudget
    ) throws(RasterError) {
        guard maxWidth > 0, maxHeight > 0, maxWidth <= 65_535, maxHeight <= 65_535 else {
            throw .invalidSize(width: maxWidth, height: maxHeight)
        }
        var input = input
        var message = [CChar](repeating: 0, count: 512)
        let limit = UInt64(max(0, maxPixels))
        var header = try RasterError.inspect(&input, limit: limit)
        let size = Self.fittedSize(
            width: Int(header.width), height: Int(header.height), maxWidth: maxWidth, maxHeight: maxHeight)
        let cost = Int(clamping: cpng_thumbnail_memory(&header, UInt32(size.width), UInt32(size.height)))
        try budget.reserve(cost)
        defer { budget.release(cost) }
        var pixels = [UInt8](repeating: 0, count: size.width * size.height * 4)
        let decoded = pixels.withUnsafeMutableBufferPointer { destination in
            message.withUnsafeMutableBufferPointer { errbuf in
                cpng_decode_thumbnail(
                    &input, limit, UInt32(size.width), UInt32(size.height), destination.baseAddress, errbuf.baseAddress,
                    errbuf.count)
            }
        }
        guard decoded == CPNG_OK else { throw RasterError(status: decoded, message: String(cStringBuffer: message)) }
        try self.init(width: size.width, height: size.height, pixels: pixels)
    }
}
