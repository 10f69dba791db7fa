import CPNG

/// A chunk's four-letter type, packed big-endian as it is stored.
public struct ChunkType: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    init(_ name: String) {
        precondition(name.utf8.count == 4)
        rawValue = name.utf8.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public static let IHDR = ChunkType("IHDR")
    public static let PLTE = ChunkType("PLTE")
    public static let IDAT = ChunkType("IDAT")
    public static let IEND = ChunkType("IEND")
    public static let tEXt = ChunkType("tEXt")
    public static let zTXt = ChunkType("zTXt")
    public static let iTXt = ChunkType("iTXt")

    /// Critical chunks have an upper-case first letter (bit 5 clear).
    public var isCritical: Bool { (rawValue >> 24) & 0x20 == 0 }
    public var isText: Bool { self == .tEXt || self == .zTXt || self == .iTXt }

    /// Every byte is an ASCII letter, as the PNG spec requires.
    var isValid: Bool {
        (0..<4).allSatisfy { shift in
            let byte = UInt8(truncatingIfNeeded: rawValue >> (UInt32(shift) * 8))
            return (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
        }
    }

    public var description: String {
        String(
            decoding: (0..<4).reversed().map { UInt8(truncatingIfNeeded: rawValue >> (UInt32($0) * 8)) }, as: UTF8.self)
    }
}

/// Where one chunk stands in a file.
struct ChunkHeader: Hashable, Sendable {
    var type: ChunkType
    /// The offset of the chunk's length field.
    var offset: Int
    /// The length of the chunk's data.
    var length: Int

    var dataOffset: Int { offset + 8 }
    /// The offset just past the chunk's CRC.
    var end: Int { offset + 12 + length }
}

/// The decoded IHDR chunk.
public struct ImageHeader: Hashable, Sendable, Codable {
    public var width: Int
    public var height: Int
    public var bitDepth: Int
    public var colorType: Int
    public var interlaced: Bool
}

let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

/// Walks a PNG's chunks from the signature to IEND by seeking: it reads each chunk's 8-byte
/// header and only the data a visitor asks for, so image data is skipped, not read.
///
/// Fatal problems throw (`PNGError`): an empty or non-PNG file, a missing or damaged IHDR, a
/// chunk length over 2^31-1 or past the end of the file (checked before any allocation), an
/// invalid chunk type, a CRC mismatch in PLTE or IEND (and in IDAT when `verifyImageData`),
/// no IDAT, no IEND.
///
/// Skipping the image data: the PNG spec requires IDAT chunks to be consecutive, so text can
/// stand only before the first IDAT or after the last. Encoders write IDATs of 8-64 KiB, so a
/// photo has hundreds of them, and visiting each header costs a system call. Unless
/// `verifyImageData`, the walker reads the file's last 16 KiB and looks there for the last
/// IDAT: exactly one position must start an IDAT chunk whose CRC is right and from which a
/// chain of well-formed non-IDAT chunks ends with IEND exactly at the end of the file. Then
/// the IDATs in between are stepped over in one go (reported to `skipped`); when there is no
/// such position, or more than one, every header is visited as usual.
struct ChunkWalker<Source: ByteSource> {
    let source: Source
    var verifyImageData = false

    /// How much of the file's end is searched for the last IDAT.
    static var tailWindow: Int { 16 * 1024 }

    /// What the walk found besides the chunks it visited.
    struct Summary {
        var header: ImageHeader
        var bytesAfterEnd: Int
    }

    /// Calls `visit` for every chunk after IHDR, in file order, IEND last, and `skipped` for a
    /// run of IDAT chunks stepped over (the range from the end of the first IDAT to the start of
    /// the last).
    func walk(_ visit: (ChunkHeader) throws -> Void, skipped: (Range<Int>) -> Void = { _ in }) throws -> Summary {
        let size = source.size
        guard size > 0 else { throw PNGError.emptyFile }
        let signatureMatches = try source.withBytes(at: 0, count: min(8, size)) { bytes in
            bytes.count == 8 && bytes.elementsEqual(pngSignature)
        }
        guard signatureMatches else {
            throw PNGError.notPNG(looksLike: try source.withBytes(at: 0, count: min(12, size)) { sniffFormat($0) })
        }
        var offset = 8
        var header: ImageHeader?
        var sawImageData = false
        while true {
            let chunk = try readHeader(at: offset, size: size)
            if header == nil {
                guard chunk.type == .IHDR else {
                    throw PNGError.badHeader("the first chunk is \(chunk.type), not IHDR")
                }
                header = try readImageHeader(chunk)
                offset = chunk.end
                continue
            }
            if chunk.type == .IHDR { throw PNGError.badHeader("a second IHDR chunk at byte \(chunk.offset)") }
            if chunk.type == .IDAT {
                if verifyImageData { try verifyCriticalCRC(chunk) }
                if !sawImageData && !verifyImageData, let last = try lastImageData(after: chunk) {
                    sawImageData = true
                    try visit(chunk)
                    skipped(chunk.end..<last)
                    offset = last
                    continue
                }
                sawImageData = true
            } else if chunk.type == .PLTE || chunk.type == .IEND {
                try verifyCriticalCRC(chunk)
            }
            if chunk.type == .IEND && !sawImageData { throw PNGError.missingImageData }
            try visit(chunk)
            offset = chunk.end
            if chunk.type == .IEND {
                return Summary(header: header!, bytesAfterEnd: size - offset)
            }
        }
    }

    /// The offset of the last IDAT chunk when the file's tail shows it unambiguously (see the
    /// type's documentation); nil to walk every header instead.
    private func lastImageData(after first: ChunkHeader) throws -> Int? {
        let size = source.size
        let start = max(first.end, size - Self.tailWindow)
        guard size - start >= 24 else { return nil } // an IDAT header and CRC, and IEND
        try source.prefetchTail(size - start)
        return try source.withBytes(at: start, count: size - start) { tail -> Int? in
            let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
            guard tail.suffix(12).elementsEqual(iend) else { return nil }
            var found: Int?
            let base = tail.baseAddress!
            var cursor = 4
            // Every place the bytes "IDAT" occur could be the type of the last IDAT chunk.
            while cursor + 20 <= tail.count, let hit = cpng_find(base + cursor, tail.count - cursor, "IDAT", 4) {
                let position = base.distance(to: UnsafeRawPointer(hit)) - 4
                cursor = position + 5
                guard Self.chainEndsAtIEND(tail, from: position) else { continue }
                let length = Int(tail.loadBigEndianUInt32(at: position))
                let crc = cpng_crc32(
                    0, tail.baseAddress!.assumingMemoryBound(to: UInt8.self) + position + 4, length + 4)
                guard crc == tail.loadBigEndianUInt32(at: position + 8 + length) else { continue }
                if found != nil { return nil } // ambiguous: walk every header
                found = start + position
            }
            return found
        }
    }

    /// Whether the chunks from `position` (an IDAT) on are well formed, none of the later ones
    /// an IDAT, and end with IEND exactly at the end of `tail`.
    static func chainEndsAtIEND(_ tail: UnsafeRawBufferPointer, from position: Int) -> Bool {
        var offset = position
        var first = true
        while offset + 12 <= tail.count {
            let length = Int(tail.loadBigEndianUInt32(at: offset))
            let type = ChunkType(rawValue: tail.loadBigEndianUInt32(at: offset + 4))
            guard length <= 0x7FFF_FFFF, offset + 12 + length <= tail.count, type.isValid, first || type != .IDAT else {
                return false
            }
            if type == .IEND { return length == 0 && offset + 12 == tail.count }
            first = false
            offset += 12 + length
        }
        return false
    }

    private func readHeader(at offset: Int, size: Int) throws -> ChunkHeader {
        let remaining = size - offset
        guard remaining >= 8 else {
            throw PNGError.truncated(
                remaining == 0
                    ? "the file ends at byte \(offset) without an IEND chunk"
                    : "the file ends inside a chunk header at byte \(offset)")
        }
        let (length, type) = try source.withBytes(at: offset, count: 8) { bytes in
            (bytes.loadBigEndianUInt32(at: 0), ChunkType(rawValue: bytes.loadBigEndianUInt32(at: 4)))
        }
        guard type.isValid else { throw PNGError.invalidChunkType(offset: offset) }
        guard length <= 0x7FFF_FFFF else {
            throw PNGError.chunkTooLong(type: type.description, offset: offset, length: length)
        }
        guard Int(length) + 12 <= remaining else {
            throw PNGError.truncated(
                "chunk \(type) at byte \(offset) declares \(length) bytes but only \(max(0, remaining - 12)) remain")
        }
        return ChunkHeader(type: type, offset: offset, length: Int(length))
    }

    private func readImageHeader(_ chunk: ChunkHeader) throws -> ImageHeader {
        guard chunk.length == 13 else { throw PNGError.badHeader("IHDR is \(chunk.length) bytes long, not 13") }
        guard try crcMatches(chunk) else { throw PNGError.badCriticalCRC(type: "IHDR", offset: chunk.offset) }
        let header = try source.withBytes(at: chunk.dataOffset, count: 13) { bytes in
            (
                width: bytes.loadBigEndianUInt32(at: 0), height: bytes.loadBigEndianUInt32(at: 4),
                bitDepth: bytes[8], colorType: bytes[9], compression: bytes[10], filter: bytes[11], interlace: bytes[12]
            )
        }
        guard header.width > 0, header.height > 0, header.width <= 0x7FFF_FFFF, header.height <= 0x7FFF_FFFF else {
            throw PNGError.badHeader("IHDR gives an invalid size \(header.width)x\(header.height)")
        }
        let allowedDepths: [UInt8: [UInt8]] = [
            0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16],
        ]
        guard let depths = allowedDepths[header.colorType], depths.contains(header.bitDepth) else {
            throw PNGError.badHeader(
                "IHDR gives colour type \(header.colorType) with bit depth \(header.bitDepth), which PNG does not allow"
            )
        }
        guard header.compression == 0, header.filter == 0, header.interlace <= 1 else {
            throw PNGError.badHeader("IHDR names an unknown compression, filter or interlace method")
        }
        return ImageHeader(
            width: Int(header.width), height: Int(header.height), bitDepth: Int(header.bitDepth),
            colorType: Int(header.colorType), interlaced: header.interlace == 1)
    }

    private func verifyCriticalCRC(_ chunk: ChunkHeader) throws {
        guard try crcMatches(chunk) else {
            throw PNGError.badCriticalCRC(type: chunk.type.description, offset: chunk.offset)
        }
    }

    /// Whether the stored CRC matches the chunk's type and data.
    func crcMatches(_ chunk: ChunkHeader) throws -> Bool {
        try source.withBytes(at: chunk.offset + 4, count: chunk.length + 8) { bytes in
            let computed = cpng_crc32(0, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), chunk.length + 4)
            return computed == bytes.loadBigEndianUInt32(at: chunk.length + 4)
        }
    }

    /// A text chunk's keyword, read from the start of its data (nil when it has none).
    func keyword(of chunk: ChunkHeader) throws -> String? {
        try source.withBytes(at: chunk.dataOffset, count: min(80, chunk.length)) { TextChunkCodec.keyword(in: $0) }
    }

    /// Calls `body` with the chunk's data after checking its CRC; nil when the CRC is wrong.
    func withVerifiedData<R>(of chunk: ChunkHeader, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try source.withBytes(at: chunk.offset + 4, count: chunk.length + 8) { bytes throws -> R? in
            let computed = cpng_crc32(0, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), chunk.length + 4)
            guard computed == bytes.loadBigEndianUInt32(at: chunk.length + 4) else { return nil }
            return try body(UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + chunk.length)]))
        }
    }
}

/// Names a few common formats from their first bytes, for a helpful "not a PNG" message.
func sniffFormat(_ bytes: UnsafeRawBufferPointer) -> String? {
    func starts(with prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && bytes.prefix(prefix.count).elementsEqual(prefix)
    }
    if starts(with: [0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
    if starts(with: Array("GIF8".utf8)) { return "a GIF image" }
    if starts(with: Array("RIFF".utf8)) && bytes.count >= 12 && bytes[8..<12].elementsEqual(Array("WEBP".utf8)) {
        return "a WebP image"
    }
    if starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "a zip archive" }
    if starts(with: [0x89, 0x50, 0x4E, 0x47]) {
        return "a PNG whose signature was damaged in transfer (e.g. a text-mode copy)"
    }
    if bytes.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) || $0 >= 0x80 }) {
        return "a text file"
    }
    return nil
}

extension UnsafeRawBufferPointer {
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }
}
