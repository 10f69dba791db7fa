import Foundation
import GptimgSupport
import Synchronization
import TestSupport
import Testing

@testable import PNGMetadata

/// The zip reader import uses (issue 14, item 3): archives from real writers read; hostile
/// ones (aliases, overlaps, encrypted entries, lying sizes) are told apart without inflating.
@Suite("Reading zip archives")
struct ZipReaderTests {
    @Test("a FIFO named like an archive is refused at once, never waited on for a writer")
    func aFIFONamedZipIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-zipfifo-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = try TrapFIFO(at: folder.appendingPathComponent("x.zip").path)
        let outcome = Mutex<String?>(nil)
        // A reader blocked in open() would be freed by the deadline's writer, and fail the test.
        let run = withDeadline(10, onDeadline: { _ = fifo.release() }) {
            do {
                _ = try ZipReader(path: fifo.path)
            } catch {
                outcome.withLock { $0 = "\(error)" }
            }
        }
        #expect(!run.late, "the reader waited on the FIFO")
        #expect(outcome.withLock { $0 } == "\(ZipError.notRegularFile)")
    }

    /// Raw deflate data (a zlib stream without its 2-byte header and 4-byte checksum).
    static func rawDeflate(_ bytes: [UInt8]) -> [UInt8] {
        Array(PNGFixtures.zlibCompress(bytes).dropFirst(2).dropLast(4))
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        let path = PNGFixtures.temporaryDirectory().appendingPathComponent("archive.zip").path
        try AtomicFile.write(bytes, to: path, durable: false)
        return path
    }

    static func contents(_ reader: ZipReader, _ entry: ZipReader.Entry) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var produced: UInt64 = 0
        try reader.read(entry, produced: &produced) { bytes += $0 }
        return bytes
    }

    @Test("archives written by Python's zipfile (stored, deflated, ZIP64, folders, a comment) list and read")
    func readsRealArchives() async throws {
        let folder = PNGFixtures.temporaryDirectory()
        let archive = folder.appendingPathComponent("real.zip").path
        let script = """
            import sys, zipfile
            out = sys.argv[1]
            with zipfile.ZipFile(out, "w") as z:
                z.writestr(zipfile.ZipInfo("renders/"), b"")
                z.writestr("renders/a.png", bytes(range(256)) * 300, compress_type=zipfile.ZIP_DEFLATED)
                z.writestr("notes.txt", b"stored text", compress_type=zipfile.ZIP_STORED)
                z.writestr("caf\\u00e9 \\u2603.png", b"unicode name")
                with z.open("z64.bin", "w", force_zip64=True) as f:
                    f.write(b"zip64 entry " * 1000)
                z.comment = b"a comment that mentions PK\\x05\\x06 on purpose"
            """
        let result = try await ProcessRunner.run(["python3", "-c", script, archive])
        #expect(result.status == 0, "\(result.stderr)")
        let reader = try ZipReader(path: archive)
        #expect(reader.entries.map(\.path) == ["renders/", "renders/a.png", "notes.txt", "café ☃.png", "z64.bin"])
        #expect(reader.entries.map(\.kind) == [.directory, .file, .file, .file, .file])
        #expect(reader.entries.allSatisfy { $0.problem == nil })
        #expect(try Self.contents(reader, reader.entries[1]) == (0...255).map { UInt8($0) }.repeated(300))
        #expect(try Self.contents(reader, reader.entries[2]) == Array("stored text".utf8))
        #expect(
            try Self.contents(reader, reader.entries[4]) == Array(String(repeating: "zip64 entry ", count: 1000).utf8))
    }

    @Test("names not flagged UTF-8 are read as code page 437 unless they are valid UTF-8")
    func legacyNames() throws {
        var builder = ZipBuilder()
        builder.add("placeholder", stored: [1], flags: 0)
        // 0x82 is "é" in code page 437; alone, it is not valid UTF-8.
        let cp437 = Self.renaming(
            builder.finish(), from: "placeholder",
            to: [0x63, 0x61, 0x66, 0x82, 0x2E, 0x70, 0x6E, 0x67, 0x20, 0x20, 0x20])
        let reader = try ZipReader(path: try Self.write(cp437))
        #expect(reader.entries.first?.path == "café.png   ")
        // The same bytes as UTF-8 ("é" is C3 A9) read as UTF-8 even without the flag.
        let utf8 = Self.renaming(builder.finish(), from: "placeholder", to: Array("café.png  ".utf8))
        #expect(try ZipReader(path: try Self.write(utf8)).entries.first?.path == "café.png  ")
    }

    /// The archive with every occurrence of a name's bytes replaced by others of the same length.
    static func renaming(_ archive: [UInt8], from name: String, to replacement: [UInt8]) -> [UInt8] {
        let needle = Array(name.utf8)
        precondition(needle.count == replacement.count)
        var bytes = archive
        var index = 0
        while index + needle.count <= bytes.count {
            if Array(bytes[index..<(index + needle.count)]) == needle {
                bytes.replaceSubrange(index..<(index + needle.count), with: replacement)
                index += needle.count
            } else {
                index += 1
            }
        }
        return bytes
    }

    @Test("an encrypted entry is listed with its problem, and the entries after it still read")
    func encryptedEntry() throws {
        var zip = ZipBuilder()
        zip.add("first.bin", stored: Array("one".utf8))
        zip.add(
            "secret.bin", stored: (0..<40).map { UInt8($0 * 7 & 0xFF) }, method: 8, crc32: 0x1234_5678,
            uncompressedSize: 100, flags: 0x0801)
        zip.add(
            "third.bin", stored: Self.rawDeflate(Array("three".utf8)), method: 8,
            crc32: independentCRC32(Array("three".utf8)), uncompressedSize: 5)
        zip.add("fourth.bin", stored: Array("four".utf8), method: 12) // bzip2
        let reader = try ZipReader(path: try Self.write(zip.finish()))
        #expect(reader.entries.map(\.path) == ["first.bin", "secret.bin", "third.bin", "fourth.bin"])
        #expect(reader.entries.map(\.problem) == [nil, .encrypted, nil, .unsupportedMethod(12)])
        #expect(try Self.contents(reader, reader.entries[2]) == Array("three".utf8))
        #expect(throws: ZipEntryError.encrypted) { try Self.contents(reader, reader.entries[1]) }
    }

    @Test("entries that alias one local header, or lie inside another's data, are marked and never inflated")
    func sharedData() throws {
        var zip = ZipBuilder()
        let bomb = [UInt8](repeating: 0, count: 4 << 20)
        let shared = zip.add(
            "shared.bin", stored: Self.rawDeflate(bomb), method: 8, crc32: independentCRC32(bomb),
            uncompressedSize: bomb.count)
        for alias in 0..<40 {
            var record = shared
            record.name = "alias-\(alias).bin"
            zip.list(record)
        }
        // "outer" stores, as its data, the local header and data of "inner".
        let innerData = Array("inner data".utf8)
        let outerStart = zip.bytes.count
        var inner = ZipBuilder.Record(
            name: "inner.bin", method: 0, flags: 0x0800, crc32: independentCRC32(innerData),
            compressedSize: UInt32(innerData.count),
            uncompressedSize: UInt32(innerData.count), localHeaderOffset: 0)
        inner.localHeaderOffset = UInt32(outerStart + 30 + "outer.bin".utf8.count)
        let outerData = ZipBuilder.localHeader(inner) + innerData
        zip.add("outer.bin", stored: outerData)
        zip.list(inner)
        zip.add("fine.bin", stored: Array("fine".utf8))
        let reader = try ZipReader(path: try Self.write(zip.finish()))
        #expect(reader.entries.count == 44)
        #expect(reader.entries.prefix(41).allSatisfy { $0.problem == .sharesData })
        let byName = Dictionary(uniqueKeysWithValues: reader.entries.map { ($0.path, $0) })
        #expect(byName["outer.bin"]?.problem == .sharesData)
        #expect(byName["inner.bin"]?.problem == .sharesData)
        #expect(byName["fine.bin"]?.problem == nil)
        var produced: UInt64 = 0
        #expect(throws: ZipEntryError.sharesData) { try reader.read(reader.entries[7], produced: &produced) { _ in } }
        #expect(produced == 0)
        #expect(try Self.contents(reader, byName["fine.bin"]!) == Array("fine".utf8))
    }

    @Test("a deflated entry that declares 0 compressed bytes reads nothing past its own range")
    func zeroCompressedSize() throws {
        let data = [UInt8](repeating: 0x55, count: 1 << 20)
        var zip = ZipBuilder()
        zip.add(
            "lying.bin", stored: Self.rawDeflate(data), method: 8, crc32: independentCRC32(data),
            uncompressedSize: data.count, declaredCompressedSize: 0)
        zip.add("after.bin", stored: Array("after".utf8))
        let reader = try ZipReader(path: try Self.write(zip.finish()))
        var produced: UInt64 = 0
        #expect(throws: ZipEntryError.damaged("its compressed data ends early")) {
            try reader.read(reader.entries[0], produced: &produced) { _ in }
        }
        #expect(produced == 0)
        #expect(try Self.contents(reader, reader.entries[1]) == Array("after".utf8))
    }

    @Test("inflating stops as soon as the output passes the declared size")
    func stopsAtDeclaredSize() throws {
        let data = [UInt8](repeating: 0, count: 64 << 20)
        var zip = ZipBuilder()
        zip.add("small.bin", stored: Self.rawDeflate(data), method: 8, crc32: 0, uncompressedSize: 1000)
        let reader = try ZipReader(path: try Self.write(zip.finish()))
        var produced: UInt64 = 0
        var handed = 0
        #expect(throws: ZipEntryError.largerThanDeclared(1000)) {
            try reader.read(reader.entries[0], produced: &produced) { handed += $0.count }
        }
        #expect(handed <= 1000)
        #expect(produced <= 1000 + UInt64(ZipReader.pieceSize))
    }

    @Test("a wrong CRC or size is damage")
    func crcAndSizeChecked() throws {
        var zip = ZipBuilder()
        zip.add("crc.bin", stored: Array("data".utf8), crc32: 1)
        zip.add(
            "short.bin", stored: Self.rawDeflate(Array("data".utf8)), method: 8,
            crc32: independentCRC32(Array("data".utf8)), uncompressedSize: 10)
        let reader = try ZipReader(path: try Self.write(zip.finish()))
        #expect(throws: ZipEntryError.damaged("CRC mismatch")) { try Self.contents(reader, reader.entries[0]) }
        #expect(throws: ZipEntryError.damaged("it holds 4 bytes where its header says 10")) {
            try Self.contents(reader, reader.entries[1])
        }
    }

    @Test("what is not a zip, or a damaged one, is refused with a reason")
    func notZip() throws {
        #expect(throws: ZipError.notZip) { try ZipReader(path: try Self.write(Array("not a zip at all".utf8))) }
        #expect(throws: ZipError.notZip) { try ZipReader(path: try Self.write([])) }
        var zip = ZipBuilder()
        zip.add("a.bin", stored: Array("a".utf8))
        let good = zip.finish()
        // The end record says the directory is elsewhere, or holds more entries than it can.
        var moved = good
        moved[moved.count - 6] = 0xFF
        #expect(throws: ZipError.damaged("the central directory lies outside the file")) {
            try ZipReader(path: try Self.write(moved))
        }
        var crowded = good
        crowded[crowded.count - 12] = 0xFF
        crowded[crowded.count - 11] = 0xFF
        #expect(throws: ZipError.damaged("the central directory is too small for the 65535 entries it declares")) {
            try ZipReader(path: try Self.write(crowded))
        }
        // A local header where none is: the entry is damaged, the archive still lists.
        var noHeader = good
        noHeader[0] = 0
        let reader = try ZipReader(path: try Self.write(noHeader))
        #expect(reader.entries.first?.problem == .badLocalHeader)
        #expect(throws: ZipError.notRegularFile) { try ZipReader(path: PNGFixtures.temporaryDirectory().path) }
    }
}

extension Array {
    fileprivate func repeated(_ times: Int) -> [Element] {
        (0..<times).flatMap { _ in self }
    }
}
