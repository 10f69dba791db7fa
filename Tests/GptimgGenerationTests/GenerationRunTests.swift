import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import Hummingbird
import Testing

/// The one scheduler, against the simulator (on a simulated clock) and a scripted server: the
/// money rules hold whatever the jobs do.
@Suite("Generation run: the sliding window")
struct GenerationRunTests {
    /// Each job's end, in the order the run reported them.
    final class Ends: @unchecked Sendable {
        private let lock = NSLock()
        private var ends: [(Int, GenerationJobEnd)] = []

        func record(_ index: Int, _ end: GenerationJobEnd) { lock.withLock { ends.append((index, end)) } }
        var all: [(Int, GenerationJobEnd)] { lock.withLock { ends } }

        var failures: [Int: String] {
            Dictionary(
                all.compactMap { index, end in
                    if case .failure(let message) = end { return (index, message) } else { return nil }
                }, uniquingKeysWith: { $1 })
        }

        var outcomes: [Int: GenerationOutcome] {
            Dictionary(
                all.compactMap { index, end in
                    if case .outcome(let outcome) = end { return (index, outcome) } else { return nil }
                }, uniquingKeysWith: { $1 })
        }
    }

    static func submit(_ prompt: String, n: Int = 1, options: GenerationOptions = GenerationOptions()) -> GenerationJob
    {
        GenerationJob(work: .submit(GenerateRequest(prompt: prompt, n: n), options), label: prompt)
    }

    @Test func aJobThatFailsWithACatalogErrorFailsAloneWhileTheOtherStillLands() async throws {
        let api = SimulatedAPI()
        try await api.simulator().withRunning { sim async throws in
            try await withLibrary { catalog in
                let generator = api.generator(catalog, try client(sim.port))
                // A batch line sent before: submitting it again is refused by the catalog
                // (CatalogError.alreadySubmitted), before anything is sent.
                let earlier = try await generator.generate(
                    GenerateRequest(prompt: "sent before"), options: GenerationOptions(batchKey: "line-1"))
                #expect(earlier.generation.status == .completed)

                let jobs = [
                    Self.submit("sent before", options: GenerationOptions(batchKey: "line-1")),
                    Self.submit("a new one", n: 2, options: GenerationOptions(tags: ["new"])),
                ]
                let ends = Ends()
                let summary = await GenerationRun(generator: generator).run(jobs, concurrency: 2, report: ends.record)
                #expect(summary.failed == 1 && summary.completed == 1 && summary.unfinished == 0)
                #expect(!summary.allCompleted, "a failed job makes the run exit non-zero")
                #expect(ends.failures[0]?.contains("already submitted") == true, "\(ends.failures)")
                #expect(ends.outcomes[1]?.images.count == 2)
                #expect(try catalog.count(ImageQuery(parsing: "tag:new")) == 2)
                let (entries, _) = await sim.ledger(of: canaryKey)
                #expect(entries.map(\.prompt).sorted() == ["a new one", "sent before"], "each sent once")
                #expect(entries.allSatisfy { $0.outcome == "completed" })
            }
        }
    }

    @Test func submittingStopsAtNotEnoughCreditsAndWhatWasSentStillLands() async throws {
        let api = SimulatedAPI()
        // 6 credits: three 1-image tasks; the fourth is refused with 402, the fifth never sent.
        try await api.simulator(credits: 6).withRunning { sim async throws in
            try await withLibrary { catalog in
                let jobs = (1...5).map { Self.submit("kite \($0)") }
                let ends = Ends()
                let run = GenerationRun(generator: api.generator(catalog, try client(sim.port)))
                let summary = await run.run(jobs, concurrency: 2, report: ends.record)
                #expect(summary.completed == 3 && summary.failed == 1 && summary.notSubmitted == 1, "\(summary)")
                #expect(summary.stopReason == "stopped submitting: not enough credits")
                #expect(summary.charged == 6 && summary.refunded == 0)
                #expect(ends.all.count == 4, "every job sent has its end reported")
                let entries = await sim.ledger(of: canaryKey).entries
                #expect(!entries.contains { $0.prompt == "kite 5" }, "a job after the 402 was sent")
                #expect(entries.filter { $0.taskID != nil }.count == 3)
                #expect(try catalog.count(ImageQuery(parsing: "")) == 3, "every accepted task landed")
            }
        }
    }

    @Test func aRefusedKeyStopsSubmittingToo() async throws {
        let api = SimulatedAPI()
        try await api.simulator(keys: ["another-key"]).withRunning { sim async throws in
            try await withLibrary { catalog in
                let ends = Ends()
                let run = GenerationRun(generator: api.generator(catalog, try client(sim.port)))
                let summary = await run.run(
                    (1...3).map { Self.submit("refused \($0)") }, concurrency: 1, report: ends.record)
                #expect(summary.failed == 1 && summary.notSubmitted == 2)
                #expect(summary.stopReason == "stopped submitting: the API refused the key")
                #expect(ends.outcomes[0]?.generation.errorCode == "UNAUTHORIZED")
            }
        }
    }

    @Test func detachedJobsAreAcceptedAndLeftForResume() async throws {
        let api = SimulatedAPI()
        try await api.simulator().withRunning { sim async throws in
            try await withLibrary { catalog in
                let run = GenerationRun(generator: api.generator(catalog, try client(sim.port)), detach: true)
                let summary = await run.run([Self.submit("later", n: 2)], concurrency: 4)
                #expect(summary.unfinished == 1 && summary.charged == 4 && summary.notSubmitted == 0)
                let unfinished = try catalog.unfinishedGenerations()
                #expect(unfinished.count == 1 && unfinished[0].taskID != nil)

                let resumed = await GenerationRun(generator: api.generator(catalog, try client(sim.port)))
                    .run([GenerationJob(work: .resume(unfinished[0]))], concurrency: 1)
                #expect(resumed.completed == 1 && resumed.charged == 4)
                #expect(await sim.ledger(of: canaryKey).entries.count == 1, "resuming never submits")
            }
        }
    }

    /// Opens once, when told or at a deadline (a broken scheduler then fails the test instead of
    /// hanging it).
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var open = false
        private var atDeadline = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        var openedAtDeadline: Bool { lock.withLock { atDeadline } }

        func release(atDeadline deadline: Bool = false) {
            let resumed: [CheckedContinuation<Void, Never>] = lock.withLock {
                guard !open else { return [] }
                open = true
                atDeadline = deadline
                defer { waiting.removeAll() }
                return waiting
            }
            for continuation in resumed { continuation.resume() }
        }

        func wait(deadline seconds: Double) async {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        let already = self.lock.withLock {
                            if !self.open { self.waiting.append(continuation) }
                            return self.open
                        }
                        if already { continuation.resume() }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(seconds))
                    if !Task.isCancelled { self.release(atDeadline: true) }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    @Test func aPOSTInFlightIsNeverCancelledWhenAnotherJobFails() async throws {
        let gate = Gate()
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ -> Response in
                // Answers only once the other job's failure has been reported.
                await gate.wait(deadline: 30)
                return json(submitted("SSSSSSSSSSSSSSSSSSSSS"))
            }
        }) { port, log in
            try await withLibrary { catalog in
                // Recorded as a batch line before: a job with its key fails before sending.
                _ = try await catalog.recordGeneration(NewGeneration(prompt: "sent before", batchKey: "line-1"))
                let jobs = [
                    Self.submit("slow"), Self.submit("sent before", options: GenerationOptions(batchKey: "line-1")),
                ]
                let ends = Ends()
                let generator = Generator(
                    catalog: catalog, client: try client(port), schedule: PollSchedule(typicalLatency: 45),
                    clock: InstantClock())
                let summary = await GenerationRun(generator: generator, detach: true).run(jobs, concurrency: 2) {
                    index, end in
                    ends.record(index, end)
                    if case .failure = end { gate.release() }
                }
                #expect(ends.failures[1]?.contains("already submitted") == true)
                let slow = try #require(ends.outcomes[0])
                #expect(slow.generation.status == .processing, "\(slow.generation.errorMessage ?? "")")
                #expect(slow.generation.taskID == "gpt-image-2-SSSSSSSSSSSSSSSSSSSSS")
                #expect(summary.failed == 1 && summary.unfinished == 1)
                #expect(await log.count("POST") == 1)
                #expect(!gate.openedAtDeadline, "the failure was reported only after the POST was answered")
            }
        }
    }
}
