import Foundation
import GptimgCatalog
import Testing

@Suite("catalog: the query language")
struct QueryTests {
    /// A library of a few of our images with known prompts, tags, ratings and collections.
    static func library() async throws -> (TemporaryLibrary, Catalog, [String: Int64]) {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        let prompts: [(String, String, String, String)] = [
            ("red", "a red fox in the snowy forest", "16:9", "2026-10-05T08:00:00Z"),
            ("blue", "a blue whale under the ocean waves", "1:1", "2026-11-02T08:00:00Z"),
            ("city", "neon city street at night in the rain", "9:16", "2026-11-15T08:00:00Z"),
            ("fox2", "portrait of a fox wearing glasses", "3:2", "2026-11-20T08:00:00Z"),
        ]
        for (offset, (name, prompt, aspect, created)) in prompts.enumerated() {
            let metadata = Fixtures.metadata(
                prompt, task: "gpt-image-2-\(name.uppercased().padding(toLength: 20, withPad: "X", startingAt: 0))1",
                aspect: aspect, created: created)
            try Fixtures.write(
                Fixtures.ours(metadata, seed: 10 + offset), to: source.appendingPathComponent("\(name).png"))
        }
        try Fixtures.write(
            Fixtures.a1111(prompt: "a lonely fox, oil painting", seed: 20),
            to: source.appendingPathComponent("a1111.png"))
        _ = try await importAll(catalog, [source.path])
        var ids: [String: Int64] = [:]
        let names = Dictionary(uniqueKeysWithValues: prompts.map { ($0.1, $0.0) })
        for item in try catalog.list("", limit: 100) { ids[names[item.generation.prompt] ?? "a1111"] = item.image.id }
        try catalog.tag([ids["red"]!, ids["city"]!], add: ["favourite colours"])
        try catalog.rate([ids["red"]!], 5)
        try catalog.rate([ids["blue"]!], 3)
        try catalog.setFavorite([ids["city"]!], true)
        try await catalog.addToCollection("Animals", [ids["red"]!, ids["blue"]!, ids["fox2"]!])
        return (library, catalog, ids)
    }

    func ids(_ catalog: Catalog, _ query: String, sort: ImageSort = .newest) throws -> Set<Int64> {
        Set(try catalog.list(query, sort: sort, limit: 100).map(\.image.id))
    }

    @Test func wordsPhrasesExclusionPrefixAndOr() async throws {
        let (_library, catalog, id) = try await Self.library()
        _ = _library
        #expect(try ids(catalog, "fox") == [id["red"]!, id["fox2"]!, id["a1111"]!])
        #expect(try ids(catalog, "fox forest") == [id["red"]!])
        #expect(try ids(catalog, "\"fox wearing\"") == [id["fox2"]!])
        #expect(try ids(catalog, "\"wearing fox\"") == [])
        #expect(try ids(catalog, "fox -glasses -painting") == [id["red"]!])
        #expect(try ids(catalog, "-fox") == [id["blue"]!, id["city"]!])
        #expect(try ids(catalog, "wha*") == [id["blue"]!])
        #expect(try ids(catalog, "whale OR neon") == [id["blue"]!, id["city"]!])
        #expect(try ids(catalog, "fox OR whale ocean") == [id["blue"]!])
        // Tags are searched too.
        #expect(try ids(catalog, "colours") == [id["red"]!, id["city"]!])
        // Diacritics and case fold.
        #expect(try ids(catalog, "FÔX snowy") == [id["red"]!])
        // Relevance puts the best match first.
        #expect(try catalog.list("fox", sort: .relevance).count == 3)
        // Newest first by default, oldest on request.
        // The A1111 file's time is its mtime: newest.
        #expect(try catalog.list("generator:gptimg").first?.image.id == id["fox2"])
        #expect(try catalog.list("", sort: .oldest).first?.image.id == id["red"])
    }

    @Test func filters() async throws {
        let (_library, catalog, id) = try await Self.library()
        _ = _library
        #expect(try ids(catalog, "aspect:16:9") == [id["red"]!])
        #expect(try ids(catalog, "type:t2i generator:gptimg") == [id["red"]!, id["blue"]!, id["city"]!, id["fox2"]!])
        #expect(try ids(catalog, "type:i2i") == [])
        #expect(try ids(catalog, "status:completed fox") == [id["red"]!, id["fox2"]!, id["a1111"]!])
        #expect(try ids(catalog, "tag:\"favourite colours\"") == [id["red"]!, id["city"]!])
        #expect(try ids(catalog, "in:animals fox") == [id["red"]!, id["fox2"]!])
        #expect(try ids(catalog, "rating:>=3") == [id["red"]!, id["blue"]!])
        #expect(try ids(catalog, "rating:5") == [id["red"]!])
        #expect(try ids(catalog, "fav:yes") == [id["city"]!])
        #expect(try ids(catalog, "after:2026-11-01 before:2026-11-16") == [id["blue"]!, id["city"]!])
        #expect(try ids(catalog, "source:import generator:a1111") == [id["a1111"]!])
        #expect(try ids(catalog, "source:api") == [])
        #expect(try ids(catalog, "task:gpt-image-2-CITYXXXXXXXXXXXXXXXX1") == [id["city"]!])
        #expect(try ids(catalog, "size:48x32").count == 5)
        #expect(try ids(catalog, "size:1x1") == [])
    }

    @Test func unknownFiltersAndMalformedValuesListWhatIsValid() throws {
        for bad in [
            "colour:red", "rating:9", "rating:>=x", "fav:maybe", "after:yesterday", "after:2026-02-31",
            "before:2025-02-29", "after:2026-13-01", "aspect:wide", "size:big", "type:video", "status:done",
            "source:web", "generator:midjourney", "\"unclosed", "OR fox", "fox OR", "-tag:x",
        ] {
            do {
                _ = try ImageQuery(parsing: bad)
                Issue.record("'\(bad)' was accepted")
            } catch let error as CatalogError {
                #expect(
                    error.description.contains("aspect:16:9") || error.description.contains("OR")
                        || error.description.contains("quote"), "\(bad): \(error)")
            }
        }
        #expect(
            try ImageQuery(parsing: "after:2024-02-29 before:2026-3-1").filters == [
                .after("2024-02-29T00:00:00Z"), .before("2026-03-01T00:00:00Z"),
            ])
        let query = try ImageQuery(parsing: "a \"b c\" -d e* f OR g tag:x")
        #expect(query.groups.count == 4)
        #expect(query.excluded.map(\.text) == ["d"])
        #expect(query.filters == [.tag("x")])
    }
}
