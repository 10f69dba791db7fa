import CPNG
import Foundation
import GptimgSupport
import PNGMetadata

/// A zip archive written front to back, in one pass, to an open file.
///
/// Every entry's size and CRC-32 are known before its header is written (the caller holds its
/// bytes), so there are no data descriptors and no seeking back: local header, data, and at the
/// end the central directory. Names are UTF-8 (general-purpose flag bit 11). PNGs are stored
/// (they are deflate streams already); text is deflated. ZIP64 records are added when an
/// offset, size or the entry count outgrows the classic fields (archives over 4 GiB), and can be
/// forced for tests. Each entry carries its modification time twice: MS-DOS local time (read
/// here as UTC) and the Unix-time extra field (0x5455) that unzip and 7-Zip prefer.
///
/// Written by hand instead of through ZIPFoundation's `Archive`: its `addEntry` computes CRC-32
/// a byte at a time in Swift (zlib's is used only where a `zlib` module exists, not on Linux),
/// copies every chunk through `Data`, and rewrites the whole central directory after every
/// entry. On 2000 images (2.8 GB) it took two to three times as long as this writer, and four
/// times its CPU time: about what `zip -0` takes (bench/README.md). ZIPFoundation still reads
/// our archives back in the tests.
final class ZipWriter {
    enum Method: UInt16 {
        case stored = 0
        case deflated = 8
    }

    struct Entry {
        var name: [UInt8]
        var method: Method
        var crc: UInt32
        var compressedSize: UInt64
        var size: UInt64
        var offset: UInt64
        var modified: Int64
    }

    let path: String
    /// Where the archive's bytes go, in order: a file, or a response body (`ZipStream`).
    private let output: (UnsafeRawBufferPointer) throws -> Void
    private let forceZip64: Bool
    private(set) var entries: [Entry] = []
    /// Bytes written so far: the next local header's offset.
    private(set) var offset: UInt64 = 0

    /// Writes to `descriptor` (open for writing, positioned at 0); `path` is for messages.
    convenience init(descriptor: Int32, path: String, forceZip64: Bool = false) {
        self.init(path: path, forceZip64: forceZip64) { try FileIO.writeAll(descriptor, $0, path: path) }
    }

    /// Hands the archive's bytes to `output` as they are made; `path` names it in messages.
    init(path: String, forceZip64: Bool = false, output: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.output = output
        self.path = path
        self.forceZip64 = forceZip64
    }

    /// Adds `bytes` as `name`, stored, or deflated when that makes it smaller.
    func add(name: String, bytes: UnsafeRawBufferPointer, method: Method, modified: Int64) throws {
        let crc = bytes.isEmpty ? 0 : cpng_crc32(0, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
        if method == .deflated, let deflated = Self.rawDeflate(bytes), deflated.count < bytes.count {
            try deflated.withUnsafeBytes {
                try write(
                    name: name, data: $0, method: .deflated, crc: crc, size: UInt64(bytes.count), modified: modified)
            }
        } else {
            try write(name: name, data: bytes, method: .stored, crc: crc, size: UInt64(bytes.count), modified: modified)
        }
    }

    func add(name: String, bytes: [UInt8], method: Method, modified: Int64) throws {
        try bytes.withUnsafeBytes { try add(name: name, bytes: $0, method: method, modified: modified) }
    }

    private func write(
        name: String, data: UnsafeRawBufferPointer, method: Method, crc: UInt32, size: UInt64, modified: Int64
    ) throws {
        let entry = Entry(
            name: Array(name.utf8), method: method, crc: crc, compressedSize: UInt64(data.count), size: size,
            offset: offset,
            modified: modified)
        guard entry.name.count <= 0xFFFF else {
            throw ExportError.write(path: path, reason: "an entry name is over 65535 bytes")
        }
        var header = ZipBytes()
        let zip64 = forceZip64 || entry.size >= 0xFFFF_FFFF || entry.compressedSize >= 0xFFFF_FFFF
        header.u32(0x0403_4B50)
        header.u16(zip64 ? 45 : 20)
        header.u16(Self.utf8Names)
        header.u16(method.rawValue)
        Self.dosTime(modified, into: &header)
        header.u32(crc)
        header.u32(zip64 ? 0xFFFF_FFFF : UInt32(entry.compressedSize))
        header.u32(zip64 ? 0xFFFF_FFFF : UInt32(entry.size))
        header.u16(UInt16(entry.name.count))
        header.u16(UInt16((zip64 ? 20 : 0) + 9))
        header.bytes += entry.name
        if zip64 {
            header.u16(0x0001)
            header.u16(16)
            header.u64(entry.size)
            header.u64(entry.compressedSize)
        }
        Self.unixTime(modified, into: &header)
        try header.bytes.withUnsafeBytes { try writeAll($0) }
        try writeAll(data)
        entries.append(entry)
    }

    /// Writes the central directory and the end records. The caller fsyncs and closes.
    func finish() throws {
        let start = offset
        var directory = ZipBytes()
        for entry in entries {
            let bigSizes = forceZip64 || entry.size >= 0xFFFF_FFFF || entry.compressedSize >= 0xFFFF_FFFF
            let bigOffset = forceZip64 || entry.offset >= 0xFFFF_FFFF
            var extra = ZipBytes()
            if bigSizes || bigOffset {
                extra.u16(0x0001)
                extra.u16(UInt16((bigSizes ? 16 : 0) + (bigOffset ? 8 : 0)))
                if bigSizes {
                    extra.u64(entry.size)
                    extra.u64(entry.compressedSize)
                }
                if bigOffset { extra.u64(entry.offset) }
            }
            Self.unixTime(entry.modified, into: &extra)
            directory.u32(0x0201_4B50)
            directory.u16(3 << 8 | 45) // made by: Unix (so the mode below applies), spec 4.5
            directory.u16(bigSizes || bigOffset ? 45 : 20)
            directory.u16(Self.utf8Names)
            directory.u16(entry.method.rawValue)
            Self.dosTime(entry.modified, into: &directory)
            directory.u32(entry.crc)
            directory.u32(bigSizes ? 0xFFFF_FFFF : UInt32(entry.compressedSize))
            directory.u32(bigSizes ? 0xFFFF_FFFF : UInt32(entry.size))
            directory.u16(UInt16(entry.name.count))
            directory.u16(UInt16(extra.bytes.count))
            directory.u16(0) // comment
            directory.u16(0) // disk
            directory.u16(0) // internal attributes
            directory.u32(UInt32(0o100644) << 16) // a regular file, rw-r--r--
            directory.u32(bigOffset ? 0xFFFF_FFFF : UInt32(entry.offset))
            directory.bytes += entry.name
            directory.bytes += extra.bytes
            if directory.bytes.count >= 1 << 20 {
                try directory.bytes.withUnsafeBytes { try writeAll($0) }
                directory.bytes.removeAll(keepingCapacity: true)
            }
        }
        try directory.bytes.withUnsafeBytes { try writeAll($0) }
        let size = offset - start
        var end = ZipBytes()
        let count = UInt64(entries.count)
        let zip64 = forceZip64 || count >= 0xFFFF || start >= 0xFFFF_FFFF || size >= 0xFFFF_FFFF
        if zip64 {
            let recordOffset = offset
            end.u32(0x0606_4B50)
            end.u64(44) // the record's size after this field
            end.u16(3 << 8 | 45)
            end.u16(45)
            end.u32(0) // this disk
            end.u32(0) // the disk where the directory starts
            end.u64(count)
            end.u64(count)
            end.u64(size)
            end.u64(start)
            end.u32(0x0706_4B50) // locator
            end.u32(0)
            end.u64(recordOffset)
            end.u32(1) // disks
        }
        end.u32(0x0605_4B50)
        end.u16(0)
        end.u16(0)
        end.u16(zip64 ? 0xFFFF : UInt16(count))
        end.u16(zip64 ? 0xFFFF : UInt16(count))
        end.u32(zip64 ? 0xFFFF_FFFF : UInt32(size))
        end.u32(zip64 ? 0xFFFF_FFFF : UInt32(start))
        end.u16(0) // comment
        try end.bytes.withUnsafeBytes { try writeAll($0) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        try output(bytes)
        offset += UInt64(bytes.count)
    }

    // MARK: - Fields

    static let utf8Names: UInt16 = 1 << 11

    /// MS-DOS date and time (two-second resolution, 1980 to 2107).
    static func dosTime(_ seconds: Int64, into bytes: inout ZipBytes) {
        let clamped = min(max(seconds, 315_532_800), 4_354_819_198) // 1980-01-01 … 2107-12-31
        let time = Timestamp.Fields(epochSeconds: Int(clamped))
        bytes.u16(UInt16(time.hour) << 11 | UInt16(time.minute) << 5 | UInt16(time.second / 2))
        bytes.u16(UInt16(time.year - 1980) << 9 | UInt16(time.month) << 5 | UInt16(time.day))
    }

    /// The extended-timestamp extra field: modification time in Unix seconds.
    static func unixTime(_ seconds: Int64, into bytes: inout ZipBytes) {
        bytes.u16(0x5455)
        bytes.u16(5)
        bytes.bytes.append(1) // the modification time is present
        bytes.u32(UInt32(bitPattern: Int32(clamping: seconds)))
    }

    /// A raw deflate stream (zip's method 8): zlib's, without its 2-byte header and Adler-32.
    static func rawDeflate(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard !bytes.isEmpty,
            cpng_deflate(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count, 6, &output, &size)
                == CPNG_OK,
            let output
        else { return nil }
        defer { cpng_free(output) }
        guard size > 6 else { return nil }
        return Array(UnsafeBufferPointer(start: output + 2, count: size - 6))
    }
}

/// Little-endian fields, appended.
struct ZipBytes {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
