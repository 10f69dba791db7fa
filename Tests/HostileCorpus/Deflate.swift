import CPNG

/// Writes raw DEFLATE (RFC 1951) by hand, so a generator can make streams zlib's own deflate
/// would not: runs of one byte at the format's best ratio (two bits for every 258 bytes, about
/// 1000:1) without ever holding the inflated bytes, streams left unfinished, and mixtures of
/// stored and compressed blocks. Every stream is checked against zlib in the tests.
struct DeflateWriter {
    private(set) var bytes: [UInt8] = []
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    /// The inflated bytes written so far.
    private(set) var inflatedCount = 0

    /// Writes `count` bits of `value`, least significant first (header fields, extra bits).
    private mutating func bits(_ value: UInt32, _ count: Int) {
        bitBuffer |= UInt64(value) << UInt64(bitCount)
        bitCount += count
        while bitCount >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: bitBuffer))
            bitBuffer >>= 8
            bitCount -= 8
        }
    }

    /// Writes a Huffman code: codes are packed most significant bit first.
    private mutating func code(_ value: UInt32, _ length: Int) {
        var reversed: UInt32 = 0
        for index in 0..<length where value & (1 << UInt32(index)) != 0 { reversed |= 1 << UInt32(length - 1 - index) }
        bits(reversed, length)
    }

    private mutating func alignToByte() {
        if bitCount > 0 { bits(0, 8 - bitCount) }
    }

    /// Stored (uncompressed) blocks holding `data`.
    mutating func stored(_ data: [UInt8], final: Bool = false) {
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let last = final && offset + length == data.count
            bits(last ? 1 : 0, 1)
            bits(0, 2)
            alignToByte()
            bytes.appendLittleEndian(UInt16(length))
            bytes.appendLittleEndian(UInt16(~UInt16(length)))
            bytes += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        inflatedCount += data.count
    }

    /// One block of dynamic Huffman codes that inflates to `count` copies of `byte`: a literal,
    /// then copies of 258 bytes at distance 1 (one bit for the length, one for the distance).
    mutating func run(of byte: UInt8, count: Int, final: Bool = false) {
        precondition(count >= 1)
        bits(final ? 1 : 0, 1)
        bits(2, 2) // dynamic Huffman codes
        bits(29, 5) // HLIT: 286 literal/length codes, up to 285 (a length of 258)
        bits(0, 5) // HDIST: one distance code
        // The code-length code: 0, 17 and 18 in two bits, 1 and 2 in three (a complete code).
        let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        let codeLengthLengths: [Int: Int] = [0: 2, 17: 2, 18: 2, 1: 3, 2: 3]
        let codeLengthCodes: [Int: UInt32] = [0: 0b00, 17: 0b01, 18: 0b10, 1: 0b110, 2: 0b111]
        bits(14, 4) // HCLEN: 18 code-length lengths, up to symbol 1
        for symbol in codeLengthOrder.prefix(18) { bits(UInt32(codeLengthLengths[symbol] ?? 0), 3) }
        func length(_ value: Int) {
            code(codeLengthCodes[value]!, codeLengthLengths[value]!)
        }
        func zeros(_ count: Int) {
            var left = count
            while left >= 11 {
                let step = min(138, left)
                code(codeLengthCodes[18]!, 2)
                bits(UInt32(step - 11), 7)
                left -= step
            }
            if left >= 3 {
                code(codeLengthCodes[17]!, 2)
                bits(UInt32(left - 3), 3)
                left = 0
            }
            for _ in 0..<left { length(0) }
        }
        // Literal/length lengths: `byte` and end-of-block (256) two bits, 285 one bit.
        zeros(Int(byte))
        length(2)
        zeros(255 - Int(byte))
        length(2) // 256
        zeros(28) // 257...284
        length(1) // 285
        length(1) // the one distance code (distance 1)
        // Canonical codes: 285 -> 0; `byte` -> 10; 256 -> 11.
        code(0b10, 2)
        // Each copy of 258 bytes at distance 1 is two zero bits (the codes of 285 and of distance
        // 1): written 16 copies at a time.
        var copies = (count - 1) / 258
        let left = (count - 1) % 258
        while copies > 0 {
            let step = min(16, copies)
            bits(0, 2 * step)
            copies -= step
        }
        for _ in 0..<left { code(0b10, 2) }
        code(0b11, 2) // end of block
        inflatedCount += count
    }

    /// An empty final stored block: ends the stream and pads it to a whole byte.
    mutating func finish() {
        bits(1, 1)
        bits(0, 2)
        alignToByte()
        bytes += [0, 0, 0xFF, 0xFF]
    }

    /// The bits written so far, padded to a byte, for a stream deliberately left unfinished.
    mutating func flushUnfinished() {
        alignToByte()
    }
}

/// A zlib stream (RFC 1950) around hand-written DEFLATE, for PNG's IDAT, zTXt and iTXt.
struct ZlibWriter {
    private(set) var deflate = DeflateWriter()
    private var adler = Adler32()

    mutating func stored(_ data: [UInt8]) {
        deflate.stored(data)
        adler.add(data)
    }

    mutating func run(of byte: UInt8, count: Int) {
        deflate.run(of: byte, count: count)
        adler.add(repeating: byte, count: count)
    }

    /// The finished stream: header, blocks, an empty final block and the Adler-32.
    mutating func finished() -> [UInt8] {
        deflate.finish()
        var out: [UInt8] = [0x78, 0x01]
        out += deflate.bytes
        out.appendBigEndian(adler.value)
        return out
    }

    /// The stream without its final block or checksum: inflating it runs to the end of its
    /// data and then fails.
    mutating func unfinished() -> [UInt8] {
        deflate.flushUnfinished()
        return [0x78, 0x01] + deflate.bytes
    }
}

enum Zlib {
    /// zlib's own compression (level 9) of `bytes`, as a zlib stream.
    static func compress(_ bytes: [UInt8], level: Int32 = 9) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = bytes.withUnsafeBufferPointer { cpng_deflate($0.baseAddress, $0.count, level, &output, &size) }
        precondition(status == CPNG_OK, "zlib deflate failed")
        defer { cpng_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Raw DEFLATE (zip's method 8): zlib's stream without its 2-byte header and Adler-32.
    static func rawDeflate(_ bytes: [UInt8]) -> [UInt8] {
        let stream = compress(bytes)
        return Array(stream[2..<(stream.count - 4)])
    }

    /// Inflates a zlib stream with zlib, refusing more than `limit` bytes (nil when it fails).
    static func inflate(_ stream: [UInt8], limit: Int) -> [UInt8]? {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = stream.withUnsafeBufferPointer {
            cpng_inflate_bounded($0.baseAddress, $0.count, limit, &output, &size)
        }
        defer { cpng_free(output) }
        guard status == CPNG_OK else { return nil }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
