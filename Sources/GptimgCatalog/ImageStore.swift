import Crypto
import Foundation
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// The write-once image store under `images/`.
///
/// A file lands in three steps: its bytes go to a temporary file in the process's staging
/// folder (`stage`), the temporary file is fsynced and hard-linked to its final name, which
/// fails rather than replace anything already there (`publish`), then the final folder is
/// fsynced. Only then is its row committed. A landed file is never written again.
enum ImageStore {
    /// `images/YYYY/MM/<slug>-<sha8>.png`, from the image's creation time and prompt.
    static func relativePath(createdAt: String, prompt: String?, sha256: String) -> String {
        let year = createdAt.prefix(4)
        let month = createdAt.dropFirst(5).prefix(2)
        return "images/\(year)/\(month)/\(slug(prompt))-\(sha256.prefix(8)).png"
    }

    /// A readable, portable file-name stem from a prompt: lowercase ASCII words joined by `-`,
    /// at most 48 characters; "image" when nothing is left.
    static func slug(_ prompt: String?) -> String {
        guard let prompt else { return "image" }
        let folded = prompt.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        var words: [String] = []
        var current = ""
        var length = 0
        for scalar in folded.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                if length + current.count + 1 > 48 { break }
                words.append(current)
                length += current.count + 1
                current = ""
            }
            if words.count >= 8 { break }
        }
        if !current.isEmpty, length + current.count <= 48, words.count < 8 { words.append(current) }
        let slug = words.joined(separator: "-").lowercased()
        return slug.isEmpty ? "image" : slug
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        return hex(digest)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SHA-256 of a regular file, streamed in 1 MiB reads. Opened without blocking and
    /// checked with `fstat`: a FIFO or device is refused, never read (it could block or never end).
    static func sha256Hex(ofFile path: String) throws -> String {
        let descriptor: Int32
        do {
            descriptor = try RegularFile.open(path).descriptor
        } catch .unreadable(_, let reason) {
            throw CatalogError.file(path: path, reason: reason)
        } catch {
            throw CatalogError.file(path: path, reason: "not a regular file")
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            switch readSequentially(descriptor, into: buffer) {
            case .failure(let error): throw CatalogError.file(path: path, reason: error.description)
            case .success(0): return hex(hasher.finalize())
            case .success(let count): hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
        }
    }

    /// A file written under a temporary name in the staging folder, not yet published.
    final class StagedFile: @unchecked Sendable {
        let temporaryPath: String
        let finalPath: String
        private var descriptor: Int32

        fileprivate init(temporaryPath: String, finalPath: String, descriptor: Int32) {
            self.temporaryPath = temporaryPath
            self.finalPath = finalPath
            self.descriptor = descriptor
        }

        deinit { discard() }

        /// Forces the data to disk (the first of the landing's fsyncs).
        func sync() throws {
            guard descriptor >= 0 else { return }
            if fsync(descriptor) != 0 {
                throw CatalogError.file(path: finalPath, reason: "fsync failed: \(errnoDescription())")
            }
        }

        /// Links the file to its final name. Returns false when a file with that name already
        /// exists (nothing is replaced; the caller decides whether it is the same file).
        func publish() throws -> Bool {
            if descriptor >= 0 {
                close(descriptor)
                descriptor = -1
            }
            defer { unlink(temporaryPath) }
            if link(temporaryPath, finalPath) == 0 { return true }
            if errno == EEXIST { return false }
            throw CatalogError.file(
                path: finalPath, reason: "cannot land the file: \(errnoDescription())")
        }

        func discard() {
            if descriptor >= 0 {
                close(descriptor)
                descriptor = -1
                unlink(temporaryPath)
            }
        }
    }

    /// Writes `bytes` under a temporary name in `stagingDirectory` (this process's own folder
    /// under `.staging/`, on the library's file system), to be linked to `finalPath` later.
    /// The file's modification time is set to `createdAt` (the image's own time), so that a
    /// rebuild dates a file without metadata as its import did.
    static func stage(_ bytes: [UInt8], at finalPath: String, stagingDirectory: String, createdAt: String? = nil) throws
        -> StagedFile
    {
        let directory = (finalPath as NSString).deletingLastPathComponent
        try makeDirectories(directory)
        var descriptor: Int32 = -1
        var temporary = ""
        for _ in 0..<8 {
            temporary = stagingDirectory + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".png"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            throw CatalogError.file(
                path: finalPath, reason: "cannot create a file in \(directory): \(errnoDescription())")
        }
        let staged = StagedFile(temporaryPath: temporary, finalPath: finalPath, descriptor: descriptor)
        if let code = writeAll(descriptor, bytes) {
            staged.discard()
            throw CatalogError.file(path: finalPath, reason: "cannot write the file: \(errnoDescription(code))")
        }
        startWriteback(descriptor)
        if let createdAt, let created = Timestamp(iso8601: createdAt) {
            var times = [
                timespec(tv_sec: 0, tv_nsec: (1 << 30) - 1 /* UTIME_NOW */),
                timespec(tv_sec: created.wholeSeconds, tv_nsec: 0),
            ]
            _ = futimens(descriptor, &times)
        }
        return staged
    }

    /// Folders made durable once: every new folder's parent is fsynced too.
    static func makeDirectories(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue {
            return
        }
        let parent = (directory as NSString).deletingLastPathComponent
        try makeDirectories(parent)
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw CatalogError.file(
                path: directory, reason: "cannot create the folder: \(errnoDescription())")
        }
        AtomicFile.syncDirectory(parent)
    }
}
