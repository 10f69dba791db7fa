import CPNG

/// Decodes and encodes the data of tEXt, zTXt and iTXt chunks (PNG spec, section 11.3.4).
enum TextChunkCodec {
    enum DecodeFailure: Error {
        case malformed(String)
        case tooLarge
    }

    /// The keyword of a text chunk, read from the start of its data without decoding the rest.
    static func keyword(in data: UnsafeRawBufferPointer) -> String? {
        guard let end = data.prefix(80).firstIndex(of: 0), end > 0 else { return nil }
        return latin1String(UnsafeRawBufferPointer(rebasing: data[0..<end]))
    }

    /// A decoded chunk and what was wrong with its text.
    struct Decoded {
        var chunk: TextChunk
        var invalidUTF8 = false
        /// NUL bytes removed from the text: the PNG spec allows none there, and a hostile file
        /// can hold megabytes of them (each `\u0000` in JSON, six bytes in a catalog).
        var removedNULs = 0
    }

    /// Decodes a text chunk's data: text of at most `maxTextBytes`, of which compressed text
    /// may inflate to at most `maxInflatedBytes` (a caller's remaining budget; nil: the same).
    /// `inflated` grows by the bytes decompression produced, kept or not (a chunk refused as
    /// too large has still cost them), so that callers can count every byte a file made them
    /// produce.
    static func decode(
        _ type: ChunkType, data: UnsafeRawBufferPointer, maxTextBytes: Int, maxInflatedBytes: Int? = nil,
        inflated: inout Int
    ) throws(DecodeFailure) -> Decoded {
        let maxInflated = min(maxTextBytes, maxInflatedBytes ?? maxTextBytes)
        guard let keywordEnd = data.prefix(80).firstIndex(of: 0) else {
            throw DecodeFailure.malformed(
                data.prefix(80).count == 80 ? "keyword longer than 79 bytes" : "no keyword terminator")
        }
        guard keywordEnd > 0 else { throw DecodeFailure.malformed("empty keyword") }
        let keyword = latin1String(UnsafeRawBufferPointer(rebasing: data[0..<keywordEnd]))
        let rest = UnsafeRawBufferPointer(rebasing: data[(keywordEnd + 1)...])
        switch type {
        case .tEXt:
            guard rest.count <= maxTextBytes else { throw DecodeFailure.tooLarge }
            let ((text, encoding), removed) = withoutNULs(rest) { decodeLegacyText($0) }
            return Decoded(
                chunk: TextChunk(kind: .tEXt, keyword: keyword, text: text, encoding: encoding), removedNULs: removed)
        case .zTXt:
            guard rest.count >= 1 else { throw DecodeFailure.malformed("no compression method") }
            guard rest[0] == 0 else { throw DecodeFailure.malformed("unknown compression method \(rest[0])") }
            let bytes = try inflate(
                UnsafeRawBufferPointer(rebasing: rest[1...]), maxBytes: maxInflated, produced: &inflated)
            let ((text, encoding), removed) = bytes.withUnsafeBytes { buffer in
                withoutNULs(buffer) { decodeLegacyText($0) }
            }
            let chunk = TextChunk(kind: .zTXt, keyword: keyword, text: text, compressed: true, encoding: encoding)
            return Decoded(chunk: chunk, removedNULs: removed)
        default: // iTXt
            guard rest.count >= 2 else { throw DecodeFailure.malformed("no compression flag") }
            let compressed = rest[0] != 0
            guard rest[0] <= 1 else { throw DecodeFailure.malformed("compression flag \(rest[0]) is not 0 or 1") }
            guard !compressed || rest[1] == 0 else {
                throw DecodeFailure.malformed("unknown compression method \(rest[1])")
            }
            let afterFlags = UnsafeRawBufferPointer(rebasing: rest[2...])
            guard let languageEnd = afterFlags.firstIndex(of: 0) else {
                throw DecodeFailure.malformed("no language tag terminator")
            }
            let afterLanguage = UnsafeRawBufferPointer(rebasing: afterFlags[(languageEnd + 1)...])
            guard let translatedEnd = afterLanguage.firstIndex(of: 0) else {
                throw DecodeFailure.malformed("no translated keyword terminator")
            }
            let languageTag = String(decoding: afterFlags[afterFlags.startIndex..<languageEnd], as: UTF8.self)
            let translated = String(decoding: afterLanguage[afterLanguage.startIndex..<translatedEnd], as: UTF8.self)
            let textBytes = UnsafeRawBufferPointer(rebasing: afterLanguage[(translatedEnd + 1)...])
            let text: String
            let valid: Bool
            let removed: Int
            if compressed {
                let bytes = try inflate(textBytes, maxBytes: maxInflated, produced: &inflated)
                ((text, valid), removed) = bytes.withUnsafeBytes { buffer in withoutNULs(buffer) { decodeUTF8($0) } }
            } else {
                guard textBytes.count <= maxTextBytes else { throw DecodeFailure.tooLarge }
                ((text, valid), removed) = withoutNULs(textBytes) { decodeUTF8($0) }
            }
            let chunk = TextChunk(
                kind: .iTXt, keyword: keyword, text: text, compressed: compressed, encoding: .utf8,
                languageTag: languageTag, translatedKeyword: translated)
            return Decoded(chunk: chunk, invalidUTF8: !valid, removedNULs: removed)
        }
    }

    /// Calls `body` with `bytes` minus their NUL bytes, and says how many there were.
    static func withoutNULs<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> (R, Int) {
        guard bytes.contains(0) else { return (body(bytes), 0) }
        let kept = bytes.filter { $0 != 0 }
        return (kept.withUnsafeBytes(body), bytes.count - kept.count)
    }

    // MARK: - Encoding

    /// A whole chunk (length, type, data, CRC) for this text. tEXt and zTXt take Latin-1 text;
    /// a text that is not Latin-1 is written as iTXt whatever `chunk.kind` asks.
    static func encode(_ chunk: TextChunk) throws -> [UInt8] {
        try validateKeyword(chunk.keyword)
        var data = Array(chunk.keyword.unicodeScalars.map { UInt8($0.value) })
        data.append(0)
        let latin1 = latin1Bytes(chunk.text)
        switch (chunk.kind, latin1) {
        case (.tEXt, let bytes?):
            data += bytes
            return chunkBytes(.tEXt, data)
        case (.zTXt, let bytes?):
            data.append(0)
            data += try deflate(bytes)
            return chunkBytes(.zTXt, data)
        default:
            let text = Array(chunk.text.utf8.map { $0 == 0 ? 0x3F : $0 }) // NUL would end the text early
            data.append(chunk.compressed ? 1 : 0)
            data.append(0)
            data += sanitized(chunk.languageTag.utf8)
            data.append(0)
            data += sanitized(chunk.translatedKeyword.utf8)
            data.append(0)
            data += chunk.compressed ? try deflate(text) : text
            return chunkBytes(.iTXt, data)
        }
    }

    /// A keyword is 1-79 printable Latin-1 characters with no leading, trailing or double spaces.
    static func validateKeyword(_ keyword: String) throws {
        let scalars = Array(keyword.unicodeScalars)
        let printable = scalars.allSatisfy { (0x20...0x7E).contains($0.value) || (0xA1...0xFF).contains($0.value) }
        guard (1...79).contains(scalars.count), printable, scalars.first != " ", scalars.last != " ",
            !keyword.contains("  ")
        else { throw PNGError.invalidKeyword(keyword) }
    }

    static func chunkBytes(_ type: ChunkType, _ data: [UInt8]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(data.count + 12)
        bytes.appendBigEndian(UInt32(data.count))
        bytes.appendBigEndian(type.rawValue)
        bytes += data
        let crc = bytes.withUnsafeBufferPointer { cpng_crc32(0, $0.baseAddress! + 4, data.count + 4) }
        bytes.appendBigEndian(crc)
        return bytes
    }

    // MARK: - Text encodings

    /// tEXt/zTXt text: Latin-1 by the spec, but UTF-8 when the bytes are valid UTF-8 with at
    /// least one multi-byte sequence (many generators write UTF-8 there).
    static func decodeLegacyText(_ bytes: UnsafeRawBufferPointer) -> (String, TextChunk.Encoding) {
        if bytes.contains(where: { $0 >= 0x80 }) {
            let (text, valid) = decodeUTF8(bytes)
            if valid { return (text, .utf8) }
        }
        return (latin1String(bytes), .latin1)
    }

    static func decodeUTF8(_ bytes: UnsafeRawBufferPointer) -> (String, Bool) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, true) }
        return (String(decoding: bytes, as: UTF8.self), false)
    }

    static func latin1String(_ bytes: UnsafeRawBufferPointer) -> String {
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        // Latin-1 byte b is U+00b: one UTF-8 byte below 0x80, two from there.
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            if byte < 0x80 {
                utf8.append(byte)
            } else {
                utf8.append(0xC0 | byte >> 6)
                utf8.append(0x80 | byte & 0x3F)
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The Latin-1 bytes of `text` (NUL dropped), or nil when it has a character outside Latin-1.
    static func latin1Bytes(_ text: String) -> [UInt8]? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { return nil }
            if scalar.value != 0 { bytes.append(UInt8(scalar.value)) }
        }
        return bytes
    }

    private static func sanitized(_ bytes: String.UTF8View) -> [UInt8] {
        bytes.filter { $0 != 0 }
    }

    // MARK: - zlib

    /// Inflates a zlib stream to at most `maxBytes`; `produced` grows by the bytes inflated,
    /// whether the call succeeds or not.
    static func inflate(_ bytes: UnsafeRawBufferPointer, maxBytes: Int, produced: inout Int) throws(DecodeFailure)
        -> [UInt8]
    {
        var output: UnsafeMutablePointer<UInt8>?
        var count = 0
        let status = cpng_inflate_bounded(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, max(0, maxBytes), &output, &count)
        produced += count
        switch status {
        case CPNG_OK:
            defer { cpng_free(output) }
            guard let output else { return [] }
            return Array(UnsafeBufferPointer(start: output, count: count))
        case CPNG_TOO_LARGE:
            throw DecodeFailure.tooLarge
        case CPNG_NO_MEMORY:
            throw DecodeFailure.malformed("out of memory while decompressing")
        default:
            throw DecodeFailure.malformed("damaged compressed text")
        }
    }

    static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var count = 0
        let status = bytes.withUnsafeBufferPointer { cpng_deflate($0.baseAddress, $0.count, 9, &output, &count) }
        guard status == CPNG_OK, let output else {
            throw PNGError.writeFailed(path: "(memory)", reason: "could not compress text")
        }
        defer { cpng_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: count))
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
