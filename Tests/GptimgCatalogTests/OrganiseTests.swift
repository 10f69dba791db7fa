import Foundation
import GptimgCatalog
import Testing

@Suite("catalog: organising")
struct OrganiseTests {
    static func library(count: Int = 3) async throws -> (TemporaryLibrary, Catalog, [ImageDetails]) {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        for index in 0..<count {
            try Fixtures.write(
                Fixtures.ours(
                    Fixtures.metadata("picture number \(index)", task: "gpt-image-2-ORGANISEORGANISEORG\(index)A"),
                    seed: 40 + index), to: source.appendingPathComponent("\(index).png"))
        }
        _ = try await importAll(catalog, [source.path])
        return (library, catalog, try catalog.list("", sort: .oldest))
    }

    @Test func idsByNumberOrHashPrefix() async throws {
        let (_library, catalog, images) = try await Self.library()
        _ = _library
        let first = images[0].image
        #expect(try catalog.resolve(String(first.id)) == first.id)
        #expect(try catalog.resolve(String(first.sha256.prefix(6))) == first.id)
        #expect(try catalog.resolve(first.sha256.uppercased()) == first.id)
        #expect(throws: CatalogError.invalidID("abc")) { try catalog.resolve("abc") }
        #expect(throws: CatalogError.invalidID("zzzzzzzz")) { try catalog.resolve("zzzzzzzz") }
        #expect(throws: CatalogError.noSuchImage("999")) { try catalog.resolve("999") }
    }

    @Test func tagsRatingsFavourites() async throws {
        let (_library, catalog, images) = try await Self.library()
        _ = _library
        let ids = images.map(\.image.id)
        try catalog.tag(ids, add: ["Sunset", "beach"])
        try catalog.tag([ids[0]], remove: ["sunset"]) // names are case-insensitive
        #expect(try catalog.details([ids[0]])[0].tags == ["beach"])
        #expect(try catalog.details([ids[1]])[0].tags == ["beach", "Sunset"])
        #expect(try catalog.list("tag:sunset").count == 2)
        #expect(try catalog.list("sunset").count == 2) // the search index follows tags
        try catalog.tag(ids, remove: ["beach", "Sunset"])
        #expect(try catalog.tags().isEmpty)
        #expect(try catalog.list("beach").isEmpty)
        #expect(throws: CatalogError.self) { try catalog.tag(ids, add: [" "]) }
        try catalog.rate([ids[1]], 4)
        #expect(throws: CatalogError.invalidRating("6")) { try catalog.rate([ids[1]], 6) }
        try catalog.setFavorite([ids[2]], true)
        #expect(try catalog.details(ids).map(\.image.rating) == [0, 4, 0])
        #expect(try catalog.details(ids).map(\.image.favorite) == [false, false, true])
        // In the order given, repeats included; the first missing id is named.
        #expect(try catalog.details([ids[2], ids[0], ids[2]]).map(\.image.id) == [ids[2], ids[0], ids[2]])
        #expect(throws: CatalogError.noSuchImage("999998")) { try catalog.details([ids[0], 999998, 999999]) }
        try catalog.setFavorite([ids[2]], false)
        #expect(try catalog.list("fav:yes").isEmpty)
        #expect(throws: CatalogError.noSuchImage("12345")) { try catalog.rate([12345], 1) }
    }

    @Test func collections() async throws {
        let (_library, catalog, images) = try await Self.library()
        _ = _library
        let ids = images.map(\.image.id)
        try catalog.createCollection("Trip")
        #expect(throws: CatalogError.collectionExists("trip")) { try catalog.createCollection("trip") }
        #expect(try await catalog.addToCollection("Trip", [ids[2], ids[0]]) == 2)
        #expect(try await catalog.addToCollection("Trip", [ids[0], ids[1]]) == 1)
        #expect(try catalog.collectionImages("Trip").map(\.image.id) == [ids[2], ids[0], ids[1]])
        try await catalog.addToCollection("Best", [ids[0]]) // made when missing
        #expect(try catalog.details([ids[0]])[0].collections == ["Best", "Trip"])
        try catalog.renameCollection("Trip", to: "Summer trip")
        #expect(try catalog.list("in:\"summer trip\"").count == 3)
        #expect(try catalog.removeFromCollection("Summer trip", [ids[2]]) == 1)
        #expect(try catalog.collections().map { "\($0.name)=\($0.count)" } == ["Best=1", "Summer trip=2"])
        try catalog.deleteCollection("Best")
        #expect(throws: CatalogError.noSuchCollection("Best")) { try catalog.deleteCollection("Best") }
        #expect(try catalog.count() == 3)
    }

    @Test func deleteMovesToARecoverableTrash() async throws {
        let (library, catalog, images) = try await Self.library()
        let victim = images[1]
        try catalog.tag([victim.image.id], add: ["gone"])
        let trashed = try catalog.delete([victim.image.id])
        #expect(trashed.count == 1)
        #expect(FileManager.default.fileExists(atPath: trashed[0]))
        #expect(FileManager.default.fileExists(atPath: trashed[0] + ".json"))
        #expect(
            !FileManager.default.fileExists(
                atPath: library.location.root.appendingPathComponent(victim.image.path).path))
        #expect(try catalog.count() == 2)
        #expect(try catalog.list("gone").isEmpty)
        // Its metadata and tag rows went with it (ON DELETE CASCADE).
        #expect(try await library.sql("SELECT count(*) FROM image_metadata WHERE image_id = \(victim.image.id)") == "0")
        #expect(try await library.sql("SELECT count(*) FROM image_tags WHERE image_id = \(victim.image.id)") == "0")
        #expect(try catalog.doctor().isClean)
        // Recover it by importing it back from the trash.
        let (summary, _) = try await importAll(catalog, [trashed[0]])
        #expect(summary.imported == 1)
        #expect(try catalog.list("task:\(victim.generation.taskID!)").first?.image.sha256 == victim.image.sha256)
    }
}
