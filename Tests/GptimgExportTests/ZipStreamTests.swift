import Foundation
import GptimgCatalog
import TestSupport
import Testing

@testable import GptimgExport

/// The gallery's streamed download (`ZipStream`) against `gptimg export --to x.zip`.
@Suite("export: the zip as a stream")
struct ZipStreamTests {
    @Test("piece by piece, the same archive byte for byte as the export writes (hostile names included)")
    func sameArchive() async throws {
        let workspace = try await ExportWorkspace.standard()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        for selection in [ExportSelection.query("", sort: .newest), .ids(["2", "1", "2"])] {
            let path = workspace.path("export-\(UUID().uuidString).zip")
            _ = try Exporter(catalog: workspace.catalog, now: { now }).export(
                ExportRequest(
                    selection: selection, target: path, names: try NameTemplate(parsing: NameTemplate.standard)))
            let stream = try ZipStream(catalog: workspace.catalog, selection: selection, now: now)
            var pieces: [[UInt8]] = []
            while let piece = try stream.next() { pieces.append(piece) }
            // The manifest, one piece per image, then the central directory; then nothing more.
            #expect(pieces.count == stream.count + 2)
            #expect(try stream.next() == nil)
            #expect(pieces.joined().elementsEqual(try contents(path)))
            #expect(stream.fileNames.first == "manifest.json")
        }
        #expect(throws: ExportError.self) {
            try ZipStream(catalog: workspace.catalog, selection: .query("nothing-matches-this", sort: .newest))
        }
    }

    @Test("a library file that changed size stops the stream with the export's error")
    func changedFile() async throws {
        let workspace = try await ExportWorkspace.standard()
        let first = try workspace.catalog.list("", sort: .oldest, limit: 1)[0].image
        let stream = try ZipStream(catalog: workspace.catalog, selection: .ids([String(first.id)]))
        #expect(try stream.next() != nil) // the manifest
        let file = try workspace.catalog.location.file(of: first)
        try FileHandle(forWritingTo: file).truncate(atOffset: 10)
        #expect(throws: ExportError.self) { try stream.next() }
    }
}
