import CSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The project's loops around read(2), pread(2), write(2) and copy_file_range(2): each retries
// after a signal (EINTR) and goes on after a short transfer, so no caller writes its own.

/// Opening files that may be hostile: a path from a catalog, an archive or a command line may
/// name a FIFO or a device, which must fail rather than hang or feed a reader forever.
public enum RegularFile {
    /// Opens the regular file at `path` for reading, without blocking (opening a FIFO would
    /// otherwise wait for a writer forever; `fstat` then refuses it), and returns its descriptor
    /// (the caller closes it) and its size.
    public static func open(_ path: String) throws(FileError) -> (descriptor: Int32, size: Int) {
        #if canImport(Glibc)
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        #else
            let descriptor = Darwin.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        #endif
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: errnoDescription()) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = errnoDescription()
            close(descriptor)
            throw .unreadable(path: path, reason: reason)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .notRegularFile(path: path)
        }
        return (descriptor, Int(status.st_size))
    }
}

/// The text of `code` (by default the current `errno`).
public func errnoDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// Writes all of `bytes` to `descriptor`; nil, or the `errno` of the write that failed.
@discardableResult
public func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
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
public func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { writeAll(descriptor, $0) }
}

/// Reads from `offset` until `buffer` is full or the file ends: the bytes read, or the `errno`
/// of the read that failed.
public func readFully(
    _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int
) -> Result<Int, FileSystemErrno> {
    var total = 0
    while total < buffer.count {
        let result = pread(descriptor, buffer.baseAddress! + total, buffer.count - total, off_t(offset + total))
        if result < 0 {
            if errno == EINTR { continue }
            return .failure(FileSystemErrno(errno))
        }
        if result == 0 { break }
        total += result
    }
    return .success(total)
}

/// Reads from the descriptor's current position until `buffer` is full or the stream ends (for
/// streaming a file through a buffer): the bytes read, or the `errno` of the read that failed.
public func readSequentially(
    _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer
) -> Result<Int, FileSystemErrno> {
    var total = 0
    while total < buffer.count {
        let result = read(descriptor, buffer.baseAddress! + total, buffer.count - total)
        if result < 0 {
            if errno == EINTR { continue }
            return .failure(FileSystemErrno(errno))
        }
        if result == 0 { break }
        total += result
    }
    return .success(total)
}

/// An `errno` value as an error, described by `strerror`.
public struct FileSystemErrno: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int32

    public init(_ code: Int32) { self.code = code }

    public var description: String { errnoDescription(code) }
}

/// Why `copyRange` stopped: a read or a write failed (`errno`), or the source ended early.
public enum CopyFailure: Error, Equatable, Sendable {
    case read(Int32)
    case write(Int32)
    case shrank
}

/// Starts writing `descriptor`'s dirty pages to the disk without waiting (Linux's
/// `sync_file_range`): a file written now and fsynced a batch later is by then mostly on the disk,
/// and the disk worked while the cores went on. Only a head start: durability is still the fsync's.
public func startWriteback(_ descriptor: Int32) {
    _ = csupport_start_writeback(descriptor)
}

/// Appends `count` bytes of `source` from `offset` to `destination`, copied inside the kernel
/// where it can (`copy_file_range`: a reflink on file systems that share blocks), through a
/// 1 MB buffer where it cannot.
public func copyRange(from source: Int32, offset: Int64, count: Int, to destination: Int32) -> CopyFailure? {
    var sourceOffset = offset
    var remaining = count
    while remaining > 0 {
        let copied = csupport_copy_file_range(source, &sourceOffset, destination, remaining)
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
        let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(remaining, buffer.count)])
        switch readFully(source, into: chunk, at: Int(sourceOffset)) {
        case .failure(let error): return .read(error.code)
        case .success(0): return .shrank
        case .success(let read):
            if let code = writeAll(destination, UnsafeRawBufferPointer(rebasing: buffer[0..<read])) {
                return .write(code)
            }
            sourceOffset += Int64(read)
            remaining -= read
        }
    }
    return nil
}
