import Dispatch
import Foundation
import GptimgSimulator
import GptimgSupport
import PNGMetadata
import Testing
import TestSupport

/// `batch`, `rerun`, `variant`, `resume`, and crashes: the built binary against an in-process
/// simulator over loopback, its ledger the judge of money.
@Suite("gptimg batch, rerun, variant, resume", .serialized)
struct GenerationCommandTests {
    let gptimg = BuiltProduct.path("gptimg")

    /// A temporary folder with a library path, and the environment pointing at `sim`.
    struct Workspace {
        let folder: URL
        let library: String
        var environment: [String: String]

        init(_ sim: RunningSimulator, key: String) {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-gen-\(UUID().uuidString)")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            library = folder.appendingPathComponent("Library").path
            environment = ProcessInfo.processInfo.environment
            environment["GPTIMG_BASE_URL"] = sim.baseURL
            environment["GPTIMG_API_KEY"] = key
            environment["GPTIMG_POLL_LATENCY"] = "0.3"
            environment["HOME"] = folder.path  // no stray config file
        }

        func file(_ name: String, _ text: String) -> String {
            let path = folder.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            return path
        }
    }

    /// A simulator with one key (named after the test) and a workspace pointed at it.
    func withWorkspace(
        _ name: String, credits: Int, latency: Double = 0.3, jitter: Double = 0, failRate: Double = 0, seed: UInt64,
        _ body: (RunningSimulator, Workspace, String) async throws -> Void
    ) async throws {
        let key = "\(name)-\(UUID().uuidString)"
        let simulator = Simulator(configuration: SimulatorConfiguration(keys: [key], credits: credits, latency: latency, jitter: jitter, failRate: failRate, seed: seed))
        try await simulator.withRunning { sim async throws in
            let workspace = Workspace(sim, key: key)
            defer { try? FileManager.default.removeItem(at: workspace.folder) }
            try await body(sim, workspace, key)
        }
    }

    /// Runs the binary on a Dispatch thread: the simulator's handlers need the cooperative pool.
    func run(_ arguments: [String], _ workspace: Workspace) async throws -> ProcessResult {
        let command = [gptimg] + arguments + ["--library", workspace.library]
        let environment = workspace.environment
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try ProcessRunner.run(command, environment: environment) })
            }
        }
    }

    /// Starts the binary and kills it with SIGKILL after `delay` seconds (a random point of its
    /// work: the delay injects the fault, nothing is timed). Returns whether it was still running.
    func runAndKill(_ arguments: [String], _ workspace: Workspace, after delay: Double) async throws -> Bool {
        let command = arguments + ["--library", workspace.library]
        let environment = workspace.environment
        let executable = gptimg
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = command
                    process.environment = environment
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    usleep(useconds_t(delay * 1_000_000))
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    return process.terminationReason == .uncaughtSignal
                })
            }
        }
    }

    /// Every image of every task the simulator accepted is in the library exactly once, unless
    /// the library itself says it may have lost the answer (a generation without a task id that
    /// is not known to have failed). No prompt was submitted twice.
    func expectEveryPaidImageLandedOnce(_ sim: RunningSimulator, key: String, _ workspace: Workspace) async throws {
        let (entries, _) = await sim.ledger(of: key)
        let accepted = entries.filter { $0.taskID != nil }
        #expect(Set(accepted.map(\.prompt)).count == accepted.count, "a prompt was submitted twice")
        let listed = try await run(["list", "--limit", "100000", "--json"], workspace)
        var imagesByTask: [String: Int] = [:]
        for line in listed.stdout.split(separator: "\n") {
            guard let image = JSONValue.parseObject(String(line)), case .string(let task)? = image["task_id"] else { continue }
            imagesByTask[task, default: 0] += 1
        }
        let tasks = try await run(["tasks", "--json"], workspace)
        let unanswered = tasks.stdout.split(separator: "\n").filter { $0.contains("\"task_id\":null") }.count
        var lost = 0
        for entry in accepted {
            let landed = imagesByTask[entry.taskID!, default: 0]
            if landed == 0 && entry.outcome != "failed" { lost += 1; continue }
            #expect(landed == (entry.outcome == "failed" ? 0 : entry.n), "\(entry.taskID!): \(landed) of \(entry.n) images")
        }
        #expect(lost <= unanswered, "\(lost) paid tasks are missing, but the library knows of only \(unanswered) unanswered submissions")
        #expect(Set(imagesByTask.keys).isSubset(of: Set(accepted.compactMap(\.taskID))), "an image from a task the simulator never accepted")
        let doctor = try await run(["doctor"], workspace)
        #expect(!doctor.stdout.contains("missing") && !doctor.stdout.contains("not in the catalog"), "\(doctor.stdout)")
    }

    @Test func batchStatesItsCostSlidesStopsOnNotEnoughCreditsAndContinuesWhenRunAgain() async throws {
        try await withWorkspace("batch", credits: 8, latency: 0.3, seed: 3) { sim, workspace, key in
            let file = workspace.file("prompts.jsonl", """
                # five lines, one of them two images: 12 credits, but the balance is 8
                {"prompt":"a red kite over dunes","tags":["kites"]}
                a green kite over a lake
                {"prompt":"a blue kite in the rain","n":2,"aspect_ratio":"16:9"}

                a yellow kite at night
                a white kite in snow
                """)

            let dry = try await run(["batch", file, "--dry-run", "--concurrency", "2"], workspace)
            #expect(dry.status == 0)
            #expect(dry.stderr.contains("5 tasks, 6 images, 12 credits"), "\(dry.stderr)")
            #expect(await sim.ledger(of: key).entries.isEmpty)

            let capped = try await run(["batch", file, "--max-credits", "10"], workspace)
            #expect(capped.status == 1 && capped.stderr.contains("over --max-credits 10"))

            let bad = workspace.file("bad.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\":\"x\",\"n\":9}\n{\"promt\":\"typo\"}\n")
            let refused = try await run(["batch", bad], workspace)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("line 3: unknown field \"promt\""), "\(refused.stderr)")
            #expect(await sim.ledger(of: key).entries.isEmpty, "a file with a mistake sends nothing")

            let first = try await run(["batch", file, "--concurrency", "2", "--json"], workspace)
            #expect(first.status == 1)
            #expect(first.stderr.contains("5 tasks, 6 images, 12 credits"))
            #expect(first.stderr.contains("not enough credits"), "\(first.stderr)")
            // Two at a time: lines 1 and 2 (2 credits each). When both finish at once, lines 3 (4
            // credits) and 5 (2) go out together and race for the remaining 4: whichever arrives
            // first is accepted, the other is refused with 402, and line 6 is never sent.
            let accepted = await sim.ledger(of: key).entries.filter { $0.taskID != nil }
            let prompts = Set(accepted.map(\.prompt))
            #expect(accepted.count == 3 && prompts.isSuperset(of: ["a red kite over dunes", "a green kite over a lake"]), "\(prompts)")
            #expect(prompts.contains("a blue kite in the rain") != prompts.contains("a yellow kite at night"), "\(prompts)")
            #expect(!(await sim.ledger(of: key).entries.contains { $0.prompt == "a white kite in snow" }), "a line after the 402 was sent")
            #expect(first.stderr.contains("1 not submitted"), "\(first.stderr)")
            let results = first.stdout.split(separator: "\n")
            #expect(results.filter { $0.contains("\"status\":\"completed\"") }.count == accepted.count)

            // The same command again: nothing already accepted is sent again.
            let again = try await run(["batch", file, "--concurrency", "2"], workspace)
            #expect(again.stderr.contains("already done"), "\(again.stderr)")
            let after = await sim.ledger(of: key).entries.filter { $0.taskID != nil }
            #expect(Set(after.map(\.prompt)).count == after.count, "a line was sent twice")
            let kites = try await run(["list", "tag:kites", "--json"], workspace)
            #expect(kites.stdout.split(separator: "\n").count == 1)
        }
    }

    @Test func rerunAndVariantRecordWhatTheyCameFrom() async throws {
        try await withWorkspace("rerun", credits: 100, latency: 0.3, seed: 5) { sim, workspace, key in
            let made = try await run(["generate", "a paper boat on a pond", "--aspect", "3:2", "--json"], workspace)
            #expect(made.status == 0, "\(made.stderr)")

            let rerun = try await run(["rerun", "1", "-n", "2", "--json"], workspace)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("\"prompt\":\"a paper boat on a pond\",\"aspect_ratio\":\"3:2\",\"n\":2"))

            let variant = try await run(["variant", "1", "--append", "in autumn", "--tag", "v", "--json"], workspace)
            #expect(variant.status == 0, "\(variant.stderr)")
            #expect(variant.stdout.contains("\"type\":\"image-to-image\""))
            let shown = try await run(["list", "parent:1", "--json"], workspace)
            #expect(shown.stdout.contains("a paper boat on a pond, in autumn"))
            #expect(shown.stdout.contains("\"parent_id\":1"))

            let both = try await run(["variant", "1", "--prompt", "x", "--append", "y"], workspace)
            #expect(both.status != 0 && both.stderr.contains("not both"))
            let missing = try await run(["rerun", "999"], workspace)
            #expect(missing.status == 1 && missing.stderr.contains("no image with ID 999"))
            #expect(await sim.ledger(of: key).entries.count == 3)
        }
    }

    @Test func killedAtRandomPointsThenResumedEveryPaidImageLandsExactlyOnce() async throws {
        try await withWorkspace("crash", credits: 10_000, latency: 0.4, jitter: 0.2, seed: 9) { sim, workspace, key in
            var random = SplitMix64(seed: 2026)
            var killed = 0
            for round in 0..<6 {
                let delay = 0.05 + Double(random.next() % 3000) / 1000  // 0.05–3 s into the run
                if try await runAndKill(["generate", "crash round \(round)", "-n", "4"], workspace, after: delay) { killed += 1 }
            }
            let lines = (0..<10).map { "batch crash line \($0)" }.joined(separator: "\n")
            let file = workspace.file("crash.txt", lines)
            for _ in 0..<3 {
                let delay = 0.3 + Double(random.next() % 4000) / 1000
                if try await runAndKill(["batch", file, "--concurrency", "3"], workspace, after: delay) { killed += 1 }
            }
            #expect(killed >= 4, "most runs should be killed mid-way (\(killed) of 9 were)")
            let left = try await run(["tasks", "--json"], workspace)
            #expect(!left.stdout.isEmpty, "the kills left nothing unfinished, so resume was not tested")

            let resumed = try await run(["resume"], workspace)
            #expect(resumed.status == 0 || resumed.stderr.contains("no task id"), "\(resumed.stderr)")
            let finished = try await run(["batch", file, "--concurrency", "3"], workspace)
            #expect(finished.status == 0 || finished.stderr.contains("not sent again"), "\(finished.stderr)")
            try await expectEveryPaidImageLandedOnce(sim, key: key, workspace)
        }
    }

    @Test func theKeyIsNowhereAfterTheWholeFlow() async throws {
        try await withWorkspace("canary", credits: 40, latency: 0.3, failRate: 0.2, seed: 8) { sim, workspace, canary in
            let file = workspace.file("p.txt", "one\ntwo\nthree\n")
            var results: [ProcessResult] = []
            results.append(try await run(["generate", "canary flow", "-n", "2", "--detach"], workspace))
            results.append(try await run(["resume", "--json"], workspace))
            results.append(try await run(["batch", file, "--json"], workspace))
            results.append(try await run(["rerun", "1", "--json"], workspace))
            results.append(try await run(["variant", "1", "--json"], workspace))
            results.append(try await run(["tasks", "--all", "--json"], workspace))
            results.append(try await run(["credits", "--json"], workspace))
            results.append(try await run(["generate", "too many", "-n", "4"], workspace))  // 402 by now
            results.append(try await run(["show", "1", "--json"], workspace))
            results.append(try await run(["doctor"], workspace))
            let exports = workspace.folder.appendingPathComponent("exports").path
            results.append(try await run(["export", "--query", "", "--to", exports + "/all.zip", "--manifest", "csv", "--contact-sheet"], workspace))
            results.append(try await run(["export", "--query", "", "--to", exports + "/folder", "--contact-sheet"], workspace))
            #expect(results.suffix(2).allSatisfy { $0.status == 0 }, "\(results.suffix(2).map(\.stderr))")
            for result in results {
                #expect(!result.stdout.contains(canary) && !result.stderr.contains(canary))
            }
            let files = FileManager.default.enumerator(atPath: workspace.folder.path)?.compactMap { $0 as? String } ?? []
            #expect(files.filter { $0.hasSuffix(".png") }.count >= 4)
            for file in files {
                let data = FileManager.default.contents(atPath: workspace.folder.path + "/" + file) ?? Data()
                #expect(data.range(of: Data(canary.utf8)) == nil, "the key is in \(file)")
            }
        }
    }
}
