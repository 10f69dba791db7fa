/// Zip archives byte by byte, headers saying whatever a case needs: true or false sizes,
/// several central-directory records for one local header (aliases), local headers whose
/// extra fields swallow the next ones so that every entry's data is the same bytes
/// (overlaps), traditional PKWARE encryption, any bytes in names.
public struct ZipBuilder {
    public enum Method: UInt16 {
        case stored = 0
        case deflate = 8
    }

    struct CentralRecord {
        var name: [UInt8]
        var method: Method
        var flags: UInt16
        var crc: UInt32
        var compressedSize: UInt32
        var uncompressedSize: UInt32
        var localOffset: UInt32
    }

    /// Local headers and data so far.
    private(set) var body: [UInt8] = []
    private var central: [CentralRecord] = []

    public init() {}

    /// 2026-01-01 12:00, in MS-DOS form.
    static let dosTime: UInt16 = 12 << 11
    static let dosDate: UInt16 = UInt16((2026 - 1980) << 9 | 1 << 5 | 1)
    /// Bit 11: the name is UTF-8.
    public static let utf8Flag: UInt16 = 1 << 11

    static func localHeader(
        name: [UInt8], method: Method, flags: UInt16, crc: UInt32, compressedSize: UInt32, uncompressedSize: UInt32,
        extraLength: Int
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(UInt32(0x0403_4B50))
        out.appendLittleEndian(UInt16(20))
        out.appendLittleEndian(flags)
        out.appendLittleEndian(method.rawValue)
        out.appendLittleEndian(dosTime)
        out.appendLittleEndian(dosDate)
        out.appendLittleEndian(crc)
        out.appendLittleEndian(compressedSize)
        out.appendLittleEndian(uncompressedSize)
        out.appendLittleEndian(UInt16(name.count))
        out.appendLittleEndian(UInt16(extraLength))
        return out + name
    }

    /// A local header and its data; returns the header's offset (for aliases). The sizes and
    /// CRC written are the ones given, true or not.
    @discardableResult
    public mutating func addLocal(
        name: [UInt8], method: Method, data: [UInt8], crc: UInt32, compressedSize: UInt32, uncompressedSize: UInt32,
        flags: UInt16 = utf8Flag
    ) -> UInt32 {
        let offset = UInt32(body.count)
        body += Self.localHeader(
            name: name, method: method, flags: flags, crc: crc, compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, extraLength: 0)
        body += data
        return offset
    }

    /// A central-directory record pointing at the local header at `localOffset`.
    public mutating func addCentral(
        name: [UInt8], method: Method, crc: UInt32, compressedSize: UInt32, uncompressedSize: UInt32,
        localOffset: UInt32, flags: UInt16 = utf8Flag
    ) {
        central.append(
            CentralRecord(
                name: name, method: method, flags: flags, crc: crc, compressedSize: compressedSize,
                uncompressedSize: uncompressedSize, localOffset: localOffset))
    }

    /// An honest entry: local header, data, and its central record. `content` is compressed
    /// with zlib for `.deflate`.
    public mutating func addEntry(_ name: String, content: [UInt8], method: Method = .deflate) {
        let data = method == .deflate ? Zlib.rawDeflate(content) : content
        let crc = hostileCRC32(content)
        let offset = addLocal(
            name: Array(name.utf8), method: method, data: data, crc: crc, compressedSize: UInt32(data.count),
            uncompressedSize: UInt32(content.count))
        addCentral(
            name: Array(name.utf8), method: method, crc: crc, compressedSize: UInt32(data.count),
            uncompressedSize: UInt32(content.count), localOffset: offset)
    }

    /// An entry encrypted with traditional PKWARE encryption (flag bit 0) under `password`.
    public mutating func addEncryptedEntry(_ name: String, content: [UInt8], password: String, seed: UInt64) {
        let crc = hostileCRC32(content)
        var cipher = ZipCrypto(password: Array(password.utf8))
        var random = HostileRandom(seed: seed)
        var header = random.bytes(11)
        header.append(UInt8(crc >> 24)) // the check byte: the CRC's high byte
        let data = cipher.encrypt(header) + cipher.encrypt(content)
        let flags = Self.utf8Flag | 1
        let offset = addLocal(
            name: Array(name.utf8), method: .stored, data: data, crc: crc, compressedSize: UInt32(data.count),
            uncompressedSize: UInt32(content.count), flags: flags)
        addCentral(
            name: Array(name.utf8), method: .stored, crc: crc, compressedSize: UInt32(data.count),
            uncompressedSize: UInt32(content.count), localOffset: offset, flags: flags)
    }

    /// `names.count` entries whose local headers follow one another, each one's extra field
    /// spanning the headers after it, so that all of them start their data at the same
    /// `data` (overlapping entries: every range differs, every content is the same).
    public mutating func addOverlapping(
        names: [[UInt8]], method: Method, data: [UInt8], crc: UInt32, uncompressedSize: UInt32
    ) {
        let start = body.count
        let headerSizes = names.map { 30 + $0.count }
        let dataOffset = start + headerSizes.reduce(0, +)
        var offset = start
        for (name, size) in zip(names, headerSizes) {
            let extra = dataOffset - (offset + size)
            precondition(extra <= 0xFFFF, "too many overlapping entries for one extra field")
            body += Self.localHeader(
                name: name, method: method, flags: Self.utf8Flag, crc: crc, compressedSize: UInt32(data.count),
                uncompressedSize: uncompressedSize, extraLength: extra)
            addCentral(
                name: name, method: method, crc: crc, compressedSize: UInt32(data.count),
                uncompressedSize: uncompressedSize,
                localOffset: UInt32(offset))
            offset += size
        }
        body += data
    }

    /// The archive: local headers and data, central directory, end record.
    public func finished() -> [UInt8] {
        var out = body
        let directoryOffset = out.count
        for record in central {
            out.appendLittleEndian(UInt32(0x0201_4B50))
            out.appendLittleEndian(UInt16(0x031E)) // made by: Unix, spec 3.0
            out.appendLittleEndian(UInt16(20))
            out.appendLittleEndian(record.flags)
            out.appendLittleEndian(record.method.rawValue)
            out.appendLittleEndian(Self.dosTime)
            out.appendLittleEndian(Self.dosDate)
            out.appendLittleEndian(record.crc)
            out.appendLittleEndian(record.compressedSize)
            out.appendLittleEndian(record.uncompressedSize)
            out.appendLittleEndian(UInt16(record.name.count))
            out.appendLittleEndian(UInt16(0)) // extra
            out.appendLittleEndian(UInt16(0)) // comment
            out.appendLittleEndian(UInt16(0)) // disk
            out.appendLittleEndian(UInt16(0)) // internal attributes
            out.appendLittleEndian(UInt32(0o100644) << 16) // a regular file, rw-r--r--
            out.appendLittleEndian(record.localOffset)
            out += record.name
        }
        let directorySize = out.count - directoryOffset
        out.appendLittleEndian(UInt32(0x0605_4B50))
        out.appendLittleEndian(UInt16(0))
        out.appendLittleEndian(UInt16(0))
        out.appendLittleEndian(UInt16(central.count))
        out.appendLittleEndian(UInt16(central.count))
        out.appendLittleEndian(UInt32(directorySize))
        out.appendLittleEndian(UInt32(directoryOffset))
        out.appendLittleEndian(UInt16(0))
        return out
    }
}

/// Traditional PKWARE encryption (APPNOTE 6.1): weak, and still what `zip -e` writes.
struct ZipCrypto {
    private var keys: (UInt32, UInt32, UInt32) = (0x1234_5678, 0x2345_6789, 0x3456_7890)

    init(password: [UInt8]) {
        for byte in password { update(byte) }
    }

    private static func crc(_ crc: UInt32, _ byte: UInt8) -> UInt32 {
        crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
    }

    private mutating func update(_ byte: UInt8) {
        keys.0 = Self.crc(keys.0, byte)
        keys.1 = (keys.1 &+ (keys.0 & 0xFF)) &* 134_775_813 &+ 1
        keys.2 = Self.crc(keys.2, UInt8(keys.1 >> 24))
    }

    private var streamByte: UInt8 {
        let temp = (keys.2 | 2) & 0xFFFF
        return UInt8(truncatingIfNeeded: (temp &* (temp ^ 1)) >> 8)
    }

    mutating func encrypt(_ plain: [UInt8]) -> [UInt8] {
        plain.map { byte in
            let cipher = byte ^ streamByte
            update(byte)
            return cipher
        }
    }
}
