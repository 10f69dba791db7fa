import Foundation
import GptimgGeneration
import GptimgSimulator
import GptimgSupport
import PNGMetadata
import Testing

@testable import GptimgCLI

/// A library in a temporary folder, a simulator with one key on the same simulated clock as
/// the commands, and `gptimg` pointed at both: a 45-second task takes no time at all.
struct GenerationWorkspace {
    let folder = TemporaryFolder("gptimg-gen")
    let clock: SimulatedClock
    let key: String
    let sim: RunningSimulator
    var library: String { folder.path + "/Library" }

    /// `gptimg ARGUMENTS --library <the workspace's>`, against the simulator.
    func callAsFunction(_ arguments: [String], input: String? = nil) async -> CommandResult {
        let gptimg = Gptimg(
            environment: [
                "HOME": folder.path, "GPTIMG_BASE_URL": sim.baseURL, "GPTIMG_API_KEY": key, "PATH": "/usr/bin:/bin",
            ],
            currentDirectory: folder.path, clock: clock
        ).online()
        return await gptimg(arguments + ["--library", library], input: input)
    }

    /// The simulator's ledger of the workspace's key.
    func accepted() async -> [SimulatorLedgerEntry] {
        await sim.ledger(of: key).entries.filter { $0.taskID != nil }
    }
}

/// Runs `body` with a simulator (one key named after the test) and a workspace pointed at it.
func withGenerationWorkspace(
    _ name: String, credits: Int, latency: Double = 45, jitter: Double = 0, failRate: Double = 0, seed: UInt64 = 3,
    _ body: (GenerationWorkspace) async throws -> Void
) async throws {
    let key = "\(name)-\(UUID().uuidString)"
    let clock = SimulatedClock()
    let simulator = Simulator(
        configuration: SimulatorConfiguration(
            keys: [key], credits: credits, latency: latency, jitter: jitter, failRate: failRate, seed: seed),
        now: { clock.now() })
    try await simulator.withRunning { sim async throws in
        try await body(GenerationWorkspace(clock: clock, key: key, sim: sim))
    }
}

/// `batch`, `rerun`, `variant`, `resume` and `generate`, in-process against the simulator over
/// loopback, its ledger the judge of money.
@Suite("gptimg batch, rerun, variant, resume")
struct GenerationCommandTests {
    static let kites = """
        # five lines, one of them two images: 12 credits, but the balance is 8
        {"prompt":"a red kite over dunes","tags":["kites"]}
        a green kite over a lake
        {"prompt":"a blue kite in the rain","n":2,"aspect_ratio":"16:9"}

        a yellow kite at night
        a white kite in snow
        """

    @Test func aDryRunStatesTheCostAndSendsNothing() async throws {
        try await withGenerationWorkspace("dry", credits: 8) { workspace in
            let file = workspace.folder.file("prompts.jsonl", Self.kites)
            let dry = await workspace(["batch", file, "--dry-run", "--concurrency", "2"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(
                dry.stderr == """
                    gptimg: batch: 5 tasks, 6 images, 12 credits (2 an image), 2 at a time
                    gptimg: batch: dry run, nothing sent

                    """, "\(dry.stderr)")
            #expect(dry.stdout.isEmpty)
            #expect(await workspace.sim.ledger(of: workspace.key).entries.isEmpty)
        }
    }

    @Test func aBatchOverMaxCreditsIsRefusedAfterItsStatement() async throws {
        try await withGenerationWorkspace("cap", credits: 8) { workspace in
            let file = workspace.folder.file("prompts.jsonl", Self.kites)
            let capped = await workspace(["batch", file, "--max-credits", "10"])
            #expect(capped.status == 1)
            #expect(
                capped.stderr.hasSuffix(
                    "12 credits (2 an image), 4 at a time\n"
                        + "gptimg: the batch would cost 12 credits, over --max-credits 10; nothing was sent\n"
                ),
                "\(capped.stderr)")
            #expect(await workspace.sim.ledger(of: workspace.key).entries.isEmpty)
        }
    }

    @Test func aFileWithAMistakeSendsNothing() async throws {
        try await withGenerationWorkspace("bad", credits: 8) { workspace in
            let bad = workspace.folder.file(
                "bad.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\":\"x\",\"n\":9}\n{\"promt\":\"typo\"}\n")
            let refused = await workspace(["batch", bad])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("line 3: unknown field \"promt\""), "\(refused.stderr)")
            let rules = await workspace(["batch", workspace.folder.file("rules.txt", "{\"prompt\":\"x\",\"n\":9}\n")])
            #expect(
                rules.status == 1 && rules.stderr.contains("the batch file has mistakes, so nothing was sent: line 1: ")
            )
            let missing = await workspace(["batch", "nowhere.txt"])
            #expect(missing.status == 1 && missing.stderr == "gptimg: cannot read nowhere.txt: check the path\n")
            #expect(
                await workspace.sim.ledger(of: workspace.key).entries.isEmpty, "a file with a mistake sends nothing")
        }
    }

    @Test func aBatchFromStandardInputIsReadWhole() async throws {
        try await withGenerationWorkspace("stdin", credits: 100) { workspace in
            let result = await workspace(["batch", "-", "--json"], input: "one from stdin\ntwo from stdin\n")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(jsonObjects(result.stdout).compactMap { $0["source"] as? String }.sorted() == ["line 1", "line 2"])
            #expect(
                result.stderr.hasSuffix("gptimg: batch: 2 completed; 4 credits charged, 0 refunded\n"),
                "\(result.stderr)")
        }
    }

    @Test func aBatchSlidesStopsOnNotEnoughCreditsAndContinuesWhenRunAgain() async throws {
        try await withGenerationWorkspace("batch", credits: 8) { workspace in
            let file = workspace.folder.file("prompts.jsonl", Self.kites)
            let first = await workspace(["batch", file, "--concurrency", "2", "--json"])
            #expect(first.status == 1)
            #expect(first.stderr.hasPrefix("gptimg: batch: 5 tasks, 6 images, 12 credits"), "\(first.stderr)")
            #expect(first.stderr.contains("not enough credits"), "\(first.stderr)")
            // Two at a time: lines 1 and 2 (2 credits each). When both finish at once, lines 3 (4
            // credits) and 5 (2) go out together and race for the remaining 4: whichever arrives
            // first is accepted, the other is refused with 402, and line 6 is never sent.
            let accepted = await workspace.accepted()
            let prompts = Set(accepted.map(\.prompt))
            #expect(
                accepted.count == 3 && prompts.isSuperset(of: ["a red kite over dunes", "a green kite over a lake"]),
                "\(prompts)")
            #expect(
                prompts.contains("a blue kite in the rain") != prompts.contains("a yellow kite at night"), "\(prompts)")
            let all = await workspace.sim.ledger(of: workspace.key).entries
            #expect(!all.contains { $0.prompt == "a white kite in snow" }, "a line after the 402 was sent")
            #expect(first.stderr.contains("stopped submitting: not enough credits; 1 not submitted"), "\(first.stderr)")
            let results = jsonObjects(first.stdout)
            #expect(results.filter { $0["status"] as? String == "completed" }.count == accepted.count)
            #expect(results.allSatisfy { ($0["source"] as? String)?.hasPrefix("line ") == true })

            // The same command again: nothing already accepted is sent again.
            let again = await workspace(["batch", file, "--concurrency", "2"])
            #expect(
                again.stderr.contains(
                    "gptimg: batch: 3 lines already done in this file's run (--again runs them as new tasks)"),
                "\(again.stderr)")
            let after = await workspace.accepted()
            #expect(Set(after.map(\.prompt)).count == after.count, "a line was sent twice")
            let kites = await workspace(["list", "tag:kites", "--json"])
            #expect(jsonObjects(kites.stdout).count == 1)
        }
    }

    @Test func againRunsTheWholeFileAsNewTasks() async throws {
        try await withGenerationWorkspace("again", credits: 100) { workspace in
            let file = workspace.folder.file("two.txt", "first line\nsecond line\n")
            #expect(await workspace(["batch", file]).status == 0)
            let same = await workspace(["batch", file])
            #expect(same.stderr.contains("batch: 0 tasks, 0 images, 0 credits"), "\(same.stderr)")
            let again = await workspace(["batch", file, "--again"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("batch: 2 tasks, 2 images, 4 credits"), "\(again.stderr)")
            #expect(await workspace.accepted().count == 4)
        }
    }

    @Test func rerunAndVariantRecordWhatTheyCameFrom() async throws {
        try await withGenerationWorkspace("rerun", credits: 100) { workspace in
            let made = await workspace(["generate", "a paper boat on a pond", "--aspect", "3:2", "--json"])
            #expect(made.status == 0, "\(made.stderr)")

            let rerun = await workspace(["rerun", "1", "-n", "2", "--json"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("\"prompt\":\"a paper boat on a pond\",\"aspect_ratio\":\"3:2\",\"n\":2"))

            let variant = await workspace(["variant", "1", "--append", "in autumn", "--tag", "v", "--json"])
            #expect(variant.status == 0, "\(variant.stderr)")
            #expect(variant.stdout.contains("\"type\":\"image-to-image\""))
            let shown = await workspace(["list", "parent:1", "--json"])
            #expect(shown.stdout.contains("a paper boat on a pond, in autumn"))
            #expect(shown.stdout.contains("\"parent_id\":1"))
            #expect(await workspace.sim.ledger(of: workspace.key).entries.count == 3)
        }
    }

    @Test func rerunAndVariantRefuseWhatTheyCannotRunAndSendNothing() async throws {
        try await withGenerationWorkspace("refuse", credits: 100) { workspace in
            let both = await workspace(["variant", "1", "--prompt", "x", "--append", "y"])
            #expect(both.status != 0 && both.stderr.contains("not both"))
            let missing = await workspace(["rerun", "999"])
            #expect(missing.status == 1 && missing.stderr.contains("no image with ID 999"), "\(missing.stderr)")
            let task = await workspace(["rerun", "gpt-image-2-NOSUCHTASKNOSUCHTASKN"])
            #expect(
                task.status == 1 && task.stderr.contains("no task gpt-image-2-NOSUCHTASKNOSUCHTASKN in the library"))
            #expect(await workspace.sim.ledger(of: workspace.key).entries.isEmpty)
        }
    }

    @Test func detachThenResumeFinishesWithoutSubmittingAgain() async throws {
        try await withGenerationWorkspace("detach", credits: 100) { workspace in
            let detached = await workspace(["generate", "later please", "-n", "2", "--detach", "--json"])
            #expect(detached.status == 0, "\(detached.stderr)")
            #expect(jsonObjects(detached.stdout).first?["status"] as? String == "processing")
            let tasks = await workspace(["tasks"])
            #expect(tasks.stdout.contains("processing") && tasks.stdout.contains("later please"), "\(tasks.stdout)")
            let resumed = await workspace(["resume", "--json"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(jsonObjects(resumed.stdout).first?["status"] as? String == "completed")
            let nothing = await workspace(["resume"])
            #expect(nothing.status == 0 && nothing.stderr == "gptimg: nothing to resume: every task has finished\n")
            #expect(await workspace.sim.ledger(of: workspace.key).entries.count == 1, "resume never submits")
        }
    }

    @Test func theKeyIsNowhereAfterTheWholeFlow() async throws {
        try await withGenerationWorkspace("canary", credits: 40, failRate: 0.2, seed: 8) { workspace in
            let canary = workspace.key
            let file = workspace.folder.file("p.txt", "one\ntwo\nthree\n")
            var results: [CommandResult] = []
            results.append(await workspace(["generate", "canary flow", "-n", "2", "--detach"]))
            results.append(await workspace(["resume", "--json"]))
            results.append(await workspace(["batch", file, "--json", "--verbose"]))
            results.append(await workspace(["rerun", "1", "--json"]))
            results.append(await workspace(["variant", "1", "--json"]))
            results.append(await workspace(["tasks", "--all", "--json"]))
            results.append(await workspace(["credits", "--json"]))
            results.append(await workspace(["generate", "too many", "-n", "4", "--verbose"])) // 402 by now
            results.append(await workspace(["show", "1", "--json"]))
            results.append(await workspace(["doctor"]))
            let exports = workspace.folder.path + "/exports"
            results.append(
                await workspace([
                    "export", "--query", "", "--to", exports + "/all.zip", "--manifest", "csv", "--contact-sheet",
                ]))
            results.append(await workspace(["export", "--query", "", "--to", exports + "/folder", "--contact-sheet"]))
            #expect(results.suffix(2).allSatisfy { $0.status == 0 }, "\(results.suffix(2).map(\.stderr))")
            #expect(
                results[2].stderr.contains("debug: gptimg.client: POST /api/v1/images/generate"),
                "--verbose logs each request")
            for result in results {
                #expect(!result.stdout.contains(canary) && !result.stderr.contains(canary))
            }
            let files =
                FileManager.default.enumerator(atPath: workspace.folder.path)?.compactMap { $0 as? String } ?? []
            #expect(files.filter { $0.hasSuffix(".png") }.count >= 4)
            for file in files {
                let data = FileManager.default.contents(atPath: workspace.folder.path + "/" + file) ?? Data()
                #expect(data.range(of: Data(canary.utf8)) == nil, "the key is in \(file)")
            }
        }
    }
}
