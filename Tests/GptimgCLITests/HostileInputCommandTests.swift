import Foundation
import GptimgSupport
import PNGRaster
import TestSupport
import Testing

@testable import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14, items 3 and 4, through the built binary: hostile text chunks cost `meta read`,
/// `meta strip` and `import` little and print little; a zip's encrypted entry is a skipped
/// line and a non-zero exit; staging a killed import left is reported by read-only `doctor`.
@Suite("gptimg on hostile files and archives", .serialized)
struct HostileInputCommandTests {
    let gptimg = BuiltProduct.path("gptimg")

    final class Workspace: Sendable {
        let folder: URL
        var library: String { folder.appendingPathComponent("Library").path }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gptimg-cli-hostile-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func write(_ bytes: [UInt8], _ name: String) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try AtomicFile.write(bytes, to: path, durable: false)
            return path
        }
    }

    static func png(seed: Int) -> [UInt8] {
        var pixels = [UInt8]()
        for y in 0..<24 {
            for x in 0..<32 {
                pixels += [
                    UInt8(truncatingIfNeeded: x &* 7 &+ seed), UInt8(truncatingIfNeeded: y &* 3 &+ seed),
                    UInt8(truncatingIfNeeded: seed), 255,
                ]
            }
        }
        return try! RGBAImage(width: 32, height: 24, pixels: pixels).pngData()
    }

    /// `png` with raw chunks inserted before its first IDAT.
    static func inserting(_ chunks: [UInt8], into png: [UInt8]) -> [UInt8] {
        var position = 8
        while String(decoding: png[(position + 4)..<(position + 8)], as: UTF8.self) != "IDAT" {
            position +=
                12
                + (Int(png[position]) << 24 | Int(png[position + 1]) << 16 | Int(png[position + 2]) << 8
                    | Int(png[position + 3]))
        }
        return Array(png[..<position]) + chunks + Array(png[position...])
    }

    static func zTXt(_ keyword: String, deflated: [UInt8]) -> [UInt8] {
        TextChunkCodec.chunkBytes(.zTXt, Array(keyword.utf8) + [0, 0] + deflated)
    }

    func run(_ arguments: [String]) async throws -> (ProcessResult, seconds: Double) {
        let start = Date()
        let result = try await ProcessRunner.run([gptimg] + arguments)
        return (result, Date().timeIntervalSince(start))
    }

    @Test("meta read --json of 8 MiB of NULs in 8 KB prints a few hundred bytes, not 100 MB")
    func nulText() async throws {
        let workspace = try Workspace()
        let nuls = try TextChunkCodec.deflate([UInt8](repeating: 0, count: 8 << 20))
        let file = try workspace.write(
            Self.inserting(Self.zTXt("Comment", deflated: nuls), into: Self.png(seed: 1)), "nuls.png")
        let (result, _) = try await run(["meta", "read", "--json", file])
        #expect(result.status == 0, "\(result.stderr.prefix(300))")
        #expect(result.stdout.utf8.count < 10_000, "\(result.stdout.utf8.count) bytes")
        #expect(!result.stdout.contains("\\u0000"))
        #expect(result.stdout.contains("NUL"))
    }

    @Test("a 9 MB file of zTXt bombs: meta read, meta strip and import each take well under the seconds they took")
    func bombsAreCheap() async throws {
        let workspace = try Workspace()
        let bomb = try TextChunkCodec.deflate([UInt8](repeating: 0x41, count: 9 << 20))
        let chunks = (0..<1000).flatMap { Self.zTXt("parameters\($0)", deflated: bomb) }
        let file = try workspace.write(Self.inserting(chunks, into: Self.png(seed: 2)), "bombs.png")
        let (read, readTime) = try await run(["meta", "read", "--json", file])
        #expect(read.status == 0, "\(read.stderr.prefix(300))")
        #expect(readTime < 5, "meta read took \(readTime) s")
        let (strip, stripTime) = try await run(["meta", "strip", "--foreign", file])
        #expect(strip.status == 0, "\(strip.stderr.prefix(300))")
        #expect(stripTime < 5, "meta strip took \(stripTime) s")
        let (imported, importTime) = try await run(["import", file, "--library", workspace.library])
        #expect(imported.status == 0, "\(imported.stdout.prefix(300)) \(imported.stderr.prefix(300))")
        #expect(importTime < 5, "import took \(importTime) s")
    }

    @Test("a zip with an encrypted entry: the others import, the entry is a skipped line, the exit status is 1")
    func encryptedEntry() async throws {
        let workspace = try Workspace()
        var zip = ZipBuilder()
        zip.add("one.png", stored: Self.png(seed: 3))
        zip.add(
            "secret.png", stored: (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 13) }, method: 8, crc32: 7,
            uncompressedSize: 900, flags: 0x0801)
        zip.add("three.png", stored: Self.png(seed: 4))
        zip.add("four.png", stored: Self.png(seed: 5))
        let archive = try workspace.write(zip.finish(), "locked.zip")
        let (result, _) = try await run(["import", archive, "--library", workspace.library])
        #expect(result.status == 1)
        #expect(result.stdout.contains("skipped    \(archive):secret.png: encrypted zip entry"), "\(result.stdout)")
        #expect(result.stdout.contains("3 imported, 0 duplicate, 1 skipped"), "\(result.stdout)")
    }

    @Test("kill -9 while staging: read-only doctor reports what was left, the next import removes it")
    func killedImport() async throws {
        let workspace = try Workspace()
        // Enough files that some sit staged, waiting for their batch, for a while.
        for seed in 0..<400 {
            let filler = TextChunkCodec.chunkBytes(
                ChunkType(rawValue: 0x7072_5674), [UInt8](repeating: UInt8(seed & 0xFF), count: 60_000)) // prVt
            _ = try workspace.write(Self.inserting(filler, into: Self.png(seed: 1000 + seed)), "in/\(seed).png")
        }
        let staging = workspace.folder.appendingPathComponent("Library/.staging").path
        @Sendable func stagedFiles() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).reduce(0) { count, owner in
                count
                    + ((try? FileManager.default.contentsOfDirectory(atPath: staging + "/" + owner)) ?? []).filter {
                        $0.hasSuffix(".png")
                    }.count
            }
        }
        let process = try ChildProcess(
            gptimg,
            ["import", "-q", workspace.folder.appendingPathComponent("in").path, "--library", workspace.library])
        // Watched closely, on a thread of its own (not the cooperative pool the other tests share).
        let caught = await offThread {
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, stagedFiles() == 0, Date() < deadline { usleep(200) }
            let caught = process.isRunning && stagedFiles() > 0
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return caught
        }
        try #require(caught, "the import ended before anything was seen staged")
        #expect(stagedFiles() > 0)

        let (doctor, _) = try await run(["doctor", "--library", workspace.library])
        #expect(doctor.stdout.contains("staged file(s)"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("removed by the next import or --fix"))
        let (again, _) = try await run([
            "import", "-q", workspace.folder.appendingPathComponent("in").path, "--library", workspace.library,
        ])
        #expect(again.status == 0, "\(again.stdout.suffix(300)) \(again.stderr.suffix(300))")
        #expect(stagedFiles() == 0)
        let (clean, _) = try await run(["doctor", "--library", workspace.library])
        #expect(clean.status == 0)
        #expect(!clean.stdout.contains("notice"), "\(clean.stdout)")
    }
}
