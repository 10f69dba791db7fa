#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and crash-safe replacements: a file is written to a temporary name in the
/// same folder, optionally fsynced, then renamed over the target, so a reader sees the old file
/// or the new one, never a half-written one.
public enum AtomicFile {
    /// The bytes of the file at `path` (refusing anything over `maxBytes`).
    public static func read(_ path: String, maxBytes: Int = 1 << 31) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PNGError.unreadable(path: path, reason: errnoDescription()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw PNGError.unreadable(path: path, reason: errnoDescription()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw PNGError.notRegularFile(path: path) }
        let size = Int(status.st_size)
        guard size <= maxBytes else { throw PNGError.unreadable(path: path, reason: "file is over \(maxBytes) bytes") }
        var bytes = [UInt8](repeating: 0, count: size)
        var total = 0
        try bytes.withUnsafeMutableBytes { buffer throws in
            while total < size {
                let result = Glibc.read(descriptor, buffer.baseAddress! + total, size - total)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw PNGError.unreadable(path: path, reason: errnoDescription())
                }
                if result == 0 { break }
                total += result
            }
        }
        if total < size { bytes.removeLast(size - total) }
        return bytes
    }

    /// Writes `bytes` to `path` atomically. An existing file keeps its permissions; a new one
    /// gets `mode`. With `durable`, the data and the rename are fsynced before returning.
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool, mode: mode_t = 0o644) throws {
        let directory = parentDirectory(of: path)
        var existing = stat()
        let permissions = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : mode
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 {
            temporary = directory + "/." + name + ".gptimg-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw PNGError.writeFailed(path: path, reason: errnoDescription()) }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errnoDescription()
                    return
                }
                written += result
            }
        }
        if failure == nil { _ = fchmod(descriptor, permissions) }
        if failure == nil, durable, fsync(descriptor) != 0 { failure = errnoDescription() }
        if close(descriptor) != 0, failure == nil { failure = errnoDescription() }
        if failure == nil, rename(temporary, path) != 0 { failure = errnoDescription() }
        if let failure {
            unlink(temporary)
            throw PNGError.writeFailed(path: path, reason: failure)
        }
        if durable { syncDirectory(directory) }
    }

    /// Makes a rename in `directory` durable.
    public static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

func errnoDescription() -> String {
    String(cString: strerror(errno))
}
