import Foundation
import PNGRaster
import TestSupport

@testable import PNGMetadata

/// Real PNG bytes for tests, and a chunk-level view that does not trust the code under test
/// (its own CRC-32, its own sequential parse).
enum PNGFixtures {
    /// A real PNG made by libpng: a smooth gradient with some noise, `width` x `height`.
    /// Larger images come out with several IDAT chunks (libpng writes 8 KiB pieces).
    static func image(width: Int = 64, height: Int = 48, seed: UInt64 = 1) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let index = (y * width + x) * 4
                let noise = UInt8(truncatingIfNeeded: generator.next() & 0x1F)
                pixels[index] = UInt8(truncatingIfNeeded: x * 255 / max(1, width - 1)) &+ noise
                pixels[index + 1] = UInt8(truncatingIfNeeded: y * 255 / max(1, height - 1)) &+ noise
                pixels[index + 2] = UInt8(truncatingIfNeeded: (x + y) * 3) &+ noise
            }
        }
        return try! RGBAImage(width: width, height: height, pixels: pixels).pngData()
    }

    struct Chunk: Equatable {
        var type: String
        var data: [UInt8]
        var crcValid: Bool
        var offset: Int
    }

    /// The file's chunks in order (stops at the first structural problem).
    static func chunks(_ bytes: [UInt8]) -> [Chunk] {
        var chunks: [Chunk] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(readUInt32(bytes, offset))
            guard offset + 12 + length <= bytes.count else { break }
            let typeBytes = Array(bytes[(offset + 4)..<(offset + 8)])
            let data = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            let stored = readUInt32(bytes, offset + 8 + length)
            chunks.append(
                Chunk(
                    type: String(decoding: typeBytes, as: UTF8.self), data: data,
                    crcValid: crc32(typeBytes + data) == stored, offset: offset))
            offset += 12 + length
        }
        return chunks
    }

    /// The concatenated data of every IDAT chunk.
    static func imageData(_ bytes: [UInt8]) -> [UInt8] {
        chunks(bytes).filter { $0.type == "IDAT" }.flatMap(\.data)
    }

    /// The raw bytes of every IDAT chunk (header, data, CRC), to prove they were copied as is.
    static func imageDataChunksRaw(_ bytes: [UInt8]) -> [[UInt8]] {
        chunks(bytes).filter { $0.type == "IDAT" }.map { Array(bytes[$0.offset..<($0.offset + 12 + $0.data.count)]) }
    }

    static func chunk(_ type: String, _ data: [UInt8], validCRC: Bool = true) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        var bytes = uint32Bytes(UInt32(data.count)) + typeBytes + data
        let crc = crc32(typeBytes + data)
        bytes += uint32Bytes(validCRC ? crc : crc ^ 0xDEAD_BEEF)
        return bytes
    }

    /// `png` with `extra` inserted before the first IDAT, or after the last IDAT.
    static func inserting(_ extra: [UInt8], into png: [UInt8], afterImageData: Bool = false) -> [UInt8] {
        let all = chunks(png)
        let position =
            afterImageData
            ? all.last { $0.type == "IDAT" }.map { $0.offset + 12 + $0.data.count }!
            : all.first { $0.type == "IDAT" }!.offset
        return Array(png[0..<position]) + extra + Array(png[position...])
    }

    static func tEXt(_ keyword: String, latin1 text: String) -> [UInt8] {
        chunk("tEXt", Array(keyword.utf8) + [0] + text.unicodeScalars.map { UInt8($0.value) })
    }

    static func tEXt(_ keyword: String, rawText: [UInt8]) -> [UInt8] {
        chunk("tEXt", Array(keyword.utf8) + [0] + rawText)
    }

    static func zTXt(_ keyword: String, _ text: [UInt8]) -> [UInt8] {
        chunk("zTXt", Array(keyword.utf8) + [0, 0] + zlibCompress(text))
    }

    static func iTXt(
        _ keyword: String, _ text: String, compressed: Bool = false, language: String = "", translated: String = ""
    ) -> [UInt8] {
        let body = compressed ? zlibCompress(Array(text.utf8)) : Array(text.utf8)
        return chunk(
            "iTXt",
            Array(keyword.utf8) + [0, compressed ? 1 : 0, 0] + Array(language.utf8) + [0] + Array(translated.utf8) + [0]
                + body)
    }

    static func zlibCompress(_ bytes: [UInt8]) -> [UInt8] {
        try! TextChunkCodec.deflate(bytes)
    }

    static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    static func uint32Bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        independentCRC32(bytes)
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
