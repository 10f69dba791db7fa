import Foundation
import TestSupport
import Testing

@testable import PNGRaster

/// The DCT pHash against its published definition: `imagehash.phash` computes the expected hashes
/// of fixtures written by Pillow (Scripts/phash_oracle.py); ours must equal them bit for bit.
@Suite("Perceptual hash")
struct PerceptualHashTests {
    static func fixtures() throws -> (directory: String, expected: [String: String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("phash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/phash_oracle.py").path
        let result = try ProcessRunner.run(["python3", script, directory])
        try #require(result.status == 0, "phash_oracle.py (pip install imagehash): \(result.stderr)")
        let expected = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
        return (directory, expected)
    }

    static func hash(_ directory: String, _ name: String) throws -> PerceptualHash {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
        return try PerceptualHash(pngData: data)
    }

    @Test("equals imagehash.phash bit for bit; re-encodes equal, half sizes near, unrelated images far")
    func agreesWithImagehash() throws {
        let (directory, expected) = try Self.fixtures()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(expected.count >= 13)
        for (name, hex) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try Self.hash(directory, name).hex == hex, "\(name)")
        }
        let original = try Self.hash(directory, "a.png")
        #expect(try Self.hash(directory, "a_reencoded.png") == original)
        #expect(try Self.hash(directory, "a_rgba.png") == original)
        #expect(try original.distance(to: Self.hash(directory, "a_half.png")) <= 6)
        #expect(try original.distance(to: Self.hash(directory, "a_half_bilinear.png")) <= 6)
        let unrelated = try ["gradient.png", "noise.png", "u3.png", "palette.png"].map { try Self.hash(directory, $0) }
        for (index, hash) in unrelated.enumerated() {
            #expect(original.distance(to: hash) > 20)
            for other in unrelated[(index + 1)...] { #expect(hash.distance(to: other) > 20) }
        }
    }

    @Test("a PNG made by PNGRaster hashes the same as its pixels; signed round trip; not a PNG is an error")
    func basics() throws {
        var pixels = [UInt8](repeating: 255, count: 300 * 200 * 4)
        for index in 0..<(300 * 200) { pixels[index * 4] = UInt8(index % 300 * 255 / 299) }
        let image = try RGBAImage(width: 300, height: 200, pixels: pixels)
        let hash = try PerceptualHash(pngData: try image.pngData())
        #expect(hash == PerceptualHash(image: image))
        #expect(PerceptualHash(signed: hash.signed) == hash)
        #expect(PerceptualHash(value: 0xFF).distance(to: PerceptualHash(value: 0x0F)) == 4)
        #expect(throws: RasterError.self) { try PerceptualHash(pngData: [UInt8](repeating: 1, count: 64)) }
    }
}
