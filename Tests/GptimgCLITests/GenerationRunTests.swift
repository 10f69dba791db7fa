import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import Testing

@testable import GptimgCLI

/// The sliding window itself, in-process against the simulator: one job's error stays its own.
@Suite struct GenerationRunTests {
    @Test func aJobThatFailsWithACatalogErrorFailsAloneWhileTheOtherStillLands() async throws {
        let key = "run-\(UUID().uuidString)"
        let simulator = Simulator(configuration: SimulatorConfiguration(keys: [key], credits: 100, latency: 0.3, seed: 5))
        try await simulator.withRunning { sim async throws in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-run-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let catalog = try Catalog.open(LibraryLocation(root: folder.appendingPathComponent("Library")))
            let generator = GptimgGeneration.Generator(
                catalog: catalog, client: try APIClient(baseURL: sim.baseURL, key: APIKey(key)!), schedule: PollSchedule(typicalLatency: 0.3))
            // A batch line sent before: submitting it again is refused by the catalog
            // (CatalogError.alreadySubmitted), before anything is sent.
            let earlier = try await generator.generate(GenerateRequest(prompt: "sent before"), options: GenerationOptions(batchKey: "line-1"))
            #expect(earlier.generation.status == .completed)

            let jobs = [
                GenerationJob(work: .submit(GenerateRequest(prompt: "sent before"), GenerationOptions(batchKey: "line-1")), label: "line 1"),
                GenerationJob(work: .submit(GenerateRequest(prompt: "a new one", n: 2), GenerationOptions(tags: ["new"])), label: "line 2"),
            ]
            let summary = await GenerationRun(generator: generator, output: Output(), json: true).run(jobs, concurrency: 2)
            #expect(summary.failed == 1 && summary.completed == 1 && summary.unfinished == 0)
            #expect(!summary.allCompleted, "a failed job makes the run exit non-zero")
            #expect(try catalog.count(ImageQuery(parsing: "tag:new")) == 2)
            let (entries, _) = await sim.ledger(of: key)
            #expect(entries.map(\.prompt).sorted() == ["a new one", "sent before"], "each sent once")
            #expect(entries.allSatisfy { $0.outcome == "completed" })
        }
    }
}
