import TestSupport
import Testing

/// The tests' own CRC-32 (table-driven) against the standard's check value and the bit-by-bit
/// definition: every hand-built PNG chunk and zip entry relies on it.
@Suite("the tests' independent CRC-32")
struct IndependentCRC32Tests {
    @Test func itGivesTheCheckValueAndAgreesWithTheBitByBitDefinition() {
        #expect(independentCRC32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(independentCRC32([]) == 0)
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        #expect(independentCRC32(bytes) == crc ^ 0xFFFF_FFFF)
    }
}
