import Foundation
import GptimgCatalog
import PNGMetadata
import PNGRaster

/// Thumbnails of the library's images, made with the libpng target (box pre-shrink, then
/// Lanczos-3 on premultiplied alpha) and cached as
/// `Library/thumbs/<first two hex digits>/<sha256>-<size>.png`. The cache is derived: anything
/// missing (or the whole folder) is made again on the next request. Files are written to a
/// temporary name and renamed, so a reader never sees half a thumbnail; two requests racing for
/// the same one both make it and the second rename wins with identical bytes.
public struct ThumbnailStore: Sendable {
    public let library: LibraryLocation
    /// The box a thumbnail fits in (pixels, both sides).
    public let size: Int

    public static let defaultSize = 320

    public init(library: LibraryLocation, size: Int = ThumbnailStore.defaultSize) {
        self.library = library
        self.size = size
    }

    public var folder: URL { library.root.appendingPathComponent("thumbs", isDirectory: true) }

    /// Where the thumbnail of the image with this SHA-256 lives.
    public func path(sha256: String) -> String {
        folder.path + "/" + String(sha256.prefix(2)) + "/" + sha256 + "-\(size).png"
    }

    /// The thumbnail's path, made first when it is missing. Blocking: call it off Swift's
    /// cooperative pool.
    public func thumbnail(of image: ImageRecord) throws -> String {
        let target = path(sha256: image.sha256)
        // Looked for again here: another request may have made it while this one waited for a slot.
        if FileManager.default.fileExists(atPath: target) { return target }
        let original = try library.file(of: image).path
        let bytes = try Self.make(from: original, fitting: size)
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
    public static func make(from path: String, fitting size: Int, compressionLevel: Int = ThumbnailStore.compressionLevel) throws -> [UInt8] {
        let image = try RGBAImage(contentsOf: URL(fileURLWithPath: path))
        return try image.thumbnail(fitting: size, size).pngData(compressionLevel: compressionLevel)
    }

    /// The size a thumbnail of a `width`×`height` image will have (for `<img width height>`, so
    /// the grid keeps its layout while thumbnails load).
    public func fittedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard width > 0, height > 0 else { return (size, size) }
        let scale = min(Double(size) / Double(width), Double(size) / Double(height), 1)
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }
}
