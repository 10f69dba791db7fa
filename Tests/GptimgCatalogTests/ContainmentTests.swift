import Foundation
@_spi(Testing) import GptimgCatalog
import GptimgSupport
import PNGMetadata
import TestSupport
import Testing

/// Issue 14, item 2: a tampered catalog's paths (`../victim.txt`, absolute, through a linked
/// folder, a FIFO) are never read, hashed, moved or removed: one containment check,
/// `LibraryLocation.checkedFile(atCatalogPath:)`, guards them all.
@Suite("catalog paths: one containment check for reading and moving")
struct ContainmentTests {
    /// The standard doctor library, and beside it (outside the library) the files tampered rows
    /// point at: `victim.txt`, `victim-abs.txt`, and `outside/victim.png` behind a linked folder
    /// `images/linked`.
    struct Tampered {
        let library: TemporaryLibrary
        let catalog: Catalog
        let images: [ImageRecord]
        let victims: [URL]
        /// The tampered rows' ids, in the order of `paths`.
        let ids: [Int64]
        let paths: [String]
        var root: URL { library.location.root }

        static func make() async throws -> Tampered {
            let (library, catalog, details) = try await MaintenanceTests.library()
            let outside = try library.sources("outside")
            let victims = [
                library.folder.appendingPathComponent("victim.txt"),
                library.folder.appendingPathComponent("victim-abs.txt"),
                outside.appendingPathComponent("victim.png"),
            ]
            for victim in victims { try Data("the user's own \(victim.lastPathComponent)".utf8).write(to: victim) }
            let linked = library.location.imagesURL.appendingPathComponent("linked")
            try FileManager.default.createSymbolicLink(at: linked, withDestinationURL: outside)
            let paths = ["../victim.txt", victims[1].path, "images/linked/victim.png"]
            let images = details.map(\.image)
            for (image, path) in zip(images, paths) {
                try await library.sql("UPDATE images SET path = '\(path)' WHERE id = \(image.id)")
            }
            return Tampered(
                library: library, catalog: catalog, images: images, victims: victims, ids: images.prefix(3).map(\.id),
                paths: paths)
        }

        func victimsAreIntact() {
            for victim in victims {
                let text = try? String(contentsOf: victim, encoding: .utf8)
                #expect(text == "the user's own \(victim.lastPathComponent)", "\(victim.path) was moved or changed")
            }
        }
    }

    @Test("the check refuses every way out of images/, and anything but a regular file")
    func checkedFileRefusesEveryWayOut() async throws {
        let tampered = try await Tampered.make()
        let location = tampered.library.location
        let images = location.imagesURL
        let good = tampered.images[3].path
        try FileManager.default.createSymbolicLink(
            at: images.appendingPathComponent("out.png"), withDestinationURL: tampered.victims[0])
        try FileManager.default.createSymbolicLink(
            atPath: images.appendingPathComponent("in.png").path, withDestinationPath: "../" + good)
        let fifo = try TrapFIFO(at: images.appendingPathComponent("pipe.png").path)
        let climb = String(repeating: "../", count: 40)
        let cases: [(String, LibraryFileProblem)] = [
            ("../victim.txt", .malformedPath), (tampered.victims[1].path, .malformedPath),
            ("catalog.sqlite", .malformedPath),
            ("images/" + climb + "dev/zero", .malformedPath), ("images/./x.png", .malformedPath),
            ("images//x.png", .malformedPath),
            ("", .malformedPath), ("images/linked/victim.png", .outsideLibrary), ("images/out.png", .outsideLibrary),
            ("images/in.png", .notRegularFile(kind: "a symbolic link")),
            ("images/pipe.png", .notRegularFile(kind: "a FIFO")),
            ("images/linked", .outsideLibrary), ("images/2026", .notRegularFile(kind: "a folder")),
            ("images/none.png", .missing),
            ("images/none/x.png", .missing),
        ]
        for (path, problem) in cases {
            #expect(location.checkedFile(atCatalogPath: path) == .failure(problem), "\(path)")
        }
        #expect(fifo.release() == false, "the check opened the FIFO")
        let resolved = try location.checkedFile(atCatalogPath: good).get()
        #expect(resolved.path == RealPath.resolved(location.root.appendingPathComponent(good).path))
        // The library reached through a link is still the library.
        let alias = tampered.library.folder.appendingPathComponent("alias")
        try FileManager.default.createSymbolicLink(at: alias, withDestinationURL: location.root)
        #expect(try LibraryLocation(root: alias).checkedFile(atCatalogPath: good).get() == resolved)
        // An images/ folder that is itself a link leads elsewhere.
        let elsewhere = try tampered.library.sources("elsewhere")
        let other = LibraryLocation(root: try tampered.library.sources("other"))
        try FileManager.default.createSymbolicLink(at: other.imagesURL, withDestinationURL: elsewhere)
        try Data("x".utf8).write(to: elsewhere.appendingPathComponent("x.png"))
        #expect(other.checkedFile(atCatalogPath: "images/x.png") == .failure(.outsideLibrary))
        // What every reader gets: one line naming the image and what to do.
        let error = try #require(throws: CatalogError.self) {
            try location.file(atCatalogPath: "images/pipe.png", imageID: 7)
        }
        #expect(
            error.description
                == "images/pipe.png: image 7's file is a FIFO, not a regular file, so it is not opened "
                + "(a damaged or tampered catalog: `gptimg doctor` reports the row, `--fix` removes it)"
        )
    }

    @Test("doctor reports rows leading outside the library; --fix removes the rows and moves no file")
    func doctorFixMovesNothingOutside() async throws {
        let tampered = try await Tampered.make()
        let report = try tampered.library.open(.readOnly).doctor()
        for (id, path) in zip(tampered.ids, tampered.paths) {
            let problem: LibraryFileProblem = path.hasPrefix("images/") ? .outsideLibrary : .malformedPath
            #expect(
                report.problems.contains(.unsafePath(imageID: id, path: path, problem: problem)), "\(report.problems)")
            #expect(!report.problems.contains(.hashMismatch(imageID: id, path: path)))
        }
        #expect(
            report.problems.first { if case .unsafePath = $0 { true } else { false } }?.description
                == "image \(tampered.ids[0]): its path leads outside the library (../victim.txt), "
                + "so it is neither read nor moved (--fix removes the row, leaving the file alone)"
        )
        let fixed = try tampered.catalog.doctor(fix: true)
        tampered.victimsAreIntact()
        #expect(
            !FileManager.default.fileExists(
                atPath: tampered.library.location.trashURL.appendingPathComponent("damaged").path), "\(fixed.fixed)")
        // The rows' own files, now untracked under images/, were catalogued again.
        #expect(try tampered.catalog.count() == 5)
        #expect(try tampered.catalog.doctor().isClean)
    }

    @Test("delete refuses a row leading outside the library and moves nothing, not even the other images")
    func deleteMovesNothingOutside() async throws {
        let tampered = try await Tampered.make()
        let good = tampered.images[3]
        for id in tampered.ids {
            let error = try #require(throws: CatalogError.self) { try tampered.catalog.delete([good.id, id]) }
            #expect(
                error.description.contains("image \(id)'s path leads outside the library, so it is not opened"),
                "\(error)")
        }
        tampered.victimsAreIntact()
        #expect(FileManager.default.fileExists(atPath: tampered.root.appendingPathComponent(good.path).path))
        #expect(try tampered.catalog.count() == 5)
        // The rows themselves still describe what they say, and a good image still goes.
        #expect(try tampered.catalog.delete([good.id]).count == 1)
    }

    @Test("doctor never opens a FIFO a row names, nor a FIFO put under images/")
    func doctorNeverOpensAFIFO() async throws {
        let (library, catalog, details) = try await MaintenanceTests.library()
        let image = details[0].image
        let file = library.location.root.appendingPathComponent(image.path)
        try FileManager.default.removeItem(at: file)
        let fifo = try TrapFIFO(at: file.path)
        let loose = try TrapFIFO(at: library.location.imagesURL.appendingPathComponent("loose.png").path)
        nonisolated(unsafe) var report: DoctorReport?
        let run = withDeadline(
            20,
            onDeadline: {
                fifo.release()
                loose.release()
            }
        ) { report = try? catalog.doctor() }
        #expect(!run.late, "doctor opened a FIFO and waited for a writer")
        let problems = try #require(report).problems
        #expect(
            problems.contains(
                .unsafePath(imageID: image.id, path: image.path, problem: .notRegularFile(kind: "a FIFO"))),
            "\(problems)")
        // --fix removes the row and leaves the FIFO alone (a rename opens nothing, but nothing moves).
        let fixed = withDeadline(
            20,
            onDeadline: {
                fifo.release()
                loose.release()
            }
        ) { _ = try? catalog.doctor(fix: true) }
        #expect(!fixed.late)
        #expect(try catalog.count() == 4)
        var status = stat()
        #expect(lstat(fifo.path, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
    }

    @Test("recovering an interrupted import removes nothing outside the library, whatever the intents say")
    func recoveryStaysInside() async throws {
        let tampered = try await Tampered.make()
        // Files no image row names (an intent for a referenced path is never acted on anyway).
        let keep = try tampered.library.sources("keep")
        let victims = [
            keep.appendingPathComponent("file"), tampered.library.folder.appendingPathComponent("intent.txt"),
            tampered.library.folder.appendingPathComponent("outside/intent.png"),
        ]
        for victim in victims { try Data("kept".utf8).write(to: victim) }
        try FileManager.default.createDirectory(
            at: tampered.root.appendingPathComponent(".staging/x"), withIntermediateDirectories: true)
        try await tampered.library.sql(
            """
            INSERT INTO landing_intents(owner, path, sha256, created_at) VALUES
              ('x/../../../keep', '../intent.txt', '\(String(repeating: "0", count: 64))', '2026-11-02T10:00:00Z'),
              ('deadbeef', 'images/linked/intent.png', '\(String(repeating: "1", count: 64))', '2026-11-02T10:00:00Z')
            """)
        _ = try tampered.catalog.doctor(fix: true)
        tampered.victimsAreIntact()
        for victim in victims {
            #expect(FileManager.default.fileExists(atPath: victim.path), "\(victim.path) was removed")
        }
        #expect(try await tampered.library.sql("SELECT count(*) FROM landing_intents") == "0")
    }

    @Test("an import never lands a file through a linked folder inside images/")
    func landingStaysInside() async throws {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let elsewhere = try library.sources("elsewhere")
        try FileManager.default.createSymbolicLink(
            at: library.location.imagesURL.appendingPathComponent("2026"), withDestinationURL: elsewhere)
        let source = try library.sources()
        try Fixtures.write(
            Fixtures.ours(Fixtures.metadata("a lake", task: "gpt-image-2-LANDINGLANDINGLANDIN1"), seed: 90),
            to: source.appendingPathComponent("lake.png"))
        let (summary, _) = try await importAll(catalog, [source.path])
        #expect(summary.imported == 0 && summary.skipped == 1)
        let reason = summary.skips.first?.reason ?? ""
        #expect(reason.contains("its folder leads outside the library"), "\(summary.skips)")
        #expect(FileManager.default.subpaths(atPath: elsewhere.path) == [], "a file landed outside the library")
    }
}
