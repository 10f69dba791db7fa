import Foundation
import Testing

@testable import GptimgCatalog

/// Pages of a search, by offset and by cursor, whichever way the catalog finds them: from the
/// FTS5 index (rare words) or by walking the date index (common words, small pages).
@Suite("catalog: paging a search")
struct PagingTests {
    /// 30 images: every one a fox, one in three red, one in ten a whale; a day apart, with two
    /// images sharing each of a few times (so the id breaks ties).
    static func library() async throws -> (TemporaryLibrary, Catalog) {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        for index in 0..<30 {
            let words = ["fox"] + (index % 3 == 0 ? ["red"] : []) + (index % 10 == 0 ? ["whale"] : [])
            let day = 1 + min(index, 27)
            let created = "2026-10-\(day < 10 ? "0" : "")\(day)T08:00:00Z"
            let metadata = Fixtures.metadata(
                "a \(words.joined(separator: " ")) number \(index)",
                task: "gpt-image-2-PAGING\(String(index).padding(toLength: 14, withPad: "X", startingAt: 0))",
                created: created)
            try Fixtures.write(
                Fixtures.ours(metadata, seed: 100 + index), to: source.appendingPathComponent("\(index).png"))
        }
        _ = try await importAll(catalog, [source.path])
        return (library, catalog)
    }

    @Test("every page equals the same slice of the whole list, for both ways of finding it")
    func pagesMatchTheWholeList() async throws {
        let (_library, catalog) = try await Self.library()
        _ = _library
        for text in ["fox", "red", "whale", "fox -red", "red OR whale", "\"a fox\"", "fo*", "fox after:2026-10-10"] {
            let query = try ImageQuery(parsing: text)
            for sort in [ImageSort.newest, .oldest] {
                let whole = try catalog.list(query, sort: sort, limit: 1000).map(\.image.id)
                #expect(!whole.isEmpty, "\(text)")
                for limit in [1, 2, 7] {
                    for offset in [0, 3] {
                        let page = try catalog.list(query, sort: sort, limit: limit, offset: offset).map(\.image.id)
                        #expect(
                            page == Array(whole.dropFirst(offset).prefix(limit)), "\(text) \(sort) \(limit)+\(offset)")
                    }
                    // By cursor, page after page.
                    var walked: [Int64] = []
                    var cursor: ImageCursor?
                    while true {
                        let page = try catalog.list(query, sort: sort, limit: limit, after: cursor)
                        walked += page.map(\.image.id)
                        guard let last = page.last, page.count == limit else { break }
                        cursor = ImageCursor(after: last)
                    }
                    #expect(walked == whole, "\(text) \(sort) by \(limit)")
                }
                #expect(try catalog.count(query) == whole.count)
            }
        }
    }

    @Test("a common word with a small page walks the date index; a rare one's page is sorted from its ids")
    func strategy() async throws {
        let (_library, catalog) = try await Self.library()
        _ = _library
        let (fox, whale, nothing) = try catalog.read("test") { db in
            (
                try Browse.wordSource(ImageQuery(parsing: "fox"), rows: 100, db: db),
                try Browse.wordSource(ImageQuery(parsing: "whale"), rows: 2, db: db),
                try Browse.wordSource(ImageQuery(parsing: "zebra"), rows: 2, db: db)
            )
        }
        #expect(fox == .walk) // 30 matches of 30, more than √(100 × 30 / 4) = 27
        guard case .ids(let whales) = whale else {
            Issue.record("whale: \(whale)")
            return
        }
        #expect(whales.count == 3) // 3 matches, within √(2 × 30 / 4) = 3
        #expect(nothing == .ids([]))
        #expect(try catalog.list(ImageQuery(parsing: "zebra")).isEmpty)
        #expect(try catalog.list(ImageQuery(parsing: "zebra"), sort: .relevance).isEmpty)
    }
}
