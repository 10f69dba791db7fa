import Dispatch
import Foundation
import GptimgSimulator
import PNGMetadata
import TestSupport
import Testing

/// The built binary, for what only a process shows: its exit codes and streams, the live
/// context (the environment, the terminal, the wall clock), and being killed.
@Suite("gptimg, the built binary")
struct BinaryTests {
    static let gptimg = BuiltProduct.path("gptimg")

    /// A folder with a library path, and the environment pointing at `sim` with `key`.
    struct Workspace {
        let folder = TemporaryFolder("gptimg-bin")
        var library: String { folder.path + "/Library" }
        let environment: [String: String]

        init(_ sim: RunningSimulator, key: String) {
            var environment = ProcessInfo.processInfo.environment
            environment["GPTIMG_BASE_URL"] = sim.baseURL
            environment["GPTIMG_API_KEY"] = key
            environment["GPTIMG_POLL_LATENCY"] = "0.2"
            environment["HOME"] = folder.path // no stray config file
            self.environment = environment
        }
    }

    /// Runs the binary (off the cooperative pool, which the simulator's handlers need).
    static func run(_ arguments: [String], _ workspace: Workspace) async throws -> ProcessResult {
        try await ProcessRunner.run(
            [gptimg] + arguments + ["--library", workspace.library], environment: workspace.environment)
    }

    @Test func exitCodesAndStreams() async throws {
        let key = "bin-\(UUID().uuidString)"
        let simulator = Simulator(configuration: SimulatorConfiguration(keys: [key], credits: 4, latency: 0.2))
        try await simulator.withRunning { sim async throws in
            let workspace = Workspace(sim, key: key)
            let generated = try await Self.run(["generate", "a red apple on white marble", "--json"], workspace)
            #expect(generated.status == 0, "\(generated.stderr)")
            #expect(generated.stderr.isEmpty, "no progress lines when stderr is a pipe: \(generated.stderr)")
            let result = try #require(jsonObjects(generated.stdout).first)
            #expect(result["status"] as? String == "completed" && result["credits_charged"] as? Int == 2)

            let refused = try await Self.run(["generate", "too many", "-n", "2"], workspace)
            #expect(refused.status == 1)
            #expect(
                refused.stderr.hasPrefix("gptimg: not enough credits: this needs 4, the balance is 2"),
                "\(refused.stderr)")
            #expect(refused.stdout.contains("failed"))

            let usage = try await Self.run(["generate"], workspace)
            #expect(
                usage.status == 64 && usage.stderr.contains("Missing expected argument '<prompt>'"),
                "\(usage.status) \(usage.stderr)")
            let help = try await ProcessRunner.run([Self.gptimg, "batch", "--help"])
            #expect(
                help.status == 0 && help.stdout.contains("--max-credits") && help.stdout.contains("--verbose")
                    && help.stderr.isEmpty)

            let verbose = try await Self.run(["tasks", "--all", "--verbose"], workspace)
            #expect(verbose.status == 0 && verbose.stdout.contains("completed"))
            for output in [generated, refused, usage, verbose] {
                #expect(!output.stdout.contains(key) && !output.stderr.contains(key))
            }
        }
    }

    @Test func simulatorRefusesABadPortWithOneLine() async throws {
        let result = try await ProcessRunner.run([Self.gptimg, "simulator", "--port", "70000"])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("--port"))
    }

    /// Starts the binary and kills it with SIGKILL after `delay` seconds (a random point of its
    /// work: the delay injects the fault, nothing is timed). Returns whether it was still running.
    static func runAndKill(_ arguments: [String], _ workspace: Workspace, after delay: Double) async throws -> Bool {
        let command = arguments + ["--library", workspace.library]
        let environment = workspace.environment
        return try await offThread {
            let process = try ChildProcess(gptimg, command, environment: environment)
            usleep(useconds_t(delay * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal
        }
    }

    /// Every image of every task the simulator accepted is in the library exactly once, unless
    /// the library itself says it may have lost the answer (a generation without a task id that
    /// is not known to have failed). No prompt was submitted twice.
    static func expectEveryPaidImageLandedOnce(_ sim: RunningSimulator, key: String, _ workspace: Workspace)
        async throws
    {
        let (entries, _) = await sim.ledger(of: key)
        let accepted = entries.filter { $0.taskID != nil }
        #expect(Set(accepted.map(\.prompt)).count == accepted.count, "a prompt was submitted twice")
        let listed = try await run(["list", "--limit", "100000", "--json"], workspace)
        var imagesByTask: [String: Int] = [:]
        for image in jsonObjects(listed.stdout) {
            guard let task = image["task_id"] as? String else { continue }
            imagesByTask[task, default: 0] += 1
        }
        let tasks = try await run(["tasks", "--json"], workspace)
        let unanswered = jsonObjects(tasks.stdout).filter { $0["task_id"] is NSNull }.count
        var lost = 0
        for entry in accepted {
            let landed = imagesByTask[entry.taskID!, default: 0]
            if landed == 0 && entry.outcome != "failed" {
                lost += 1
                continue
            }
            #expect(
                landed == (entry.outcome == "failed" ? 0 : entry.n), "\(entry.taskID!): \(landed) of \(entry.n) images")
        }
        #expect(
            lost <= unanswered,
            "\(lost) paid tasks are missing, but the library knows of only \(unanswered) unanswered submissions")
        #expect(
            Set(imagesByTask.keys).isSubset(of: Set(accepted.compactMap(\.taskID))),
            "an image from a task the simulator never accepted")
        let doctor = try await run(["doctor"], workspace)
        #expect(!doctor.stdout.contains("missing") && !doctor.stdout.contains("not in the catalog"), "\(doctor.stdout)")
    }

    /// Processes killed at random points, several at once on one library (as a user's shell
    /// scripts might), then `resume` and the batch again: every paid image lands exactly once.
    @Test func killedAtRandomPointsThenResumedEveryPaidImageLandsExactlyOnce() async throws {
        let key = "crash-\(UUID().uuidString)"
        let simulator = Simulator(
            configuration: SimulatorConfiguration(keys: [key], credits: 10_000, latency: 0.3, jitter: 0.15, seed: 9))
        try await simulator.withRunning { sim async throws in
            let workspace = Workspace(sim, key: key)
            var random = SplitMix64(seed: 2026)
            let lines = (0..<10).map { "batch crash line \($0)" }.joined(separator: "\n")
            let file = workspace.folder.file("crash.txt", lines)
            var runs: [([String], Double)] = (0..<6).map { round in
                // 0.05–2.5 s
                (["generate", "crash round \(round)", "-n", "4"], 0.05 + Double(random.next() % 2500) / 1000)
            }
            runs += (0..<3).map { _ in
                (["batch", file, "--concurrency", "3"], 0.2 + Double(random.next() % 3000) / 1000)
            }
            let killed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (arguments, delay) in runs {
                    group.addTask { try await Self.runAndKill(arguments, workspace, after: delay) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(killed >= 4, "most runs should be killed mid-way (\(killed) of 9 were)")
            let left = try await Self.run(["tasks", "--json"], workspace)
            #expect(!left.stdout.isEmpty, "the kills left nothing unfinished, so resume was not tested")

            let resumed = try await Self.run(["resume"], workspace)
            #expect(resumed.status == 0 || resumed.stderr.contains("no task id"), "\(resumed.stderr)")
            let finished = try await Self.run(["batch", file, "--concurrency", "3"], workspace)
            #expect(finished.status == 0 || finished.stderr.contains("not sent again"), "\(finished.stderr)")
            try await Self.expectEveryPaidImageLandedOnce(sim, key: key, workspace)
        }
    }
}
