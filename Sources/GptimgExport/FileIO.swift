import Foundation
import GptimgSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few system calls an export makes, with errors as `ExportError`.
enum FileIO {
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        if let code = GptimgSupport.writeAll(descriptor, bytes) {
            throw ExportError.write(path: path, reason: errnoDescription(code))
        }
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
    }

    /// A new file for writing (fails if it exists).
    static func create(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ExportError.write(path: path, reason: errnoDescription()) }
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
        guard fsync(descriptor) == 0 else { throw ExportError.write(path: path, reason: errnoDescription()) }
    }

    /// Copies all of `source` to `destination` (`copyRange`).
    static func copy(_ source: Int32, size: Int, to destination: Int32, path: String) throws {
        switch copyRange(from: source, offset: 0, count: size, to: destination) {
        case nil: return
        case .shrank: throw ExportError.write(path: path, reason: "the source file shrank while it was copied")
        case .read(let code), .write(let code): throw ExportError.write(path: path, reason: errnoDescription(code))
        }
    }
}

/// A library file, open for reading, and its size.
final class SourceFile {
    let descriptor: Int32
    let size: Int
    let path: String
    let id: Int64

    /// Opens image `id`'s file at `path` (checked by `LibraryLocation.file(of:)`) and checks its
    /// size against the catalog's. Without blocking, and refused unless regular: a FIFO swapped in
    /// after the check must not hang the export.
    init(path: String, id: Int64, expectedSize: Int) throws {
        let (descriptor, size): (Int32, Int)
        do {
            (descriptor, size) = try RegularFile.open(path)
        } catch .unreadable(_, let reason) {
            throw ExportError.sourceFile(id: id, path: path, reason: reason)
        } catch {
            throw ExportError.sourceFile(id: id, path: path, reason: "not a regular file")
        }
        guard size == expectedSize else {
            close(descriptor)
            throw ExportError.sourceFile(
                id: id, path: path, reason: "the file has \(size) bytes, the catalog says \(expectedSize)")
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
            throw ExportError.sourceFile(id: id, path: path, reason: "cannot read it: \(errnoDescription())")
        }
        defer { munmap(mapping, size) }
        return try body(UnsafeRawBufferPointer(start: mapping, count: size))
    }
}
