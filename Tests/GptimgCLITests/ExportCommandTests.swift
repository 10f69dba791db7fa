import Foundation
import PNGMetadata
import PNGRaster
import Testing
import TestSupport

/// `gptimg export`, run as the built binary: its errors, its output, and what a killed or
/// interrupted export leaves behind.
@Suite("gptimg export", .serialized)
struct ExportCommandTests {
    let gptimg = BuiltProduct.path("gptimg")

    final class Workspace: Sendable {
        let folder: URL
        var library: String { folder.appendingPathComponent("Library").path }
        var sources: URL { folder.appendingPathComponent("in") }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-cli-export-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("in"), withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// Everything in the folder but the library and the sources.
        func exports() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "Library" && $0 != "in" }.sorted()
        }
    }

    func run(_ arguments: [String], _ workspace: Workspace) throws -> ProcessResult {
        try ProcessRunner.run([gptimg] + arguments + ["--library", workspace.library])
    }

    /// A library of `count` distinct images of about `side`² noisy pixels (about 200 KB at 256).
    func library(count: Int, side: Int = 64) throws -> Workspace {
        let workspace = try Workspace()
        var pixels = [UInt8](repeating: 0, count: side * side * 4)
        for index in pixels.indices { pixels[index] = index % 4 == 3 ? 255 : UInt8.random(in: 0...255) }
        let base = try RGBAImage(width: side, height: side, pixels: pixels).pngData()
        for index in 0..<count {
            let metadata = GptimgMetadata(prompt: "export test image \(index)", taskID: "gpt-image-2-EXPORTCLI\(String(format: "%012d", index))")
            try Data(GptimgEmbedding.embed(metadata, into: base)).write(to: workspace.sources.appendingPathComponent(String(format: "%05d.png", index)))
        }
        let imported = try run(["import", "--quiet", workspace.sources.path], workspace)
        guard imported.status == 0 else { throw SetupFailure(message: "import failed: \(imported.stdout)\(imported.stderr)") }
        return workspace
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
    func errors() throws {
        let workspace = try library(count: 3)
        let target = workspace.path("out.zip")
        expectError(try run(["export", "--to", target], workspace), "say what to export: --collection NAME, --query QUERY")
        expectError(try run(["export", "1", "--query", "", "--to", target], workspace), "choose one of --collection, --query and image IDs, not 2")
        expectError(try run(["export", "--query", "colour:red", "--to", target], workspace), "unknown filter 'colour:'; valid filters: aspect:16:9")
        expectError(try run(["export", "--query", "zebra", "--to", target], workspace), "nothing to export: query: zebra matches no image")
        expectError(try run(["export", "--collection", "Nope", "--to", target], workspace), "no collection named 'Nope'")
        expectError(try run(["export", "424242", "--to", target], workspace), "no image with ID 424242")
        expectError(try run(["export", "--query", "", "--name", "{colour}", "--to", target], workspace), "--name: unknown field {colour}; fields: {index}")
        #expect(try workspace.exports().isEmpty)

        let first = try run(["export", "--query", "", "--to", target], workspace)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("exported 3 images"))
        #expect(first.stderr.isEmpty)  // no progress line when stderr is not a terminal
        expectError(try run(["export", "1", "--to", target], workspace), "out.zip already exists: choose another --to, or add --force to replace it")
        let forced = try run(["export", "1", "--to", target, "--force", "--json"], workspace)
        #expect(forced.status == 0, "\(forced.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(forced.stdout.utf8)) as? [String: Any]
        #expect(summary?["images"] as? Int == 1)
        #expect(summary?["format"] as? String == "zip")
        #expect(summary?["files"] as? [String] == ["manifest.json"])
        #expect(try workspace.exports() == ["out.zip"])
    }

    /// Starts an export of the whole library to `target` and waits until its partial zip has
    /// `bytes` bytes; returns the running process.
    func startExport(_ workspace: Workspace, to target: String, whenPartialHas bytes: Int) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gptimg)
        process.arguments = ["export", "--query", "", "--to", target, "--library", workspace.library]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let partial = (target as NSString).deletingLastPathComponent + "/." + (target as NSString).lastPathComponent + ".partial-\(process.processIdentifier)"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if let size = (try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? Int, size >= bytes { break }
            usleep(500)
        }
        return (process, partial)
    }

    @Test("kill -9 half-way: nothing under the final name; the next export removes the partial and completes")
    func killedExport() throws {
        let workspace = try library(count: 400, side: 256)
        let target = workspace.path("all.zip")
        let (process, partial) = try startExport(workspace, to: target, whenPartialHas: 8 << 20)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the export finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(FileManager.default.fileExists(atPath: partial))

        let again = try run(["export", "--query", "", "--to", target], workspace)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try workspace.exports() == ["all.zip"])
        let check = try ProcessRunner.run(["unzip", "-t", target])
        #expect(check.status == 0)
        #expect(check.stdout.contains("No errors detected in compressed data"))
    }

    @Test("Ctrl-C half-way: exit 130, the partial removed, nothing under the final name")
    func interruptedExport() throws {
        let workspace = try library(count: 400, side: 256)
        let target = workspace.path("all.zip")
        let (process, partial) = try startExport(workspace, to: target, whenPartialHas: 8 << 20)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 130, "the export finished before it could be interrupted")
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(try workspace.exports().isEmpty)
    }
}

struct SetupFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
