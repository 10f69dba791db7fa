import Foundation
import GptimgSupport
import TestSupport
import Testing

@testable import PNGMetadata

/// AI provenance: the IPTC labels in our XMP (read back by exiftool), and a C2PA manifest
/// (`caBX` chunk) kept byte for byte by embedding and stripping, removed only on request.
@Suite("provenance: IPTC labels and C2PA manifests")
struct ProvenanceTests {
    static let trained = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

    /// A JUMBF-looking payload (not a valid manifest store: the bytes only have to survive).
    static let manifest: [UInt8] =
        [0, 0, 0, 0x24] + Array("jumb".utf8) + [0, 0, 0, 0x1C] + Array("jumd".utf8)
        + Array("c2pa-test-manifest-\u{00}\u{01}\u{02}".utf8)

    /// A real PNG (libpng) with a caBX chunk right after IHDR, where c2pa-rs puts it.
    static func signedLooking() -> [UInt8] {
        let png = PNGFixtures.image(width: 48, height: 32)
        let afterHeader = 8 + 25
        return Array(png[0..<afterHeader]) + PNGFixtures.chunk("caBX", manifest) + Array(png[afterHeader...])
    }

    /// The raw bytes of the caBX chunk(s) of `png` (length, type, data, CRC).
    static func manifestChunks(_ png: [UInt8]) -> [[UInt8]] {
        PNGFixtures.chunks(png).filter { $0.type == "caBX" }.map {
            Array(png[$0.offset..<($0.offset + 12 + $0.data.count)])
        }
    }

    /// The order of the chunks other than text.
    static func nonTextOrder(_ png: [UInt8]) -> [String] {
        PNGFixtures.chunks(png).map(\.type).filter { !["tEXt", "zTXt", "iTXt"].contains($0) }
    }

    static func exiftool(_ path: String) async throws -> [String: Any] {
        let result = try await ProcessRunner.run(["exiftool", "-j", "-G1", "-a", "-XMP:all", "-PNG:all", path])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(objects?.first)
    }

    static let metadata = GptimgMetadata(
        prompt: "a secret prompt about a lighthouse", aspectRatio: "3:2", taskID: "gpt-image-2-kUtpnus8fXpDKkuEjayG3",
        model: "gpt-image-2", createdAt: "2026-04-22T00:12:03.456Z")

    @Test("exiftool reads the IPTC digital source type, the AI system and the software from our XMP")
    func exiftoolReadsLabels() async throws {
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ours.png").path
        try AtomicFile.write(
            try GptimgEmbedding.embed(Self.metadata, into: PNGFixtures.image()), to: path, durable: false)
        let plain = try await ProcessRunner.run(["exiftool", "-s3", "-XMP-iptcExt:DigitalSourceType", path])
        #expect(plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Self.trained, "\(plain.stderr)")
        let tags = try await Self.exiftool(path)
        #expect(tags["XMP-iptcExt:DigitalSourceType"] as? String == Self.trained)
        #expect(tags["XMP-iptcExt:AISystemUsed"] as? String == "gpt-image-2")
        #expect(tags["XMP-xmp:CreatorTool"] as? String == GptimgEmbedding.software)
        #expect(tags["XMP-dc:Description"] as? String == Self.metadata.prompt)
        #expect(tags["ExifTool:Warning"] == nil, "\(tags["ExifTool:Warning"] ?? "")")
    }

    @Test("embedding keeps a caBX chunk byte for byte, and every other chunk in its order")
    func embeddingKeepsManifest() throws {
        let signed = Self.signedLooking()
        let embedded = try GptimgEmbedding.embed(Self.metadata, into: signed)
        #expect(Self.manifestChunks(embedded) == Self.manifestChunks(signed))
        #expect(Self.manifestChunks(embedded).count == 1)
        #expect(Self.nonTextOrder(embedded) == Self.nonTextOrder(signed))
        #expect(PNGFixtures.imageDataChunksRaw(embedded) == PNGFixtures.imageDataChunksRaw(signed))
        let report = try PNGMetadataReader.read(bytes: embedded)
        #expect(report.c2paManifestBytes == Self.manifest.count)
        #expect(report.c2paSummary == "present, \(Self.manifest.count) bytes")
        // Embedding again (re-landing) keeps it too.
        let again = try GptimgEmbedding.embed(Self.metadata, into: embedded)
        #expect(Self.manifestChunks(again) == Self.manifestChunks(signed))
    }

    @Test("strip keeps the manifest unless asked; --keep-provenance keeps it and the labels, not the prompt")
    func stripChoices() async throws {
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try GptimgEmbedding.embed(Self.metadata, into: Self.signedLooking())
        func file(_ name: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try AtomicFile.write(source, to: path, durable: false)
            return path
        }

        let plain = try file("plain.png")
        let plainResult = try PNGEditor.strip(fileAt: plain, options: .init(includeForeign: true))
        let plainBytes = try AtomicFile.read(plain, maxBytes: 1 << 24)
        #expect(Self.manifestChunks(plainBytes) == Self.manifestChunks(source), "never stripped by accident")
        #expect(plainResult.keptC2PABytes == Self.manifest.count)
        #expect(!plainResult.removed.contains("caBX"))
        #expect(try PNGMetadataReader.read(bytes: plainBytes).textChunks.isEmpty)

        let asked = try file("asked.png")
        let askedResult = try PNGEditor.strip(fileAt: asked, options: .init(removeC2PA: true))
        let askedBytes = try AtomicFile.read(asked, maxBytes: 1 << 24)
        #expect(Self.manifestChunks(askedBytes).isEmpty)
        #expect(askedResult.removed.last == "caBX" && askedResult.keptC2PABytes == nil)
        #expect(PNGFixtures.imageDataChunksRaw(askedBytes) == PNGFixtures.imageDataChunksRaw(source))

        let kept = try file("kept.png")
        let keptResult = try PNGEditor.strip(fileAt: kept, options: .init(includeForeign: true, keepProvenance: true))
        let keptBytes = try AtomicFile.read(kept, maxBytes: 1 << 24)
        #expect(Self.manifestChunks(keptBytes) == Self.manifestChunks(source))
        #expect(Self.nonTextOrder(keptBytes) == Self.nonTextOrder(source))
        #expect(keptResult.wroteProvenance)
        #expect(!String(decoding: keptBytes, as: UTF8.self).contains("lighthouse"), "the prompt is gone")
        let report = try PNGMetadataReader.read(bytes: keptBytes)
        #expect(report.generation == nil)
        #expect(Set(report.textChunks.map(\.keyword)) == ["Software", "Source", XMPPacket.keyword])
        let tags = try await Self.exiftool(kept)
        #expect(tags["XMP-iptcExt:DigitalSourceType"] as? String == Self.trained)
        #expect(tags["XMP-iptcExt:AISystemUsed"] as? String == "gpt-image-2")
        #expect(tags["XMP-dc:Description"] == nil)
        // A second strip finds nothing left to change and leaves the file as it is.
        let again = try PNGEditor.strip(fileAt: kept, options: .init(keepProvenance: true))
        #expect(again.removed.isEmpty && !again.wroteProvenance)
        #expect(try AtomicFile.read(kept, maxBytes: 1 << 24) == keptBytes)
    }

    @Test("the provenance properties are one list a sidecar writer can reuse, escaped for XML")
    func provenanceProperties() {
        let properties = XMPPacket.provenance(model: "model <x> & y")
        #expect(
            properties.map { "\($0.prefix):\($0.name)" } == [
                "xmp:CreatorTool", "Iptc4xmpExt:DigitalSourceType", "Iptc4xmpExt:AISystemUsed",
            ])
        #expect(properties[2].element == "<Iptc4xmpExt:AISystemUsed>model &lt;x&gt; &amp; y</Iptc4xmpExt:AISystemUsed>")
        #expect(XMPPacket.provenance(model: nil).count == 2)
        let packet = XMPPacket.make(description: nil, createDate: nil, properties: properties)
        #expect(XMPPacket.description(in: packet) == nil)
        #expect(packet.contains("xmlns:Iptc4xmpExt=\"\(XMPPacket.iptcExtensionNamespace)\""))
    }
}
