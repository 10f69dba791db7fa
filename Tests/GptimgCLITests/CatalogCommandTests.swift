import Foundation
import PNGMetadata
import PNGRaster
import TestSupport
import Testing

@testable import GptimgCLI

/// The catalog commands on real temporary libraries: in-process, and as the built binary
/// where processes are the point (killed, or two at once).
@Suite("gptimg catalog commands", .serialized)
struct CatalogCommandTests {
    let gptimg = BuiltProduct.path("gptimg")

    final class Workspace: Sendable {
        let folder: URL
        var library: String { folder.appendingPathComponent("Library").path }
        var sources: URL { folder.appendingPathComponent("in") }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gptimg-cli-catalog-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent("in"), withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    static func png(seed: Int, width: Int = 40, height: Int = 30) -> [UInt8] {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                pixels += [
                    UInt8(truncatingIfNeeded: x &* 3 &+ seed), UInt8(truncatingIfNeeded: y &* 5 &+ seed),
                    UInt8(truncatingIfNeeded: seed &* 7), 255,
                ]
            }
        }
        return try! RGBAImage(width: width, height: height, pixels: pixels).pngData()
    }

    static func ours(_ prompt: String, task: String, seed: Int, parent: GptimgMetadata.Parent? = nil) -> [UInt8] {
        let metadata = GptimgMetadata(
            prompt: prompt, aspectRatio: "4:3", type: parent == nil ? "text-to-image" : "image-to-image",
            referenceImages: parent == nil ? [] : ["https://files.example/p.png"], taskID: task,
            createdAt: "2026-11-21T10:15:30Z",
            parent: parent, remoteURL: "https://files.example/\(task)/0.png", tags: ["seed\(seed)"])
        return try! GptimgEmbedding.embed(metadata, into: png(seed: seed))
    }

    func run(_ arguments: [String], _ workspace: Workspace) async throws -> ProcessResult {
        try await ProcessRunner.run([gptimg] + arguments + ["--library", workspace.library])
    }

    /// The same, in-process.
    func inProcess(_ arguments: [String], _ workspace: Workspace) async -> CommandResult {
        await Gptimg(currentDirectory: workspace.folder.path)(arguments + ["--library", workspace.library])
    }

    func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("every catalog command, round trip")
    func roundTrip() async throws {
        let workspace = try Workspace()
        let parentTask = "gpt-image-2-CLIPARENTCLIPARENTCLI"
        try Data(Self.ours("a windmill in a tulip field", task: parentTask, seed: 1)).write(
            to: workspace.sources.appendingPathComponent("windmill.png"))
        try Data(
            Self.ours(
                "the windmill at dusk", task: "gpt-image-2-CLICHILDCLICHILDCLICH", seed: 2,
                parent: .init(taskID: parentTask, index: 0))
        ).write(to: workspace.sources.appendingPathComponent("dusk.png"))
        try Data(Self.png(seed: 3)).write(to: workspace.sources.appendingPathComponent("plain.png"))
        try Data("junk".utf8).write(to: workspace.sources.appendingPathComponent("junk.png"))

        // Reading an absent library is an error that says what to do; nothing is created.
        let absent = await inProcess(["list"], workspace)
        #expect(absent.status == 1)
        #expect(absent.stderr.contains("no library at"))
        #expect(!FileManager.default.fileExists(atPath: workspace.library))

        let imported = await inProcess(["import", workspace.sources.path], workspace)
        #expect(imported.status == 1) // one file was skipped
        #expect(imported.stdout.contains("3 imported, 0 duplicate, 1 skipped"))
        #expect(imported.stdout.contains("junk.png: not a PNG file"))
        #expect(!imported.stderr.contains("\r")) // no progress line when not on a terminal
        let again = await inProcess(
            ["import", "--json", workspace.sources.appendingPathComponent("windmill.png").path], workspace)
        #expect(again.status == 0)
        #expect(jsonLines(again.stdout).first?["status"] as? String == "duplicate")

        let listed = jsonLines(await inProcess(["list", "--json"], workspace).stdout)
        #expect(listed.count == 3)
        let keys = [
            "id", "sha256", "path", "width", "height", "bytes", "prompt", "aspect_ratio", "type", "task_id", "index",
            "n", "reference_images", "status", "created_at", "tags", "collections", "rating", "favorite", "pick",
            "parent_id",
            "remote_url", "generator", "source", "file", "schema_version",
        ]
        #expect(Set(listed[0].keys) == Set(keys))
        let file = try #require(listed[0]["file"] as? String)
        #expect(file.hasPrefix("/") && FileManager.default.fileExists(atPath: file), "list --json: the absolute path")
        let windmill = try #require(listed.first { $0["task_id"] as? String == parentTask })
        let windmillID = try #require(windmill["id"] as? Int)
        let sha = try #require(windmill["sha256"] as? String)
        let child = try #require(listed.first { $0["prompt"] as? String == "the windmill at dusk" })
        #expect(child["parent_id"] as? Int == windmillID)

        let search = await inProcess(["search", "windmill -dusk"], workspace)
        #expect(search.status == 0)
        #expect(search.stdout.split(separator: "\n").count == 1)
        #expect(search.stdout.contains("a windmill in a tulip field"))
        let bad = await inProcess(["list", "colour:red"], workspace)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unknown filter 'colour:'"))
        #expect(bad.stderr.contains("aspect:16:9"))
        // The help lists the filters the query language takes, all of them.
        let help = await inProcess(["list", "--help"], workspace).stdout
        #expect(
            help.contains("fav:yes|no") && help.contains("|unknown|none") && help.contains("status:pending|"), "\(help)"
        )

        let show = await inProcess(["show", String(sha.prefix(8)), "--json"], workspace)
        #expect(show.status == 0, "\(show.stderr)")
        let shown = try #require(jsonLines(show.stdout).first)
        #expect((shown["children"] as? [[String: Any]])?.first?["id"] as? Int == child["id"] as? Int)
        let showText = await inProcess(["show", String(windmillID)], workspace)
        #expect(showText.stdout.contains("child"))
        #expect(showText.stdout.contains(parentTask))
        let open = await inProcess(["open", String(windmillID), "--print"], workspace)
        #expect(open.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(windmill["path"] as! String))

        #expect(await inProcess(["tag", String(windmillID), "--add", "dutch", "spring"], workspace).status == 0)
        #expect(
            await inProcess(["tag", String(windmillID), "--remove", "spring"], workspace).stdout.contains(
                "dutch, seed1"))
        #expect(await inProcess(["rate", String(windmillID), "4"], workspace).status == 0)
        #expect(await inProcess(["rate", String(windmillID), "9"], workspace).status != 0)
        #expect(await inProcess(["fav", String(windmillID)], workspace).status == 0)
        #expect(await inProcess(["collection", "create", "Holland"], workspace).status == 0)
        #expect(
            await inProcess(
                ["collection", "add", "Holland", String(windmillID), String(child["id"] as! Int)], workspace
            ).stdout.contains("added 2"))
        #expect(await inProcess(["collection", "rename", "Holland", "Netherlands"], workspace).status == 0)
        let moved = await inProcess(
            ["collection", "move", "Netherlands", String(child["id"] as! Int), "--to", "1"], workspace)
        #expect(
            moved.stdout == "moved image \(child["id"] as! Int) to place 1 of 2 in 'Netherlands'\n", "\(moved.stderr)")
        let order = jsonLines(
            await inProcess(
                ["collection", "move", "--json", "Netherlands", String(windmillID), "--to", "9"], workspace
            )
            .stdout)
        #expect(order.first?["order"] as? [Int] == [child["id"] as! Int, windmillID])
        #expect(
            await inProcess(["collection", "move", "Netherlands", String(windmillID), "--to", "0"], workspace).status
                == 1)
        #expect(
            await inProcess(["collection", "remove", "Netherlands", String(child["id"] as! Int)], workspace).stdout
                .contains("removed 1"))
        #expect(await inProcess(["collection", "list"], workspace).stdout.contains("Netherlands  (1)"))
        #expect(await inProcess(["collection", "show", "Netherlands"], workspace).stdout.contains("windmill"))
        let filtered = jsonLines(
            await inProcess(["list", "--json", "tag:dutch rating:>=4 fav:yes in:Netherlands"], workspace).stdout)
        #expect(filtered.map { $0["id"] as? Int } == [windmillID])
        #expect(await inProcess(["collection", "delete", "Netherlands"], workspace).status == 0)

        let plain = try #require(listed.first { $0["generator"] as? String == "none" })
        let deleted = await inProcess(["delete", String(plain["id"] as! Int)], workspace)
        #expect(deleted.status == 0)
        #expect(deleted.stdout.contains("/trash/"))
        #expect(jsonLines(await inProcess(["list", "--json"], workspace).stdout).count == 2)

        let doctor = await inProcess(["doctor"], workspace)
        #expect(doctor.status == 0, "\(doctor.stdout)\(doctor.stderr)")
        #expect(doctor.stdout.contains("no problems"))
        let backup = await inProcess(
            ["backup", "--to", workspace.folder.appendingPathComponent("snap.sqlite").path], workspace)
        #expect(backup.status == 0, "\(backup.stderr)")
        let rebuild = await inProcess(["rebuild"], workspace)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stdout.contains("2 images"))
        let afterRebuild = jsonLines(await inProcess(["list", "--json", "tag:dutch"], workspace).stdout)
        #expect(afterRebuild.first?["rating"] as? Int == 4)
    }

    /// Distinct ~65 KB PNGs made cheaply: one noisy 128 x 128 image (noise does not compress), each
    /// copy with its own text chunk. What costs an import is the number of files, not their bytes:
    /// bigger images only made the tests write and hash more.
    static func makeLargeSet(count: Int, in folder: URL) throws {
        var generator = SystemRandomNumberGenerator()
        var pixels = [UInt8](repeating: 0, count: 128 * 128 * 4)
        for index in pixels.indices {
            pixels[index] = index % 4 == 3 ? 255 : UInt8.random(in: 0...255, using: &generator)
        }
        let base = try RGBAImage(width: 128, height: 128, pixels: pixels).pngData()
        for index in 0..<count {
            let metadata = GptimgMetadata(
                prompt: "stress test image \(index) of a large import",
                taskID: "gpt-image-2-STRESS\(String(format: "%015d", index))")
            let bytes = try GptimgEmbedding.embed(metadata, into: base)
            try Data(bytes).write(to: folder.appendingPathComponent(String(format: "%05d.png", index)))
        }
    }

    /// Blocks while sqlite3 runs: for the thread that watches an import (`killedImport`).
    func imageCount(_ workspace: Workspace) -> Int {
        let path = workspace.library + "/catalog.sqlite"
        // A busy timeout: a read that meets the import's write waits for it instead of counting 0.
        guard FileManager.default.fileExists(atPath: path),
            let result = try? ProcessRunner.run([
                "sqlite3", "-cmd", ".timeout 2000", path, "SELECT count(*) FROM images",
            ])
        else { return 0 }
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    @Test("kill -9 in the middle of a large import: doctor is clean, a re-run completes it")
    func killedImport() async throws {
        let workspace = try Workspace()
        // Eight batches of the importer's 48: killed after the first lands, most of it is ahead.
        let total = 400
        try Self.makeLargeSet(count: total, in: workspace.sources)
        let process = try ChildProcess(
            gptimg, ["import", "--quiet", workspace.sources.path, "--library", workspace.library])
        // Watched closely, on a thread of its own (not the cooperative pool the other tests share).
        let countAtKill = await offThread {
            var countAtKill = 0
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                countAtKill = imageCount(workspace)
                // The first landed batch: killed then, the import has most of its work ahead.
                if countAtKill > 0 { break }
                usleep(5_000)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return countAtKill
        }
        #expect(process.terminationReason == .uncaughtSignal, "the import finished before it could be killed")
        #expect(countAtKill > 0 && countAtKill < total)

        let doctor = try await run(["doctor"], workspace)
        #expect(doctor.status == 0, "\(doctor.stdout)\(doctor.stderr)")
        let rerun = try await run(["import", "--quiet", workspace.sources.path], workspace)
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(await offThread { imageCount(workspace) } == total)
        let after = try await run(["doctor"], workspace)
        #expect(after.status == 0)
        #expect(!after.stdout.contains("notice"), "\(after.stdout)")
        #expect(after.stdout.contains("\(total) images, \(total) files checked: no problems"))
    }

    @Test("two imports into one library at once lose nothing and never see 'database is locked'")
    func concurrentImports() async throws {
        let workspace = try Workspace()
        let total = 300
        try Self.makeLargeSet(count: total, in: workspace.sources)
        let files = try FileManager.default.contentsOfDirectory(atPath: workspace.sources.path).sorted().map {
            workspace.sources.appendingPathComponent($0).path
        }
        // Overlapping halves: 0..<200 and 100..<300.
        let halves = [Array(files[0..<200]), Array(files[100..<300])]
        let command = [gptimg, "import", "--quiet", "--library", workspace.library]
        async let first = ProcessRunner.run(command + halves[0])
        async let second = ProcessRunner.run(command + halves[1])
        for result in try await [first, second] {
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(!result.stderr.contains("locked"))
        }
        #expect(await offThread { imageCount(workspace) } == total)
        let doctor = try await run(["doctor"], workspace)
        #expect(doctor.status == 0, "\(doctor.stdout)")
        #expect(doctor.stdout.contains("\(total) images, \(total) files checked: no problems"))
    }
}
