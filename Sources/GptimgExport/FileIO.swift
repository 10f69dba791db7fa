import CPNG
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few system calls an export makes, with errors as `ExportError`.
enum FileIO {
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw ExportError.write(path: path, reason: errnoText())
            }
            written += result
        }
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
    }

    /// A new file for writing (fails if it exists).
    static func create(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ExportError.write(path: path, reason: errnoText()) }
        return descriptor
    }

    /// Creates `path`, lets `body` write it, then sets its modification time, flushes it to the
    /// disk and closes it (closed on failure too).
    static func writeFile(_ path: String, modified: Int64, _ body: (Int32) throws -> Void) throws {
        let descriptor = try create(path)
        defer { close(descriptor) }
        try body(descriptor)
        var times = [timespec(tv_sec: Int(modified), tv_nsec: 0), timespec(tv_sec: Int(modified), tv_nsec: 0)]
        _ = futimens(descriptor, &times)
        guard fsync(descriptor) == 0 else { throw ExportError.write(path: path, reason: errnoText()) }
    }

    /// Copies all of `source` to `destination` inside the kernel (`copy_file_range`: a reflink on
    /// file systems that share blocks), through a buffer where the kernel cannot. (PNGMetadata's
    /// `AtomicFileWriter.copy` does the same, but only into its own temporary file.)
    static func copy(_ source: Int32, size: Int, to destination: Int32, path: String) throws {
        var offset: Int64 = 0
        while offset < size {
            let copied = cpng_copy_file_range(source, &offset, destination, size - Int(offset))
            if copied > 0 { continue }
            if copied == 0 { throw ExportError.write(path: path, reason: "the source file shrank while it was copied") }
            if errno == EINTR { continue }
            if [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EBADF].contains(errno) { break }
            throw ExportError.write(path: path, reason: errnoText())
        }
        guard offset < size else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while offset < size {
            let count = pread(source, buffer.baseAddress!, min(buffer.count, size - Int(offset)), off_t(offset))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw ExportError.write(path: path, reason: count < 0 ? errnoText() : "the source file shrank while it was copied") }
            try writeAll(destination, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), path: path)
            offset += Int64(count)
        }
    }
}

/// A library file, open for reading, and its size.
final class SourceFile {
    let descriptor: Int32
    let size: Int
    let path: String
    let id: Int64

    /// Opens image `id`'s file at `path` and checks its size against the catalog's.
    init(path: String, id: Int64, expectedSize: Int) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ExportError.sourceFile(id: id, path: path, reason: errnoText()) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = errnoText()
            close(descriptor)
            throw ExportError.sourceFile(id: id, path: path, reason: reason)
        }
        guard Int(status.st_size) == expectedSize else {
            close(descriptor)
            throw ExportError.sourceFile(id: id, path: path, reason: "the file has \(status.st_size) bytes, the catalog says \(expectedSize)")
        }
        self.descriptor = descriptor
        self.size = expectedSize
        self.path = path
        self.id = id
    }

    deinit { close(descriptor) }

    /// Calls `body` with the file's bytes, mapped (read ahead in one go) rather than copied into
    /// the process: the export then writes them out from the page cache directly.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        #if os(Linux)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        guard let mapping = mmap(nil, size, PROT_READ, flags, descriptor, 0), mapping != MAP_FAILED else {
            throw ExportError.sourceFile(id: id, path: path, reason: "cannot read it: \(errnoText())")
        }
        defer { munmap(mapping, size) }
        return try body(UnsafeRawBufferPointer(start: mapping, count: size))
    }
}
