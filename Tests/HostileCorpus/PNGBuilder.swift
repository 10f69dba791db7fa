/// PNG files byte by byte: chunks with their CRC (right or deliberately wrong), small real
/// images, text chunks and gptimg's own `gptimg` iTXt JSON. Independent of the PNG code under
/// test; only zlib is shared.
public enum PNGBuilder {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// One chunk: length, type, data, CRC (or a wrong one).
    public static func chunk(_ type: String, _ data: [UInt8], validCRC: Bool = true) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        precondition(typeBytes.count == 4)
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 12)
        out.appendBigEndian(UInt32(data.count))
        out += typeBytes
        out += data
        let crc = hostileCRC32(data, continuing: hostileCRC32(typeBytes))
        out.appendBigEndian(validCRC ? crc : crc ^ 0xDEAD_BEEF)
        return out
    }

    /// The 13 bytes of an IHDR.
    public static func header(width: UInt32, height: UInt32, bitDepth: UInt8 = 8, colorType: UInt8 = 2) -> [UInt8] {
        var data: [UInt8] = []
        data.appendBigEndian(width)
        data.appendBigEndian(height)
        data += [bitDepth, colorType, 0, 0, 0]
        return chunk("IHDR", data)
    }

    public static let end = chunk("IEND", [])

    /// A small real RGB image (noise over a gradient, different for every seed), filter 0 rows
    /// compressed by zlib.
    public static func image(width: Int = 16, height: Int = 16, seed: UInt64 = 1, textChunks: [[UInt8]] = []) -> [UInt8]
    {
        var random = HostileRandom(seed: seed)
        let noise = random.bytes(width * height)
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + width * 3))
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                let n = noise[y * width + x] & 0x3F
                raw += [
                    UInt8(truncatingIfNeeded: x * 255 / max(1, width - 1)) &+ n,
                    UInt8(truncatingIfNeeded: y * 255 / max(1, height - 1)) &+ n, n,
                ]
            }
        }
        return signature + header(width: UInt32(width), height: UInt32(height)) + textChunks.flatMap { $0 }
            + chunk("IDAT", Zlib.compress(raw)) + end
    }

    /// `png` with `extra` inserted just before its first IDAT.
    public static func inserting(_ extra: [UInt8], beforeImageDataOf png: [UInt8]) -> [UInt8] {
        var offset = 8
        while offset + 8 <= png.count {
            let length =
                Int(png[offset]) << 24 | Int(png[offset + 1]) << 16 | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
            if png[(offset + 4)..<(offset + 8)].elementsEqual("IDAT".utf8) { break }
            offset += 12 + length
        }
        return Array(png[0..<offset]) + extra + Array(png[offset...])
    }

    // MARK: - Text chunks

    public static func tEXt(_ keyword: String, _ text: [UInt8], validCRC: Bool = true) -> [UInt8] {
        chunk("tEXt", Array(keyword.utf8) + [0] + text, validCRC: validCRC)
    }

    /// zTXt holding an already compressed zlib stream.
    public static func zTXt(_ keyword: String, stream: [UInt8]) -> [UInt8] {
        chunk("zTXt", Array(keyword.utf8) + [0, 0] + stream)
    }

    /// Uncompressed iTXt (UTF-8 text).
    public static func iTXt(_ keyword: String, _ text: String) -> [UInt8] {
        chunk("iTXt", Array(keyword.utf8) + [0, 0, 0, 0, 0] + Array(text.utf8))
    }

    /// The `gptimg` iTXt chunk holding `json` (what gptimg writes, and what import trusts).
    public static func gptimgChunk(_ json: String) -> [UInt8] { iTXt("gptimg", json) }

    /// gptimg's schema-1 JSON with the fields given (strings, numbers, arrays of strings, null),
    /// in the order given; the caller chooses which values are hostile.
    public static func gptimgJSON(_ fields: [(String, JSONish)]) -> String {
        "{" + fields.map { "\(JSONish.quote($0.0)):\($0.1.rendered)" }.joined(separator: ",") + "}"
    }

    /// A complete schema-1 JSON, with `overrides` replacing or adding fields.
    public static func gptimgJSON(prompt: String, overriding overrides: [(String, JSONish)] = []) -> String {
        var fields: [(String, JSONish)] = [
            ("schema", .int(1)), ("prompt", .string(prompt)), ("aspect_ratio", .string("1:1")), ("n", .int(1)),
            ("index", .int(0)), ("type", .string("text-to-image")), ("reference_images", .strings([])),
            ("task_id", .string("gpt-image-2-hostile-0001")), ("row_id", .null), ("provider", .string("gpt-image-2")),
            ("model", .string("gpt-image-2")), ("created_at", .string("2026-11-21T10:15:30Z")),
            ("completed_at", .string("2026-11-21T10:15:42Z")), ("parent", .null), ("remote_url", .null),
            ("tags", .strings([])),
        ]
        for (key, value) in overrides {
            if let index = fields.firstIndex(where: { $0.0 == key }) {
                fields[index].1 = value
            } else {
                fields.append((key, value))
            }
        }
        return gptimgJSON(fields)
    }
}

/// The few JSON values the gptimg chunk needs, rendered with every control character escaped.
public enum JSONish: Sendable {
    case string(String)
    case int(Int)
    case strings([String])
    case null

    var rendered: String {
        switch self {
        case .string(let text): Self.quote(text)
        case .int(let value): String(value)
        case .strings(let values): "[" + values.map(Self.quote).joined(separator: ",") + "]"
        case .null: "null"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
