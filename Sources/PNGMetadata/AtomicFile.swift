import CPNG

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
        let source = try FileByteSource(path: path, window: 0)
        guard source.size <= maxBytes else { throw PNGError.unreadable(path: path, reason: "file is over \(maxBytes) bytes") }
        return try source.readAll()
    }

    /// Writes `bytes` to `path` atomically. An existing file keeps its permissions; a new one
    /// gets `mode`. With `durable`, the data and the rename are fsynced before returning.
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool, mode: mode_t = 0o644) throws {
        let writer = try AtomicFileWriter(path: path, mode: mode)
        try bytes.withUnsafeBytes { try writer.write($0) }
        try writer.commit(durable: durable)
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

/// A file being written under a temporary name beside its final one; `commit` renames it into
/// place, and a writer dropped without committing removes its temporary file.
final class AtomicFileWriter {
    let path: String
    private let temporary: String
    private var descriptor: Int32
    private var finished = false

    init(path: String, mode: mode_t) throws {
        self.path = path
        var existing = stat()
        let permissions = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : mode
        let directory = AtomicFile.parentDirectory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 {
            temporary = directory + "/." + name + ".gptimg-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw PNGError.writeFailed(path: path, reason: errnoDescription()) }
        _ = fchmod(descriptor, permissions)  // the umask must not narrow an existing file's mode
        self.temporary = temporary
        self.descriptor = descriptor
    }

    deinit {
        if !finished { abort() }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let code = writeAll(descriptor, bytes) { throw PNGError.writeFailed(path: path, reason: errnoDescription(code)) }
    }

    /// Appends `count` bytes of `source` from `offset` (`copyRange`).
    func copy(from source: Int32, offset: Int, count: Int) throws {
        switch copyRange(from: source, offset: Int64(offset), count: count, to: descriptor) {
        case nil: return
        case .shrank: throw PNGError.truncated("the file shrank while it was being copied")
        case .read(let code): throw PNGError.unreadable(path: path, reason: errnoDescription(code))
        case .write(let code): throw PNGError.writeFailed(path: path, reason: errnoDescription(code))
        }
    }

    /// Renames the file into place (after fsyncing it, and then its folder, when `durable`).
    func commit(durable: Bool) throws {
        var failure: String?
        if durable, fsync(descriptor) != 0 { failure = errnoDescription() }
        if close(descriptor) != 0, failure == nil { failure = errnoDescription() }
        descriptor = -1
        if failure == nil, rename(temporary, path) != 0 { failure = errnoDescription() }
        if let failure {
            abort()
            throw PNGError.writeFailed(path: path, reason: failure)
        }
        finished = true
        if durable { AtomicFile.syncDirectory(AtomicFile.parentDirectory(of: path)) }
    }

    func abort() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporary)
        finished = true
    }
}

/// The text of `code` (by default the current `errno`).
package func errnoDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// Writes all of `bytes` to `descriptor`, retrying after a signal; nil, or the `errno` of the
/// write that failed. The one write loop of the project (files, stdout, sockets aside).
@discardableResult
package func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    var written = 0
    while written < bytes.count {
        let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        if result < 0 {
            if errno == EINTR { continue }
            return errno
        }
        written += result
    }
    return nil
}

@discardableResult
package func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { writeAll(descriptor, $0) }
}

/// Why `copyRange` stopped: a read or a write failed (`errno`), or the source ended early.
package enum CopyFailure: Error, Equatable {
    case read(Int32)
    case write(Int32)
    case shrank
}

/// Appends `count` bytes of `source` from `offset` to `destination`, copied inside the kernel
/// where it can (`copy_file_range`: a reflink on file systems that share blocks), through a
/// 1 MB buffer where it cannot.
package func copyRange(from source: Int32, offset: Int64, count: Int, to destination: Int32) -> CopyFailure? {
    var sourceOffset = offset
    var remaining = count
    while remaining > 0 {
        let copied = cpng_copy_file_range(source, &sourceOffset, destination, remaining)
        if copied > 0 {
            remaining -= Int(copied)
            continue
        }
        if copied == 0 { return .shrank }
        if errno == EINTR { continue }
        if [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EBADF].contains(errno) { break }
        return .write(errno)
    }
    guard remaining > 0 else { return nil }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(remaining, 1 << 20), alignment: 16)
    defer { buffer.deallocate() }
    while remaining > 0 {
        let result = pread(source, buffer.baseAddress!, min(remaining, buffer.count), off_t(sourceOffset))
        if result < 0 {
            if errno == EINTR { continue }
            return .read(errno)
        }
        if result == 0 { return .shrank }
        if let code = writeAll(destination, UnsafeRawBufferPointer(rebasing: buffer[0..<result])) { return .write(code) }
        sourceOffset += Int64(result)
        remaining -= result
    }
    return nil
}
