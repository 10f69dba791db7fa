import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import Hummingbird
import Testing

/// A request is checked with the API's rules once, by `Generator.submit`, before anything is
/// recorded or sent; the client sends what it is given.
@Suite("Generator: a request is validated once")
struct ValidationTests {
    @Test("Generator.submit refuses a bad request before recording or sending; the client sends it as it is")
    func validatedOnce() async throws {
        let bad = GenerateRequest(prompt: "seventeen images", n: 17)
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ in
                json(
                    #"{"success":false,"error":{"code":"INVALID_REQUEST","message":"n must be 1-16","field":"n"}}"#,
                    status: .badRequest)
            }
        }) { port, log in
            try await withLibrary { catalog in
                let generator = try HostileAPITests.generator(catalog, port)
                await #expect(throws: ClientError.self) { try await generator.submit(bad) }
                #expect(await log.count("POST") == 0)
                #expect(try catalog.recentGenerations().isEmpty)
                // The client itself does not check again: the API answers for it.
                do {
                    _ = try await client(port).submit(bad)
                    Issue.record("the API's 400 was not reported")
                } catch let error as ClientError {
                    guard case .rejected(_, let field) = error else {
                        Issue.record("\(error)")
                        return
                    }
                    #expect(field == "n")
                }
                #expect(await log.count("POST") == 1)
            }
        }
    }
}
