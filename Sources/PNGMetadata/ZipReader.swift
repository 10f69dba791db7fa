import CPNG
import GptimgSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a zip archive cannot be read at all.
public enum ZipError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(String)
    case notRegularFile
    case notZip
    case damaged(String)

    public var description: String {
        switch self {
        case .unreadable(let reason): "cannot read the archive: \(reason)"
        case .notRegularFile: "not a regular file (a folder, device or pipe)"
        case .notZip: "not a zip archive (no end of central directory record)"
        case .damaged(let detail): "damaged zip archive: \(detail)"
        }
    }
}

/// Why one entry of an archive cannot be read (the others still can).
public enum ZipEntryError: Error, Sendable, Hashable, CustomStringConvertible {
    case encrypted
    case unsupportedMethod(UInt16)
    /// Its data lies where another entry's does: well-formed archives never share data, zip
    /// bombs do (the same data named many times, or overlapping entries).
    case sharesData
    case badLocalHeader
    case dataOutsideArchive
    /// It inflated past the size its header declares.
    case largerThanDeclared(UInt64)
    case damaged(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .encrypted:
            "encrypted zip entry: gptimg cannot decrypt it (unzip it with its password, then import the files)"
        case .unsupportedMethod(let method):
            """
            zip entry compressed with method \(method), which gptimg does not read (only stored and deflate): unzip \
            it, then import the files
            """
        case .sharesData:
            "unsafe zip entry: its data overlaps another entry's (a zip bomb's trick): refused"
        case .badLocalHeader:
            "damaged zip entry: its local header is missing or damaged"
        case .dataOutsideArchive:
            "damaged zip entry: its data lies outside the archive's data area"
        case .largerThanDeclared(let size):
            "zip entry is larger than its header says (\(size) bytes): refused"
        case .damaged(let detail):
            "damaged zip entry: \(detail)"
        case .unreadable(let reason):
            "zip entry cannot be read: \(reason)"
        }
    }
}

/// Reads a zip archive from an untrusted source: entries are listed from the central directory
/// (as unzip and Python's zipfile do) and each is read within the bounds it declares.
///
/// Written here rather than used through ZIPFoundation's reader, which stops listing at the
/// first encrypted entry, does not say where an entry's data lies (so entries sharing data
/// cannot be told apart) and, on Linux, inflates past an entry's compressed size until the
/// deflate stream ends. Here:
/// - every entry is listed, whatever it is; the ones that cannot be read carry a `problem`
///   (encrypted, an unknown compression method, a damaged local header, data outside the data
///   area, data shared with another entry);
/// - an entry's compressed data is read only from its own byte range, which must lie before
///   the central directory and overlap no other entry's;
/// - inflating stops as soon as the output passes the declared size (the bytes actually
///   produced are counted and reported), and the size and CRC-32 must match at the end.
/// So the bytes an archive can yield are bounded by what the caller accepts per entry
/// (declared size, declared size over compressed size) times the entries, whose compressed
/// data are disjoint parts of the file.
public final class ZipReader {
    public struct Entry: Sendable, Hashable {
        public enum Kind: Sendable, Hashable { case file, directory, symlink }

        /// Its place in the central directory.
        public var index: Int
        /// The name as stored: UTF-8 when flagged so or when it is valid UTF-8 beyond ASCII,
        /// else IBM code page 437 (the zip format's default).
        public var path: String
        public var flags: UInt16
        public var method: UInt16
        public var crc32: UInt32
        public var compressedSize: UInt64
        public var uncompressedSize: UInt64
        public var localHeaderOffset: UInt64
        /// Where its compressed data starts (just after its local header).
        public var dataOffset: UInt64
        public var versionMadeBy: UInt16
        public var externalAttributes: UInt32
        /// The MS-DOS modification date and time (local time), and the extended timestamp's
        /// modification time (seconds since 1970, UTC) when the entry has one.
        public var dosDate: UInt16
        public var dosTime: UInt16
        public var modificationTime: Int64?
        /// Why it cannot be read, found when the archive was opened (nil: none so far).
        public var problem: ZipEntryError?

        public var kind: Kind {
            let host = versionMadeBy >> 8
            if host == 3 || host == 19 { // Unix, macOS: a mode in the upper 16 bits
                switch (externalAttributes >> 16) & 0o170000 {
                case 0o100000: return .file
                case 0o040000: return .directory
                case 0o120000: return .symlink
                default: break
                }
            } else if host == 0, externalAttributes & 0x10 != 0 { // MS-DOS directory attribute
                return .directory
            }
            return path.hasSuffix("/") ? .directory : .file
        }

        public var isEncrypted: Bool { flags & 1 != 0 }

        /// Why the name is unsafe to follow as a path (absolute, `..`, a NUL byte), or nil.
        /// Nothing is ever written under an entry's name, but a name is shown and recorded.
        public var unsafeName: String? {
            if path.unicodeScalars.contains("\0") { return "a NUL byte in its name" }
            if path.hasPrefix("/") || path.hasPrefix("\\") || (path.count > 1 && path.dropFirst().first == ":") {
                return "absolute path"
            }
            if path.split(separator: "/", omittingEmptySubsequences: false).contains("..")
                || path.split(separator: "\\").contains("..")
            {
                return "'..' in its path"
            }
            return nil
        }
    }

    public let path: String
    /// The archive's size in bytes.
    public let size: UInt64
    public private(set) var entries: [Entry] = []
    private let descriptor: Int32
    /// Where the central directory starts: every entry's data must end before it.
    private var dataEnd: UInt64 = 0

    /// Opens the archive and lists its entries. Throws when it is not a readable zip archive;
    /// problems of single entries are in their `problem`.
    public init(path: String) throws(ZipError) {
        self.path = path
        // Without blocking, and refused unless regular: a FIFO named x.zip must not hang the reader.
        let file: (descriptor: Int32, size: Int)
        do {
            file = try RegularFile.open(path)
        } catch {
            switch error {
            case .notRegularFile: throw ZipError.notRegularFile
            case .unreadable(_, let reason): throw ZipError.unreadable(reason)
            default: throw ZipError.unreadable(error.description)
            }
        }
        self.descriptor = file.descriptor
        self.size = UInt64(file.size)
        try readDirectory()
    }

    deinit { close(descriptor) }

    // MARK: - The central directory

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    private func readDirectory() throws(ZipError) {
        // The end record (22 bytes and a comment of up to 65,535) is within the file's end.
        let tailLength = Int(min(size, 22 + 65_535))
        let tail = try readBytes(at: size - UInt64(tailLength), count: tailLength)
        guard let end = Self.findEndRecord(tail) else { throw ZipError.notZip }
        let endOffset = size - UInt64(tailLength) + UInt64(end)
        let record = ByteReader(tail, at: end)
        let disk = record.u16(4)
        let directoryDisk = record.u16(6)
        var count = UInt64(record.u16(10))
        var directorySize = UInt64(record.u32(12))
        var directoryOffset = UInt64(record.u32(16))
        var directoryLimit = endOffset
        guard disk == 0 || disk == 0xFFFF, directoryDisk == 0 || directoryDisk == 0xFFFF else {
            throw ZipError.damaged("a split (multi-part) archive, which gptimg does not read: join its parts first")
        }
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator just before the end record points at the ZIP64 end record.
            guard endOffset >= 20 else { throw ZipError.damaged("no ZIP64 end of central directory locator") }
            let locator = try readBytes(at: endOffset - 20, count: 20)
            let locatorReader = ByteReader(locator, at: 0)
            if locatorReader.u32(0) == Self.zip64LocatorSignature {
                let zip64Offset = locatorReader.u64(8)
                guard zip64Offset <= endOffset - 20, endOffset - 20 - zip64Offset >= 56 else {
                    throw ZipError.damaged("the ZIP64 end of central directory record is out of place")
                }
                let zip64 = try readBytes(at: zip64Offset, count: 56)
                let zip64Reader = ByteReader(zip64, at: 0)
                guard zip64Reader.u32(0) == Self.zip64EndSignature else {
                    throw ZipError.damaged("no ZIP64 end of central directory record where the locator says")
                }
                count = zip64Reader.u64(32)
                directorySize = zip64Reader.u64(40)
                directoryOffset = zip64Reader.u64(48)
                directoryLimit = zip64Offset
            }
        }
        guard directoryOffset <= directoryLimit, directorySize <= directoryLimit - directoryOffset else {
            throw ZipError.damaged("the central directory lies outside the file")
        }
        // Each record is at least 46 bytes: a count the directory cannot hold is a lie.
        guard count <= directorySize / 46 else {
            throw ZipError.damaged("the central directory is too small for the \(count) entries it declares")
        }
        dataEnd = directoryOffset
        let directory = try readBytes(at: directoryOffset, count: Int(directorySize))
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        var position = 0
        for index in 0..<Int(count) {
            guard let (entry, next) = Self.parseCentralRecord(directory, at: position, index: index) else {
                throw ZipError.damaged("central directory record \(index + 1) of \(count) is malformed")
            }
            entries.append(entry)
            position = next
        }
        for index in entries.indices { locateData(&entries[index]) }
        Self.markSharedData(&entries)
        self.entries = entries
    }

    /// The offset of the end of central directory record in `tail`: the last one whose comment
    /// ends exactly at the end of the file, else the last one that fits (trailing bytes).
    static func findEndRecord(_ tail: [UInt8]) -> Int? {
        guard tail.count >= 22 else { return nil }
        var fitting: Int?
        var position = tail.count - 22
        while position >= 0 {
            if tail[position] == 0x50, tail[position + 1] == 0x4B, tail[position + 2] == 5, tail[position + 3] == 6 {
                let commentLength = Int(ByteReader(tail, at: position).u16(20))
                if position + 22 + commentLength == tail.count { return position }
                if fitting == nil, position + 22 + commentLength <= tail.count { fitting = position }
            }
            position -= 1
        }
        return fitting
    }

    /// One central directory record at `position`, and where the next starts; nil when it is
    /// malformed (wrong signature, lengths past the directory's end).
    static func parseCentralRecord(_ directory: [UInt8], at position: Int, index: Int) -> (Entry, Int)? {
        guard position >= 0, directory.count - position >= 46 else { return nil }
        let record = ByteReader(directory, at: position)
        guard record.u32(0) == centralSignature else { return nil }
        let nameLength = Int(record.u16(28))
        let extraLength = Int(record.u16(30))
        let commentLength = Int(record.u16(32))
        let next = position + 46 + nameLength + extraLength + commentLength
        guard next <= directory.count else { return nil }
        let flags = record.u16(8)
        var compressed = UInt64(record.u32(20))
        var uncompressed = UInt64(record.u32(24))
        var offset = UInt64(record.u32(42))
        let name = Array(directory[(position + 46)..<(position + 46 + nameLength)])
        var modificationTime: Int64?
        // Extra fields: ZIP64 sizes and offset (0x0001), the extended timestamp (0x5455).
        var extra = position + 46 + nameLength
        let extraEnd = extra + extraLength
        while extraEnd - extra >= 4 {
            let field = ByteReader(directory, at: extra)
            let id = field.u16(0)
            let length = Int(field.u16(2))
            guard extraEnd - extra - 4 >= length else { break }
            let data = ByteReader(directory, at: extra + 4)
            if id == 0x0001 {
                var cursor = 0
                for which in 0..<3 {
                    let needed = [uncompressed, compressed, offset][which] == 0xFFFF_FFFF
                    guard needed else { continue }
                    guard cursor + 8 <= length else { return nil }
                    let value = data.u64(cursor)
                    cursor += 8
                    switch which {
                    case 0: uncompressed = value
                    case 1: compressed = value
                    default: offset = value
                    }
                }
            } else if id == 0x5455, length >= 5, directory[extra + 4] & 1 != 0 {
                modificationTime = Int64(Int32(bitPattern: data.u32(1)))
            }
            extra += 4 + length
        }
        let path: String
        if flags & 0x0800 != 0 {
            path = String(decoding: name, as: UTF8.self)
        } else if name.contains(where: { $0 >= 0x80 }), let utf8 = String(validating: name, as: UTF8.self) {
            path = utf8
        } else {
            path = String(
                String.UnicodeScalarView(name.map { $0 < 0x80 ? Unicode.Scalar($0) : codePage437[Int($0) - 0x80] }))
        }
        var entry = Entry(
            index: index, path: path, flags: flags, method: record.u16(10), crc32: record.u32(16),
            compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: offset, dataOffset: 0,
            versionMadeBy: record.u16(4), externalAttributes: record.u32(38), dosDate: record.u16(14),
            dosTime: record.u16(12), modificationTime: modificationTime, problem: nil)
        if entry.isEncrypted || flags & 0x40 != 0 {
            entry.problem = .encrypted
        } else if entry.method != 0 && entry.method != 8 {
            entry.problem = .unsupportedMethod(entry.method)
        }
        return (entry, next)
    }

    /// Reads the entry's local header to find where its data starts, and checks that the data
    /// lies before the central directory.
    private func locateData(_ entry: inout Entry) {
        let header = entry.localHeaderOffset
        guard header <= dataEnd, dataEnd - header >= 30, let bytes = try? readBytes(at: header, count: 30) else {
            if entry.problem == nil { entry.problem = .dataOutsideArchive }
            return
        }
        let reader = ByteReader(bytes, at: 0)
        guard reader.u32(0) == Self.localSignature else {
            if entry.problem == nil { entry.problem = .badLocalHeader }
            return
        }
        let start = header + 30 + UInt64(reader.u16(26)) + UInt64(reader.u16(28))
        entry.dataOffset = start
        guard start <= dataEnd, entry.compressedSize <= dataEnd - start else {
            if entry.problem == nil { entry.problem = .dataOutsideArchive }
            return
        }
    }

    /// Marks every entry whose byte range (local header and data) overlaps another's: the
    /// ranges are sorted by start, and each is compared with the furthest-reaching one before it.
    static func markSharedData(_ entries: inout [Entry]) {
        let placed = entries.indices.filter { entries[$0].problem == nil }
        let ranges = placed.map {
            (index: $0, start: entries[$0].localHeaderOffset, end: entries[$0].dataOffset + entries[$0].compressedSize)
        }
        .sorted { ($0.start, $0.index) < ($1.start, $1.index) }
        var reach: (end: UInt64, index: Int)?
        var shared = Set<Int>()
        for range in ranges {
            if let current = reach, range.start < current.end {
                shared.insert(range.index)
                shared.insert(current.index)
            }
            if reach == nil || range.end > reach!.end { reach = (range.end, range.index) }
        }
        for index in shared { entries[index].problem = .sharesData }
    }

    // MARK: - Reading an entry

    /// How much is read from the archive at once (and so at most how far inflating can go
    /// past an entry's declared size before it stops).
    public static let pieceSize = 64 * 1024

    /// Reads the entry's data, handing it to `consume` piece by piece, and checks its size and
    /// CRC-32 at the end. Stops with `largerThanDeclared` as soon as the data passes the size
    /// its header declares. `produced` grows by every byte inflated (or read, when stored),
    /// whatever happens, so that callers can count the work an archive made them do.
    public func read(_ entry: Entry, produced: inout UInt64, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws
    {
        if let problem = entry.problem { throw problem }
        var crc: UInt32 = 0
        var total: UInt64 = 0
        func take(_ piece: UnsafeRawBufferPointer) throws {
            produced += UInt64(piece.count)
            total += UInt64(piece.count)
            guard total <= entry.uncompressedSize else {
                throw ZipEntryError.largerThanDeclared(entry.uncompressedSize)
            }
            crc = cpng_crc32(crc, piece.baseAddress?.assumingMemoryBound(to: UInt8.self), piece.count)
            try consume(piece)
        }
        var input = [UInt8](repeating: 0, count: Self.pieceSize)
        var offset = entry.dataOffset
        var remaining = entry.compressedSize
        if entry.method == 0 {
            while remaining > 0 {
                let count = Int(min(remaining, UInt64(Self.pieceSize)))
                try readFully(into: &input, count: count, at: offset)
                offset += UInt64(count)
                remaining -= UInt64(count)
                try input.withUnsafeBytes { try take(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            }
        } else {
            var inflater: OpaquePointer?
            guard cpng_inflater_create(1, &inflater) == CPNG_OK, let inflater else {
                throw ZipEntryError.unreadable("out of memory")
            }
            defer { cpng_inflater_destroy(inflater) }
            var output = [UInt8](repeating: 0, count: Self.pieceSize)
            var available = 0
            var used = 0
            var finished = false
            while !finished {
                if used == available, remaining > 0 {
                    available = Int(min(remaining, UInt64(Self.pieceSize)))
                    try readFully(into: &input, count: available, at: offset)
                    offset += UInt64(available)
                    remaining -= UInt64(available)
                    used = 0
                }
                var consumed = 0
                var made = 0
                var ended: Int32 = 0
                let status = input.withUnsafeBufferPointer { source in
                    output.withUnsafeMutableBufferPointer { target in
                        cpng_inflater_step(
                            inflater, source.baseAddress! + used, available - used, &consumed, target.baseAddress!,
                            target.count, &made, &ended)
                    }
                }
                guard status == CPNG_OK else {
                    throw status == CPNG_NO_MEMORY
                        ? ZipEntryError.unreadable("out of memory")
                        : ZipEntryError.damaged("its compressed data is corrupt")
                }
                used += consumed
                if made > 0 { try output.withUnsafeBytes { try take(UnsafeRawBufferPointer(rebasing: $0[0..<made])) } }
                finished = ended != 0
                if !finished, consumed == 0, made == 0, used == available, remaining == 0 {
                    throw ZipEntryError.damaged("its compressed data ends early")
                }
            }
        }
        guard total == entry.uncompressedSize else {
            throw ZipEntryError.damaged("it holds \(total) bytes where its header says \(entry.uncompressedSize)")
        }
        guard crc == entry.crc32 else { throw ZipEntryError.damaged("CRC mismatch") }
    }

    // MARK: - Bytes

    private func readBytes(at offset: UInt64, count: Int) throws(ZipError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        do {
            try readFully(into: &bytes, count: count, at: offset)
        } catch .unreadable(let reason) {
            throw ZipError.unreadable(reason)
        } catch {
            throw ZipError.unreadable("\(error)")
        }
        return bytes
    }

    private func readFully(into buffer: inout [UInt8], count: Int, at offset: UInt64) throws(ZipEntryError) {
        let result = buffer.withUnsafeMutableBytes { bytes in
            GptimgSupport.readFully(
                descriptor, into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<count]), at: Int(offset))
        }
        switch result {
        case .failure(let error): throw ZipEntryError.unreadable(error.description)
        case .success(let read) where read < count:
            throw ZipEntryError.unreadable("the archive ends early (it shrank while being read?)")
        case .success: return
        }
    }
}

/// Little-endian fields of a byte array, at offsets from a base (bounds checked by the caller).
private struct ByteReader {
    let bytes: [UInt8]
    let base: Int

    init(_ bytes: [UInt8], at base: Int) {
        self.bytes = bytes
        self.base = base
    }

    func u16(_ offset: Int) -> UInt16 { UInt16(bytes[base + offset]) | UInt16(bytes[base + offset + 1]) << 8 }
    func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
    func u64(_ offset: Int) -> UInt64 { UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32 }
}

/// IBM code page 437, bytes 0x80-0xFF: how the zip format names files unless flagged UTF-8.
private let codePage437: [Unicode.Scalar] = Array(
    ("ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀"
        + "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}").unicodeScalars)
