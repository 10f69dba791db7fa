import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import PNGMetadata
import TestSupport
import Testing

@testable import GptimgCLI

/// The README's first command, in-process on a simulated clock: the in-process simulator, the
/// real pipeline, a real library on disk.
@Suite("gptimg demo")
struct DemoCommandTests {
    @Test func demoFillsALibraryAndASecondRunAddsToIt() async throws {
        let folder = TemporaryFolder("gptimg-demo")
        let library = folder.path + "/Library"
        let gptimg = Gptimg(currentDirectory: folder.path).online()

        let first = await gptimg(["demo", "--library", library])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Added 4 images"))
        #expect(first.stdout.contains("Try next:"))
        #expect(first.stderr.contains("landed"))

        let second = await gptimg(["demo", "--library", library])
        #expect(second.status == 0, "\(second.stderr)")

        let lines = jsonObjects(await gptimg(["list", "--library", library, "--json"]).stdout)
        #expect(lines.count == 8)
        #expect(lines.allSatisfy { $0["source"] as? String == "simulator" })
        #expect(lines.filter { $0["type"] as? String == "image-to-image" }.count == 2)
        #expect(lines.filter { $0["parent_id"] is NSNull }.count == 6)

        // Every file describes itself: our metadata, with the simulator's task id.
        let variant = try #require(lines.first { $0["type"] as? String == "image-to-image" })
        let report = try PNGMetadataReader.read(contentsOf: library + "/" + (variant["path"] as? String ?? ""))
        #expect(report.textChunks.contains { $0.keyword == "gptimg" })

        let collection = await gptimg(["collection", "show", "Demo", "--library", library, "--json"])
        #expect(jsonObjects(collection.stdout).count == 8)
        let doctor = await gptimg(["doctor", "--library", library])
        #expect(doctor.status == 0, "\(doctor.stdout)\(doctor.stderr)")
        // Generation landing stores each image's perceptual hash, from the bytes it downloaded.
        let hashed = try await ProcessRunner.run(
            ["sqlite3", library + "/catalog.sqlite", "SELECT count(*) FROM images WHERE phash IS NOT NULL"])
        #expect(hashed.stdout == "8\n", "\(hashed)")
    }

    /// Before it used the one scheduler, the demo ran its tasks in a throwing task group: one
    /// task's error cancelled the others, and a cancelled POST may already have reached the API.
    @Test func oneJobsErrorNeverCancelsAnotherJobsPOST() async throws {
        let clock = SimulatedClock()
        let simulator = Simulator(configuration: SimulatorConfiguration(latency: 45), now: { clock.now() })
        try await simulator.withRunning { sim async throws in
            let folder = TemporaryFolder("gptimg-demo-jobs")
            let catalog = try Catalog.open(LibraryLocation(root: folder.url.appendingPathComponent("Library")))
            // A batch line recorded before: a job with its key fails at once, before sending.
            _ = try await catalog.recordGeneration(NewGeneration(prompt: "sent before", batchKey: "line-1"))
            let client = try APIClient(baseURL: sim.baseURL, key: APIKey(SimulatorConfiguration.defaultKey)!)
            let generator = Generator(
                catalog: catalog, client: client, schedule: PollSchedule(typicalLatency: 45), clock: clock)
            let jobs = [
                GenerationJob(
                    work: .submit(GenerateRequest(prompt: "a lighthouse"), GenerationOptions(source: .simulator))),
                GenerationJob(
                    work: .submit(GenerateRequest(prompt: "sent before"), GenerationOptions(batchKey: "line-1"))),
            ]
            await #expect(throws: ErrorLine.self) {
                try await DemoCommand.outcomes(of: jobs, concurrency: 2, GenerationRun(generator: generator))
            }
            // The other job ran to its end: sent once, completed, its image in the library.
            let generations = try catalog.recentGenerations(limit: 10).filter { $0.prompt == "a lighthouse" }
            #expect(generations.map(\.status) == [.completed], "\(generations.map { ($0.status, $0.errorMessage) })")
            #expect(try await catalog.images(ofGeneration: try #require(generations.first).id).count == 1)
            #expect(await sim.ledger(of: SimulatorConfiguration.defaultKey).entries.map(\.outcome) == ["completed"])
        }
    }
}
