import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import Testing

/// A failed task keeps the API's own code and message: only the key is ever cut out of them.
@Suite("Failure reasons")
struct FailureReasonTests {
    @Test("a key that happens to occur in the API's code leaves the code and message readable")
    func aShortKeyDoesNotHideTheReason() async throws {
        // "ON" occurs in GENERATION_FAILED: the whole code used to become <redacted>.
        let key = "ON"
        let api = SimulatedAPI()
        try await api.simulator(keys: [key], failRate: 1).withRunning { sim async throws in
            try await withLibrary { catalog in
                let outcome = try await api.generator(catalog, try client(sim.port, key: key)).generate(
                    GenerateRequest(prompt: "a lighthouse"))
                let record = try #require(try await catalog.generation(id: outcome.generation.id))
                #expect(record.status == .failed)
                #expect(record.errorCode == "GENERATION_FAILED", "\(record.errorCode ?? "nil")")
                #expect(record.errorMessage?.hasPrefix("The generator could not render this prompt") == true)
                #expect(outcome.message?.hasPrefix("GENERATION_FAILED: The generator") == true)
                #expect(record.creditsRefunded == 2)
            }
        }
    }

    @Test("a message that echoes the key loses the key and keeps the rest")
    func theKeyIsCutOutOfAMessage() async throws {
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ in
                let error = #"{"code":"INVALID_REQUEST","message":"bad prompt for \#(canaryKey) here"}"#
                return json(#"{"success":false,"error":"# + error + "}", status: .badRequest)
            }
        }) { port, _ in
            try await withLibrary { catalog in
                let generator = Generator(
                    catalog: catalog, client: try client(port), schedule: PollSchedule(typicalLatency: 0.3),
                    clock: InstantClock())
                let record = try await generator.submit(GenerateRequest(prompt: "refused"))
                #expect(record.errorCode == "INVALID_REQUEST")
                let message = try #require(record.errorMessage)
                #expect(message.contains("bad prompt for <redacted> here"), "\(message)")
                #expect(!message.contains(canaryKey))
            }
        }
    }
}
