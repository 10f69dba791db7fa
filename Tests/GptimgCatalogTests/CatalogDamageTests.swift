import Foundation
@_spi(Testing) import GptimgCatalog
import PNGMetadata
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14, item 7: catalogs that are emptied, newer, half-rebuilt, on a full disk or on a
/// read-only medium — each refused or handled without losing the healthy catalog.
@Suite("catalog: damaged, newer, full, read-only")
struct CatalogDamageTests {
    static func sha(_ url: URL) throws -> String {
        Catalog.sha256Hex(Array(try Data(contentsOf: url)))
    }

    /// Closes `catalog` and merges its WAL into the file with the sqlite3 tool, the last
    /// connection, which then removes `-wal` and `-shm` (GRDB closes a pool's writer before its
    /// readers, so a closed pool leaves them): the catalog is one file, as after a clean exit.
    static func settle(_ catalog: Catalog, _ library: TemporaryLibrary) async throws {
        try catalog.close()
        try await library.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        #expect(!FileManager.default.fileExists(atPath: library.location.catalogURL.path + "-shm"))
    }

    static func files(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test("a 0-byte catalog in a library with images is damaged, never a new empty catalog; rebuild recovers it")
    func emptiedCatalogIsDamaged() async throws {
        let (library, catalog, _) = try await MaintenanceTests.library()
        try catalog.close()
        try Data().write(to: library.location.catalogURL)
        for access in [Catalog.Access.readOnly, .readWrite] {
            let error = try #require(throws: CatalogError.self) { try library.open(access) }
            guard case .damaged = error else { throw SQLFailure(message: "not .damaged: \(error)") }
            #expect(
                error.description.contains("`gptimg rebuild`") && !error.description.contains("gptimg doctor"),
                "\(error)")
        }
        #expect(
            try Data(contentsOf: library.location.catalogURL).isEmpty, "the emptied catalog was made into a new one")
        let report = try Catalog.rebuild(library.location)
        #expect(report.images == 5)
        #expect(try library.open(.readOnly).count() == 5)
        // In an otherwise empty library, a 0-byte catalog is a first open that died: it is made.
        let fresh = try TemporaryLibrary()
        try FileManager.default.createDirectory(at: fresh.location.root, withIntermediateDirectories: true)
        try Data().write(to: fresh.location.catalogURL)
        #expect(try fresh.open(.readOnly).count() == 0)
    }

    @Test("rebuild and every write refuse a catalog written by a newer gptimg, and leave it as it was")
    func newerCatalogIsNeverTouched() async throws {
        let (library, catalog, images) = try await MaintenanceTests.library()
        try catalog.tag([images[0].image.id], add: ["kept"], remove: [])
        try catalog.close()
        try await Self.settle(
            Catalog.open(library.location, appendingMigrations: [("v99-future", "CREATE TABLE future (x TEXT)")]),
            library)
        let before = try Self.sha(library.location.catalogURL)
        let backups = Self.files(library.location.backupsURL)
        let error = try #require(throws: CatalogError.self) { try Catalog.rebuild(library.location) }
        #expect(error.description.contains("written by a newer gptimg"), "\(error)")
        #expect(throws: CatalogError.newerSchema(path: library.location.catalogURL.path)) {
            try library.open(.readWrite)
        }
        #expect(throws: CatalogError.newerSchema(path: library.location.catalogURL.path)) {
            try library.open(.readOnly)
        }
        #expect(try Self.sha(library.location.catalogURL) == before)
        #expect(Self.files(library.location.backupsURL) == backups)
        #expect(
            try await library.sql(
                "SELECT count(*) FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE t.name = 'kept'")
                == "1")
        #expect(!Self.files(library.location.root).contains { $0.hasPrefix(".catalog-rebuild-") })
    }

    @Test(
        "what a killed rebuild left is a doctor notice, removed by --fix and the next rebuild; a live one's is kept"
    )
    func leftoverRebuildFiles() async throws {
        let (library, catalog, _) = try await MaintenanceTests.library()
        let root = library.location.root
        let exited = try ChildProcess("/bin/true", [])
        await offThread { exited.waitUntilExit() }
        let dead = ".catalog-rebuild-\(exited.processIdentifier)-42.sqlite"
        let live = ".catalog-rebuild-1-43.sqlite" // pid 1 never exits
        let legacy = ".catalog-rebuild-3141592653.sqlite" // named by a gptimg without the pid
        func plant() throws {
            for name in [dead, dead + "-journal", live, legacy] {
                try Data(repeating: 7, count: 1000).write(to: root.appendingPathComponent(name))
            }
        }
        try plant()
        let report = try catalog.doctor()
        #expect(report.isClean)
        #expect(report.notices.contains(.interruptedRebuild(files: 3, bytes: 3000)), "\(report.notices)")
        let fixed = try catalog.doctor(fix: true)
        #expect(fixed.fixed.contains("removed 3 file(s) an interrupted rebuild left"), "\(fixed.fixed)")
        #expect(Self.files(root).filter { $0.hasPrefix(".catalog-rebuild-") } == [live])
        try FileManager.default.removeItem(at: root.appendingPathComponent(live))
        try plant()
        try catalog.close()
        let rebuilt = try Catalog.rebuild(library.location)
        #expect(rebuilt.notes.contains("removed 3 file(s) an interrupted rebuild left"), "\(rebuilt.notes)")
        #expect(Self.files(root).filter { $0.hasPrefix(".catalog-rebuild-") } == [live])
    }

    @Test(
        "on a full disk a rebuild fails, leaves no 0-byte copy, and does not call the healthy catalog damaged",
        .enabled(if: Mounts.available))
    func fullDiskRebuild() async throws {
        let scratch = try TemporaryLibrary()
        let disk = try Mounts.tmpfs(at: scratch.folder.appendingPathComponent("disk"), bytes: 4 << 20)
        let location = LibraryLocation(root: disk.path.appendingPathComponent("Library"))
        let catalog = try Catalog.open(location)
        let source = try scratch.sources()
        for seed in 0..<5 {
            try Fixtures.write(
                Fixtures.ours(
                    Fixtures.metadata("a lake at dawn \(seed)", task: "gpt-image-2-FULLDISKFULLDISK\(seed)"), seed: seed
                ), to: source.appendingPathComponent("\(seed).png"))
        }
        _ = try await importAll(catalog, [source.path])
        try catalog.tag([1], add: ["kept"], remove: [])
        try catalog.close()
        let before = try Self.sha(location.catalogURL)
        let filler = try Mounts.fill(disk.path)
        for _ in 0..<2 { // the second run meets what the first left, if anything
            let error = try #require(throws: CatalogError.self) { try Catalog.rebuild(location) }
            #expect(error.description.contains("the catalog is unchanged"), "\(error)")
            #expect(!error.description.contains("damaged"), "\(error)")
        }
        #expect(Self.files(location.backupsURL).isEmpty, "\(Self.files(location.backupsURL))")
        #expect(
            !Self.files(location.root).contains { $0.hasPrefix(".catalog-rebuild-") }, "\(Self.files(location.root))")
        #expect(try Self.sha(location.catalogURL) == before)
        try FileManager.default.removeItem(at: filler)
        let reopened = try Catalog.open(location, access: .readOnly)
        #expect(try reopened.count() == 5)
        #expect(try reopened.doctor().isClean)
        #expect(try reopened.list("tag:kept").count == 1)
        try reopened.close()
    }

    @Test(
        "a library on a read-only medium is read with the catalog opened read-only; writes say it is read-only",
        .enabled(if: Mounts.available))
    func readOnlyLibrary() async throws {
        let (library, catalog, _) = try await MaintenanceTests.library()
        try await Self.settle(catalog, library)
        let view = try Mounts.readOnlyView(of: library.location.root, at: library.folder.appendingPathComponent("ro"))
        let location = LibraryLocation(root: view.path)
        // As a clean exit leaves it (no -shm, which SQLite cannot make here), then as a reader
        // leaves it (its -shm and an empty -wal, which SQLite cannot write here).
        for state in ["one file", "with -shm"] {
            if state == "with -shm" { try Catalog.open(library.location, access: .readOnly).close() }
            let reader = try Catalog.open(location, access: .readOnly)
            #expect(try reader.count() == 5, "\(state)")
            #expect(try reader.list("castle").count == 4, "\(state)")
            #expect(try reader.doctor().isClean, "\(state)")
            #expect(throws: CatalogError.readOnly(operation: "open \(location.catalogURL.path) for writing")) {
                try Catalog.open(location)
            }
            #expect(throws: CatalogError.readOnly(operation: "rate images")) { try reader.rate([1], 5) }
            try reader.close()
        }
    }

    @Test(
        "a catalog that is not a database: errors name rebuild (doctor fails the same way), and rebuild keeps its bytes"
    )
    func corruptCatalog() async throws {
        let (library, catalog, _) = try await MaintenanceTests.library()
        try await Self.settle(catalog, library)
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: library.location.catalogURL)
        let error = try #require(throws: CatalogError.self) { try library.open(.readOnly) }
        guard case .damaged = error else { throw SQLFailure(message: "not .damaged: \(error)") }
        let report = try Catalog.rebuild(library.location)
        #expect(report.images == 5)
        let kept = try #require(report.backup)
        #expect(kept.lastPathComponent.hasSuffix("-damaged.sqlite"))
        #expect(try Data(contentsOf: kept) == garbage)
    }

    @Test("a value of the wrong type in a row reads as SQLite converts it: list, show and doctor still answer")
    func wrongTypedValues() async throws {
        let (library, catalog, images) = try await MaintenanceTests.library()
        let damaged = try #require(images.first { $0.generation.prompt == "a foreign castle" })
        // Edited outside gptimg: text in an integer column, a real for a rating, a number as text.
        try await library.sql(
            """
            UPDATE images SET width = 'abc', height = '12px', rating = 2.5, generator = 42
                WHERE id = \(damaged.image.id);
            UPDATE generations SET n = 'two', prompt = 7 WHERE id = \(damaged.image.generationID);
            UPDATE tags SET name = 5 WHERE id = (SELECT min(id) FROM tags);
            """)
        for catalog in [catalog, try library.open(.readOnly)] {
            let all = try catalog.list(ImageQuery(), limit: 100)
            let listed = try #require(all.first { $0.image.id == damaged.image.id })
            #expect(listed.image.width == 0 && listed.image.height == 12 && listed.image.rating == 2)
            #expect(listed.image.generator == "42" && listed.generation.prompt == "7" && listed.generation.n == 0)
            let shown = try catalog.show(damaged.image.id)
            #expect(shown.details.image.width == 0 && shown.details.image.rating == 2)
            #expect(all.count == images.count)
            #expect(try catalog.tags().contains { $0.name == "5" })
            // doctor reads the rows the same way: the row is reported, nothing stops.
            let report = try catalog.doctor(hashFiles: false)
            #expect(
                report.problems.contains {
                    if case .badRow("images", damaged.image.id, _) = $0 { true } else { false }
                })
        }
    }
}
