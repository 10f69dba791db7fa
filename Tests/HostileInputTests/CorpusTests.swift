import Foundation
import TestSupport
import Testing

@testable import HostileCorpus

/// The corpus is what it says it is, checked with zlib, Python's zlib, pngcheck and unzip:
/// the streams written by hand inflate to the bytes and checksums claimed, the archives hold
/// what their cases say.
@Suite("Hostile corpus")
struct CorpusTests {
    @Test(
        "a hand-written run inflates with zlib to exactly its bytes, Adler-32 and all",
        arguments: [1, 2, 258, 259, 517, 100_000, 1 << 20])
    func runs(count: Int) throws {
        for byte: UInt8 in [0, 0x41, 0xFF] {
            var writer = ZlibWriter()
            writer.stored([1, 2, 3])
            writer.run(of: byte, count: count)
            writer.stored([4])
            let inflated = try #require(Zlib.inflate(writer.finished(), limit: count + 16))
            #expect(inflated == [1, 2, 3] + [UInt8](repeating: byte, count: count) + [4])
        }
    }

    @Test("the text bombs inflate one byte past the 8 MiB cap; the malformed ones fail after 8 MiB - 4 KiB")
    func textBombStreams() throws {
        var bomb = ZlibWriter()
        bomb.run(of: 0x41, count: (8 << 20) + 1)
        #expect(Zlib.inflate(bomb.finished(), limit: 9 << 20)?.count == (8 << 20) + 1)
        var broken = ZlibWriter()
        broken.run(of: 0x41, count: 1000)
        #expect(Zlib.inflate(broken.unfinished(), limit: 9 << 20) == nil)
        let file = HostileCorpus.named("png-ztxt-bombs-9.8MB").entries()
        guard case .bytes(let bytes) = file[0].1 else {
            Issue.record("not bytes")
            return
        }
        #expect(bytes.count <= 9_800_000 && bytes.count > 9_700_000)
    }

    @Test("an inflating PNG entry is a valid PNG (pngcheck) with the CRC and size its headers claim")
    func inflatingPNG() async throws {
        for guarded in [true, false] {
            let entry = InflatingPNG(bodyBytes: 3_000_000, underRatioGuard: guarded)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gptimg-corpus-\(UUID().uuidString)"
            ).path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try Data(entry.deflate).write(to: URL(fileURLWithPath: folder + "/entry.deflate"))
            let script = """
                import sys, zlib
                data = zlib.decompressobj(-15).decompress(open(sys.argv[1] + '/entry.deflate', 'rb').read())
                open(sys.argv[1] + '/entry.png', 'wb').write(data)
                print(len(data), zlib.crc32(data))
                """
            let python = try await ProcessRunner.run(["python3", "-c", script, folder])
            #expect(python.stdout == "\(entry.size) \(entry.crc)\n", "\(python.stderr)")
            let ratio = Double(entry.size) / Double(entry.deflate.count)
            #expect(guarded ? ratio < 100 && ratio > 50 : ratio > 500)
            let check = try await ProcessRunner.run(["pngcheck", folder + "/entry.png"])
            #expect(check.status == 0, "\(check.stdout)")
        }
    }

    @Test("the encrypted zip opens with its password in unzip; the bidi zip's entries are all there")
    func honestArchives() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-corpus-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["zip-encrypted-2-of-4", "zip-bidi-names", "zip-ratio-bomb"] {
            try HostileCorpus.write(HostileCorpus.named(name), into: folder)
        }
        let encrypted = try await ProcessRunner.run([
            "unzip", "-t", "-P", "secret", folder + "/zip-encrypted-2-of-4.zip",
        ])
        #expect(encrypted.status == 0, "\(encrypted.stdout)")
        #expect(encrypted.stdout.contains("No errors detected"))
        let bidi = try await ProcessRunner.run(["unzip", "-t", folder + "/zip-bidi-names.zip"])
        #expect(bidi.status == 0, "\(bidi.stdout)")
        let ratio = try await ProcessRunner.run(["unzip", "-t", folder + "/zip-ratio-bomb.zip"])
        #expect(ratio.status == 0, "\(ratio.stdout)")
    }

    @Test("the pixel bomb declares 1 x 100,000,000 RGBA in a few dozen bytes")
    func pixelBomb() {
        let bytes = HostileCorpus.pixelBomb(seed: 0)
        #expect(bytes.count < 120)
        #expect(Array(bytes[16..<24]) == [0, 0, 0, 1, 0x05, 0xF5, 0xE1, 0x00])
    }

    @Test("the runner measures: CPU, peak RSS and disk of a child are the kernel's figures")
    func measurement() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-corpus-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // 32 MiB written, 100 MiB touched.
        let script =
            "head -c 33554432 /dev/zero > big; sync; "
            + "python3 -c 'b = bytearray(100 << 20); b[::4096] = b\"x\" * len(b[::4096])'"
        // Each on a thread of its own: they run for seconds, and the cooperative pool is shared.
        let measured = try await offThread {
            try MeasuredProcess.run("probe", ["/bin/sh", "-c", script], in: folder, timeoutSeconds: 60)
        }
        #expect(measured.exitStatus == 0, "\(measured.stderr)")
        #expect(measured.diskBytes >= 32 << 20)
        #expect(measured.peakRSSBytes >= 100 << 20)
        let hung = try await offThread {
            try MeasuredProcess.run("hang", ["/bin/sleep", "30"], in: folder, timeoutSeconds: 0.5)
        }
        #expect(hung.timedOut)
        #expect(hung.wallSeconds < 5)
        let spinning = try await offThread {
            try MeasuredProcess.run(
                "spin", ["/bin/sh", "-c", "while :; do :; done"], in: folder, timeoutSeconds: 30, cpuLimitSeconds: 1)
        }
        #expect(spinning.signal == 24) // SIGXCPU
        #expect(spinning.cpuSeconds >= 0.5 && spinning.wallSeconds < 20, "\(spinning)")
    }
}
