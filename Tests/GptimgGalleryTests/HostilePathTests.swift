import Foundation
import GptimgCatalog
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// Issue 14, item 2, in the gallery: a row naming a FIFO (or a folder) answers 404 at once; the
/// containment check never lets the file server or the thumbnailer open it.
@Suite("gallery: rows naming something other than a regular file")
struct HostilePathTests {
    @Test("a FIFO or a folder where an image should be: 404 for the image and its thumbnail, nothing opened")
    func fifoAndFolderRows() async throws {
        let library = try await GalleryLibrary.standard()
        let fox = try library.details(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
        let lake = try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        let fifoPath = library.location.root.appendingPathComponent(fox.image.path).path
        try FileManager.default.removeItem(atPath: fifoPath)
        let fifo = try TrapFIFO(at: fifoPath)
        let folder = library.location.root.appendingPathComponent(lake.image.path)
        try FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let watch = FIFOWatch([fifo], after: 10)
        try await library.withRouter { client in
            for (image, kind) in [(fox.image, "a FIFO"), (lake.image, "a folder")] {
                for route in ["img", "thumb"] {
                    let response = try await client.get("/\(route)/\(image.id).png")
                    #expect(response.status == .notFound, "\(route) \(image.id)")
                    #expect(
                        response.text.contains("image \(image.id)'s file is \(kind), not a regular file"),
                        "\(route): \(response.text)")
                }
            }
        }
        #expect(!watch.finish(), "the gallery opened the FIFO and waited for a writer")
    }
}
