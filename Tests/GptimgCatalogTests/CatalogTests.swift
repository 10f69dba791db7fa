import Foundation
@_spi(Testing) import GptimgCatalog
import PNGMetadata
import TestSupport
import Testing

@Suite("catalog: opening, generations, landing, credits")
struct CatalogTests {
    @Test func openingCreatesTheLibraryInWALMode() async throws {
        let library = try TemporaryLibrary()
        #expect(throws: CatalogError.self) { try library.open(.readOnly) }
        let catalog = try library.open()
        #expect(FileManager.default.fileExists(atPath: library.location.catalogURL.path))
        #expect(FileManager.default.fileExists(atPath: library.location.imagesURL.path))
        #expect(try catalog.count() == 0)
        // WAL on disk. (synchronous = FULL is per connection: open() reads it back on its
        // writer and refuses to go on otherwise.)
        #expect(try await library.sql("PRAGMA journal_mode") == "wal")
        // A read-only open of an up-to-date catalog works.
        #expect(try library.open(.readOnly).count() == 0)
    }

    @Test func aCatalogFromANewerGptimgIsRefused() async throws {
        let library = try TemporaryLibrary()
        // A migration this build does not know: a newer gptimg made the catalog.
        try FileManager.default.createDirectory(at: library.location.root, withIntermediateDirectories: true)
        try await library.sql(
            """
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY); INSERT INTO grdb_migrations VALUES \
            ('v0-early')
            """
        )
        #expect(throws: CatalogError.newerSchema(path: library.location.catalogURL.path)) { try library.open() }
    }

    @Test("several processes opening a new library at once: each succeeds, each migration is applied once")
    func concurrentFirstOpens() async throws {
        // Separate connections to one file lock it as separate processes do (SQLite's own
        // locks); the migrator reads what was applied before it takes the write lock.
        for _ in 0..<24 {
            let library = try TemporaryLibrary()
            let location = library.location
            let lock = NSLock()
            nonisolated(unsafe) var failures: [String] = []
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do {
                    try Catalog.open(location).close()
                } catch {
                    lock.withLock { failures.append(String(describing: error)) }
                }
            }
            #expect(failures.isEmpty, "\(failures)")
            let applied = try await library.sql("SELECT identifier FROM grdb_migrations ORDER BY rowid")
            #expect(applied == Schema.migrations.map(\.0).joined(separator: "\n"))
            #expect(try await library.sql("SELECT count(*) FROM sqlite_master WHERE name = 'images'") == "1")
        }
    }

    @Test func aMigrationOfAnExistingCatalogRunsAfterABackup() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        try await catalog.recordGeneration(NewGeneration(prompt: "before the upgrade"))
        try catalog.close()
        let upgraded = try Catalog.open(
            library.location, appendingMigrations: [("v99-test", "ALTER TABLE images ADD COLUMN test_note TEXT")])
        let backups = try FileManager.default.contentsOfDirectory(atPath: library.location.backupsURL.path)
        #expect(backups.count == 1 && backups[0].hasSuffix("-before-migration.sqlite"), "\(backups)")
        #expect(
            try await library.sql("SELECT count(*) FROM pragma_table_info('images') WHERE name = 'test_note'") == "1")
        // The snapshot is the catalog as it was: the generation, and no new column.
        let snapshot = library.location.backupsURL.appendingPathComponent(backups[0]).path
        let old = try await ProcessRunner.run([
            "sqlite3", snapshot,
            "SELECT prompt FROM generations; SELECT count(*) FROM pragma_table_info('images') WHERE name = 'test_note'",
        ])
        #expect(old.stdout == "before the upgrade\n0\n")
        // Opened again by the shipped build: the catalog is newer than it knows.
        try upgraded.close()
        #expect(throws: CatalogError.newerSchema(path: library.location.catalogURL.path)) { try library.open() }
    }

    @Test func generationLifecycleAndLanding() throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let pending = try catalog.recordGeneration(
            NewGeneration(prompt: "a lighthouse on a cliff", aspectRatio: "16:9", n: 2, baseURL: "http://127.0.0.1:9/"))
        #expect(pending.status == .pending)
        #expect(try catalog.unfinishedGenerations().map(\.id) == [pending.id])
        let task = "gpt-image-2-AAAAAAAAAAAAAAAAAAAAA"
        try catalog.updateGeneration(
            pending.id, GenerationUpdate(taskID: task, status: .processing, submittedAt: "2026-11-21T10:15:30.123Z"))
        try catalog.recordCredits(CreditEntry(kind: .charge, credits: 4, generationID: pending.id, taskID: task))
        let completed = try catalog.updateGeneration(
            pending.id, GenerationUpdate(status: .completed, completedAt: "2026-11-21T10:16:00Z"))
        #expect(completed.taskID == task)
        #expect(completed.creditsCharged == 4)
        #expect(completed.submittedAt == "2026-11-21T10:15:30Z")
        #expect(try catalog.unfinishedGenerations().isEmpty)

        let bytes = Fixtures.ours(
            Fixtures.metadata("a lighthouse on a cliff", task: task, n: 2, aspect: "16:9"), seed: 1)
        let landed = try catalog.landImage(
            bytes, generationID: pending.id, index: 0, remoteURL: "https://files.example/0.png")
        #expect(!landed.wasAlreadyInLibrary)
        #expect(landed.image.path.hasPrefix("images/2026/11/a-lighthouse-on-a-cliff-"))
        #expect(landed.image.path.hasSuffix("-\(landed.image.sha256.prefix(8)).png"))
        let onDisk = try Data(contentsOf: library.location.root.appendingPathComponent(landed.image.path))
        #expect(Array(onDisk) == bytes)
        // Idempotent by SHA-256.
        let again = try catalog.landImage(bytes, generationID: pending.id, index: 0, remoteURL: nil)
        #expect(again.wasAlreadyInLibrary)
        #expect(again.image.id == landed.image.id)
        #expect(try catalog.count() == 1)
        // Not a PNG: refused, nothing written.
        #expect(throws: CatalogError.self) {
            try catalog.landImage(Array("nope".utf8), generationID: pending.id, index: 1, remoteURL: nil)
        }
        // Organising through the API.
        try catalog.tag([landed.image.id], add: ["coast"])
        try catalog.addToCollection("Keepers", [landed.image.id])
        let details = try catalog.details([landed.image.id])[0]
        #expect(details.tags == ["coast"])
        #expect(details.collections == ["Keepers"])
        #expect(details.generation.status == .completed)
        // Nothing left in staging or intents.
        #expect(try catalog.doctor().isClean)
    }

    @Test func aTaskThatFailsOrIsLostStaysFindable() throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let lost = try catalog.recordGeneration(NewGeneration(prompt: "sent, no answer", n: 2))
        try catalog.updateGeneration(lost.id, GenerationUpdate(status: .unknown))
        let failed = try catalog.recordGeneration(NewGeneration(prompt: "refused"))
        try catalog.updateGeneration(
            failed.id,
            GenerationUpdate(
                taskID: "gpt-image-2-FAILEDFAILEDFAILEDFA1", status: .failed, errorCode: "content_policy",
                errorMessage: "blocked"))
        try catalog.recordCredits(CreditEntry(kind: .charge, credits: 2, generationID: failed.id))
        try catalog.recordCredits(CreditEntry(kind: .refund, credits: 2, generationID: failed.id))
        #expect(try catalog.unfinishedGenerations().map(\.status) == [.unknown])
        let record = try #require(try catalog.generation(taskID: "gpt-image-2-FAILEDFAILEDFAILEDFA1"))
        #expect(record.errorCode == "content_policy")
        #expect(record.creditsCharged == 2 && record.creditsRefunded == 2)
        #expect(try catalog.recentGenerations().map(\.id) == [failed.id, lost.id])
        #expect(throws: CatalogError.noSuchGeneration(999)) {
            try catalog.updateGeneration(999, GenerationUpdate(status: .failed))
        }
        #expect(throws: CatalogError.noSuchGeneration(999)) {
            try catalog.landImage(Fixtures.png(seed: 1), generationID: 999, index: 0, remoteURL: nil)
        }
        // A download without embedded metadata lands under its generation's prompt.
        let landed = try catalog.landImage(
            Fixtures.png(seed: 5), generationID: lost.id, index: 1, remoteURL: "https://files.example/1.png")
        #expect(landed.image.path.hasPrefix("images/") && landed.image.path.contains("sent-no-answer-"))
        #expect(try catalog.images(ofGeneration: lost.id).map(\.index) == [1])
        #expect(
            try catalog.details([landed.image.id])[0].json.rendered.contains(
                "\"remote_url\":\"https://files.example/1.png\""))
    }

    @Test func variantsLinkToTheirParentWhicheverLandsFirst() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let parentTask = "gpt-image-2-PARENTPARENTPARENTPA1"
        let childTask = "gpt-image-2-CHILDCHILDCHILDCHILD1"
        let source = try library.sources()
        // The child file is imported before its parent.
        let child = Fixtures.ours(
            Fixtures.metadata(
                "the same lighthouse at night", task: childTask, parent: .init(taskID: parentTask, index: 1)), seed: 2)
        let parent = Fixtures.ours(Fixtures.metadata("a lighthouse", task: parentTask, index: 1, n: 2), seed: 3)
        try Fixtures.write(child, to: source.appendingPathComponent("child.png"))
        _ = try await importAll(catalog, [source.appendingPathComponent("child.png").path])
        try Fixtures.write(parent, to: source.appendingPathComponent("parent.png"))
        _ = try await importAll(catalog, [source.appendingPathComponent("parent.png").path])
        let childImage = try catalog.list("task:\(childTask)")[0]
        let parentImage = try catalog.list("task:\(parentTask)")[0]
        #expect(childImage.parentID == parentImage.image.id)
        let shown = try catalog.show(parentImage.image.id)
        #expect(shown.children.map(\.image.id) == [childImage.image.id])
        #expect(try catalog.list("parent:\(parentImage.image.id)").map(\.image.id) == [childImage.image.id])
        // A new variant recorded through the API links at once.
        let variant = try await catalog.recordGeneration(
            NewGeneration(prompt: "again", referenceImages: ["https://x/y.png"], parentImageID: parentImage.image.id))
        #expect(variant.parentImageID == parentImage.image.id)
        #expect(variant.parentTaskID == parentTask)
        #expect(variant.type == "image-to-image")
    }

    @Test func creditLedgerSums() throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        try catalog.recordCredits(CreditEntry(kind: .charge, credits: 8, recordedAt: "2026-11-01T10:00:00Z"))
        try catalog.recordCredits(CreditEntry(kind: .refund, credits: 2, recordedAt: "2026-11-01T11:00:00Z"))
        try catalog.recordCredits(CreditEntry(kind: .charge, credits: 4, recordedAt: "2026-12-03T10:00:00Z"))
        try catalog.recordCredits(
            CreditEntry(kind: .balance, credits: 0, balance: 86, recordedAt: "2026-12-03T10:00:01Z"))
        let summary = try catalog.creditSummary()
        #expect(summary.total.charged == 12)
        #expect(summary.total.refunded == 2)
        #expect(summary.total.net == 10)
        #expect(summary.perMonth.map(\.period) == ["2026-12", "2026-11"])
        #expect(summary.perDay.first?.charged == 4)
        #expect(summary.lastBalance?.credits == 86)
        #expect(throws: CatalogError.self) { try catalog.recordCredits(CreditEntry(kind: .charge, credits: -1)) }
    }
}

/// Runs an import to the end, collecting its events.
func importAll(_ catalog: Catalog, _ paths: [String]) async throws -> (ImportSummary, [ImportEvent]) {
    var events: [ImportEvent] = []
    let summary = try await catalog.importFiles(paths, onEvent: { events.append($0) })
    return (summary, events)
}
