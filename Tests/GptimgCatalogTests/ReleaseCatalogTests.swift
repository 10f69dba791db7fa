import Foundation
import GptimgCatalog
import PNGMetadata
import TestSupport
import Testing

/// A catalog written by the released gptimg (Fixtures/release-catalog.sqlite, made by
/// Fixtures/make-release-catalog.sh through its real commands: generations against the simulator
/// incl. a variant, a batch, a detached, a failed-and-refunded and a refused one; an import; tags,
/// ratings, a favourite, collections in a chosen order; an interrupted landing's intent) opens
/// with this code after three migrations (`v3-picks`, `v4-phash`, `v5-stacks`, issue 17) and its
/// backup: every row of every table found, no image picked or rejected, the variant in its parent's stack.
@Suite("catalog: a catalog written by the released gptimg")
struct ReleaseCatalogTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/release-catalog.sqlite")

    /// A library holding a copy of the fixture (its images are not part of it).
    static func library() throws -> TemporaryLibrary {
        let library = try TemporaryLibrary()
        try FileManager.default.createDirectory(at: library.location.root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: library.location.catalogURL)
        return library
    }

    @Test func itMigratesToPicksAndEveryRowIsFound() async throws {
        let library = try Self.library()
        let catalog = try library.open()
        // The released migrations are known by the same identifiers: only v3, v4 and v5 ran, after one backup.
        let backups = (try? FileManager.default.contentsOfDirectory(atPath: library.location.backupsURL.path)) ?? []
        #expect(backups.count == 1 && backups[0].hasSuffix("-before-migration.sqlite"), "\(backups)")
        let applied = try await library.sql("SELECT identifier FROM grdb_migrations ORDER BY identifier")
        #expect(applied == Schema.migrations.map(\.0).sorted().joined(separator: "\n"))
        #expect(try await library.sql("SELECT count(*) FROM images WHERE pick <> 0") == "0")
        #expect(try await library.sql("SELECT count(*) FROM images WHERE phash IS NULL") == "7")
        // v5: the task of images 1 and 2 and its variant (image 3) are one stack; every other task its own.
        #expect(
            try await library.sql("SELECT group_concat(stack_id, ',') FROM (SELECT stack_id FROM images ORDER BY id)")
                == "1,1,1,3,4,8,9")

        // images (with generations, tags, collections): newest first, ties by id.
        let all = try catalog.list(ImageQuery(), limit: 100)
        #expect(Set(all.map(\.image.id)) == Set(1...7))
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.image.id, $0) })
        let first = try #require(byID[1])
        #expect(first.generation.prompt == "a lighthouse on a cliff at sunset")
        #expect(first.generation.aspectRatio == "16:9" && first.generation.n == 2 && first.image.index == 0)
        #expect(first.image.width == 1360 && first.image.height == 768 && first.image.rating == 5)
        #expect(first.tags == ["coast", "favourite-spot"])
        #expect(first.collections == ["Best", "Trip"])
        #expect(first.generation.requestedTags == ["coast"] && first.generation.requestedCollection == "Trip")
        #expect(first.generation.source == .api && first.image.generator == "gptimg")
        #expect(first.image.remoteURL?.hasPrefix("http://127.0.0.1:") == true)
        #expect(byID[2]?.image.favorite == true && byID[2]?.image.index == 1)
        let variant = try #require(byID[3])
        #expect(variant.parentID == 1 && variant.generation.type == "image-to-image")
        #expect(variant.generation.referenceImages.count == 1 && variant.generation.parentIndex == 0)
        #expect(variant.tags == ["winter scene"])
        #expect(byID[5]?.tags == ["fox"] && byID[5]?.generation.aspectRatio == "3:2")
        let imported = try #require(byID[6])
        #expect(imported.generation.source == .import && imported.image.generator == "a1111")
        #expect(imported.image.originalName?.hasSuffix("/castle.png") == true)
        #expect(byID[7]?.generation.prompt == "" && byID[7]?.image.generator == "none")

        // The search index, filters and a phrase.
        #expect(try catalog.list("fox").map(\.image.id) == [5])
        #expect(Set(try catalog.list("lighthouse").map(\.image.id)) == [1, 2, 3])
        #expect(try catalog.list("\"in winter\" tag:\"winter scene\"").map(\.image.id) == [3])
        #expect(try catalog.count(try ImageQuery(parsing: "source:import")) == 2)
        #expect(try catalog.list(try ImageQuery(parsing: "parent:1")).map(\.image.id) == [3])

        // image_metadata: the settings and text each file carried.
        let show = try catalog.show(6)
        #expect(show.parameters.contains(Parameter("Steps", "20")))
        #expect(show.negativePrompt == "blurry")
        #expect(try !catalog.show(1).parameters.isEmpty)

        // generations, every status.
        let generations = try (1...9).map { try #require(try catalog.generation(id: Int64($0))) }
        #expect(
            generations.map(\.status) == [
                .completed, .completed, .completed, .completed, .processing, .failed, .failed, .completed, .completed,
            ])
        let (failed, refused) = (generations[5], generations[6])
        #expect(failed.errorCode == "GENERATION_FAILED" && failed.creditsCharged == 2 && failed.creditsRefunded == 2)
        #expect(refused.errorCode == "INSUFFICIENT_CREDITS" && refused.taskID == nil && refused.n == 2)
        #expect(try catalog.unfinishedGenerations().map(\.id) == [5])
        let batch = try catalog.generations(batchKeyPrefix: "")
        #expect(batch.map(\.prompt) == ["a misty lake at dawn", "a red fox in snow"])
        #expect(try catalog.generation(batchKey: try #require(batch[1].batchKey))?.requestedTags == ["fox"])
        #expect(try catalog.generation(taskID: try #require(generations[0].taskID))?.id == 1)
        #expect(try await catalog.images(ofGeneration: 1).map(\.index) == [0, 1])

        // credit_ledger: 6 charges, a refund, a balance.
        let credits = try catalog.creditSummary()
        #expect(credits.total.charged == 14 && credits.total.refunded == 2)
        #expect(credits.lastBalance?.credits == 1)

        // tags, collections in their order.
        let tags = try catalog.tags().map { "\($0.name) \($0.count)" }
        #expect(tags == ["coast 2", "favourite-spot 2", "fox 1", "winter scene 1"])
        #expect(try catalog.collections().map { "\($0.name) \($0.count)" } == ["Best 3", "Trip 2"])
        #expect(try catalog.collectionImages("Best").map(\.image.id) == [4, 1, 3])
        #expect(try catalog.collectionImages("Trip").map(\.image.id) == [1, 2])

        // landing_intents: the interrupted landing is seen (and its owner is dead).
        let report = try catalog.doctor(hashFiles: false)
        #expect(report.notices.contains(.interruptedLanding(files: 0)), "\(report.notices)")
        let unfinished = DoctorReport.Finding.unfinishedTask(
            generationID: 5, status: "processing", taskID: generations[4].taskID)
        #expect(report.notices.contains(unfinished))
        // Its images are not part of the fixture: every one is reported missing, nothing else.
        #expect(
            report.problems.count == 7
                && report.problems.allSatisfy {
                    if case .missingFile = $0 { true } else { false }
                }, "\(report.problems)")
    }

    @Test func itOpensReadOnly() throws {
        let library = try Self.library()
        let catalog = try library.open(.readOnly)
        #expect(try catalog.count() == 7)
        #expect(try catalog.details([3]).first?.parentID == 1)
    }
}
