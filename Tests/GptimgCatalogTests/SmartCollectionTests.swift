import Foundation
import GptimgCatalog
import Testing

/// Smart collections in the catalog: membership now, counts, covers, and loops however made.
@Suite("catalog: smart collections")
struct SmartCollectionTests {
    @Test func membershipCountsAndCoversFollowTheQuery() async throws {
        let (library, catalog, images) = try await OrganiseTests.library(count: 4)
        _ = library
        let ids = images.map(\.image.id)
        try catalog.rate([ids[0], ids[2]], 5)
        let made = try catalog.createCollection("Best", query: "rating:5")
        #expect(made.count == 2 && made.isSmart)
        #expect(try catalog.list("in:best", sort: .oldest).map(\.image.id) == [ids[0], ids[2]])
        try catalog.rate([ids[3]], 5)
        #expect(try catalog.collections().first?.count == 3)
        let covers = try catalog.collectionCovers()
        #expect(covers.first?.summary.query == "rating:5" && covers.first?.summary.count == 3)
        let newest = images.map(\.image).max { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        #expect(covers.first?.cover?.id == newest?.id)
        #expect(try catalog.show(ids[0]).details.collections == ["Best"])
        #expect(try catalog.show(ids[1]).details.collections.isEmpty)
        #expect(try catalog.collectionImages("Best").count == 3)
        // Images carry no collection_images rows for it: nothing to go stale.
        #expect(try await library.sql("SELECT count(*) FROM collection_images") == "0")
    }

    /// A loop written into the catalog by hand (or by an older gptimg) is the query's error,
    /// never a hang or a crash; a long chain stops at the depth bound.
    @Test func aLoopMadeOutsideGptimgIsTheQuerysError() async throws {
        let (library, catalog, _) = try await OrganiseTests.library(count: 1)
        try catalog.createCollection("A", query: "picture")
        try catalog.createCollection("B", query: "in:A")
        try await library.sql("UPDATE collections SET query = 'in:B OR picture' WHERE name = 'A'")
        for attempt in ["in:A", "in:B", "-in:A", "picture OR in:B"] {
            #expect {
                try catalog.list(attempt)
            } throws: { error in
                "\(error)".contains("smart collection") && "\(error)".contains("leads back to itself")
            }
        }
        // Still listed (as empty), so that it can be seen and deleted.
        #expect(try catalog.collections().map(\.count) == [0, 0])
        #expect(try catalog.collectionCovers().map(\.summary.count) == [0, 0])
        try await library.sql("UPDATE collections SET query = 'picture' WHERE name = 'A'")
        // Eight deep is allowed; a ninth is refused when it is created, and nothing is made.
        for index in 0..<8 {
            try catalog.createCollection("C\(index)", query: index == 0 ? "picture" : "in:C\(index - 1)")
        }
        #expect(try catalog.count(try ImageQuery(parsing: "in:C7")) == 1)
        #expect {
            try catalog.createCollection("C8", query: "in:C7")
        } throws: { error in
            "\(error)".contains("nests too deep (in:c8 → in:c7")
        }
        #expect(try await library.sql("SELECT count(*) FROM collections WHERE name = 'C8'") == "0")
        // A stored query that no longer parses says which collection and what to do.
        try await library.sql("UPDATE collections SET query = 'colour:red' WHERE name = 'C0'")
        #expect {
            try catalog.list("in:C0")
        } throws: { error in
            "\(error)".contains("smart collection 'C0' has a query that no longer parses")
        }
    }
}
