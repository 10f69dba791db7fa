import Foundation
import PNGMetadata
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 14, items 2, 7 and 8, as the built binary meets them: tampered catalog paths, FIFOs
/// and links, damaged, newer, half-rebuilt and read-only catalogs. Commands that could hang run
/// under `timeout -s KILL`: a hang fails the test (status 137) instead of stopping the suite.
@Suite("gptimg on hostile libraries", .serialized)
struct HostileLibraryTests {
    typealias Workspace = CatalogCommandTests.Workspace
    let gptimg = BuiltProduct.path("gptimg")

    /// Runs gptimg on the workspace's library, killed after `seconds`.
    func run(_ arguments: [String], _ workspace: Workspace, library: String? = nil, seconds: Int = 60) async throws
        -> ProcessResult
    {
        try await ProcessRunner.run(
            ["timeout", "-s", "KILL", String(seconds), gptimg] + arguments + [
                "--library", library ?? workspace.library,
            ])
    }

    func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// A library of `count` of our images; their ids and paths, oldest first.
    func library(_ workspace: Workspace, count: Int = 3) async throws -> [(id: Int, path: String)] {
        for seed in 0..<count {
            let bytes = CatalogCommandTests.ours(
                "a hostile test \(seed)", task: "gpt-image-2-HOSTILEHOSTILEHOST\(seed)", seed: seed + 40)
            try Data(bytes).write(to: workspace.sources.appendingPathComponent("\(seed).png"))
        }
        let imported = try await run(["import", "--quiet", workspace.sources.path], workspace)
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        return jsonLines(try await run(["list", "--json", "--sort", "oldest"], workspace).stdout).map {
            ($0["id"] as! Int, $0["path"] as! String)
        }
    }

    func sql(_ workspace: Workspace, _ statement: String) async throws {
        let result = try await ProcessRunner.run(["sqlite3", "-bail", workspace.library + "/catalog.sqlite", statement])
        #expect(result.status == 0, "\(result.stderr)")
    }

    // MARK: - Item 2: paths from the catalog

    @Test("doctor neither reads ../../../dev/zero forever nor hangs on a FIFO; --fix removes the rows, moves nothing")
    func doctorOnDevZeroAndAFIFO() async throws {
        let workspace = try Workspace()
        let images = try await library(workspace)
        let zero = String(repeating: "../", count: 40) + "dev/zero"
        try await sql(workspace, "UPDATE images SET path = '\(zero)' WHERE id = \(images[0].id)")
        let fifo = workspace.library + "/" + images[1].path
        try FileManager.default.removeItem(atPath: fifo)
        let trap = try TrapFIFO(at: fifo)
        let doctor = try await run(["doctor"], workspace, seconds: 30)
        trap.release()
        #expect(doctor.status == 1, "killed (137) means it hung: \(doctor.stdout)\(doctor.stderr)")
        #expect(
            doctor.stdout.contains(
                "problem: image \(images[0].id): its path leads outside the library (\(zero)), "
                    + "so it is neither read nor moved"
            ), "\(doctor.stdout)")
        #expect(
            doctor.stdout.contains(
                "problem: image \(images[1].id): its file is a FIFO, not a regular file (\(images[1].path))"),
            "\(doctor.stdout)")
        let fixed = try await run(["doctor", "--fix"], workspace, seconds: 30)
        trap.release()
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "the FIFO was moved")
        let after = try await run(["doctor"], workspace, seconds: 30)
        #expect(after.status == 0 && after.stdout.contains("2 images, 2 files checked: no problems"), "\(after.stdout)")
    }

    @Test("delete, show, open and export never touch a file a tampered row points at outside the library")
    func tamperedRowsFromTheCommandLine() async throws {
        let workspace = try Workspace()
        let images = try await library(workspace)
        let victim = workspace.folder.appendingPathComponent("victim.txt")
        try Data("mine".utf8).write(to: victim)
        let outside = workspace.folder.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("mine too".utf8).write(to: outside.appendingPathComponent("victim.png"))
        try FileManager.default.createSymbolicLink(
            atPath: workspace.library + "/images/linked", withDestinationPath: outside.path)
        try await sql(workspace, "UPDATE images SET path = '../victim.txt' WHERE id = \(images[0].id)")
        try await sql(workspace, "UPDATE images SET path = 'images/linked/victim.png' WHERE id = \(images[1].id)")
        for image in images.prefix(2) {
            let deleted = try await run(["delete", String(image.id), String(images[2].id)], workspace)
            #expect(deleted.status == 1)
            #expect(
                deleted.stderr.contains("image \(image.id)'s path leads outside the library, so it is not opened"),
                "\(deleted.stderr)")
            #expect(deleted.stderr.split(separator: "\n").count == 1)
            let opened = try await run(["open", "--print", String(image.id)], workspace)
            #expect(opened.status == 1 && opened.stdout.isEmpty)
            let shown = try await run(["show", String(image.id)], workspace)
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("none: its path leads outside the library"), "\(shown.stdout)")
            let json = jsonLines(try await run(["show", "--json", String(image.id)], workspace).stdout).first
            #expect(json?["file"] is NSNull)
            #expect(json?["file_problem"] as? String == "its path leads outside the library")
            let exported = try await run(
                ["export", String(image.id), "--to", workspace.folder.appendingPathComponent("out-\(image.id)").path],
                workspace)
            #expect(exported.status == 1)
        }
        #expect(try String(contentsOf: victim, encoding: .utf8) == "mine")
        #expect(try String(contentsOf: outside.appendingPathComponent("victim.png"), encoding: .utf8) == "mine too")
        #expect(
            FileManager.default.fileExists(atPath: workspace.library + "/" + images[2].path),
            "a good image was moved with the bad")
        #expect(!FileManager.default.fileExists(atPath: workspace.library + "/trash"))
    }

    // MARK: - Item 8: FIFOs and links given to meta and import

    @Test("meta read and meta strip refuse a FIFO in one line, go on with the rest, exit 1")
    func metaOnAFIFO() async throws {
        let workspace = try Workspace()
        let good = workspace.sources.appendingPathComponent("good.png").path
        let other = workspace.sources.appendingPathComponent("other.png").path
        try Data(CatalogCommandTests.ours("a fifo's neighbour", task: "gpt-image-2-FIFOFIFOFIFOFIFOFIFO1", seed: 3))
            .write(to: URL(fileURLWithPath: good))
        try Data(CatalogCommandTests.ours("another neighbour", task: "gpt-image-2-FIFOFIFOFIFOFIFOFIFO2", seed: 4))
            .write(to: URL(fileURLWithPath: other))
        let trap = try TrapFIFO(at: workspace.sources.appendingPathComponent("pipe.png").path)
        for command in [["meta", "read"], ["meta", "strip"]] {
            let result = try await ProcessRunner.run(
                ["timeout", "-s", "KILL", "30", gptimg] + command + [good, trap.path, other])
            trap.release()
            #expect(result.status == 1, "\(command): killed (137) means it hung")
            #expect(
                result.stderr == "gptimg: \(trap.path): not a regular file (a folder, device or pipe)\n",
                "\(command): \(result.stderr)")
            #expect(
                result.stdout.split(separator: "\n").filter {
                    $0.hasPrefix(good) || $0.hasPrefix(other) || $0.contains("neighbour")
                }.count >= 2, "\(result.stdout)")
        }
    }

    @Test("a folder's FIFOs and links are reported as skipped by meta read and import, never read")
    func foldersReportSkippedFIFOsAndLinks() async throws {
        let workspace = try Workspace()
        let folder = workspace.sources
        try Data(CatalogCommandTests.ours("the only real file", task: "gpt-image-2-FOLDERFOLDERFOLDERF1", seed: 5))
            .write(to: folder.appendingPathComponent("real.png"))
        let trap = try TrapFIFO(at: folder.appendingPathComponent("pipe.png").path)
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("link.png").path, withDestinationPath: "real.png")
        let elsewhere = workspace.folder.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try Data(CatalogCommandTests.ours("behind a linked folder", task: "gpt-image-2-FOLDERFOLDERFOLDERF2", seed: 6))
            .write(to: elsewhere.appendingPathComponent("hidden.png"))
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("linked").path, withDestinationPath: elsewhere.path)
        let expected = [
            "\(folder.path)/link.png: skipped: a symbolic link: links inside folders are not followed",
            "\(folder.path)/linked: skipped: a symbolic link to a folder: links inside folders are not followed",
            "\(folder.path)/pipe.png: skipped: not a regular file (a FIFO): not read",
        ]
        let read = try await ProcessRunner.run(["timeout", "-s", "KILL", "30", gptimg, "meta", "read", folder.path])
        trap.release()
        #expect(read.status == 1)
        #expect(read.stderr == expected.map { "gptimg: \($0)\n" }.joined(), "\(read.stderr)")
        #expect(read.stdout.contains("the only real file") && !read.stdout.contains("behind a linked folder"))
        let imported = try await run(["import", folder.path], workspace, seconds: 30)
        trap.release()
        #expect(imported.status == 1)
        for line in expected {
            let (path, reason) = (
                line.components(separatedBy: ": skipped: ")[0], line.components(separatedBy: ": skipped: ")[1]
            )
            #expect(imported.stdout.contains("skipped    \(path): \(reason)"), "\(imported.stdout)")
        }
        #expect(imported.stdout.contains("1 imported, 0 duplicate, 3 skipped"), "\(imported.stdout)")
    }

    // MARK: - Item 7: catalogs

    @Test("an emptied or garbled catalog is damaged: the error names rebuild (doctor fails alike), rebuild recovers")
    func damagedCatalogs() async throws {
        let workspace = try Workspace()
        _ = try await library(workspace)
        let catalog = URL(fileURLWithPath: workspace.library + "/catalog.sqlite")
        for damage in [Data(), Data(repeating: 0x41, count: 8192)] {
            try damage.write(to: catalog)
            for command in [["list"], ["doctor"], ["tag", "1", "--add", "x"]] {
                let result = try await run(command, workspace)
                #expect(result.status == 1, "\(command): \(result.stdout)")
                #expect(
                    result.stderr.contains("the catalog is damaged") && result.stderr.contains("`gptimg rebuild`"),
                    "\(command): \(result.stderr)")
                #expect(!result.stderr.contains("gptimg doctor"), "\(command): \(result.stderr)")
            }
            #expect(
                try Data(contentsOf: catalog) == damage,
                "the damaged catalog was replaced by a command other than rebuild")
            let rebuilt = try await run(["rebuild"], workspace)
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(jsonLines(try await run(["list", "--json"], workspace).stdout).count == 3)
        }
    }

    @Test("rebuild refuses a catalog written by a newer gptimg; writes refuse it too; nothing is lost")
    func newerCatalog() async throws {
        let workspace = try Workspace()
        let images = try await library(workspace)
        #expect(try await run(["tag", String(images[0].id), "--add", "precious"], workspace).status == 0)
        try await sql(workspace, "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')")
        let catalog = URL(fileURLWithPath: workspace.library + "/catalog.sqlite")
        let before = try Data(contentsOf: catalog)
        for command in [
            ["rebuild"], ["tag", String(images[1].id), "--add", "x"], ["doctor", "--fix"],
            ["import", workspace.sources.path],
        ] {
            let result = try await run(command, workspace)
            #expect(result.status == 1, "\(command)")
            #expect(
                result.stderr.contains("was written by a newer gptimg: upgrade gptimg"), "\(command): \(result.stderr)")
        }
        #expect(try Data(contentsOf: catalog) == before)
        let tagged = try await ProcessRunner.run([
            "sqlite3", catalog.path,
            "SELECT count(*) FROM image_tags JOIN tags ON tags.id = tag_id WHERE name = 'precious'",
        ])
        #expect(tagged.stdout == "1\n")
    }

    @Test("a rebuild killed with -9 leaves a file doctor reports and the next rebuild removes")
    func killedRebuild() async throws {
        let workspace = try Workspace()
        try CatalogCommandTests.makeLargeSet(count: 300, in: workspace.sources)
        #expect(try await run(["import", "--quiet", workspace.sources.path], workspace).status == 0)
        @Sendable func leftovers() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: workspace.library)) ?? []).filter {
                $0.hasPrefix(".catalog-rebuild-")
            }
        }
        let process = try ChildProcess(gptimg, ["rebuild", "--library", workspace.library])
        // Watched closely, on a thread of its own (not the cooperative pool the other tests share).
        await offThread {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, leftovers().isEmpty, process.isRunning { usleep(1_000) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        #expect(process.terminationReason == .uncaughtSignal, "the rebuild finished before it could be killed")
        try #require(!leftovers().isEmpty)
        let doctor = try await run(["doctor"], workspace)
        #expect(doctor.status == 0, "\(doctor.stdout)")
        #expect(doctor.stdout.contains("notice:  an interrupted rebuild left"), "\(doctor.stdout)")
        let rebuilt = try await run(["rebuild"], workspace)
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(rebuilt.stdout.contains("note: removed"), "\(rebuilt.stdout)")
        #expect(leftovers().isEmpty)
    }

    @Test(
        "a read-only library: every reading command works, writes say the library is read-only",
        .enabled(if: Mounts.available))
    func readOnlyLibrary() async throws {
        let workspace = try Workspace()
        let images = try await library(workspace)
        #expect(try await run(["collection", "add", "Kept", String(images[0].id)], workspace).status == 0)
        let view = try Mounts.readOnlyView(
            of: URL(fileURLWithPath: workspace.library), at: workspace.folder.appendingPathComponent("ro"))
        let readOnly = view.path.path
        let id = String(images[0].id)
        let reads: [[String]] = [
            ["list"], ["search", "hostile"], ["show", id], ["open", "--print", id], ["doctor"], ["credits"], ["tasks"],
            ["collection", "list"], ["collection", "show", "Kept"],
            ["export", id, "--to", workspace.folder.appendingPathComponent("out").path],
        ]
        for command in reads {
            let result = try await run(command, workspace, library: readOnly)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        for command in [
            ["rate", id, "5"], ["tag", id, "--add", "x"], ["import", workspace.sources.path], ["doctor", "--fix"],
            ["rebuild"],
        ] {
            let result = try await run(command, workspace, library: readOnly)
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("the library is read-only"), "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("gptimg doctor"), "\(command): \(result.stderr)")
        }
        // The gallery serves it (edits off), instead of failing to open it for writing.
        let log = workspace.folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let logFile = try FileHandle(forWritingTo: log)
        let serve = try ChildProcess(
            gptimg, ["serve", "--port", "0", "--library", readOnly], stdout: .descriptor(logFile.fileDescriptor),
            stderr: .descriptor(logFile.fileDescriptor))
        try logFile.close()
        defer {
            serve.signal(SIGTERM)
            serve.waitUntilExit()
        }
        var url: String?
        let deadline = Date().addingTimeInterval(60)
        while url == nil, Date() < deadline, serve.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            url = text.split(separator: "\n").first { $0.hasPrefix("gptimg gallery on ") }.map {
                String($0.split(separator: " ")[3])
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let base = try #require(url, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(try String(contentsOf: log, encoding: .utf8).contains("the library is read-only"))
        for route in ["/", "/img/\(id).png", "/image/\(id)"] {
            let status = try await ProcessRunner.run([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                base.hasSuffix("/") ? String(base.dropLast()) + route : base + route,
            ])
            #expect(status.stdout == "200", "\(route): \(status.stdout)")
        }
    }
}
