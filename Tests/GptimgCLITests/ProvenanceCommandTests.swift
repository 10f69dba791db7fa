import Foundation
import GptimgSupport
import PNGRaster
import TestSupport
import Testing

@testable import GptimgCLI

/// A C2PA manifest (`caBX` chunk) through import, show, meta read, export and meta strip: the
/// chunk's bytes compared at every step.
@Suite("gptimg and C2PA manifests")
struct ProvenanceCommandTests {
    let gptimg = Gptimg()

    static let manifest: [UInt8] =
        [0, 0, 0, 0x24] + Array("jumb".utf8) + [0, 0, 0, 0x1C] + Array("jumd".utf8)
        + Array("c2pa-cli-test-manifest".utf8) + [0, 1, 2, 0xFF]

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        func be(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        let body = Array(type.utf8) + data
        return be(UInt32(data.count)) + body + be(independentCRC32(body))
    }

    /// A real PNG (libpng) with a caBX chunk right after IHDR, where c2pa-rs puts it.
    static func signedLooking() -> [UInt8] {
        var pixels: [UInt8] = []
        for y in 0..<40 {
            for x in 0..<60 { pixels += [UInt8(x * 4), UInt8(y * 6), UInt8((x + y) % 256), 255] }
        }
        let png = try! RGBAImage(width: 60, height: 40, pixels: pixels).pngData()
        return Array(png[0..<33]) + chunk("caBX", manifest) + Array(png[33...])
    }

    /// The raw caBX chunks of the file at `path` (length, type, data, CRC), by an independent walk.
    static func manifestChunks(at path: String) throws -> [[UInt8]] {
        let bytes = try AtomicFile.read(path, maxBytes: 1 << 26)
        var found: [[UInt8]] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + 12 + length
            guard end <= bytes.count else { break }
            if Array(bytes[(offset + 4)..<(offset + 8)]) == Array("caBX".utf8) {
                found.append(Array(bytes[offset..<end]))
            }
            offset = end
        }
        return found
    }

    @Test("import, show, meta read, export (plain and --strip-metadata) and strip --keep-provenance keep the chunk")
    func manifestSurvives() async throws {
        let folder = TemporaryFolder("gptimg-c2pa")
        let library = folder.path + "/Library"
        let source = folder.path + "/signed.png"
        try AtomicFile.write(Self.signedLooking(), to: source, durable: false)
        let original = try Self.manifestChunks(at: source)
        #expect(original.count == 1)

        let imported = await gptimg(["import", source, "--json", "--library", library])
        #expect(imported.status == 0, "\(imported.stderr)")
        let landed = try #require(jsonObjects(imported.stdout).first?["path"] as? String)
        #expect(try Self.manifestChunks(at: library + "/" + landed) == original)

        let show = await gptimg(["show", "1", "--library", library])
        #expect(show.stdout.contains("C2PA manifest  present, \(Self.manifest.count) bytes"), "\(show.stdout)")
        let showJSON = await gptimg(["show", "1", "--json", "--library", library])
        #expect(jsonObjects(showJSON.stdout).first?["c2pa_manifest_bytes"] as? Int == Self.manifest.count)

        let read = await gptimg(["meta", "read", source])
        #expect(read.stdout.contains("  C2PA manifest: present, \(Self.manifest.count) bytes"), "\(read.stdout)")
        let readJSON = await gptimg(["meta", "read", "--json", source])
        #expect(jsonObjects(readJSON.stdout).first?["c2pa_manifest_bytes"] as? Int == Self.manifest.count)

        for (name, extra) in [("plain", [String]()), ("stripped", ["--strip-metadata"])] {
            let target = folder.path + "/" + name
            let exported = await gptimg(["export", "1", "--to", target, "--library", library] + extra)
            #expect(exported.status == 0, "\(exported.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: target).filter { $0.hasSuffix(".png") }
            let file = target + "/" + (try #require(files.first))
            #expect(try Self.manifestChunks(at: file) == original, "export \(name)")
        }

        let copy = folder.path + "/copy.png"
        try FileManager.default.copyItem(atPath: library + "/" + landed, toPath: copy)
        let strip = await gptimg(["meta", "strip", "--keep-provenance", copy])
        #expect(strip.status == 0, "\(strip.stderr)")
        #expect(strip.stdout.contains("kept the C2PA manifest (\(Self.manifest.count) bytes)"), "\(strip.stdout)")
        #expect(try Self.manifestChunks(at: copy) == original)

        let plain = await gptimg(["meta", "strip", copy])
        #expect(plain.stdout.contains("--c2pa removes it"), "\(plain.stdout)")
        #expect(try Self.manifestChunks(at: copy) == original, "never stripped by accident")

        let asked = await gptimg(["meta", "strip", "--c2pa", "--json", copy])
        #expect(jsonObjects(asked.stdout).first?["removed"] as? [String] == ["caBX"], "\(asked.stdout)")
        #expect(try Self.manifestChunks(at: copy).isEmpty)

        let both = await gptimg(["meta", "strip", "--c2pa", "--keep-provenance", source])
        #expect(both.status != 0)
        #expect(both.stderr.contains("give one of them"), "\(both.stderr)")
        #expect(try Self.manifestChunks(at: source) == original)
    }
}
