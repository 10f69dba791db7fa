import Foundation
import GptimgCatalog
import PNGMetadata
import Testing

@Suite("catalog: doctor, rebuild, backup")
struct MaintenanceTests {
    static func library() async throws -> (TemporaryLibrary, Catalog, [ImageDetails]) {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        let parentTask = "gpt-image-2-DOCTORPARENTDOCTORP1"
        try Fixtures.write(
            Fixtures.ours(
                Fixtures.metadata(
                    "a castle on a hill", task: parentTask, index: 0, n: 2, aspect: "16:9", tags: ["castle"]),
                seed: 60),
            to: source.appendingPathComponent("p0.png"))
        try Fixtures.write(
            Fixtures.ours(
                Fixtures.metadata(
                    "a castle on a hill", task: parentTask, index: 1, n: 2, aspect: "16:9", tags: ["castle"]),
                seed: 61),
            to: source.appendingPathComponent("p1.png"))
        try Fixtures.write(
            Fixtures.ours(
                Fixtures.metadata(
                    "the castle in winter", task: "gpt-image-2-DOCTORCHILDDOCTORCH1",
                    parent: .init(taskID: parentTask, index: 1)), seed: 62),
            to: source.appendingPathComponent("child.png"))
        try Fixtures.write(
            Fixtures.a1111(prompt: "a foreign castle", seed: 63), to: source.appendingPathComponent("foreign.png"))
        try Fixtures.write(
            Fixtures.a1111(prompt: "a foreign bridge", seed: 64), to: source.appendingPathComponent("bridge.png"))
        _ = try await importAll(catalog, [source.path])
        return (library, catalog, try catalog.list("", sort: .oldest))
    }

    @Test func doctorFindsEachKindOfDamageAndFixesIt() async throws {
        let (library, catalog, images) = try await Self.library()
        let root = library.location.root
        #expect(try catalog.doctor().isClean)
        func image(_ prompt: String) -> ImageRecord { images.first { $0.generation.prompt == prompt }!.image }
        let missing = image("a foreign castle")
        let flipped = image("a foreign bridge")
        let child = image("the castle in winter")
        let parents = images.filter { $0.generation.prompt == "a castle on a hill" }.map(\.image)
        // 1. A deleted file.
        try FileManager.default.removeItem(at: root.appendingPathComponent(missing.path))
        // 2. A foreign file dropped into images/.
        try Fixtures.write(Fixtures.png(seed: 77), to: root.appendingPathComponent("images/2026/11/dropped-in.png"))
        // 3. A flipped byte.
        let flippedPath = root.appendingPathComponent(flipped.path)
        var bytes = Array(try Data(contentsOf: flippedPath))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: flippedPath)
        // 4. A truncated row: the image's metadata row is gone, edited outside gptimg.
        try await library.sql("DELETE FROM image_metadata WHERE image_id = \(child.id)")
        // 5. Rows whose generation is gone (foreign keys are off in the sqlite3 shell).
        try await library.sql(
            "PRAGMA foreign_keys = OFF; DELETE FROM generations WHERE id = \(parents[0].generationID)")

        let report = try library.open(.readOnly).doctor()
        #expect(!report.isClean)
        let found = report.problems
        #expect(found.contains(.missingFile(imageID: missing.id, path: missing.path)))
        #expect(found.contains(.untrackedFile(path: "images/2026/11/dropped-in.png")))
        #expect(found.contains(.hashMismatch(imageID: flipped.id, path: flipped.path)))
        #expect(
            found.contains {
                if case .badRow("images", child.id, let reason) = $0 { reason.contains("metadata") } else { false }
            })
        for parent in parents {
            #expect(found.contains { if case .badRow("images", parent.id, _) = $0 { true } else { false } })
        }
        // Read-only: nothing changed.
        #expect(try catalog.count() == 5)

        let fixed = try catalog.doctor(fix: true)
        #expect(!fixed.fixed.isEmpty)
        let after = try catalog.doctor()
        #expect(after.isClean, "\(after.problems.map(\.description))")
        // The re-read rows are back, the dropped-in file is catalogued, the changed file is in the trash.
        #expect(try catalog.list("winter").count == 1)
        #expect(try catalog.list("task:gpt-image-2-DOCTORPARENTDOCTORP1").count == 2)
        #expect(try catalog.list("foreign").isEmpty)
        #expect(try catalog.list("generator:none").count == 1)
        #expect(try catalog.count() == 4)
        #expect(
            FileManager.default.fileExists(atPath: library.location.trashURL.appendingPathComponent("damaged").path))
    }

    @Test func doctorRepairsLinkRowsWhoseImageTagOrCollectionIsGone() async throws {
        let (library, catalog, images) = try await Self.library()
        let image = try #require(images.first { $0.tags == ["castle"] }).image.id
        try await catalog.addToCollection("Keep", [image])
        let tag = try #require(Int64(try await library.sql("SELECT id FROM tags WHERE name = 'castle'")))
        let collection = try #require(Int64(try await library.sql("SELECT id FROM collections WHERE name = 'Keep'")))
        // Link rows (WITHOUT ROWID tables) naming an image, a tag, a collection that are gone;
        // foreign keys are off in the sqlite3 shell.
        try await library.sql(
            """
            INSERT INTO image_tags(image_id, tag_id) VALUES (9999, \(tag)), (\(image), 8888);
            INSERT INTO collection_images(collection_id, image_id, position, added_at) VALUES (\(collection), 9999, 7, \
            '2026-11-21T10:00:00Z');
            """)
        let report = try catalog.doctor()
        #expect(
            Set(report.problems) == [
                .danglingLink(table: "image_tags", key: "image_id 9999, tag_id \(tag)", missing: "images"),
                .danglingLink(table: "image_tags", key: "image_id \(image), tag_id 8888", missing: "tags"),
                .danglingLink(
                    table: "collection_images", key: "collection_id \(collection), image_id 9999", missing: "images"),
            ])
        #expect(report.problems.allSatisfy { $0.description.contains("refers to a missing") })

        let fixed = try catalog.doctor(fix: true)
        #expect(fixed.fixed.contains("removed 2 image_tags row(s) that referred to missing rows"), "\(fixed.fixed)")
        #expect(
            fixed.fixed.contains("removed 1 collection_images row(s) that referred to missing rows"), "\(fixed.fixed)")
        let after = try catalog.doctor()
        #expect(after.isClean, "\(after.problems.map(\.description))")
        // The sound links stay.
        #expect(try catalog.list("tag:castle in:Keep").map(\.image.id) == [image])
        #expect(try await library.sql("SELECT count(*) FROM image_tags") == "2")
    }

    @Test func doctorReportsUnfinishedTasksAsNotices() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let generation = try await catalog.recordGeneration(NewGeneration(prompt: "later"))
        let report = try catalog.doctor()
        #expect(report.isClean)
        #expect(report.notices == [.unfinishedTask(generationID: generation.id, status: "pending", taskID: nil)])
    }

    @Test func rebuildFromTheFilesAloneReproducesEveryGeneration() async throws {
        let (library, catalog, images) = try await Self.library()
        var catalog0Parameters: [Int64: [Parameter]] = [:]
        for item in images { catalog0Parameters[item.image.id] = try catalog.show(item.image.id).parameters }
        try catalog.close()
        // The catalog is lost entirely.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: library.location.catalogURL.path + suffix)
        }
        let report = try Catalog.rebuild(library.location)
        #expect(report.images == 5)
        #expect(report.skipped.isEmpty)
        #expect(!report.carriedOver)
        let rebuilt = try library.open()
        let after = try rebuilt.list("", sort: .oldest, limit: 100)
        #expect(after.count == 5)
        let rebuiltBySHA = Dictionary(uniqueKeysWithValues: after.map { ($0.image.sha256, $0) })
        for old in images {
            let new = try #require(rebuiltBySHA[old.image.sha256])
            #expect(new.image.path == old.image.path)
            #expect(new.generation.prompt == old.generation.prompt)
            #expect(new.generation.negativePrompt == old.generation.negativePrompt)
            #expect(new.generation.taskID == old.generation.taskID)
            #expect(new.generation.serverRowID == old.generation.serverRowID)
            #expect(new.generation.aspectRatio == old.generation.aspectRatio)
            #expect(new.generation.n == old.generation.n)
            #expect(new.image.index == old.image.index)
            #expect(new.generation.type == old.generation.type)
            #expect(new.generation.referenceImages == old.generation.referenceImages)
            #expect(new.generation.createdAt == old.generation.createdAt)
            #expect(new.image.remoteURL == old.image.remoteURL)
            #expect(new.image.createdAt == old.image.createdAt)
            #expect(new.image.width == old.image.width)
            #expect(new.tags == old.tags)
            #expect(new.image.generator == old.image.generator)
            #expect(try rebuilt.show(new.image.id).parameters == catalog0Parameters[old.image.id])
        }
        // Lineage: the child points at the parent's second image again.
        let child = try #require(after.first { $0.generation.prompt == "the castle in winter" })
        let parent = try #require(
            after.first { $0.generation.taskID == "gpt-image-2-DOCTORPARENTDOCTORP1" && $0.image.index == 1 })
        #expect(child.parentID == parent.image.id)
        // Foreign parameters come back from their own metadata.
        let foreign = try rebuilt.show(
            try #require(after.first { $0.generation.prompt == "a foreign castle" }).image.id)
        #expect(foreign.parameters.contains(Parameter("Seed", "63")))
        #expect(try rebuilt.doctor().isClean)
    }

    @Test func rebuildCarriesOverWhatOnlyTheCatalogKnows() async throws {
        let (library, catalog, images) = try await Self.library()
        try catalog.rate([images[0].image.id], 5)
        try catalog.tag([images[1].image.id], add: ["later"])
        try await catalog.addToCollection("Keep", [images[2].image.id])
        try catalog.createCollection("Five stars", query: "rating:5")
        try catalog.recordCredits(CreditEntry(kind: .charge, credits: 2))
        // What a generation asked for and its batch line: a pending one, and one whose image landed.
        let batch = "0123456789abcdef:"
        let pending = try await catalog.recordGeneration(
            NewGeneration(
                prompt: "never finished", tags: ["queued", "à \"faire\" \\ ✓"], collection: "Later",
                batchKey: batch + "3"))
        let asked = try await catalog.recordGeneration(
            NewGeneration(prompt: "a batch line", tags: ["asked"], collection: "Asked", batchKey: batch + "4"))
        let task = "gpt-image-2-BATCHLINEBATCHLINEBA1"
        try await catalog.updateGeneration(asked.id, GenerationUpdate(taskID: task, status: .completed))
        _ = try await catalog.landImage(
            Fixtures.ours(Fixtures.metadata("a batch line", task: task), seed: 70), generationID: asked.id, index: 0,
            remoteURL: nil)
        try catalog.close()
        let report = try Catalog.rebuild(library.location)
        #expect(report.carriedOver, "\(report.notes)")
        #expect(report.backup != nil)
        let rebuilt = try library.open()
        #expect(try rebuilt.list("rating:5").map(\.image.sha256) == [images[0].image.sha256])
        #expect(try rebuilt.list("tag:later").map(\.image.sha256) == [images[1].image.sha256])
        #expect(try rebuilt.list("in:Keep").map(\.image.sha256) == [images[2].image.sha256])
        // A smart collection keeps its query.
        #expect(try rebuilt.collections().first { $0.name == "Five stars" }?.query == "rating:5")
        #expect(try rebuilt.list("in:\"Five stars\"").map(\.image.sha256) == [images[0].image.sha256])
        #expect(try rebuilt.creditSummary().total.charged == 2)
        #expect(try rebuilt.unfinishedGenerations().map(\.prompt) == [pending.prompt])
        // A re-run of the batch finds both lines recorded, and resume still knows what they asked for.
        // Ids are kept (from the journal), so the lines keep their order.
        #expect(try rebuilt.generations(batchKeyPrefix: batch).map(\.batchKey) == [batch + "3", batch + "4"])
        let stillPending = try #require(try rebuilt.generation(batchKey: batch + "3"))
        #expect(stillPending.prompt == pending.prompt && stillPending.status == .pending)
        #expect(
            stillPending.requestedTags == ["queued", "à \"faire\" \\ ✓"] && stillPending.requestedCollection == "Later")
        let landed = try #require(try rebuilt.generation(batchKey: batch + "4"))
        #expect(landed.taskID == task && landed.status == .completed)
        #expect(landed.requestedTags == ["asked"] && landed.requestedCollection == "Asked")
    }

    @Test func backupIsAVerifiedSnapshot() async throws {
        let (library, catalog, _) = try await Self.library()
        let url = try catalog.backup()
        #expect(url.path.hasPrefix(library.location.backupsURL.path))
        let target = library.folder.appendingPathComponent("copy.sqlite")
        try catalog.backup(to: target)
        #expect(throws: CatalogError.self) { try catalog.backup(to: target) }
        // The snapshot is a complete catalog: open it as a library of its own.
        let other = LibraryLocation(root: library.folder.appendingPathComponent("restored"))
        try FileManager.default.createDirectory(at: other.root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: target, to: other.catalogURL)
        #expect(try Catalog.open(other, access: .readOnly).count() == 5)
    }
}
