import Foundation
import GptimgCatalog
import PNGMetadata
import Testing
import ZIPFoundation

@testable import GptimgExport

/// Issue 14, item 6: a signed URL's query (`?token=…`) is a credential. The catalog keeps whole
/// URLs (a variant sends its source's hosted URL back to the API), but no export carries a
/// query: not the manifest (JSON or CSV, its URL fields and the settings that list URLs), not
/// the index page.
@Suite("export: no URL's query string")
struct SignedURLTests {
    static let hosted = "https://cdn.example/out/lake.png?token=SECRET-HOSTED&exp=9#frag"
    static let reference = "https://refs.example/r.png?X-Amz-Signature=SECRET-REFERENCE"

    static func workspace() async throws -> ExportWorkspace {
        let workspace = try ExportWorkspace()
        let sources = workspace.folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        let metadata = GptimgMetadata(
            prompt: "a lake behind a signed URL", aspectRatio: "3:2", type: "image-to-image",
            referenceImages: [reference],
            taskID: "gpt-image-2-SIGNEDSIGNEDSIGNEDSIG", createdAt: "2026-11-01T10:00:00Z", remoteURL: hosted)
        let bytes = try GptimgEmbedding.embed(metadata, into: ExportWorkspace.png(seed: 7))
        try Data(bytes).write(to: sources.appendingPathComponent("lake.png"))
        let summary = try await workspace.catalog.importFiles([sources.path])
        guard summary.imported == 1 else {
            throw FixtureError(message: "imported \(summary.imported): \(summary.skips)")
        }
        return workspace
    }

    func export(_ workspace: ExportWorkspace, to name: String, manifest: ManifestFormat) throws -> ExportSummary {
        let request = ExportRequest(
            selection: .query("", sort: .oldest), target: workspace.path(name), manifest: manifest,
            names: try NameTemplate(parsing: NameTemplate.standard), stripMetadata: false, contactSheet: true,
            force: false)
        return try Exporter(catalog: workspace.catalog).export(request)
    }

    @Test("manifest.json, manifest.csv and index.html: URLs without their query, in a folder and in a zip")
    func noQueryInExports() async throws {
        let workspace = try await Self.workspace()
        // The catalog itself keeps them whole.
        let item = try #require(try workspace.catalog.list("").first)
        #expect(item.image.remoteURL == Self.hosted)
        #expect(item.generation.referenceImages == [Self.reference])

        _ = try export(workspace, to: "folder", manifest: .json)
        let manifest = String(decoding: try contents(workspace.path("folder") + "/manifest.json"), as: UTF8.self)
        let index = String(decoding: try contents(workspace.path("folder") + "/index.html"), as: UTF8.self)
        for text in [manifest, index] {
            #expect(!text.contains("SECRET"), "\(text)")
            #expect(!text.contains("token="))
        }
        let record = try #require(
            ((try parseJSON(Array(manifest.utf8)) as? [String: Any])?["images"] as? [[String: Any]])?.first)
        #expect(record["remote_url"] as? String == "https://cdn.example/out/lake.png")
        #expect(record["reference_images"] as? [String] == ["https://refs.example/r.png"])
        #expect((record["parameters"] as? [String: String])?["References"] == "https://refs.example/r.png")

        _ = try export(workspace, to: "archive.zip", manifest: .csv)
        let archive = try Archive(url: URL(fileURLWithPath: workspace.path("archive.zip")), accessMode: .read)
        var checked = 0
        for entry in archive where entry.path.hasSuffix(".csv") || entry.path.hasSuffix(".html") {
            var bytes: [UInt8] = []
            _ = try archive.extract(entry, skipCRC32: false) { bytes += $0 }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("SECRET") && !text.contains("token="), "\(entry.path): \(text)")
            checked += 1
        }
        #expect(checked == 2)
    }

    @Test("only the words that are URLs lose their query")
    func withoutQueries() {
        #expect(
            ManifestRecord.withoutQueries("https://a.example/x.png?t=1 http://127.0.0.1:8/y.png#f")
                == "https://a.example/x.png http://127.0.0.1:8/y.png")
        #expect(
            ManifestRecord.withoutQueries("what? a #hashtag, https://a.example/b,c.png?t=1")
                == "what? a #hashtag, https://a.example/b,c.png")
        #expect(ManifestRecord.withoutQueries("Euler a") == "Euler a")
    }
}
