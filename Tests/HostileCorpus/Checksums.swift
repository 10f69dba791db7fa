import CPNG

/// Big- and little-endian integers, as PNG (big) and zip (little) store them.
extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
        ])
    }

    mutating func appendLittleEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24),
        ])
    }

    mutating func appendLittleEndian(_ value: UInt16) {
        append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8)])
    }
}

/// CRC-32 (ISO 3309: PNG chunks and zip entries) through zlib, which is not the code under
/// test; continued from `crc` (start with 0).
public func hostileCRC32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBufferPointer { cpng_crc32(crc, $0.baseAddress, $0.count) }
}

/// The CRC-32 of `crc`'s data followed by `count` copies of `byte`, without holding them.
func hostileCRC32(repeating byte: UInt8, count: Int, continuing crc: UInt32) -> UInt32 {
    let block = [UInt8](repeating: byte, count: 1 << 16)
    var crc = crc
    var left = count
    block.withUnsafeBufferPointer { buffer in
        while left > 0 {
            let step = Swift.min(left, buffer.count)
            crc = cpng_crc32(crc, buffer.baseAddress, step)
            left -= step
        }
    }
    return crc
}

/// Adler-32 (the zlib stream's trailer), kept as data is added, runs of one byte in O(1).
struct Adler32 {
    private static let modulus: UInt64 = 65_521
    private var a: UInt64 = 1
    private var b: UInt64 = 0

    mutating func add(_ bytes: [UInt8]) {
        for byte in bytes {
            a = (a + UInt64(byte)) % Self.modulus
            b = (b + a) % Self.modulus
        }
    }

    /// `count` copies of `byte`: a grows by count·byte, b by count·a + byte·count(count+1)/2.
    mutating func add(repeating byte: UInt8, count: Int) {
        let n = UInt64(count)
        let triangle =
            (n % 2 == 0
                ? (n / 2) % Self.modulus * ((n + 1) % Self.modulus) : n % Self.modulus * (((n + 1) / 2) % Self.modulus))
            % Self.modulus
        b = (b + (n % Self.modulus) * a + UInt64(byte) * triangle) % Self.modulus
        a = (a + (n % Self.modulus) * UInt64(byte)) % Self.modulus
    }

    var value: UInt32 { UInt32(b << 16 | a) }
}

/// The standard CRC-32 table, for the byte-at-a-time updates of zip's traditional encryption.
let crcTable: [UInt32] = (0..<256).map { index in
    var crc = UInt32(index)
    for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    return crc
}

/// A deterministic byte stream (SplitMix64), so the same case always has the same bytes.
struct HostileRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count {
            var word = next()
            for _ in 0..<8 {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return Array(out.prefix(count))
    }
}
