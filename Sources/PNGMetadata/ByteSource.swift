import GptimgSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Random access to a file's bytes, so the chunk walker can seek past image data instead of
/// reading it.
protocol ByteSource {
    var size: Int { get }
    /// Calls `body` with exactly `count` bytes starting at `offset` (the caller has checked
    /// that they exist). The buffer is valid only inside `body`.
    func withBytes<R>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R
    /// Reads the last `count` bytes ahead of time, so that reads there cost nothing more.
    func prefetchTail(_ count: Int) throws
}

extension ByteSource {
    func prefetchTail(_ count: Int) throws {}
}

/// Bytes already in memory.
struct MemoryByteSource: ByteSource {
    let bytes: UnsafeRawBufferPointer

    var size: Int { bytes.count }

    func withBytes<R>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }
}

/// A file read with `pread`: the first 16 KiB at once (signature, header and the text chunks
/// that usually precede the image data), anything else exactly where the walker asks.
final class FileByteSource: ByteSource {
    let path: String
    let size: Int
    let descriptor: Int32
    private var window: UnsafeMutableRawBufferPointer
    private var windowCount = 0
    /// The file's last bytes, when `prefetchTail` has read them.
    private var tail: [UInt8] = []
    private var tailStart = 0
    /// The block last read for a small read past the window (see `withBytes`).
    private let ahead: UnsafeMutableRawBufferPointer
    private var aheadStart = 0
    private var aheadCount = 0
    private static let readAhead = 4096

    // Enough for the signature, IHDR and the text chunks a generator puts before the image
    // data (ours take about 3 KiB); anything further is read exactly where the walker asks.
    private static let windowCapacity = 16 * 1024

    /// `window`: how much of the file's start to read at once (nil: the default).
    ///
    /// Everything that can fail happens before `self` owns the descriptor and the buffers, each
    /// released here on failure: `deinit`, which runs once every stored property is set (even
    /// when `init` throws after that), releases them on success only, so never twice.
    init(path: String, window windowSize: Int? = nil) throws {
        // Without blocking, and refused unless regular: a FIFO must not hang the reader.
        let file: (descriptor: Int32, size: Int)
        do {
            file = try RegularFile.open(path)
        } catch {
            throw PNGError(error)
        }
        let descriptor = file.descriptor
        let size = file.size
        let capacity = windowSize ?? Self.windowCapacity
        let window = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 8)
        let windowCount: Int
        do {
            windowCount = try Self.readFully(
                descriptor, path: path, into: UnsafeMutableRawBufferPointer(rebasing: window[0..<min(size, capacity)]),
                at: 0)
        } catch {
            close(descriptor)
            window.deallocate()
            throw error
        }
        self.path = path
        self.size = size
        self.descriptor = descriptor
        self.window = window
        self.windowCount = windowCount
        self.ahead = .allocate(byteCount: Self.readAhead, alignment: 8)
    }

    deinit {
        close(descriptor)
        window.deallocate()
        ahead.deallocate()
    }

    func withBytes<R>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if offset + count <= windowCount {
            return try body(UnsafeRawBufferPointer(rebasing: window[offset..<(offset + count)]))
        }
        if !tail.isEmpty, offset >= tailStart, offset + count <= tailStart + tail.count {
            return try tail.withUnsafeBytes {
                try body(UnsafeRawBufferPointer(rebasing: $0[(offset - tailStart)..<(offset - tailStart + count)]))
            }
        }
        if offset >= aheadStart, offset + count <= aheadStart + aheadCount {
            return try body(
                UnsafeRawBufferPointer(rebasing: ahead[(offset - aheadStart)..<(offset - aheadStart + count)]))
        }
        if count <= Self.readAhead / 8 {
            // Chunk headers and keywords past the window come one after another: one read of
            // the next 4 KiB serves the following ones too, so a file of a million tiny chunks
            // costs thousands of system calls, not a million. No allocation.
            let read = try readFully(
                into: UnsafeMutableRawBufferPointer(rebasing: ahead[0..<min(Self.readAhead, size - offset)]), at: offset
            )
            aheadStart = offset
            aheadCount = read
            guard read >= count else { throw PNGError.truncated("the file shrank while it was being read") }
            return try body(UnsafeRawBufferPointer(rebasing: ahead[0..<count]))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        defer { buffer.deallocate() }
        let read = try readFully(into: buffer, at: offset)
        guard read == count else { throw PNGError.truncated("the file shrank while it was being read") }
        return try body(UnsafeRawBufferPointer(buffer))
    }

    func prefetchTail(_ count: Int) throws {
        let start = max(windowCount, size - count)
        guard start < size, tail.isEmpty else { return }
        let bytes = try [UInt8](unsafeUninitializedCapacity: size - start) { buffer, initialized in
            initialized = try readFully(into: UnsafeMutableRawBufferPointer(buffer), at: start)
        }
        guard bytes.count == size - start else { throw PNGError.truncated("the file shrank while it was being read") }
        tail = bytes
        tailStart = start
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    private func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        try Self.readFully(descriptor, path: path, into: buffer, at: offset)
    }

    private static func readFully(
        _ descriptor: Int32, path: String, into buffer: UnsafeMutableRawBufferPointer, at offset: Int
    ) throws -> Int {
        switch GptimgSupport.readFully(descriptor, into: buffer, at: offset) {
        case .success(let count): return count
        case .failure(let error): throw PNGError.unreadable(path: path, reason: error.description)
        }
    }
}
