import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import Testing

/// Batch files and their plans: what is read, what is stated before anything is sent, and the
/// rule that a line already sent is never sent again.
@Suite("Batch: files and plans")
struct BatchTests {
    static let defaults = BatchFile.Defaults(aspectRatio: "1:1", n: 1, tags: ["b"], collection: nil)

    @Test func linesArePromptsOrJSONObjectsWithTheDefaultsForWhatTheyLeaveOut() throws {
        let lines = try BatchFile.parse(
            """
            # a comment
            a red kite over dunes

            {"prompt":"a blue kite","n":2,"aspect_ratio":"16:9","tags":["kites"],"collection":"Sky"}
            """, defaults: Self.defaults)
        #expect(lines.map(\.number) == [2, 4])
        #expect(lines[0].request == GenerateRequest(prompt: "a red kite over dunes", aspectRatio: "1:1", n: 1))
        #expect(lines[0].tags == ["b"] && lines[0].collection == nil)
        #expect(lines[1].request == GenerateRequest(prompt: "a blue kite", aspectRatio: "16:9", n: 2))
        #expect(lines[1].tags == ["b", "kites"] && lines[1].collection == "Sky")
    }

    @Test func everyMistakeIsNamedWithItsLineAndNothingIsPlanned() {
        let text =
            ([
                "{\"promt\":\"typo\"}", "{\"prompt\":3}", "{\"prompt\":\"x\",\"n\":\"two\"}", "not json {", "{",
                "{\"prompt\":\"x\",\"tags\":\"t\"}",
                "{\"prompt\":\"x\",\"reference_images\":[1]}",
            ]).joined(separator: "\n")
        #expect(
            throws: PipelineError(
                "the batch file has mistakes, so nothing was sent: line 1: unknown field \"promt\" (the fields are "
                    + "prompt, aspect_ratio, n, reference_images, tags, collection); "
                    + "line 2: \"prompt\" must be a string; "
                    + "line 3: \"n\" must be a whole number from 1 "
                    + "to 4; line 5: not a JSON object; line 6: \"tags\" must be a list of strings; and 1 more")
        ) {
            try BatchFile.parse(text, defaults: Self.defaults)
        }
        #expect(throws: PipelineError("the batch file has no prompts: write one prompt a line, or JSON Lines")) {
            try BatchFile.parse("# only a comment\n\n", defaults: Self.defaults)
        }
    }

    @Test func theAPIsRulesAreCheckedOnEveryLineBeforeAnything() throws {
        let lines = try BatchFile.parse(
            "fine\n{\"prompt\":\"x\",\"n\":9}\n{\"prompt\":\"y\",\"aspect_ratio\":\"7:5\"}", defaults: Self.defaults)
        let api = try APIClient(baseURL: "https://gptimg.co", key: APIKey("k")!)
        do {
            try BatchFile.check(lines, with: api)
            Issue.record("a file with mistakes passed")
        } catch {
            #expect(error.message.hasPrefix("the batch file has mistakes, so nothing was sent: line 2: "), "\(error)")
            #expect(error.message.contains("; line 3: "), "\(error)")
        }
    }

    @Test func aFileIsKnownByItsAbsolutePathWithLinksResolved() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("real"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("link").path, withDestinationPath: "real")
        FileManager.default.createFile(atPath: folder.path + "/real/p.txt", contents: Data("a prompt\n".utf8))
        let absolute = BatchFile.identity(path: folder.path + "/real/p.txt", currentDirectory: "/")
        #expect(BatchFile.identity(path: "real/p.txt", currentDirectory: folder.path) == absolute)
        #expect(BatchFile.identity(path: "link/../real/./p.txt", currentDirectory: folder.path) == absolute)
        #expect(BatchFile.identity(path: "link/p.txt", currentDirectory: folder.path) == absolute)
        #expect(BatchFile.identity(path: "real/q.txt", currentDirectory: folder.path) != absolute)
        #expect(BatchFile.identity(path: folder.path + "/real/p.txt", currentDirectory: "/elsewhere") == absolute)
        #expect(BatchFile.identity(path: nil, currentDirectory: folder.path) == "stdin")
        // The same hash as every release before: a batch run with them continues, not restarts.
        let resolved = URL(fileURLWithPath: folder.path + "/link/p.txt").standardizedFileURL.resolvingSymlinksInPath()
            .path
        #expect(absolute == String(Catalog.sha256Hex(Array(resolved.utf8)).prefix(16)))
    }

    @Test func theStatementAndTheCap() throws {
        let lines = try BatchFile.parse("one\n{\"prompt\":\"two\",\"n\":2}\none", defaults: Self.defaults)
        try withLibrarySync { catalog throws in
            let plan = try BatchPlan(lines, identity: "f", again: false, catalog: catalog)
            #expect(plan.jobs.count == 3, "two identical lines are two tasks")
            #expect(plan.statement(concurrency: 4) == "batch: 3 tasks, 4 images, 8 credits (2 an image), 4 at a time")
            #expect(throws: PipelineError("the batch would cost 8 credits, over --max-credits 7; nothing was sent")) {
                try plan.check(maxCredits: 7)
            }
            try plan.check(maxCredits: 8)
            try plan.check(maxCredits: nil)
            let keys = plan.jobs.compactMap { job -> String? in
                if case .submit(_, let options) = job.work { return options.batchKey } else { return nil }
            }
            #expect(Set(keys).count == 3 && keys.allSatisfy { $0.hasPrefix("f:0:") })
        }
    }

    @Test func aLineAlreadySentIsNeverSentAgainAndAgainStartsANewRound() async throws {
        let api = SimulatedAPI()
        // 4 credits: lines 1 and 2 are accepted, line 3 is refused (402) and may go again.
        try await api.simulator(credits: 4).withRunning { sim async throws in
            try await withLibrary { catalog in
                let lines = try BatchFile.parse("one\ntwo\nthree", defaults: Self.defaults)
                let run = GenerationRun(generator: api.generator(catalog, try client(sim.port)))
                let first = try BatchPlan(lines, identity: "file", again: false, catalog: catalog)
                #expect(first.notices.isEmpty)
                let summary = await run.run(first.jobs, concurrency: 1)
                #expect(summary.completed == 2 && summary.failed == 1)

                let second = try BatchPlan(lines, identity: "file", again: false, catalog: catalog)
                #expect(second.jobs.map(\.label) == ["line 3"])
                #expect(
                    second.notices == [
                        "batch: 2 lines already done in this file's run (--again runs them as new tasks)"
                    ])
                #expect(
                    second.statement(concurrency: 1) == "batch: 1 task, 1 image, 2 credits (2 an image), 1 at a time")
                _ = await run.run(second.jobs, concurrency: 1) // still 402: nothing left
                #expect(
                    await sim.ledger(of: canaryKey).entries.filter { $0.taskID != nil }.map(\.prompt) == ["one", "two"])

                let again = try BatchPlan(lines, identity: "file", again: true, catalog: catalog)
                #expect(again.jobs.count == 3 && again.tasks == 3)
                #expect(again.notices.isEmpty, "a new round has nothing done yet")
                let keys = again.jobs.compactMap { job -> String? in
                    if case .submit(_, let options) = job.work { return options.batchKey } else { return nil }
                }
                #expect(keys.allSatisfy { $0.hasPrefix("file:1:") }, "\(keys)")
            }
        }
    }

    @Test func aLineThatMayHaveReachedTheAPIIsLeftAloneAndOneStillRunningIsWaitedFor() async throws {
        let api = SimulatedAPI()
        try await api.simulator().withRunning { sim async throws in
            try await withLibrary { catalog in
                let lines = try BatchFile.parse("lost\nrunning\nnew", defaults: Self.defaults)
                let keys = try BatchPlan(lines, identity: "file", again: false, catalog: catalog).jobs.map {
                    job -> String in
                    guard case .submit(_, let options) = job.work else { return "" }
                    return options.batchKey ?? ""
                }
                // "lost": recorded, then nothing heard (a crash mid-POST): no task id.
                let lost = try await catalog.recordGeneration(
                    NewGeneration(prompt: "lost", tags: ["b"], batchKey: keys[0]))
                // "running": accepted, still processing.
                let generator = api.generator(catalog, try client(sim.port))
                let running = try await generator.submit(
                    GenerateRequest(prompt: "running", aspectRatio: "1:1"),
                    options: GenerationOptions(tags: ["b"], batchKey: keys[1]))
                #expect(running.status == .processing)

                let plan = try BatchPlan(lines, identity: "file", again: false, catalog: catalog)
                #expect(
                    plan.notices == [
                        "line 1: generation g\(lost.id) may have reached the API without an answer; "
                            + "it is not sent again (`gptimg tasks`)"
                    ])
                #expect(plan.jobs.map(\.label) == ["line 2", "line 3"])
                if case .resume(let record) = plan.jobs[0].work {
                    #expect(record.id == running.id)
                } else {
                    Issue.record("line 2 is sent again")
                }
                #expect(plan.tasks == 1 && plan.resumed == 1)
                #expect(plan.statement(concurrency: 2).hasSuffix("; 1 already sent, waited for"))
            }
        }
    }
    @Test func aLineIsKnownByWhatItSaysNotByTheOptionsThatFillItIn() throws {
        let text = "a kite\n{\"prompt\":\"a kite\",\"n\":2}\n  a kite  "
        let plain = try BatchFile.parse(text, defaults: Self.defaults)
        let other = try BatchFile.parse(
            text, defaults: BatchFile.Defaults(aspectRatio: "16:9", n: 3, tags: ["t1"], collection: "Trip"))
        #expect(plain.map(\.identity) == other.map(\.identity), "the options are not part of a line's identity")
        #expect(plain[0].identity == plain[2].identity, "the same words are the same line (an occurrence apart)")
        #expect(plain[0].identity != plain[1].identity, "a field the line gives is part of it")
        #expect(plain.allSatisfy { $0.identity.hasPrefix("c") && $0.identity.count == 17 })
        #expect(plain[0].fingerprint != other[0].fingerprint, "the key of earlier releases held the options")
    }

    @Test func aCatalogOfAnEarlierReleaseContinuesItsBatchWhateverTheOptions() throws {
        // Earlier releases keyed a line by its request, options included ("<file>:0:<16 hex>:0").
        let lines = try BatchFile.parse("one\ntwo\nthree", defaults: Self.defaults)
        try withLibrarySync { catalog throws in
            for line in lines.prefix(2) {
                let record = try catalog.recordGeneration(
                    NewGeneration(
                        prompt: line.request.prompt, tags: line.tags, batchKey: "old:0:\(line.fingerprint):0"))
                try catalog.updateGeneration(
                    record.id,
                    GenerationUpdate(
                        taskID: "gpt-image-2-" + String(repeating: line.number == 1 ? "A" : "B", count: 21),
                        status: .completed))
            }
            let same = try BatchPlan(lines, identity: "old", again: false, catalog: catalog)
            #expect(same.jobs.map(\.label) == ["line 3"])
            #expect(same.notices == ["batch: 2 lines already done in this file's run (--again runs them as new tasks)"])

            let changed = try BatchFile.parse(
                "one\ntwo\nthree", defaults: BatchFile.Defaults(aspectRatio: "1:1", n: 2, tags: [], collection: nil))
            let plan = try BatchPlan(changed, identity: "old", again: false, catalog: catalog)
            #expect(plan.jobs.map(\.label) == ["line 3"], "a line sent by an earlier release is not sent again")
            #expect(plan.changed == [1, 2])
            #expect(
                plan.notices == [
                    "batch: lines 1 and 2 were sent before with other options (n 1 then, 2 now; tags b then, none "
                        + "now): nothing is sent for them; --again sends them anew as new tasks"
                ])
            let keys = plan.jobs.compactMap { job -> String? in
                if case .submit(_, let options) = job.work { return options.batchKey } else { return nil }
            }
            #expect(keys == ["old:0:\(changed[2].identity):0"], "new lines get the new key")
        }
    }

    @Test func aLineWhoseTaskFailedIsSentAgainOnlyWithRetryFailedAndItsFirstTaskKeepsItsLine() async throws {
        let api = SimulatedAPI()
        try await api.simulator(failRate: 1).withRunning { sim async throws in
            try await withLibrary { catalog in
                let lines = try BatchFile.parse("doomed", defaults: Self.defaults)
                let run = GenerationRun(generator: api.generator(catalog, try client(sim.port)))
                let first = try BatchPlan(lines, identity: "f", again: false, catalog: catalog)
                #expect(await run.run(first.jobs, concurrency: 1).failed == 1)

                let plain = try BatchPlan(lines, identity: "f", again: false, catalog: catalog)
                #expect(plain.jobs.isEmpty)
                #expect(plain.notices == ["batch: line 1 failed at the API (refunded): --retry-failed sends it again"])

                let retry = try BatchPlan(lines, identity: "f", again: false, retryFailed: true, catalog: catalog)
                #expect(retry.tasks == 1)
                #expect(retry.notices == ["batch: line 1 failed before (refunded) and is sent again"])
                #expect(await run.run(retry.jobs, concurrency: 1).failed == 1)
                let all = try catalog.generations(batchKeyPrefix: "f:")
                #expect(all.count == 2 && all.allSatisfy { $0.status == .failed && $0.creditsRefunded == 2 })
                #expect(all[0].batchKey == "f:0:\(lines[0].identity):0:retired-\(all[0].id)", "set aside, kept")
                #expect(all[1].batchKey == "f:0:\(lines[0].identity):0")
                #expect(await sim.ledger(of: canaryKey).entries.count == 2)
                // Retrying never replaces a line that completed or may still be running.
                let running = try await catalog.recordGeneration(NewGeneration(prompt: "x", batchKey: "f:9:cx:0"))
                try await catalog.updateGeneration(
                    running.id,
                    GenerationUpdate(
                        taskID: "gpt-image-2-" + String(repeating: "C", count: 21),
                        status: .processing))
                #expect(throws: CatalogError.alreadySubmitted(batchKey: "f:9:cx:0", generation: running.id)) {
                    try catalog.recordGeneration(
                        NewGeneration(prompt: "x", batchKey: "f:9:cx:0", replacingFailed: true))
                }
            }
        }
    }

    @Test func manyLinesAreNamedShortly() {
        #expect(BatchPlan.lines([3]) == "line 3")
        #expect(BatchPlan.lines([1, 2, 5]) == "lines 1, 2 and 5")
        #expect(BatchPlan.lines(Array(1...12)) == "lines 1, 2, 3, 4, 5 and 7 more")
    }
}

/// A fresh library for synchronous tests.
func withLibrarySync<T>(_ body: (Catalog) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-generation-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(try Catalog.open(LibraryLocation(root: folder.appendingPathComponent("Library"))))
}
