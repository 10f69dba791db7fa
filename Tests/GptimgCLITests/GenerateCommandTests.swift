import Dispatch
import Foundation
import GptimgSimulator
import Testing
import TestSupport

/// `gptimg generate`, `tasks`, `credits`, run as the built binary against an in-process
/// simulator over loopback.
@Suite("gptimg generate", .serialized)
struct GenerateCommandTests {
    let gptimg = BuiltProduct.path("gptimg")

    /// Runs the binary on a Dispatch thread: the simulator's handlers need the cooperative pool.
    func run(_ arguments: [String], environment: [String: String]) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try ProcessRunner.run(arguments, environment: environment) })
            }
        }
    }

    @Test func generateLandsImagesChargesOnceAndNeverWritesTheKey() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-generate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = folder.appendingPathComponent("Library").path
        let canary = "canary-\(UUID().uuidString)"
        let simulator = Simulator(configuration: SimulatorConfiguration(keys: [canary], credits: 10, latency: 0.3))
        try await simulator.withRunning { sim in
            var environment = ProcessInfo.processInfo.environment
            environment["GPTIMG_BASE_URL"] = sim.baseURL
            environment["GPTIMG_API_KEY"] = canary
            environment["GPTIMG_POLL_LATENCY"] = "0.3"

            let generated = try await run([gptimg, "generate", "a red apple on white marble", "-n", "2", "--tag", "fruit", "--library", library, "--json"], environment: environment)
            #expect(generated.status == 0, "\(generated.stderr)")
            #expect(generated.stdout.contains("\"status\":\"completed\""))
            #expect(generated.stdout.contains("\"credits_charged\":4"))
            #expect(await sim.balance(of: canary) == 6)

            // 402: nothing landed, the reported balance recorded, one line on stderr.
            let refused = try await run([gptimg, "generate", "too many", "-n", "4", "--library", library], environment: environment)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("needs 8") && refused.stderr.contains("balance is 6"))
            #expect(await sim.balance(of: canary) == 6)

            // Refused locally: no request, no row.
            let invalid = try await run([gptimg, "generate", "x", "--aspect", "7:5", "--library", library], environment: environment)
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("nothing was sent"))

            let listed = try await run([gptimg, "list", "tag:fruit", "--library", library, "--json"], environment: environment)
            #expect(listed.stdout.split(separator: "\n").count == 2)
            let credits = try await run([gptimg, "credits", "--library", library], environment: environment)
            #expect(credits.stdout.contains("charged 4, refunded 0, net 4"))
            #expect(credits.stdout.contains("last balance reported by the API: 6"))

            // The key canary: nowhere in the library's files or the outputs.
            for result in [generated, refused, invalid, listed, credits] {
                #expect(!result.stdout.contains(canary) && !result.stderr.contains(canary))
            }
            let files = FileManager.default.enumerator(atPath: library)?.compactMap { $0 as? String } ?? []
            #expect(!files.isEmpty)
            for file in files {
                let data = FileManager.default.contents(atPath: library + "/" + file) ?? Data()
                #expect(data.range(of: Data(canary.utf8)) == nil, "the key is in \(file)")
            }
        }
    }
}

extension GenerateCommandTests {
    @Test func aFailedTaskIsRecordedWithItsRefund() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-generate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = folder.appendingPathComponent("Library").path
        let simulator = Simulator(configuration: SimulatorConfiguration(credits: 10, latency: 0.2, failRate: 1))
        try await simulator.withRunning { sim in
            var environment = ProcessInfo.processInfo.environment
            environment["GPTIMG_BASE_URL"] = sim.baseURL
            environment["GPTIMG_API_KEY"] = SimulatorConfiguration.defaultKey
            environment["GPTIMG_POLL_LATENCY"] = "0.2"
            let result = try await run([gptimg, "generate", "doomed", "-n", "3", "--library", library, "--json"], environment: environment)
            #expect(result.status == 1)
            #expect(result.stdout.contains("\"status\":\"failed\""))
            #expect(result.stdout.contains("\"credits_charged\":6,\"credits_refunded\":6"))
            #expect(await sim.balance(of: SimulatorConfiguration.defaultKey) == 10)
            let credits = try await run([gptimg, "credits", "--library", library], environment: environment)
            #expect(credits.stdout.contains("charged 6, refunded 6, net 0"))
        }
    }
}
