import Foundation
import GRDB
import GptimgSupport
import PNGMetadata
import Testing

@testable import GptimgCatalog

/// Issue 17: picks and rejects, the query language's ORs, groups, dates and new filters, and
/// changes to every image a query matches, on real libraries.
@Suite("catalog: triage (picks, the whole query language, bulk changes)")
struct TriageTests {
    func ids(_ catalog: Catalog, _ query: String) throws -> Set<Int64> {
        Set(try catalog.list(query, limit: 1000).map(\.image.id))
    }

    /// `query`'s error, which must be a `CatalogError` naming what is valid.
    func error(_ query: String) -> String {
        do {
            _ = try ImageQuery(parsing: query)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test("picks and rejects: set, cleared, filtered; rejects hidden unless asked for")
    func picksAndRejects() async throws {
        let (library, catalog, id) = try await QueryTests.library()
        _ = library
        try catalog.setPick([id["red"]!], .picked)
        try catalog.setPick([id["blue"]!], .rejected)
        let everyone: Set<Int64> = [id["red"]!, id["city"]!, id["fox2"]!, id["a1111"]!]
        #expect(try ids(catalog, "") == everyone)
        #expect(try catalog.count(ImageQuery()) == 4)
        #expect(try ids(catalog, "whale") == [])
        #expect(try ids(catalog, "is:rejected") == [id["blue"]!])
        #expect(try ids(catalog, "whale is:rejected") == [id["blue"]!])
        #expect(try ids(catalog, "fox OR is:rejected") == [id["red"]!, id["fox2"]!, id["a1111"]!, id["blue"]!])
        #expect(try ids(catalog, "is:picked") == [id["red"]!])
        #expect(try ids(catalog, "is:unrated") == [id["city"]!, id["fox2"]!, id["a1111"]!])
        #expect(try ids(catalog, "is:fav") == [id["city"]!])
        #expect(try catalog.matchingIDs(ImageQuery(parsing: "in:animals")).count == 2)
        let shown = try catalog.details([id["red"]!, id["blue"]!]).map { $0.json.rendered }
        #expect(shown[0].contains(#""pick":"picked""#) && shown[1].contains(#""pick":"rejected""#), "\(shown)")
        try catalog.setPick([id["blue"]!], .none)
        #expect(try ids(catalog, "") == everyone.union([id["blue"]!]))
        #expect(try catalog.count(ImageQuery()) == 5)
        #expect(try ids(catalog, "is:rejected") == [])
        // The column refuses anything but -1, 0 and 1.
        await #expect(throws: SQLFailure.self) { try await library.sql("UPDATE images SET pick = 2") }
        #expect(try await library.sql("SELECT count(*) FROM grdb_migrations WHERE identifier = 'v3-picks'") == "1")
    }

    @Test("the count of every image not rejected (the gallery's first page) reads indexes, not each image's row")
    func countWithoutAFilterReadsIndexes() async throws {
        let (library, catalog, id) = try await QueryTests.library()
        _ = library
        try catalog.setPick([id["red"]!, id["city"]!], .rejected)
        try catalog.setPick([id["fox2"]!], .picked)
        #expect(try catalog.count() == 3)
        #expect(try catalog.count(ImageQuery(parsing: "is:rejected")) == 2)
        #expect(try catalog.count(ImageQuery(parsing: "is:picked")) == 1)
        #expect(try catalog.count(ImageQuery(parsing: "fox")) == 2)
        let sql = try SearchSQL(ImageQuery(), now: Date()) { _ in 0 }.countSQL
        let plan = try catalog.read("plan") { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String? ?? "" }
        }
        // A plain `SCAN images` (or `SCAN i`) would read every row for its `pick`.
        #expect(plan.contains { $0.contains("images_by_pick") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN images") && !$0.contains("COVERING INDEX") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN i") && !$0.contains("COVERING INDEX") }, "\(plan)")
    }

    @Test("OR, AND, NOT and parentheses join filters and words")
    func orAndGroups() async throws {
        let (library, catalog, id) = try await QueryTests.library()
        _ = library
        #expect(
            try ids(catalog, "tag:\"favourite colours\" OR in:Animals")
                == [id["red"]!, id["city"]!, id["blue"]!, id["fox2"]!])
        #expect(try ids(catalog, "(fox OR whale) in:animals") == [id["red"]!, id["fox2"]!, id["blue"]!])
        #expect(try ids(catalog, "fox AND forest") == [id["red"]!])
        #expect(try ids(catalog, "NOT fox") == [id["blue"]!, id["city"]!])
        #expect(try ids(catalog, "-tag:\"favourite colours\"") == [id["blue"]!, id["fox2"]!, id["a1111"]!])
        #expect(try ids(catalog, "fox OR rating:3") == [id["red"]!, id["fox2"]!, id["a1111"]!, id["blue"]!])
        #expect(try ids(catalog, "(red fox) OR whale") == [id["red"]!, id["blue"]!])
        #expect(try ids(catalog, "NOT (fox OR whale)") == [id["city"]!])
        #expect(try ids(catalog, "-(in:animals OR fav:yes)") == [id["a1111"]!])
        #expect(try ids(catalog, "(tag:\"favourite colours\") (rating:5)") == [id["red"]!])
        // A quoted "4:5" is a phrase, not a filter.
        let quoted = try ImageQuery(parsing: "\"4:5\"")
        #expect(quoted.filters.isEmpty && quoted.groups.first?.first?.text == "4:5")
        for bad in ["(fox", "NOT", "fox AND", "AND fox", "()", "fox OR OR whale", "(fox OR sort:rating)"] {
            let message = error(bad)
            #expect(message != "accepted" && message.count < 200, "\(bad): \(message)")
        }
    }

    @Test("dates: days, months, times, and spans back from the catalog's clock")
    func dates() async throws {
        let (library, _, id) = try await QueryTests.library()
        let now = Timestamp(iso8601: "2026-11-21T12:00:00Z")!.date
        let catalog = try Catalog.open(library.location, clock: { now })
        func ours(_ query: String) throws -> Set<Int64> { try ids(catalog, query + " generator:gptimg") }
        #expect(try ours("date:2026-11-15") == [id["city"]!])
        #expect(try ours("date:2026-11") == [id["blue"]!, id["city"]!, id["fox2"]!])
        #expect(try ours("date:2026-10") == [id["red"]!])
        #expect(try ours("after:2026-11") == [id["blue"]!, id["city"]!, id["fox2"]!])
        #expect(try ours("before:2026-11") == [id["red"]!])
        #expect(try ours("after:2026-11-15T08:00") == [id["city"]!, id["fox2"]!])
        #expect(try ours("after:2026-11-15T08:00:01Z") == [id["fox2"]!])
        #expect(try ours("before:2026-11-15T08:00") == [id["red"]!, id["blue"]!])
        #expect(try ours("after:yesterday") == [id["fox2"]!])
        #expect(try ours("date:yesterday") == [id["fox2"]!])
        #expect(try ours("after:today") == [])
        #expect(try ours("after:7d") == [id["city"]!, id["fox2"]!])
        #expect(try ours("after:2w") == [id["city"]!, id["fox2"]!])
        #expect(try ours("after:200h before:2d") == [id["city"]!])
        #expect(try ours("date:2026-10 OR date:2026-11-02") == [id["red"]!, id["blue"]!])
        for bad in ["after:2026-13", "date:2026-11-15T08:00", "after:soon", "after:7x", "before:2026-02-30", "date:"] {
            let message = error(bad)
            #expect(message.contains("7d") && message.contains("2026-12"), "\(bad): \(message)")
        }
        #expect(error("colour:red").contains("is:picked|rejected|unrated|fav"))
    }

    @Test("credits, n, has:parent, has:children, ref: and sort:rating")
    func lineageAndNumbers() async throws {
        let (library, catalog, id) = try await QueryTests.library()
        let source = try library.sources("more")
        let parentTask = "gpt-image-2-CASTLEXXXXXXXXXXXXXX1"
        try Fixtures.write(
            Fixtures.ours(Fixtures.metadata("a castle", task: parentTask, n: 4), seed: 40),
            to: source.appendingPathComponent("castle.png"))
        try Fixtures.write(
            Fixtures.ours(
                Fixtures.metadata(
                    "the castle at dusk", task: "gpt-image-2-DUSKXXXXXXXXXXXXXXXX1",
                    parent: GptimgMetadata.Parent(taskID: parentTask, index: 0)), seed: 41),
            to: source.appendingPathComponent("dusk.png"))
        _ = try await importAll(catalog, [source.path])
        let castle = try #require(try catalog.list("\"a castle\"").first?.image.id)
        let dusk = try #require(try catalog.list("dusk").first?.image.id)
        #expect(try ids(catalog, "has:children") == [castle])
        #expect(try ids(catalog, "has:parent") == [dusk])
        #expect(try ids(catalog, "ref:yes") == [dusk])
        #expect(try ids(catalog, "has:refs") == [dusk])
        #expect(try ids(catalog, "castle ref:no") == [castle])
        #expect(try ids(catalog, "n:4") == [castle])
        #expect(try ids(catalog, "n:>=2 OR has:parent") == [castle, dusk])
        #expect(try ids(catalog, "credits:>=4") == [])
        try await library.sql("UPDATE generations SET credits_charged = 4 WHERE task_id = '\(parentTask)'")
        #expect(try ids(catalog, "credits:>=4") == [castle])
        #expect(try ids(catalog, "credits:0 castle") == [dusk])
        let byRating = try catalog.list("sort:rating", limit: 2).map(\.image.id)
        #expect(byRating == [id["red"]!, id["blue"]!])
        #expect(try catalog.list("", sort: .rating, limit: 2).map(\.image.id) == byRating)
        #expect(try ImageQuery(parsing: "fox sort:oldest").sort == .oldest)
        #expect(error("sort:best").contains("newest|oldest|relevance|rating"))
    }

    @Test("every filter the help and errors list, with each of its values, runs")
    func everyListedFilterRuns() async throws {
        let (library, catalog, id) = try await QueryTests.library()
        _ = library
        let placeholders = [
            "NAME": "x", "COLLECTION": "x", "TASK_ID": "x", "ID": String(id["red"]!), "DATE": "2026-12-06",
            "DAY": "2026-12-06", "MONTH": "2026-12",
        ]
        var tried = 0
        for example in ImageQuery.validFilters.split(whereSeparator: \.isWhitespace) {
            let colon = try #require(example.firstIndex(of: ":"))
            let name = example[..<colon]
            for value in example[example.index(after: colon)...].split(separator: "|") {
                let text = "\(name):\(placeholders[String(value)] ?? String(value))"
                #expect(throws: Never.self, "\(text)") { _ = try catalog.list(text) }
                tried += 1
            }
        }
        for date in ImageQuery.validDates.split(separator: ",") {
            let value = date.split(separator: " ", omittingEmptySubsequences: true)[0]
            #expect(throws: Never.self, "\(value)") { _ = try catalog.list("after:\(value) before:\(value)") }
            tried += 1
        }
        #expect(tried > 40)
    }

    @Test("a selection is IDs or a query, never both nor neither; no match is empty")
    func selections() async throws {
        let (library, catalog, id) = try await QueryTests.library()
        _ = library
        #expect(throws: CatalogError.self) { try catalog.select(ids: [], query: nil) }
        #expect(throws: CatalogError.self) { try catalog.select(ids: ["1"], query: "fox") }
        #expect(try catalog.select(ids: [], query: "nothing-matches-this").ids.isEmpty)
        let foxes = try catalog.select(ids: [], query: "fox")
        #expect(Set(foxes.ids) == [id["red"]!, id["fox2"]!, id["a1111"]!])
        #expect(!foxes.needsConfirmation)
        #expect(try catalog.select(ids: [String(id["red"]!)], query: nil).query == nil)
    }

    @Test("delete of many images is one transaction: when a row cannot go, every file comes back")
    func deleteIsAllOrNothing() async throws {
        let (library, catalog, id) = try await QueryTests.library()
        let chosen = [id["red"]!, id["blue"]!, id["city"]!]
        let files = try catalog.details(chosen).map { library.location.root.path + "/" + $0.image.path }
        try await library.sql(
            """
            CREATE TRIGGER refuse_city BEFORE DELETE ON images WHEN OLD.id = \(id["city"]!)
            BEGIN SELECT RAISE(ABORT, 'refused'); END
            """)
        #expect(throws: (any Error).self) { try catalog.delete(chosen) }
        #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        let trash = library.location.trashURL.path
        func trashed() -> [String] { (FileManager.default.enumerator(atPath: trash)?.allObjects as? [String]) ?? [] }
        #expect(!trashed().contains { $0.hasSuffix(".png") || $0.hasSuffix(".json") }, "\(trashed())")
        #expect(try catalog.details(chosen).count == 3)
        try await library.sql("DROP TRIGGER refuse_city")
        #expect(try catalog.delete(chosen).count == 3)
        #expect(trashed().filter { $0.hasSuffix(".png") }.count == 3)
        #expect(trashed().filter { $0.hasSuffix(".json") }.count == 3)
        #expect(!files.contains { FileManager.default.fileExists(atPath: $0) })
        #expect(try catalog.count() == 2)
    }

    @Test("a change to 10,000 images a query matches is one transaction")
    func tenThousandInOneTransaction() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        for index in 0..<10 {
            let metadata = Fixtures.metadata("bulk image \(index)", task: "gpt-image-2-BULK\(index)XXXXXXXXXXXXXXX")
            try Fixtures.write(Fixtures.ours(metadata, seed: index), to: source.appendingPathComponent("\(index).png"))
        }
        _ = try await importAll(catalog, [source.path])
        // 9,990 more rows of the same generations (their files are not needed to flag or tag them).
        try await library.sql(
            """
            WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 9990)
            INSERT INTO images(generation_id, sha256, path, width, height, bytes, index_in_task, generator,
                created_at, added_at)
            SELECT (SELECT min(id) FROM generations) + n % 10, printf('%064x', n),
                printf('images/2026/11/b-%05d.png', n),
                48, 32, 100, 0, 'gptimg', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z' FROM k
            """)
        let all = try catalog.select(ids: [], query: "bulk")
        #expect(all.ids.count == 10_000)
        #expect(all.needsConfirmation)
        // The last image's change fails: none of the others may be changed.
        try await library.sql(
            """
            CREATE TRIGGER refuse_last BEFORE UPDATE OF pick ON images WHEN NEW.id = (SELECT max(id) FROM images)
            BEGIN SELECT RAISE(ABORT, 'refused'); END
            """)
        #expect(throws: (any Error).self) { try catalog.setPick(all.ids, .picked) }
        #expect(try catalog.count(ImageQuery(parsing: "is:picked")) == 0)
        try await library.sql("DROP TRIGGER refuse_last")

        let clock = ContinuousClock()
        var times: [String: [Duration]] = [:]
        // Three rounds (pick, unpick, pick; each also tags all 10,000): enough for a median.
        for round in 0..<3 {
            times["select", default: []].append(clock.measure { _ = try? catalog.select(ids: [], query: "bulk") })
            times["pick", default: []].append(
                try clock.measure { try catalog.setPick(all.ids, round % 2 == 0 ? .picked : .none) })
            times["tag", default: []].append(try clock.measure { try catalog.tag(all.ids, add: ["round \(round)"]) })
        }
        #expect(try catalog.count(ImageQuery(parsing: "is:picked")) == 10_000)
        #expect(try catalog.count(ImageQuery(parsing: "tag:\"round 2\"")) == 10_000)
        let medians = times.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.sorted()[1])" }
        print("bulk 10,000 images, medians of 3: " + medians.joined(separator: ", "))
    }
}
