import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata
import PNGRaster

/// Thumbnails of the library's images, made with the libpng target (box pre-shrink, then
/// Lanczos-3 on premultiplied alpha) and cached as
/// `Library/thumbs/<first two hex digits>/<sha256>-<size>.png`. The cache is derived: anything
/// missing (or the whole folder) is made again on the next request. Files are written to a
/// temporary name and renamed, so a reader never sees half a thumbnail; two requests racing for
/// the same one both make it and the second rename wins with identical bytes.
///
/// A file is decoded in bounded memory (`RGBAImage(thumbnailOfFile:…)`: its header checked
/// first, its rows streamed into the downscaler, the memory reserved from the process's
/// `DecodeBudget`). One that cannot be made into a thumbnail is remembered, by SHA-256, with the
/// reason (`failure(sha256:)`): the same bytes fail the same way every time, so a damaged or
/// hostile file costs one decode, not one per request.
public struct ThumbnailStore: Sendable {
    public let library: LibraryLocation
    /// The box a thumbnail fits in (pixels, both sides).
    public let size: Int
    /// What the decodes may hold at once.
    public let budget: DecodeBudget
    private let failures = FailureMemory(capacity: ThumbnailStore.rememberedFailures)

    public static let defaultSize = 320
    /// How many failed images are remembered (their reasons are at most a few hundred bytes).
    public static let rememberedFailures = 10_000

    public init(library: LibraryLocation, size: Int = ThumbnailStore.defaultSize, budget: DecodeBudget = .shared) {
        self.library = library
        self.size = size
        self.budget = budget
    }

    /// Why an image has no thumbnail: its file could not be made into one (damaged, too large,
    /// a decompression bomb). A placeholder stands in for it.
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public var folder: URL { library.root.appendingPathComponent("thumbs", isDirectory: true) }

    /// Where the thumbnail of the image with this SHA-256 lives.
    public func path(sha256: String) -> String {
        folder.path + "/" + String(sha256.prefix(2)) + "/" + sha256 + "-\(size).png"
    }

    /// Why the image with this SHA-256 has no thumbnail, when an earlier attempt found out.
    public func failure(sha256: String) -> String? { failures.reason(sha256) }

    /// The thumbnail's path, made first when it is missing. Throws `Unavailable` when the file
    /// cannot be made into a thumbnail, now or on an earlier request. Blocking: call it off
    /// Swift's cooperative pool.
    public func thumbnail(of image: ImageRecord) throws -> String {
        let target = path(sha256: image.sha256)
        // Looked for again here: another request may have made it while this one waited for a slot.
        if FileManager.default.fileExists(atPath: target) { return target }
        if let reason = failures.reason(image.sha256) { throw Unavailable(description: reason) }
        let original = try library.file(of: image).path
        let bytes: [UInt8]
        do {
            bytes = try Self.make(from: original, fitting: size, budget: budget)
        } catch let error as RasterError {
            // A file that cannot be read now may be readable later (and memory may free up):
            // only what the bytes themselves cause is remembered.
            switch error {
            case .unreadable, .outOfMemory: throw error
            default:
                failures.remember(image.sha256, reason: error.description)
                throw Unavailable(description: error.description)
            }
        }
        let folder = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw GalleryError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        try AtomicFile.write(bytes, to: target, durable: false)
        return target
    }

    /// zlib's level for thumbnails. Level 6 (libpng's default) spent more time compressing a
    /// 320-pixel thumbnail than decoding its 1 MP original (perf: deflate's match search was 40%
    /// of a thumbnail); level 2 makes one twice as fast for files about 15% larger, still smaller
    /// than vipsthumbnail's (bench/README.md).
    public static let compressionLevel = 2

    /// The PNG bytes of a thumbnail of the file at `path`, fitting `size`×`size`.
    public static func make(
        from path: String, fitting size: Int, compressionLevel: Int = ThumbnailStore.compressionLevel,
        budget: DecodeBudget = .shared
    ) throws -> [UInt8] {
        let thumbnail = try RGBAImage(thumbnailOfFile: path, fitting: size, size, budget: budget)
        return try thumbnail.pngData(compressionLevel: compressionLevel)
    }

    /// The size a thumbnail of a `width`×`height` image will have (for `<img width height>`, so
    /// the grid keeps its layout while thumbnails load).
    public func fittedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard width > 0, height > 0 else { return (size, size) }
        return RGBAImage.fittedSize(width: width, height: height, maxWidth: size, maxHeight: size)
    }

    /// What stands in for a thumbnail that cannot be made: a light grey square crossed by two
    /// darker diagonals, the look of a missing picture.
    public static let placeholder: [UInt8] = {
        let side = 64
        var pixels = [UInt8](repeating: 0, count: side * side * 4)
        for y in 0..<side {
            for x in 0..<side {
                let onCross = abs(x - y) <= 1 || abs(x + y - (side - 1)) <= 1
                let onFrame = x < 2 || y < 2 || x >= side - 2 || y >= side - 2
                let value: UInt8 = onCross || onFrame ? 190 : 236
                let offset = (y * side + x) * 4
                pixels[offset] = value
                pixels[offset + 1] = value
                pixels[offset + 2] = value - 2
                pixels[offset + 3] = 255
            }
        }
        // Fixed, valid arguments: encoding cannot fail.
        return try! RGBAImage(width: side, height: side, pixels: pixels).pngData()
    }()
}

/// Reasons by SHA-256, at most `capacity` of them (the oldest forgotten first), shared by the
/// copies of a `ThumbnailStore`.
final class FailureMemory: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var reasons: [String: String] = [:]
    private var order: [String] = []
    private var oldest = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func reason(_ sha256: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return reasons[sha256]
    }

    func remember(_ sha256: String, reason: String) {
        lock.lock()
        defer { lock.unlock() }
        guard reasons.updateValue(String(reason.prefix(500)), forKey: sha256) == nil else { return }
        if order.count < capacity {
            order.append(sha256)
        } else {
            reasons[order[oldest]] = nil
            order[oldest] = sha256
            oldest = (oldest + 1) % capacity
        }
    }
}
