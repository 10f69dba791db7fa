import Foundation
import GRDB
import PNGMetadata
import Testing

@testable import GptimgCatalog

/// The catalog's write paths and the library's files (issues 15-17): an import writes a sidecar
/// only for an image with curation and every image's id in the journal; one image's change puts
/// its sidecar in place after the commit (`sidecar_pending`), and a sidecar a crash left behind
/// is caught up from the catalog, never taken as the user's word; a bulk change is one transaction.
@Suite("catalog: sidecars and the journal on the write paths")
struct SidecarWritePathTests {
    /// A library of `plain` plain PNGs and one generated image that carries tags in its file.
    static func library(plain: Int = 3) async throws -> (TemporaryLibrary, Catalog) {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        for index in 0..<plain {
            try Fixtures.write(Fixtures.png(seed: 70 + index), to: source.appendingPathComponent("plain-\(index).png"))
        }
        // Another tool rated the first: its sidecar comes in with it.
        var rated = XMPSidecar()
        rated.rating = 3
        try Fixtures.write(
            Array(rated.rendered(creatorTool: "another tool").utf8), to: source.appendingPathComponent("plain-0.xmp"))
        try Fixtures.write(
            Fixtures.ours(
                Fixtures.metadata("a tagged lighthouse", task: "gpt-image-2-SIDECARSIDECARSIDE0A", tags: ["coast"]),
                seed: 90), to: source.appendingPathComponent("tagged.png"))
        _ = try await importAll(catalog, [source.path])
        return (library, catalog)
    }

    static func sidecarPath(_ catalog: Catalog, _ id: Int64) throws -> String {
        try catalog.location.file(of: try catalog.details([id])[0].image).path + ".xmp"
    }

    static func pending(_ catalog: Catalog) throws -> [Int64] {
        try catalog.read("pending") { try Int64.fetchAll($0, sql: "SELECT image_id FROM sidecar_pending ORDER BY 1") }
    }

    @Test("an import writes sidecars only for curated images; the journal gives every id back")
    func importJournalsIDs() async throws {
        let (library, catalog) = try await Self.library()
        let images = try catalog.list("", sort: .oldest)
        #expect(images.count == 4)
        // Only the rated one has a sidecar: the tagged one's tags are in its own file.
        for item in images {
            let hasSidecar = FileManager.default.fileExists(atPath: try Self.sidecarPath(catalog, item.image.id))
            #expect(hasSidecar == (item.image.rating == 3), "image \(item.image.id) rating \(item.image.rating)")
        }
        #expect(images.filter { $0.tags == ["coast"] }.count == 1)
        let journal = try #require(Catalog.readJournal(library.location))
        #expect(Set(journal.images.values.compactMap(\.sidecar.id)) == Set(images.map(\.image.id)))
        let doctor = try catalog.doctor()
        #expect(doctor.notices.isEmpty, "\(doctor.notices)")
        // Two plain ones go: the ones left are not numbered 1 and 2, so a rebuild that counted
        // afresh instead of taking the journal's ids would show.
        try catalog.delete(images.filter { $0.tags.isEmpty && $0.image.rating == 0 }.map(\.image.id))
        func state(_ catalog: Catalog) throws -> [String] {
            try catalog.list("", sort: .oldest).map {
                "\($0.image.id) \($0.image.sha256) \($0.image.addedAt) \($0.image.originalName ?? "") "
                    + "\($0.image.rating) \($0.tags)"
            }
        }
        let before = try state(catalog)
        #expect(before.count == 2)
        try catalog.close()
        for suffix in ["", "-wal", "-shm"] { unlink(library.location.catalogURL.path + suffix) }
        _ = try Catalog.rebuild(library.location)
        #expect(try state(try library.open()) == before)
    }

    @Test("doctor asks for the sidecar of an image curated since it landed, once it is missing")
    func doctorWantsASidecarOnceCurated() async throws {
        let (_library, catalog) = try await Self.library(plain: 1)
        _ = _library
        let tagged = try #require(try catalog.list("", sort: .oldest).first { $0.tags == ["coast"] }).image
        let path = try Self.sidecarPath(catalog, tagged.id)
        #expect(!FileManager.default.fileExists(atPath: path))
        try catalog.tag([tagged.id], add: ["pier"])
        #expect(FileManager.default.fileExists(atPath: path))
        unlink(path)
        #expect(try catalog.doctor().notices.count == 1)
        _ = try catalog.doctor(fix: true)
        #expect(try catalog.doctor().notices.isEmpty)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("one image's change: the sidecar is in place after the commit and its row pending until settled")
    func oneImageSidecarIsPendingThenSettled() async throws {
        let (library, seeded) = try await Self.library(plain: 2)
        let ids = try seeded.list("", sort: .oldest).map(\.image.id)
        try seeded.close()
        nonisolated(unsafe) var now = Date(timeIntervalSince1970: 1_800_000_000)
        let catalog = try Catalog.open(library.location, clock: { now })
        try catalog.rate([ids[0]], 4)
        let first = try #require(
            XMPSidecar.parse(Array(try Data(contentsOf: URL(fileURLWithPath: try Self.sidecarPath(catalog, ids[0]))))))
        #expect(first.rating == 4)
        #expect(try Self.pending(catalog) == [ids[0]])
        // A change a few seconds later leaves the first pending; a minute later settles it.
        now += 5
        try catalog.rate([ids[1]], 2)
        #expect(try Self.pending(catalog) == [ids[0], ids[1]].sorted(), "\(ids)")
        now += 61
        try catalog.tag([ids[1]], add: ["pier"])
        let left = try Self.pending(catalog)
        #expect(left == [ids[1]], "\(left) \(ids)")
    }

    @Test("a sidecar a crash left behind the catalog is caught up by rebuild, not taken as the user's word")
    func staleSidecarIsCaughtUp() async throws {
        let (library, catalog) = try await Self.library(plain: 2)
        let id = try catalog.list("", sort: .oldest)[0].image.id
        try catalog.rate([id], 3)
        let path = try Self.sidecarPath(catalog, id)
        let stale = try Data(contentsOf: URL(fileURLWithPath: path))
        try catalog.rate([id], 5)
        // The crash: the rename of the new sidecar never reached the disk; the commit did.
        try stale.write(to: URL(fileURLWithPath: path))
        #expect(try Self.pending(catalog) == [id])
        try catalog.close()
        _ = try Catalog.rebuild(library.location)
        let rebuilt = try library.open()
        #expect(try rebuilt.details([id])[0].image.rating == 5)
        let now = try #require(XMPSidecar.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        #expect(now.rating == 5)
        #expect(try Self.pending(rebuilt).isEmpty)
    }

    @Test("settling leaves another tool's later edit for doctor, which takes it in")
    func settlingKeepsAnotherToolsEdit() async throws {
        let (_library, catalog) = try await Self.library(plain: 1)
        _ = _library
        let id = try catalog.list("", sort: .oldest)[0].image.id
        try catalog.rate([id], 4)
        let path = try Self.sidecarPath(catalog, id)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("xmp:Rating=\"4\""))
        try text.replacingOccurrences(of: "xmp:Rating=\"4\"", with: "xmp:Rating=\"2\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try catalog.settleAllSidecars() == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("xmp:Rating=\"2\""))
        _ = try catalog.doctor(fix: true)
        #expect(try catalog.details([id])[0].image.rating == 2)
        #expect(try catalog.doctor().notices.isEmpty)
    }

    @Test("a bulk tag of 10,000 images is one transaction: one missing id and none is tagged")
    func bulkTagIsOneTransaction() async throws {
        let (_library, catalog) = try await Self.library(plain: 1)
        _ = _library
        let seed = try #require(try catalog.list("", sort: .oldest).first { $0.tags.isEmpty }).image
        // 9,998 more rows (no files) in one statement.
        try catalog.write("seed") { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9998)
                    INSERT INTO images(generation_id, sha256, path, width, height, bytes, index_in_task, favorite,
                    rating, generator, created_at, added_at)
                    SELECT ?, printf('%064x', i), 'images/2026/11/seeded-' || i || '.png', 8, 8, 100, 0, 0, 0, 'none',
                    ?, ? FROM n
                    """, arguments: [seed.generationID, seed.createdAt, seed.addedAt])
        }
        let ids = try catalog.matchingIDs(try ImageQuery(parsing: ""))
        #expect(ids.count == 10_000)
        #expect(throws: CatalogError.noSuchImage("999999")) { try catalog.tag(ids + [999_999], add: ["bulk"]) }
        #expect(try catalog.list("tag:bulk").isEmpty)
        try catalog.tag(ids, add: ["bulk"])
        #expect(try catalog.tags().first { $0.name == "bulk" }?.count == 10_000)
        #expect(try Self.pending(catalog).isEmpty)
        // The one image with a file has its sidecar; the seeded rows have none to write.
        let sidecar = try #require(
            XMPSidecar.parse(Array(try Data(contentsOf: URL(fileURLWithPath: try Self.sidecarPath(catalog, seed.id))))))
        #expect(sidecar.ownTags == ["bulk"])
    }
}
