import Foundation
import GptimgCatalog
import PNGMetadata
import TestSupport
import Testing

@Suite("catalog: import")
struct ImportTests {
    @Test func importsFilesFoldersAndSkipsDuplicatesAndBadFiles() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        try Fixtures.write(
            Fixtures.ours(
                Fixtures.metadata(
                    "a red apple on white marble", task: "gpt-image-2-APPLEAPPLEAPPLEAPPLE1", tags: ["fruit"]),
                seed: 1),
            to: source.appendingPathComponent("ours.png"))
        try Fixtures.write(
            Fixtures.a1111(prompt: "a cat in a hat", seed: 2),
            to: source.appendingPathComponent("nested/deeper/a1111.png"))
        try Fixtures.write(Fixtures.png(seed: 3), to: source.appendingPathComponent("plain.png"))
        try Fixtures.write(Fixtures.png(seed: 3), to: source.appendingPathComponent("copy-of-plain.png"))
        try Fixtures.write(Array("not a png at all".utf8), to: source.appendingPathComponent("fake.png"))
        var truncated = Fixtures.png(seed: 4)
        truncated.removeLast(30)
        try Fixtures.write(truncated, to: source.appendingPathComponent("truncated.png"))
        try Fixtures.write(Array("notes".utf8), to: source.appendingPathComponent("notes.txt"))

        let (summary, events) = try await importAll(catalog, [source.path])
        #expect(summary.imported == 3)
        #expect(summary.duplicates == 1)
        #expect(summary.skipped == 2)
        #expect(
            summary.skips.map { ($0.source as NSString).lastPathComponent }.sorted() == ["fake.png", "truncated.png"])
        #expect(summary.skips.first { $0.source.hasSuffix("fake.png") }?.reason == "not a PNG file")
        #expect(events.count == 6)

        let ours = try #require(try catalog.list("apple").first)
        #expect(ours.generation.taskID == "gpt-image-2-APPLEAPPLEAPPLEAPPLE1")
        #expect(ours.generation.source == .import)
        #expect(ours.image.generator == "gptimg")
        #expect(ours.tags == ["fruit"])
        #expect(ours.generation.aspectRatio == "3:2")
        let foreign = try #require(try catalog.list("generator:a1111").first)
        #expect(foreign.generation.prompt == "a cat in a hat")
        let shown = try catalog.show(foreign.image.id)
        #expect(shown.negativePrompt == "blurry")
        #expect(shown.parameters.contains(Parameter("Seed", "2")))
        #expect(try catalog.list("generator:none").count == 1)

        // Again: everything is a duplicate now, nothing new is written.
        let (again, _) = try await importAll(catalog, [source.path])
        #expect(again.imported == 0)
        #expect(again.duplicates == 4)
        #expect(try catalog.doctor().isClean)
    }

    @Test func importsZipArchivesAndRefusesUnsafeEntries() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        let good = try Fixtures.write(
            Fixtures.ours(Fixtures.metadata("zipped dunes", task: "gpt-image-2-ZIPZIPZIPZIPZIPZIPZIP1"), seed: 5),
            to: source.appendingPathComponent("good.png"))
        let other = try Fixtures.write(Fixtures.png(seed: 6), to: source.appendingPathComponent("other.png"))
        let archive = source.appendingPathComponent("batch.zip").path
        // Python's zipfile writes the hostile entries a careful unzipper must refuse.
        let script = """
            import sys, zipfile, stat
            good, other, out = sys.argv[1:4]
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                z.write(good, "renders/good.png")
                data = open(other, "rb").read()
                z.writestr(zipfile.ZipInfo("../escape.png"), data)  # ZipInfo names are not sanitised
                z.writestr(zipfile.ZipInfo("/etc/absolute.png"), data)
                link = zipfile.ZipInfo("link.png"); link.external_attr = (stat.S_IFLNK | 0o777) << 16; \
            link.create_system = 3
                z.writestr(link, "/etc/passwd")
                z.writestr("bomb.png", b"\\0" * (8 << 20))
                z.writestr("readme.txt", "hello")
                z.writestr("__MACOSX/._good.png", "resource fork")
            """
        let result = try await ProcessRunner.run(["python3", "-c", script, good.path, other.path, archive])
        #expect(result.status == 0, "\(result.stderr)")
        let (summary, _) = try await importAll(catalog, [archive])
        #expect(summary.imported == 1)
        let reasons = Dictionary(
            uniqueKeysWithValues: summary.skips.map { ($0.source.components(separatedBy: ".zip:").last!, $0.reason) })
        #expect(reasons["../escape.png"]?.contains("'..'") == true)
        #expect(reasons["/etc/absolute.png"]?.contains("absolute") == true)
        #expect(reasons["link.png"]?.contains("link") == true)
        #expect(reasons["bomb.png"]?.contains("decompression bomb") == true)
        #expect(reasons["readme.txt"] == "not a PNG file")
        #expect(summary.skipped == 5)
        #expect(try catalog.list("dunes").first?.image.originalName == "\(archive):renders/good.png")
        // Nothing was written under a hostile entry's name: not beside the archive or the
        // library (where '../escape.png' would land from either), nor anywhere inside them.
        #expect(!FileManager.default.fileExists(atPath: library.folder.appendingPathComponent("escape.png").path))
        let written = FileManager.default.enumerator(atPath: library.folder.path)?.compactMap { $0 as? String } ?? []
        #expect(
            !written.isEmpty
                && !written.contains {
                    ["escape.png", "absolute.png", "link.png", "bomb.png"].contains(($0 as NSString).lastPathComponent)
                }, "\(written)")
    }

    @Test func anImportInterruptedAfterLandingFilesLeavesNothingOnceRecovered() async throws {
        let library = try TemporaryLibrary()
        let source = try library.sources()
        for seed in 0..<5 {
            try Fixtures.write(Fixtures.png(seed: 100 + seed), to: source.appendingPathComponent("\(seed).png"))
        }
        // Simulate a process that died between linking a file and committing its row: an intent,
        // a file at its final name, and a staging folder whose lock nobody holds.
        do {
            let catalog = try library.open()
            _ = try await importAll(catalog, [source.appendingPathComponent("0.png").path])
        }
        let root = library.location.root
        let orphan = "images/2026/01/orphan-deadbeef.png"
        try Fixtures.write(Fixtures.png(seed: 999), to: root.appendingPathComponent(orphan))
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent(".staging/deadowner"), withIntermediateDirectories: true)
        try Fixtures.write(Fixtures.png(seed: 998), to: root.appendingPathComponent(".staging/deadowner/tmp.png"))
        try await library.sql(
            """
            INSERT INTO landing_intents(owner, path, sha256, created_at) VALUES ('deadowner', '\(orphan)', \
            '\(String(repeating: "0", count: 64))', '2026-01-01T00:00:00Z')
            """
        )
        // And one whose staging folder is gone too (it failed and cleaned up, leaving its intent).
        let orphan2 = "images/2026/01/orphan2-feedface.png"
        try Fixtures.write(Fixtures.png(seed: 997), to: root.appendingPathComponent(orphan2))
        try await library.sql(
            """
            INSERT INTO landing_intents(owner, path, sha256, created_at) VALUES ('vanished', '\(orphan2)', \
            '\(String(repeating: "1", count: 64))', '2026-01-01T00:00:00Z')
            """
        )
        // doctor: clean (an interrupted import is a notice, not damage).
        let report = try library.open(.readOnly).doctor()
        #expect(report.isClean, "\(report.problems.map(\.description))")
        #expect(report.notices.contains(.interruptedLanding(files: 2)))
        // The next import recovers it, then completes.
        let catalog = try library.open()
        let (summary, _) = try await importAll(catalog, [source.path])
        #expect(summary.imported == 4)
        #expect(summary.duplicates == 1)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(orphan).path))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(orphan2).path))
        #expect(try await library.sql("SELECT count(*) FROM landing_intents") == "0")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".staging/deadowner").path))
        let after = try catalog.doctor()
        #expect(
            after.isClean && after.notices.isEmpty,
            "\(after.problems.map(\.description)) \(after.notices.map(\.description))")
    }
}
