import Foundation
import GptimgSupport
import PNGMetadata
import Testing

@testable import GptimgCatalog

/// Reordering a collection's images (the gallery's arrange page; issue 18 item 5).
@Suite("catalog: collection order")
struct CollectionOrderTests {
    @Test("an image moves to a place, the others keep their order; sidecars carry the new places")
    func move() async throws {
        let (_library, catalog, images) = try await OrganiseTests.library(count: 5)
        _ = _library
        let ids = images.map(\.image.id)
        try await catalog.addToCollection("Row", ids)
        #expect(try catalog.collectionOrder("row") == ids)

        #expect(try catalog.moveInCollection("Row", image: ids[3], to: 0) == [ids[3], ids[0], ids[1], ids[2], ids[4]])
        #expect(try catalog.collectionImages("Row").map(\.image.id) == [ids[3], ids[0], ids[1], ids[2], ids[4]])
        // Past the end is the last place; moving to where it is changes nothing.
        #expect(try catalog.moveInCollection("Row", image: ids[3], to: 99) == [ids[0], ids[1], ids[2], ids[4], ids[3]])
        #expect(try catalog.moveInCollection("Row", image: ids[2], to: 2) == [ids[0], ids[1], ids[2], ids[4], ids[3]])
        #expect(try catalog.moveInCollection("Row", image: ids[4], to: 1) == [ids[0], ids[4], ids[1], ids[2], ids[3]])

        // Each image's sidecar holds its place (what a rebuild from the files reads back).
        let final = [ids[0], ids[4], ids[1], ids[2], ids[3]]
        for (place, id) in final.enumerated() {
            let image = try catalog.details([id])[0].image
            let sidecar = try #require(readSidecar(besideImageFile: try catalog.location.file(of: image).path))
            #expect(sidecar.collections == [XMPSidecar.Membership(name: "Row", position: place)], "image \(id)")
        }
    }

    @Test("refusals: a smart collection, an image not in it, a missing collection; nothing moves")
    func refusals() async throws {
        let (_library, catalog, images) = try await OrganiseTests.library(count: 3)
        _ = _library
        let ids = images.map(\.image.id)
        try await catalog.addToCollection("Row", [ids[0], ids[1]])
        try await catalog.createCollection("Smart", query: "picture")
        #expect(throws: CatalogError.self) { try catalog.moveInCollection("Smart", image: ids[0], to: 1) }
        #expect(throws: CatalogError.selection("image \(ids[2]) is not in collection 'Row'")) {
            try catalog.moveInCollection("Row", image: ids[2], to: 0)
        }
        #expect(throws: CatalogError.noSuchCollection("Nope")) {
            try catalog.moveInCollection("Nope", image: ids[0], to: 0)
        }
        #expect(try catalog.collectionOrder("Row") == [ids[0], ids[1]])
        #expect(try catalog.collectionQuery("Smart") == "picture")
        #expect(try catalog.collectionQuery("row") == nil)
    }
}
