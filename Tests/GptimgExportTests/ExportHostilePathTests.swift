import Foundation
import GptimgCatalog
import TestSupport
import Testing

@testable import GptimgExport

/// Issue 14, item 2, in exports: a row naming a FIFO fails the export at once with one line
/// naming the image; nothing is written and the FIFO is never opened.
@Suite("export: rows naming something other than a regular file")
struct ExportHostilePathTests {
    @Test("a FIFO where an image should be fails the export without opening it", arguments: ["out.zip", "out"])
    func fifoRow(target: String) async throws {
        let workspace = try await ExportWorkspace.standard()
        let id = workspace["variant"]
        let image = try workspace.catalog.details([id])[0].image
        let path = workspace.location.root.appendingPathComponent(image.path).path
        try FileManager.default.removeItem(atPath: path)
        let fifo = try TrapFIFO(at: path)
        let request = ExportRequest(
            selection: .query("", sort: .oldest), target: workspace.path(target), manifest: .json,
            names: try NameTemplate(parsing: NameTemplate.standard),
            stripMetadata: false, contactSheet: true, force: false)
        nonisolated(unsafe) var failure: (any Error)?
        let run = withDeadline(20, onDeadline: { fifo.release() }) {
            do { _ = try Exporter(catalog: workspace.catalog).export(request) } catch { failure = error }
        }
        #expect(!run.late, "the export opened the FIFO and waited for a writer")
        let error = try #require(failure as? CatalogError)
        #expect(
            error.description
                == "\(image.path): image \(id)'s file is a FIFO, not a regular file, so it is not opened "
                + "(a damaged or tampered catalog: `gptimg doctor` reports the row, `--fix` removes it)"
        )
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path).sorted() == ["Library", "in"])
    }
}
