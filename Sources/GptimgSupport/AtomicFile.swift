import CSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file could not be read or written. Each message names the problem; it does not repeat
/// the path (callers put it in front).
public enum FileError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notRegularFile(path: String)
    case tooLarge(path: String, limit: Int)
    /// The file got shorter while it was being read or copied.
    case shrank(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(_, let reason): "cannot read the file: \(reason)"
        case .notRegularFile: "not a regular file (a folder, device or pipe)"
        case .tooLarge(_, let limit): "cannot read the file: file is over \(limit) bytes"
        case .shrank: "the file shrank while it was being read; it is incomplete, copy it again"
        case .writeFailed(_, let reason): "cannot write the file: \(reason); the original is unchanged"
        }
    }
}

/// Whole-file reads and crash-safe replacements: a file is written to a temporary name in the
/// same folder, optionally fsynced, then renamed over the target, so a reader sees the old file
/// or the new one, never a half-written one.
public enum AtomicFile {
    /// The bytes of the regular file at `path` (refusing anything over `maxBytes`). Opened
    /// without blocking and checked with `fstat`: a FIFO or a device is refused, never read.
    public static func read(_ path: String, maxBytes: Int = 1 << 31) throws(FileError) -> [UInt8] {
        let file = try RegularFile.open(path)
        defer { close(file.descriptor) }
        guard file.size <= maxBytes else { throw .tooLarge(path: path, limit: maxBytes) }
        var failure: FileSystemErrno?
        let bytes = [UInt8](unsafeUninitializedCapacity: file.size) { buffer, count in
            switch readFully(file.descriptor, into: UnsafeMutableRawBufferPointer(buffer), at: 0) {
            case .success(let read): count = read
            case .failure(let error):
                failure = error
                count = 0
            }
        }
        if let failure { throw .unreadable(path: path, reason: failure.description) }
        guard bytes.count == file.size else { throw .shrank(path: path) }
        return bytes
    }

    /// Writes `bytes` to `path` atomically. An existing file keeps its permissions; a new one
    /// gets `mode`. With `durable`, the data and the rename are fsynced before returning.
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool, mode: mode_t = 0o644) throws(FileError) {
        let writer = try AtomicFileWriter(path: path, mode: mode)
        try writer.write(bytes) // on failure, the writer removes its temporary file as it goes
        try writer.commit(durable: durable)
    }

    /// Makes a rename in `directory` durable.
    public static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// Makes everything written to the file system holding `path` durable with one flush
    /// (`syncfs`): for many files written without `durable`, cheaper than an fsync each.
    public static func syncFileSystem(containing path: String) throws(FileError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: errnoDescription()) }
        defer { close(descriptor) }
        guard csupport_syncfs(descriptor) == 0 else { throw .writeFailed(path: path, reason: errnoDescription()) }
    }

    /// The folder part of `path` ("." when it has none).
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// A file being written under a temporary name beside its final one; `commit` renames it into
/// place, and a writer dropped without committing removes its temporary file.
public final class AtomicFileWriter {
    public let path: String
    private let temporary: String
    private var descriptor: Int32
    private var finished = false

    public init(path: String, mode: mode_t) throws(FileError) {
        self.path = path
        var existing = stat()
        let permissions = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : mode
        let directory = AtomicFile.parentDirectory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporary = directory + "/." + name + ".gptimg-" + suffix
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: errnoDescription()) }
        _ = fchmod(descriptor, permissions) // the umask must not narrow an existing file's mode
        self.temporary = temporary
        self.descriptor = descriptor
    }

    deinit {
        if !finished { abort() }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        if let code = writeAll(descriptor, bytes) { throw .writeFailed(path: path, reason: errnoDescription(code)) }
    }

    public func write(_ bytes: [UInt8]) throws(FileError) {
        if let code = GptimgSupport.writeAll(descriptor, bytes) {
            throw .writeFailed(path: path, reason: errnoDescription(code))
        }
    }

    /// Appends `count` bytes of `source` from `offset` (`copyRange`).
    public func copy(from source: Int32, offset: Int, count: Int) throws(FileError) {
        switch copyRange(from: source, offset: Int64(offset), count: count, to: descriptor) {
        case nil: return
        case .shrank: throw .shrank(path: path)
        case .read(let code): throw .unreadable(path: path, reason: errnoDescription(code))
        case .write(let code): throw .writeFailed(path: path, reason: errnoDescription(code))
        }
    }

    /// Renames the file into place (after fsyncing it, and then its folder, when `durable`).
    public func commit(durable: Bool) throws(FileError) {
        var failure: String?
        if durable, fsync(descriptor) != 0 { failure = errnoDescription() }
        if close(descriptor) != 0, failure == nil { failure = errnoDescription() }
        descriptor = -1
        if failure == nil, rename(temporary, path) != 0 { failure = errnoDescription() }
        if let failure {
            abort()
            throw .writeFailed(path: path, reason: failure)
        }
        finished = true
        if durable { AtomicFile.syncDirectory(AtomicFile.parentDirectory(of: path)) }
    }

    /// Removes the temporary file; the target is left as it was.
    public func abort() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporary)
        finished = true
    }
}
