import Foundation
import TestSupport
import Testing

@testable import PNGRaster

/// The DCT pHash against its published definition: `imagehash.phash` computes the expected hashes
/// of fixtures written by Pillow (Scripts/phash_oracle.py); ours must equal them bit for bit.
@Suite("Perceptual hash")
struct PerceptualHashTests {
    static func fixtures() async throws -> (directory: String, expected: [String: String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("phash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/phash_oracle.py").path
        let result = try await ProcessRunner.run(["python3", script, directory])
        try #require(result.status == 0, "phash_oracle.py (pip install imagehash): \(result.stderr)")
        let expected = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
        return (directory, expected)
    }

    static func hash(_ directory: String, _ name: String) throws -> PerceptualHash {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
        return try PerceptualHash(pngData: data)
    }

    @Test("equals imagehash.phash bit for bit; re-encodes equal, half sizes near, unrelated images far")
    func agreesWithImagehash() async throws {
        let (directory, expected) = try await Self.fixtures()
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

    @Test("streamed row by row (bytes or a file) it equals the hash of the whole decoded image, every layout")
    func streamingEqualsWhole() throws {
        func picture(_ width: Int, _ height: Int, alpha: UInt8 = 255) throws -> RGBAImage {
            var pixels = [UInt8](repeating: alpha, count: width * height * 4)
            for y in 0..<height {
                for x in 0..<width {
                    let index = (y * width + x) * 4
                    pixels[index] = UInt8((x * 255) / max(1, width - 1))
                    pixels[index + 1] = UInt8(((x / 7 + y / 5) % 2) * 200)
                    pixels[index + 2] = UInt8((y * 255) / max(1, height - 1))
                }
            }
            return try RGBAImage(width: width, height: height, pixels: pixels)
        }
        var files: [(String, [UInt8])] = []
        // Pillow skips a pass whose size does not change: 32 wide, 32 tall, 32×32; and smaller than 32.
        for (width, height) in [(32, 200), (200, 32), (32, 32), (20, 9), (301, 203), (1, 1)] {
            files.append(("\(width)x\(height)", try picture(width, height).pngData()))
        }
        files.append(("translucent", try picture(120, 90, alpha: 100).pngData()))
        let interlaced = ThumbnailTests.adam7(width: 70, height: 50) { x, y in
            [UInt8(x * 3 & 0xFF), UInt8(y * 5 & 0xFF), UInt8((x * 3 + y) & 0xFF)]
        }
        files.append(
            (
                "interlaced",
                HandMadePNG.file(
                    width: 70, height: 50, bitDepth: 8, colorType: 2, rows: [], interlaced: true,
                    rawImageData: interlaced)
            ))
        for (name, data) in files {
            let whole = PerceptualHash(image: try RGBAImage(pngData: data))
            #expect(try PerceptualHash(pngData: data) == whole, "\(name)")
            let path = try ThumbnailTests.temporaryFile(data)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(try PerceptualHash(contentsOfFile: path) == whole, "\(name)")
        }
        #expect(throws: RasterError.self) { try PerceptualHash(contentsOfFile: "/nonexistent/x.png") }
        #expect(throws: RasterError.self) { try PerceptualHash(contentsOfFile: "/tmp") }
    }
}
