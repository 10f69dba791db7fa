import Foundation
import TestSupport
import Testing

/// `gptimg export`, run as the built binary: its errors, its output, and what a killed or
/// interrupted export leaves behind.
@Suite("gptimg export", .serialized)
struct ExportCommandTests {
    typealias Workspace = CatalogCommandTests.Workspace
    let gptimg = BuiltProduct.path("gptimg")

    func run(_ arguments: [String], _ workspace: Workspace) async throws -> ProcessResult {
        try await ProcessRunner.run([gptimg] + arguments + ["--library", workspace.library])
    }

    /// A library of `count` distinct ~65 KB images (CatalogCommandTests' large set).
    func library(count: Int) async throws -> Workspace {
        let workspace = try Workspace()
        try CatalogCommandTests.makeLargeSet(count: count, in: workspace.sources)
        let imported = try await run(["import", "--quiet", workspace.sources.path], workspace)
        try #require(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        return workspace
    }

    /// What the workspace holds besides the library and the sources: the exports.
    func exports(_ workspace: Workspace) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path).filter {
            $0 != "Library" && $0 != "in"
        }.sorted()
    }

    /// Checks that a failed command said one `gptimg: …` line containing `text` and exited 1.
    func expectError(_ result: ProcessResult, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("gptimg: ") == true, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "\(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test("errors are one line naming the fix, and leave nothing behind")
    func errors() async throws {
        let workspace = try await library(count: 3)
        let target = workspace.folder.appendingPathComponent("out.zip").path
        expectError(
            try await run(["export", "--to", target], workspace), "say what to export: --collection NAME, --query QUERY"
        )
        expectError(
            try await run(["export", "1", "--query", "", "--to", target], workspace),
            "choose one of --collection, --query and image IDs, not 2")
        expectError(
            try await run(["export", "--query", "colour:red", "--to", target], workspace),
            "unknown filter 'colour:'; valid filters: aspect:16:9")
        expectError(
            try await run(["export", "--query", "zebra", "--to", target], workspace),
            "nothing to export: query: zebra matches no image")
        expectError(
            try await run(["export", "--collection", "Nope", "--to", target], workspace), "no collection named 'Nope'")
        expectError(try await run(["export", "424242", "--to", target], workspace), "no image with ID 424242")
        expectError(
            try await run(["export", "--query", "", "--name", "{colour}", "--to", target], workspace),
            "--name: unknown field {colour}; fields: {index}")
        #expect(try exports(workspace).isEmpty)

        let first = try await run(["export", "--query", "", "--to", target], workspace)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("exported 3 images"))
        // Not a terminal: the progress as plain lines, no escape codes, the last one at 100%.
        #expect(!first.stderr.contains("\u{1B}") && !first.stderr.contains("\r"), "\(first.stderr)")
        #expect(first.stderr.split(separator: "\n").last?.hasPrefix("gptimg: export 3/3 100% · ") == true)
        expectError(
            try await run(["export", "1", "--to", target], workspace),
            "out.zip already exists: choose another --to, or add --force to replace it")
        let forced = try await run(["export", "1", "--to", target, "--force", "--json"], workspace)
        #expect(forced.status == 0, "\(forced.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(forced.stdout.utf8)) as? [String: Any]
        #expect(summary?["images"] as? Int == 1)
        #expect(summary?["format"] as? String == "zip")
        #expect(summary?["files"] as? [String] == ["manifest.json"])
        #expect(try exports(workspace) == ["out.zip"])
    }

    /// Exports a 400-image library (~26 MB) to a zip and sends `signal` once the partial zip
    /// has 8 MB; returns the ended process, the target and the partial's path.
    func signalledExport(_ signal: Int32) async throws -> (Workspace, ChildProcess, target: String, partial: String) {
        let workspace = try await library(count: 400)
        let target = workspace.folder.appendingPathComponent("all.zip").path
        let process = try ChildProcess(
            gptimg, ["export", "--query", "", "--to", target, "--library", workspace.library])
        let partial = workspace.folder.appendingPathComponent(".all.zip.partial-\(process.processIdentifier)").path
        // Watched closely, on a thread of its own (not the cooperative pool the other tests share).
        await offThread {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, process.isRunning {
                if let size = (try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? Int,
                    size >= 8 << 20
                {
                    break
                }
                usleep(500)
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
        }
        return (workspace, process, target, partial)
    }

    @Test("kill -9 half-way: nothing under the final name; the next export removes the partial and completes")
    func killedExport() async throws {
        let (workspace, process, target, partial) = try await signalledExport(SIGKILL)
        #expect(process.terminationReason == .uncaughtSignal, "the export finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(FileManager.default.fileExists(atPath: partial))

        let again = try await run(["export", "--query", "", "--to", target], workspace)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try exports(workspace) == ["all.zip"])
        let check = try await ProcessRunner.run(["unzip", "-t", target])
        #expect(check.status == 0)
        #expect(check.stdout.contains("No errors detected in compressed data"))
    }

    @Test("Ctrl-C half-way: exit 130, the partial removed, nothing under the final name")
    func interruptedExport() async throws {
        let (workspace, process, _, partial) = try await signalledExport(SIGINT)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 130, "the export finished before it could be interrupted")
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(try exports(workspace).isEmpty)
    }
}
