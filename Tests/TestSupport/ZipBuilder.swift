/// Writes zip archives byte by byte, including the hostile shapes no zip tool makes: central
/// directory records that alias one local entry, entries inside another's data, encrypted
/// flags, sizes that lie. The caller gives each entry's stored bytes (already deflated for
/// method 8: raw deflate, no zlib header).
public struct ZipBuilder {
    /// A central directory record.
    public struct Record: Sendable {
        public var name: String
        public var method: UInt16
        public var flags: UInt16
        public var crc32: UInt32
        public var compressedSize: UInt32
        public var uncompressedSize: UInt32
        public var localHeaderOffset: UInt32
        /// Unix (3) with a regular file's mode, unless changed.
        public var versionMadeBy: UInt16 = 3 << 8 | 20
        public var externalAttributes: UInt32 = 0o100644 << 16

        public init(
            name: String, method: UInt16, flags: UInt16, crc32: UInt32, compressedSize: UInt32,
            uncompressedSize: UInt32,
            localHeaderOffset: UInt32
        ) {
            self.name = name
            self.method = method
            self.flags = flags
            self.crc32 = crc32
            self.compressedSize = compressedSize
            self.uncompressedSize = uncompressedSize
            self.localHeaderOffset = localHeaderOffset
        }
    }

    public private(set) var bytes: [UInt8] = []
    public private(set) var records: [Record] = []

    public init() {}

    /// The local header and data for one entry, at the current end of the archive; its record
    /// is listed in the central directory unless `listed` is false. `crc32` and
    /// `uncompressedSize` default to those of `stored` (right for method 0).
    @discardableResult
    public mutating func add(
        _ name: String, stored: [UInt8], method: UInt16 = 0, crc32: UInt32? = nil, uncompressedSize: Int? = nil,
        flags: UInt16 = 0x0800, declaredCompressedSize: Int? = nil, listed: Bool = true
    ) -> Record {
        let record = Record(
            name: name, method: method, flags: flags, crc32: crc32 ?? independentCRC32(stored),
            compressedSize: UInt32(declaredCompressedSize ?? stored.count),
            uncompressedSize: UInt32(uncompressedSize ?? stored.count),
            localHeaderOffset: UInt32(bytes.count))
        bytes += Self.localHeader(record)
        bytes += stored
        if listed { records.append(record) }
        return record
    }

    /// Lists `record` (again, or changed) in the central directory: an alias when it names
    /// the same local header as another record.
    public mutating func list(_ record: Record) {
        records.append(record)
    }

    /// Appends raw bytes (the insides of another entry, say) and returns where they start.
    public mutating func append(_ raw: [UInt8]) -> Int {
        defer { bytes += raw }
        return bytes.count
    }

    /// The archive: entries, central directory, end record.
    public func finish() -> [UInt8] {
        var output = bytes
        let directoryOffset = output.count
        for record in records {
            let name = Array(record.name.utf8)
            output +=
                le32(0x0201_4B50) + le16(record.versionMadeBy) + le16(20) + le16(record.flags) + le16(record.method)
            output += le16(0x6000) + le16(0x5A21) // 12:00, 2025-01-01
            output += le32(record.crc32) + le32(record.compressedSize) + le32(record.uncompressedSize)
            output += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(record.externalAttributes)
            output += le32(record.localHeaderOffset) + name
        }
        let directorySize = output.count - directoryOffset
        output += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(records.count)) + le16(UInt16(records.count))
        output += le32(UInt32(directorySize)) + le32(UInt32(directoryOffset)) + le16(0)
        return output
    }

    public static func localHeader(_ record: Record) -> [UInt8] {
        let name = Array(record.name.utf8)
        return le32(0x0403_4B50) + le16(20) + le16(record.flags) + le16(record.method) + le16(0x6000) + le16(0x5A21)
            + le32(record.crc32) + le32(record.compressedSize) + le32(record.uncompressedSize)
            + le16(UInt16(name.count)) + le16(0) + name
    }
}

private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
private func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }
