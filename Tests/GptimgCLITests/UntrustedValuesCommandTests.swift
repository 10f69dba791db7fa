import Dispatch
import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgSimulator
import PNGMetadata
import PNGRaster
import TestSupport
import Testing

/// Issue 14, items 1 and 6, as the built binary shows them: a value dropped at import is named
/// by `show`, an API answer's problems by `tasks` and `show`, and a generated command line runs
/// as exactly the command it says, however its values start.
@Suite("gptimg: untrusted values", .serialized)
struct UntrustedValuesCommandTests {
    let gptimg = BuiltProduct.path("gptimg")

    func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> ProcessResult {
        try await ProcessRunner.run(arguments, environment: environment)
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gptimg-cli-untrusted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("show names a value dropped at import; tasks and show name what an API answer held that was not stored")
    func droppedValuesAreShown() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = folder.appendingPathComponent("Library").path
        let pixels = [UInt8](repeating: 200, count: 40 * 30 * 4)
        let metadata = GptimgMetadata(
            prompt: "a calm lake", aspectRatio: "1:1 $(touch pwned)", taskID: "gpt-image-2-CALMCALMCALMCALMCALMC")
        let png = try GptimgEmbedding.embed(
            metadata, into: try RGBAImage(width: 40, height: 30, pixels: pixels).pngData())
        let file = folder.appendingPathComponent("lake.png")
        try Data(png).write(to: file)
        let imported = try await run([gptimg, "import", file.path, "--library", library])
        #expect(imported.status == 0, "\(imported.stderr)")

        let shown = try await run([gptimg, "show", "1", "--library", library])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("aspect       4:3"), "\(shown.stdout)")
        #expect(
            shown.stdout.contains(#"warning      gptimg aspect_ratio "1:1 $(touch pwned)" is not W:H"#),
            "\(shown.stdout)")
        let json = try await run([gptimg, "show", "1", "--json", "--library", library])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["warnings"] as? [String])?.first?.contains("aspect_ratio") == true)
        #expect(object?["aspect_ratio"] as? String == "4:3")

        // A generation whose answer listed more images than asked for, as the pipeline records it.
        let catalog = try Catalog.open(LibraryLocation(root: URL(fileURLWithPath: library)))
        let recorded = try await catalog.recordGeneration(NewGeneration(prompt: "one lake, please"))
        let note = "the API answered 20000 image URLs for n = 1: only the first 1 were taken"
        try await catalog.updateGeneration(
            recorded.id,
            GenerationUpdate(
                taskID: "gpt-image-2-ONEONEONEONEONEONEONE", status: .completed, errorCode: "UNEXPECTED_ANSWER",
                errorMessage: note))
        let tasks = try await run([gptimg, "tasks", "--all", "--library", library])
        #expect(tasks.status == 0, "\(tasks.stderr)")
        #expect(tasks.stdout.contains("UNEXPECTED_ANSWER: " + note), "\(tasks.stdout)")
    }

    @Test("the gallery's command, pasted into a shell, generates exactly its prompt, even one that starts with '-'")
    func pastedCommandRuns() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let canary = "canary-\(UUID().uuidString)"
        let simulator = Simulator(configuration: SimulatorConfiguration(keys: [canary], credits: 10, latency: 0.3))
        try await simulator.withRunning { sim in
            var environment = ProcessInfo.processInfo.environment
            environment["GPTIMG_BASE_URL"] = sim.baseURL
            environment["GPTIMG_API_KEY"] = canary
            environment["GPTIMG_POLL_LATENCY"] = "0.3"
            environment["GPTIMG_LIBRARY"] = folder.appendingPathComponent("Library").path
            environment["PATH"] = (gptimg as NSString).deletingLastPathComponent + ":/usr/bin:/bin"
            let prompt = "-n 4 --tag x, it's a `trap` $(touch pwned)"
            let command = ShellCommand.generate(prompt: prompt, aspectRatio: "16:9", n: 1, referenceImages: []).line
            let plain = try await run(
                ["/bin/sh", "-c", "cd \(ShellCommand.quote(folder.path)) && " + command], environment: environment)
            #expect(plain.status == 0, "\(command): \(plain.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("pwned").path))
            let listed = try await run([gptimg, "list", "--json"], environment: environment)
            let prompts = listed.stdout.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["prompt"] as? String
            }
            #expect(prompts.contains(prompt), "\(prompts)")
            #expect(prompts == [prompt])
            #expect(await sim.balance(of: canary) == 8) // one image, charged once
        }
    }
}
