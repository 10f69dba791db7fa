import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import Hummingbird
import Testing

/// The pipeline against the simulator and against scripted servers, over loopback: every error
/// path ends in a recorded state that says what happened, and nothing is sent twice.
@Suite("Generator")
struct GeneratorTests {
    /// The simulator's tasks take 45 s and its Retry-After is 1 s, all on the simulated clock
    /// the generator waits on: no test waits for them.
    static func simulator(
        _ api: SimulatedAPI, credits: Int = 100, faults: SimulatorFaults = SimulatorFaults(), failRate: Double = 0
    ) -> Simulator {
        api.simulator(credits: credits, failRate: failRate, faults: faults)
    }

    static func generator(_ catalog: Catalog, _ client: APIClient, clock: any GenerationClock = LiveClock())
        -> Generator
    {
        Generator(catalog: catalog, client: client, schedule: PollSchedule(typicalLatency: 0.3), clock: clock)
    }

    @Test func rateLimitsAndDroppedConnectionsMidPollAndMidDownloadAreRiddenOut() async throws {
        let faults = SimulatorFaults(rateLimitRate: 0.3, retryAfter: 1, dropRate: 0.3)
        let simulated = SimulatedAPI()
        try await Self.simulator(simulated, faults: faults).withRunning { sim async throws in
            try await withLibrary { catalog in
                let generator = simulated.generator(catalog, try client(sim.port))
                var outcomes: [GenerationOutcome] = []
                for index in 0..<3 {
                    outcomes.append(
                        try await generator.generate(
                            GenerateRequest(prompt: "stormy sea \(index)", n: 2),
                            options: GenerationOptions(tags: ["sea"], collection: "Storms")))
                }
                for outcome in outcomes {
                    #expect(outcome.generation.status == .completed, "\(outcome.message ?? "")")
                    #expect(outcome.images.count == 2 && outcome.missing.isEmpty)
                    #expect(outcome.generation.creditsCharged == 4)
                }
                #expect(try catalog.count(ImageQuery(parsing: "tag:sea in:Storms")) == 6)
                #expect(await sim.balance(of: canaryKey) == 100 - 12)
                // Faults were met, so there was something to ride out. Which ones varies (the
                // draws are seeded, but how many polls draw depends on timing): a run may see no
                // cut-off download (p ≈ 0.7⁶), which aDownloadThatKeepsFailing… forces instead;
                // one with no fault at all, a dozen polls and six downloads in, is ~1 in 40 000.
                let injected = await sim.injectedFaults()
                #expect(injected.rateLimited + injected.droppedPolls + injected.droppedFiles > 0, "\(injected)")
            }
        }
    }

    @Test func aDownloadThatKeepsFailingIsReportedThenResumedFromItsRecordedURL() async throws {
        let simulated = SimulatedAPI()
        try await Self.simulator(simulated).withRunning { sim async throws in
            try await withLibrary { catalog in
                let generator = simulated.generator(catalog, try client(sim.port))
                await sim.setFaults(SimulatorFaults(dropRate: 1, dropPolls: false))
                let first = try await generator.generate(
                    GenerateRequest(prompt: "a cut-off download", n: 2), options: GenerationOptions(tags: ["kept"]))
                #expect(first.generation.status == .processing)
                #expect(first.missing == [0, 1])
                #expect(first.message?.contains("gptimg resume") == true)
                #expect(try catalog.unfinishedGenerations().map(\.id) == [first.generation.id])

                await sim.setFaults(SimulatorFaults())
                let resumed = try await generator.finish(try #require(try catalog.generation(id: first.generation.id)))
                #expect(resumed.generation.status == .completed)
                #expect(resumed.images.map(\.index) == [0, 1])
                // The tags asked for at submission are applied by the resume too.
                #expect(try catalog.count(ImageQuery(parsing: "tag:kept")) == 2)
                #expect(await sim.balance(of: canaryKey) == 96) // charged once
            }
        }
    }

    @Test func landingAgainPutsImagesAlreadyPresentInTheRequestedCollection() async throws {
        let simulated = SimulatedAPI()
        try await Self.simulator(simulated).withRunning { sim async throws in
            try await withLibrary { catalog in
                let api = try client(sim.port)
                let generator = simulated.generator(catalog, api)
                let first = try await generator.generate(
                    GenerateRequest(prompt: "harbour at dusk", n: 2),
                    options: GenerationOptions(tags: ["dusk"], collection: "Harbours"))
                #expect(first.generation.status == .completed)
                #expect(try catalog.count(ImageQuery(parsing: "tag:dusk in:Harbours")) == 2)

                // As after a crash between landing the images and adding them to the collection.
                _ = try catalog.removeFromCollection("Harbours", first.images.map(\.id))
                #expect(try catalog.count(ImageQuery(parsing: "in:Harbours")) == 0)
                let generation = try await #require(try await catalog.generation(id: first.generation.id))
                let again = try await generator.land(
                    generation, task: try await api.task(try #require(generation.taskID)))
                #expect(again.images.count == 2 && again.missing.isEmpty)
                #expect(try catalog.count(ImageQuery(parsing: "tag:dusk in:Harbours")) == 2)
            }
        }
    }

    @Test func aFailedTaskIsRecordedWithItsRefundInTheSameTransaction() async throws {
        let simulated = SimulatedAPI()
        try await Self.simulator(simulated, failRate: 1).withRunning { sim async throws in
            try await withLibrary { catalog in
                let outcome = try await simulated.generator(catalog, try client(sim.port)).generate(
                    GenerateRequest(prompt: "doomed", n: 3))
                #expect(outcome.generation.status == .failed)
                #expect(outcome.generation.creditsCharged == 6 && outcome.generation.creditsRefunded == 6)
                #expect(outcome.generation.errorCode == "GENERATION_FAILED")
                let summary = try catalog.creditSummary()
                #expect(summary.total.charged == 6 && summary.total.refunded == 6)
                #expect(await sim.balance(of: canaryKey) == 100)
            }
        }
    }

    @Test func notEnoughCreditsIsRefusedWithTheBalanceRecorded() async throws {
        let simulated = SimulatedAPI()
        try await Self.simulator(simulated, credits: 3).withRunning { sim async throws in
            try await withLibrary { catalog in
                let record = try await simulated.generator(catalog, try client(sim.port)).submit(
                    GenerateRequest(prompt: "too dear", n: 2))
                #expect(record.status == .failed && record.errorCode == "INSUFFICIENT_CREDITS")
                #expect(
                    record.errorMessage?.contains("needs 4") == true
                        && record.errorMessage?.contains("balance is 3") == true)
                #expect(record.taskID == nil && record.creditsCharged == 0)
                #expect(try catalog.creditSummary().lastBalance?.credits == 3)
            }
        }
    }

    @Test func serverRefusalsAreRecordedAsFailedWithoutRetryingAndNeverCarryTheKey() async throws {
        // Each server echoes the key in its message, as a careless API might: it must reach
        // neither the catalog nor the error reported on stderr.
        let answers: [(String, Response, String)] = [
            (
                "/bad",
                json(
                    #"""
                    {"success":false,"error":{"code":"INVALID_REQUEST","message":"prompt is too long for key \#
                    \#(canaryKey)","field":"prompt"}}
                    """#,
                    status: .badRequest), "INVALID_REQUEST"
            ),
            (
                "/key",
                json(
                    #"{"success":false,"error":{"code":"UNAUTHORIZED","message":"invalid API key \#(canaryKey)"}}"#,
                    status: .unauthorized), "UNAUTHORIZED"
            ),
            (
                "/boom",
                json(
                    #"{"success":false,"error":{"code":"INTERNAL_ERROR","message":"unexpected, key=\#(canaryKey)"}}"#,
                    status: .internalServerError), "INTERNAL_ERROR"
            ),
        ]
        for (prefix, answer, code) in answers {
            try await withServer({ router, _ in
                router.post("\(prefix)/api/v1/images/generate") { _, _ in answer }
            }) { port, log in
                try await withLibrary { catalog in
                    let api = try APIClient(baseURL: "http://127.0.0.1:\(port)\(prefix)", key: APIKey(canaryKey)!)
                    let reported = EventLog()
                    let generator = Generator(
                        catalog: catalog, client: api, schedule: PollSchedule(typicalLatency: 0.3),
                        clock: InstantClock(), events: reported.record)
                    let record = try await generator.submit(GenerateRequest(prompt: "refused"))
                    #expect(record.status == .failed, "\(code)")
                    #expect(record.errorCode == code)
                    #expect(
                        record.errorMessage?.contains("<redacted>") == true, "\(code): \(record.errorMessage ?? "")")
                    #expect(record.errorMessage?.contains("\n") == false)
                    let stored = try await #require(try await catalog.generation(id: record.id))
                    #expect(stored.errorMessage?.contains(canaryKey) == false, "\(code)")
                    let failures = reported.failures
                    #expect(!failures.isEmpty && failures.allSatisfy { !$0.contains(canaryKey) }, "\(code)")
                    #expect(await log.count("POST") == 1, "sent once: \(code)")
                }
            }
        }
    }

    @Test func aFailedTaskWhoseMessageEchoesTheKeyIsRecordedWithoutIt() async throws {
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ in json(submitted("DDDDDDDDDDDDDDDDDDDDD")) }
            router.get("/api/v1/images/task/:id") { _, _ in
                json(
                    #"""
                    {"success":true,"data":{"id":"DDDDDDDDDDDDDDDDDDDDD",\#
                    "task_id":"gpt-image-2-DDDDDDDDDDDDDDDDDDDDD","status":"failed","provider":"gpt-image-2",\#
                    "model":"gpt-image-2","type":"text-to-image","media_url":null,"images":[],\#
                    "error":{"code":"GENERATION_FAILED","message":"failed for \#
                    \#(canaryKey)"},"created_at":"2026-11-21T10:00:00.000Z","updated_at":"2026-11-21T10:00:45.000Z"}}
                    """#
                )
            }
        }) { port, _ in
            try await withLibrary { catalog in
                let outcome = try await Self.generator(catalog, try client(port), clock: InstantClock()).generate(
                    GenerateRequest(prompt: "doomed"))
                #expect(outcome.generation.status == .failed)
                #expect(outcome.message?.contains("<redacted>") == true, "\(outcome.message ?? "")")
                #expect(
                    try await catalog.generation(id: outcome.generation.id)?.errorMessage?.contains(canaryKey) == false)
            }
        }
    }

    @Test func aPOSTWithoutAnAnswerIsMarkedUnknownAndNeverSentAgain() async throws {
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ -> Response in
                try await Task.sleep(for: .seconds(5))
                return json(submitted("AAAAAAAAAAAAAAAAAAAAA"))
            }
        }) { port, log in
            try await withLibrary { catalog in
                let record = try await Self.generator(catalog, try client(port, timeout: 1), clock: InstantClock())
                    .submit(GenerateRequest(prompt: "slow"))
                #expect(record.status == .unknown)
                #expect(record.errorCode == "MAYBE_SUBMITTED")
                #expect(record.errorMessage?.contains("not sent again") == true)
                #expect(await log.count("POST") == 1)
                #expect(try catalog.unfinishedGenerations().map(\.id) == [record.id])
            }
        }
    }

    @Test func aRefusedConnectionIsRecordedAsNeverSentAndNotCharged() async throws {
        // A port nobody listens on: bind one, note it, close it.
        let port = try await withServer({ _, _ in }) { port, _ in port }
        try await withLibrary { catalog in
            let record = try await Self.generator(catalog, try client(port), clock: InstantClock()).submit(
                GenerateRequest(prompt: "nobody home"))
            #expect(record.status == .failed)
            #expect(record.errorCode == "NOT_SENT")
            #expect(record.errorMessage?.contains("cannot reach the API") == true, "\(record.errorMessage ?? "")")
            #expect(record.creditsCharged == 0)
        }
    }

    @Test func malformedAnswersNameWhatWasWrong() async throws {
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ in json(#"{"success":true,"data":{"task_id":42}}"#) }
            router.post("/poll/api/v1/images/generate") { _, _ in json(submitted("BBBBBBBBBBBBBBBBBBBBB")) }
            router.get("/poll/api/v1/images/task/:id") { _, _ in
                json(
                    #"""
                    {"success":true,"data":{"id":"BBBBBBBBBBBBBBBBBBBBB",\#
                    "task_id":"gpt-image-2-BBBBBBBBBBBBBBBBBBBBB","status":"completed","images":[{}]}}
                    """#
                )
            }
        }) { port, log in
            try await withLibrary { catalog in
                // A 200 with a broken body: the task may exist, so it is unknown, not failed.
                let broken = try await Self.generator(catalog, try client(port), clock: InstantClock()).submit(
                    GenerateRequest(prompt: "garbled"))
                #expect(broken.status == .unknown)
                #expect(broken.errorMessage?.contains("data") == true)

                let api = try APIClient(baseURL: "http://127.0.0.1:\(port)/poll", key: APIKey(canaryKey)!)
                let outcome = try await Self.generator(catalog, api, clock: InstantClock()).generate(
                    GenerateRequest(prompt: "garbled poll"))
                #expect(outcome.generation.status == .processing) // still the API's task: resumable
                #expect(outcome.message?.contains("is missing") == true, "\(outcome.message ?? "")")
                #expect(await log.count("POST") == 2)
            }
        }
    }

    @Test func aRedirectNeverTakesTheKeyToAnotherHost() async throws {
        try await withServer({ _, _ in }) { otherPort, otherLog in
            try await withServer({ router, _ in
                // The API answers with a redirect to another host (localhost is not 127.0.0.1).
                router.post("/api/v1/images/generate") { _, _ in
                    Response(
                        status: .temporaryRedirect,
                        headers: [.location: "http://localhost:\(otherPort)/api/v1/images/generate"])
                }
                router.post("/dl/api/v1/images/generate") { _, _ in json(submitted("CCCCCCCCCCCCCCCCCCCCC")) }
                router.get("/dl/api/v1/images/task/:id") { _, _ in
                    json(completed("CCCCCCCCCCCCCCCCCCCCC", url: "http://127.0.0.1:\(otherPort)/moved.png"))
                }
            }) { port, _ in
                try await withLibrary { catalog in
                    let record = try await Self.generator(catalog, try client(port), clock: InstantClock()).submit(
                        GenerateRequest(prompt: "redirected"))
                    #expect(record.status == .unknown)
                    #expect(record.errorMessage?.contains("redirect") == true)
                    #expect(await otherLog.entries.isEmpty, "the redirect was not followed")

                    // Downloads carry no key at all, wherever they go.
                    let api = try APIClient(baseURL: "http://127.0.0.1:\(port)/dl", key: APIKey(canaryKey)!)
                    _ = try await Self.generator(catalog, api, clock: InstantClock()).generate(
                        GenerateRequest(prompt: "download elsewhere"))
                    let downloads = await otherLog.entries
                    #expect(!downloads.isEmpty)
                    #expect(downloads.allSatisfy { $0.authorization == nil })
                }
            }
        }
    }
}
