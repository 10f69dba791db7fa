/// CRC-32 (ISO 3309, the PNG chunk CRC): obviously right, and independent of the zlib the code
/// under test uses. The table is the bit-by-bit definition run once per byte value; a byte then
/// costs one lookup instead of eight shifts (the tests build multi-megabyte chunks with it, in a
/// debug build).
public func independentCRC32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { bytes in
        crc32Table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return crc ^ 0xFFFF_FFFF
        }
    }
}

/// The CRC of each byte value alone, bit by bit (no initial or final inversion).
private let crc32Table: [UInt32] = (0..<256).map { (value: UInt32) in
    var crc = value
    for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    return crc
}
