import Foundation
import GptimgCatalog
import PNGMetadata
import PNGRaster
import TestSupport

/// A fresh library in a temporary folder, removed when the test ends.
final class TemporaryLibrary {
    let folder: URL
    let location: LibraryLocation

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        location = LibraryLocation(root: folder.appendingPathComponent("Library"))
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func open(_ access: Catalog.Access = .readWrite) throws -> Catalog {
        try Catalog.open(location, access: access)
    }

    /// A folder beside the library for source files.
    func sources(_ name: String = "in") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

enum Fixtures {
    /// Distinct small PNGs (the seed changes the pixels).
    static func png(seed: Int, width: Int = 48, height: Int = 32) -> [UInt8] {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                pixels += [
                    UInt8(truncatingIfNeeded: x &* 5 &+ seed), UInt8(truncatingIfNeeded: y &* 7 &+ seed &* 3),
                    UInt8(truncatingIfNeeded: (x ^ y) &+ seed &* 11), 255,
                ]
            }
        }
        return try! RGBAImage(width: width, height: height, pixels: pixels).pngData()
    }

    static func ours(_ metadata: GptimgMetadata, seed: Int, width: Int = 48, height: Int = 32) -> [UInt8] {
        try! GptimgEmbedding.embed(metadata, into: png(seed: seed, width: width, height: height))
    }

    static func a1111(prompt: String, seed: Int) -> [UInt8] {
        let chunk = TextChunk(
            kind: .tEXt, keyword: "parameters",
            text:
                """
                \(prompt)\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: \(seed), Size: \
                48x32, Model: sdxl
                """
        )
        return try! PNGEditor.splice(png(seed: seed), inserting: [chunk], removingKeywords: [])
    }

    static func metadata(
        _ prompt: String, task: String, index: Int = 0, n: Int = 1, aspect: String = "3:2",
        parent: GptimgMetadata.Parent? = nil, tags: [String] = [], created: String = "2026-11-02T10:00:00Z"
    ) -> GptimgMetadata {
        GptimgMetadata(
            prompt: prompt, aspectRatio: aspect, n: n, index: index,
            type: parent == nil ? "text-to-image" : "image-to-image",
            referenceImages: parent == nil ? [] : ["https://files.example/\(parent!.taskID)/\(parent!.index).png"],
            taskID: task, rowID: "row-\(task)", createdAt: created, completedAt: created, parent: parent,
            remoteURL: "https://files.example/\(task)/\(index).png", tags: tags)
    }

    @discardableResult
    static func write(_ bytes: [UInt8], to url: URL) throws -> URL {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }
}

extension TemporaryLibrary {
    /// Runs SQL on the catalog with the sqlite3 command-line tool (as a user or Datasette
    /// would), returning its output; fails the test on error.
    @discardableResult
    func sql(_ statement: String) async throws -> String {
        let result = try await ProcessRunner.run(["sqlite3", "-bail", location.catalogURL.path, statement])
        guard result.status == 0 else { throw SQLFailure(message: result.stderr) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct SQLFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "sqlite3: \(message)" }
}
