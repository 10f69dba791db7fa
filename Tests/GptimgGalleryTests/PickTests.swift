import Foundation
import GptimgCatalog
import Testing

/// Issue 17 in the gallery: rejected images leave the grid unless the search asks for them, and
/// the image page says whether an image is picked or rejected.
@Suite("gallery: picks and rejects")
struct PickTests {
    @Test("rejects hidden from the grid and its count until is:rejected; the image page shows the pick")
    func rejectsAndPicks() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let child = try library.details(task: "gpt-image-2-CHILDCHILDCHILDCHILDC")
        let total = try library.catalog.count()
        try library.catalog.setPick([parent.image.id], .picked)
        try library.catalog.setPick([child.image.id], .rejected)
        try await library.withRouter { client in
            let grid = try await client.get("/").text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: grid) == total - 1)
            #expect(!grid.contains("/image/\(child.image.id)\""))
            #expect(grid.contains("title=\"picked\""))
            let rejected = try await client.get("/?q=is%3Arejected").text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: rejected) == 1)
            #expect(rejected.contains("/image/\(child.image.id)\""))
            #expect(try await client.get("/image/\(parent.image.id)").text.contains("✓ Picked"))
            #expect(try await client.get("/image/\(child.image.id)").text.contains("✗ Rejected"))
        }
    }
}
