/// The zip archives of the corpus.
extension HostileCorpus {
    static let zipCases: [HostileCase] = [
        .zip(
            "zip-size0-bomb-250MB", items: "3", fast: false, payload: 0,
            "one entry whose headers say compressed size 0 over real DEFLATE data inflating to a 250 MB PNG "
                + "(the 255 KB zip that became a 251 MB image)",
            expect: [.importInput: [.imports(0), .mentions(["bomb.png"])]]
        ) { sizeZeroBomb(inflatedBytes: 250_000_000) },
        .zip(
            "zip-size0-bomb-100MB", items: "3", fast: true, payload: 0,
            "the same, inflating to 100 MB",
            expect: [.importInput: [.imports(0), .mentions(["bomb.png"])]]
        ) { sizeZeroBomb(inflatedBytes: 100_000_000) },
        .zip(
            "zip-alias-40x100MB", items: "3", fast: false, payload: 100_000_000,
            "40 central-directory entries aliasing one local entry of a 100 MB PNG compressed 80:1 (70 s before)",
            expect: [.importInput: [.importsAtMost(1), .mentions(["alias-39.png"])]]
        ) { aliases(count: 40, inflatedBytes: 100_000_000) },
        .zip(
            "zip-alias-40x20MB", items: "3", fast: true, payload: 20_000_000,
            "the same with a 20 MB PNG",
            expect: [.importInput: [.importsAtMost(1), .mentions(["alias-39.png"])]]
        ) { aliases(count: 40, inflatedBytes: 20_000_000) },
        .zip(
            "zip-overlap-300x18MB", items: "3", fast: false, payload: 18_000_000,
            "300 local headers whose extra fields overlap so that all 300 entries are the same 18 MB PNG "
                + "(5.4 GB staged before)",
            expect: [.importInput: [.importsAtMost(1), .mentions(["overlap-299.png"])]]
        ) { overlapping(count: 300, inflatedBytes: 18_000_000) },
        .zip(
            "zip-overlap-300x1MB", items: "3", fast: true, payload: 1_000_000,
            "the same with a 1 MB PNG",
            expect: [.importInput: [.importsAtMost(1), .mentions(["overlap-299.png"])]]
        ) { overlapping(count: 300, inflatedBytes: 1_000_000) },
        .zip(
            "zip-encrypted-2-of-4", items: "3", fast: true, payload: 1 << 20,
            "four PNG entries, the second encrypted (traditional PKWARE, password 'secret'): reported as "
                + "skipped, the other three imported",
            expect: [.importInput: [.imports(3), .mentions(["b-encrypted.png"])]]
        ) {
            var zip = ZipBuilder()
            zip.addEntry("a.png", content: PNGBuilder.image(seed: 21))
            zip.addEncryptedEntry("b-encrypted.png", content: PNGBuilder.image(seed: 22), password: "secret", seed: 22)
            zip.addEntry("c.png", content: PNGBuilder.image(seed: 23))
            zip.addEntry("d.png", content: PNGBuilder.image(seed: 24), method: .stored)
            return zip.finished()
        },
        .zip(
            "zip-bidi-names", items: "9", fast: true, payload: 1 << 20,
            "entry names with a right-to-left override, escape sequences, a newline, a C1 CSI and isolates",
            expect: [.importInput: [.imports(bidiNames.count), .cleanTerminalOutput]]
        ) {
            var zip = ZipBuilder()
            for (index, name) in bidiNames.enumerated() {
                zip.addEntry(name, content: PNGBuilder.image(seed: 30 + UInt64(index)))
            }
            return zip.finished()
        },
        .zip(
            "zip-ratio-bomb", items: "3", fast: true, payload: 0,
            "control: an honest entry compressed 1000:1 (refused today by the ratio guard)",
            expect: [.importInput: [.imports(0), .mentions(["ratio.png"])]]
        ) {
            let entry = InflatingPNG(bodyBytes: 50_000_000, underRatioGuard: false)
            var zip = ZipBuilder()
            let offset = zip.addLocal(
                name: Array("ratio.png".utf8), method: .deflate, data: entry.deflate, crc: entry.crc,
                compressedSize: UInt32(entry.deflate.count), uncompressedSize: UInt32(entry.size))
            zip.addCentral(
                name: Array("ratio.png".utf8), method: .deflate, crc: entry.crc,
                compressedSize: UInt32(entry.deflate.count),
                uncompressedSize: UInt32(entry.size), localOffset: offset)
            return zip.finished()
        },
    ]

    static let bidiNames = [
        "invoice-\u{202E}gnp.exe.png", "\u{1B}[31mred\u{1B}[0m-\u{1B}]0;title\u{07}.png", "two\nlines.png",
        "c1-\u{9B}2J.png", "\u{2067}isolated\u{2069}-\u{200F}.png",
    ]

    /// Compressed size 0 in both headers, the true uncompressed size and CRC.
    static func sizeZeroBomb(inflatedBytes: Int) -> [UInt8] {
        let entry = InflatingPNG(bodyBytes: inflatedBytes, underRatioGuard: false)
        var zip = ZipBuilder()
        let name = Array("bomb.png".utf8)
        let offset = zip.addLocal(
            name: name, method: .deflate, data: entry.deflate, crc: entry.crc, compressedSize: 0,
            uncompressedSize: UInt32(entry.size))
        zip.addCentral(
            name: name, method: .deflate, crc: entry.crc, compressedSize: 0, uncompressedSize: UInt32(entry.size),
            localOffset: offset)
        return zip.finished()
    }

    /// One local entry, `count` central records pointing at it under different names.
    static func aliases(count: Int, inflatedBytes: Int) -> [UInt8] {
        let entry = InflatingPNG(bodyBytes: inflatedBytes, underRatioGuard: true)
        var zip = ZipBuilder()
        let offset = zip.addLocal(
            name: Array("alias-00.png".utf8), method: .deflate, data: entry.deflate, crc: entry.crc,
            compressedSize: UInt32(entry.deflate.count), uncompressedSize: UInt32(entry.size))
        for index in 0..<count {
            zip.addCentral(
                name: Array("alias-\(padded(index, 2)).png".utf8), method: .deflate, crc: entry.crc,
                compressedSize: UInt32(entry.deflate.count), uncompressedSize: UInt32(entry.size), localOffset: offset)
        }
        return zip.finished()
    }

    static func overlapping(count: Int, inflatedBytes: Int) -> [UInt8] {
        let entry = InflatingPNG(bodyBytes: inflatedBytes, underRatioGuard: true)
        var zip = ZipBuilder()
        zip.addOverlapping(
            names: (0..<count).map { Array("overlap-\(padded($0, 3)).png".utf8) }, method: .deflate,
            data: entry.deflate,
            crc: entry.crc, uncompressedSize: UInt32(entry.size))
        return zip.finished()
    }
}

/// A valid PNG (a small real image) whose private ancillary chunk `hoSt` holds `bodyBytes` of
/// filler, as raw DEFLATE written without ever holding the inflated bytes: at DEFLATE's best
/// ratio (about 1000:1), or mixed with random bytes to stay near 80:1, under import's 100:1 guard.
struct InflatingPNG {
    let deflate: [UInt8]
    let crc: UInt32
    let size: Int

    init(bodyBytes: Int, underRatioGuard: Bool) {
        var image = PNGBuilder.image(seed: 40)
        image.removeLast(12) // IEND comes after the filler
        var head = image
        head.appendBigEndian(UInt32(bodyBytes))
        head += Array("hoSt".utf8)
        var writer = DeflateWriter()
        writer.stored(head)
        var entryCRC = hostileCRC32(head)
        var chunkCRC = hostileCRC32(Array("hoSt".utf8))
        var random = HostileRandom(seed: 41)
        var left = bodyBytes
        while left > 0 {
            if underRatioGuard {
                let noise = random.bytes(min(left, 1000))
                writer.stored(noise)
                entryCRC = hostileCRC32(noise, continuing: entryCRC)
                chunkCRC = hostileCRC32(noise, continuing: chunkCRC)
                left -= noise.count
            }
            let run = min(left, underRatioGuard ? 79_000 : 1 << 30)
            if run > 0 {
                writer.run(of: 0, count: run)
                entryCRC = hostileCRC32(repeating: 0, count: run, continuing: entryCRC)
                chunkCRC = hostileCRC32(repeating: 0, count: run, continuing: chunkCRC)
                left -= run
            }
        }
        var tail: [UInt8] = []
        tail.appendBigEndian(chunkCRC)
        tail += PNGBuilder.end
        writer.stored(tail, final: true)
        entryCRC = hostileCRC32(tail, continuing: entryCRC)
        deflate = writer.bytes
        crc = entryCRC
        size = head.count + bodyBytes + tail.count
    }
}
