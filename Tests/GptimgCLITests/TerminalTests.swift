import Dispatch
import Foundation
import GptimgSimulator
import TestSupport
import Testing

@testable import GptimgCLI

/// What gptimg shows on a terminal and elsewhere: the progress line (a real pseudo-terminal,
/// through Python's pty module, for the binary), colour and NO_COLOR, list lines fitted to the
/// width and the footer, one JSON error shape for every command with --json, and Ctrl-C during a
/// generation.
@Suite("the terminal: progress, colour, widths, JSON errors, Ctrl-C")
struct TerminalTests {
    static let gptimg = BuiltProduct.path("gptimg")

    /// Runs `arguments` (the binary first) on a new pseudo-terminal `columns` wide (set before
    /// the program starts); the terminal's output (stdout and stderr together) and the status.
    static let ptyScript = """
        import fcntl, os, pty, struct, sys, termios
        columns = int(sys.argv[1])
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
            os.execv(sys.argv[2], sys.argv[2:])
        data = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        _, status = os.waitpid(pid, 0)
        sys.stdout.buffer.write(data)
        sys.exit(os.waitstatus_to_exitcode(status))
        """

    static func onTerminal(_ arguments: [String], columns: Int = 100, environment extra: [String: String] = [:])
        async throws -> ProcessResult
    {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        environment["COLUMNS"] = nil
        environment["TERM"] = "xterm"
        environment.merge(extra) { $1 }
        return try await ProcessRunner.run(
            ["python3", "-c", ptyScript, String(columns), gptimg] + arguments, environment: environment)
    }

    /// A folder of `count` PNGs of ours (each a different image).
    static func pngs(_ folder: TemporaryFolder, count: Int) throws -> String {
        let sources = folder.url.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        for seed in 0..<count {
            try Data(
                CatalogCommandTests.ours(
                    "a terminal test image number \(seed) with a rather long prompt that will not fit on one line",
                    task: "gpt-image-2-TERMINALTERMINALTER\(seed)", seed: seed)
            )
            .write(to: sources.appendingPathComponent("\(seed).png"))
        }
        return sources.path
    }

    @Test func progressIsRedrawnOnATerminalAndPlainLinesOnAPipe() async throws {
        let folder = TemporaryFolder("gptimg-term")
        let sources = try Self.pngs(folder, count: 40)
        let shown = try await Self.onTerminal(["import", sources, "--library", folder.path + "/A"], columns: 100)
        #expect(shown.status == 0, "\(shown.stdout)")
        // Redrawn in place (carriage return, erase), ending at 100% with a rate, then taken away.
        #expect(shown.stdout.contains("\r\u{1B}[Kimport 0/40 0% · 0:00 elapsed"), "\(shown.stdout)")
        #expect(shown.stdout.contains("\r\u{1B}[Kimport 40/40 100% · "), "\(shown.stdout)")
        #expect(shown.stdout.contains(" elapsed · 40 imported, 0 duplicate, 0 skipped"))
        #expect(shown.stdout.contains("\u{1B}[32mimported\u{1B}[0m   "), "statuses in colour")
        // A result line never shares a row with the progress line: the line is erased first.
        for line in shown.stdout.components(separatedBy: "\r\n") where line.contains("-> images/") {
            #expect(line.contains("\r\u{1B}[K\u{1B}[32mimported\u{1B}[0m   /"), "\(line.debugDescription)")
        }
        #expect(shown.stdout.hasSuffix("\r\u{1B}[K40 imported, 0 duplicate, 0 skipped\r\n"), "\(shown.stdout)")

        let piped = try await ProcessRunner.run([Self.gptimg, "import", sources, "--library", folder.path + "/B"])
        #expect(piped.status == 0, "\(piped.stderr)")
        for stream in [piped.stdout, piped.stderr] {
            #expect(!stream.contains("\u{1B}") && !stream.contains("\r"), "\(stream.debugDescription)")
        }
        let lines = piped.stderr.split(separator: "\n")
        #expect(!lines.isEmpty && lines.count <= 11, "a plain line each tenth at most: \(piped.stderr)")
        #expect(lines.allSatisfy { $0.hasPrefix("gptimg: import ") })
        #expect(lines.last?.hasPrefix("gptimg: import 40/40 100% · ") == true, "\(piped.stderr)")

        let quiet = try await Self.onTerminal(["doctor", "--quiet", "--library", folder.path + "/A"])
        #expect(quiet.status == 0 && !quiet.stdout.contains("\u{1B}[K"), "\(quiet.stdout)")
        let doctor = try await Self.onTerminal(["doctor", "--library", folder.path + "/A"])
        #expect(doctor.stdout.contains("\r\u{1B}[Kdoctor: hashing 40/40 100%"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("\u{1B}[32mno problems\u{1B}[0m"), "\(doctor.stdout)")
        let rebuild = try await ProcessRunner.run([Self.gptimg, "rebuild", "--library", folder.path + "/B"])
        #expect(rebuild.status == 0 && rebuild.stderr.hasPrefix("gptimg: rebuild: reading "), "\(rebuild.stderr)")
        #expect(rebuild.stderr.contains("rebuild: reading 40/40 100%") && !rebuild.stderr.contains("\u{1B}"))
    }

    @Test func noColorTurnsColourOffButNotTheRedraws() async throws {
        let folder = TemporaryFolder("gptimg-term")
        let sources = try Self.pngs(folder, count: 3)
        for value in ["1", "0", "yes"] { // any value but the empty string (no-color.org)
            let plain = try await Self.onTerminal(
                ["import", sources, "--library", folder.path + "/L\(value)"], environment: ["NO_COLOR": value])
            #expect(plain.status == 0, "\(plain.stdout)")
            #expect(!plain.stdout.contains("\u{1B}[3") && !plain.stdout.contains("\u{1B}[0m"), "\(plain.stdout)")
            #expect(plain.stdout.contains("\r\u{1B}[Kimport 3/3 100%"))
        }
        let empty = try await Self.onTerminal(
            ["show", "999", "--library", folder.path + "/L1"], environment: ["NO_COLOR": ""])
        #expect(
            empty.status == 1 && empty.stdout.hasPrefix("\u{1B}[31mgptimg: no image with ID 999"), "\(empty.stdout)")
        let none = try await Self.onTerminal(
            ["show", "999", "--library", folder.path + "/L1"], environment: ["NO_COLOR": "1"])
        #expect(none.status == 1 && none.stdout.hasPrefix("gptimg: no image with ID 999"), "\(none.stdout)")
    }

    @Test func listFitsTheTerminalAndSaysWhenThereAreMore() async throws {
        let folder = TemporaryFolder("gptimg-term")
        let sources = try Self.pngs(folder, count: 5)
        let library = folder.path + "/Library"
        let imported = await Gptimg()(["import", "--quiet", sources, "--library", library])
        try #require(imported.status == 0, "\(imported.stderr)")

        // The terminal's own width (TIOCGWINSZ).
        let narrow = try await Self.onTerminal(["list", "--limit", "3", "--library", library], columns: 50)
        let rows = narrow.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 4, "\(narrow.stdout)")
        for row in rows { #expect(row.count <= 50, "\(row)") }
        #expect(rows[0].hasSuffix("…"))
        #expect(rows.last == "3 of 5 — --limit/--offset for more")

        // COLUMNS wins; the footer counts from the offset; none when everything is shown.
        var gptimg = Gptimg()
        gptimg.environment["COLUMNS"] = "40"
        let paged = await gptimg(["list", "--limit", "2", "--offset", "2", "--library", library], terminal: true)
        let lines = paged.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines.dropLast().allSatisfy { $0.count == 40 && $0.hasSuffix("…") })
        #expect(lines.last == "2 of 5 from 3 — --limit/--offset for more", "\(paged.stdout)")
        let all = await gptimg(["list", "--library", library], terminal: true)
        #expect(all.stdout.split(separator: "\n").count == 5, "\(all.stdout)")
        let piped = await Gptimg()(["list", "--limit", "2", "--library", library])
        #expect(piped.stdout.split(separator: "\n").count == 2 && !piped.stdout.contains(" of 5"), "\(piped.stdout)")
        #expect(piped.stdout.split(separator: "\n").allSatisfy { $0.count > 80 }, "not cut to a width")

        let json = jsonObjects(await Gptimg()(["list", "--json", "--library", library]).stdout)
        #expect(json.count == 5)
        for image in json {
            let file = try #require(image["file"] as? String)
            #expect(
                file == library + "/" + (image["path"] as? String ?? "") && FileManager.default.fileExists(atPath: file)
            )
            #expect(image["schema_version"] as? Int == 1)
        }
    }

    /// Every command that takes --json, failing: the same exit status as without --json, and
    /// stderr exactly one JSON object `{"error":{"code","message"}}` whose message is the text
    /// form's line.
    @Test func everyJSONCommandFailsWithOneJSONObject() async throws {
        let folder = TemporaryFolder("gptimg-term")
        let sources = try Self.pngs(folder, count: 1)
        let library = folder.path + "/Library"
        let missing = folder.path + "/Nowhere"
        let badConfig = folder.path + "/bad-home"
        try FileManager.default.createDirectory(
            atPath: badConfig + "/.config/gptimg", withIntermediateDirectories: true)
        FileManager.default.createFile(
            atPath: badConfig + "/.config/gptimg/config.toml", contents: Data("n = 9\n".utf8))
        #expect(await Gptimg()(["import", "--quiet", sources, "--library", library]).status == 0)
        let table: [(arguments: [String], code: String, status: Int32)] = [
            (["list", "--library", missing], "no_library", 1),
            (["list", "--library", library, "rating:>>3"], "invalid_query", 1),
            (["search", "lake", "--library", missing], "no_library", 1),
            (["show", "999", "--library", library], "not_found", 1),
            (["show", "--library", library], "usage", 64),
            (["open", "999", "--library", library], "not_found", 1),
            (["import", sources, "--library", "/dev/null/Library"], "file", 1),
            (["export", "--to", folder.path + "/out.zip", "--library", library], "export", 1),
            (["tag", "999", "--add", "x", "--library", library], "not_found", 1),
            (["rate", "999", "5", "--library", library], "not_found", 1),
            (["fav", "999", "--library", library], "not_found", 1),
            (["pick", "999", "--library", library], "not_found", 1),
            (["reject", "999", "--library", library], "not_found", 1),
            (["delete", "999", "--library", library], "not_found", 1),
            (["collection", "create", "", "--library", library], "invalid_value", 1),
            (["collection", "rename", "Nope", "Yes", "--library", library], "not_found", 1),
            (["collection", "delete", "Nope", "--library", library], "not_found", 1),
            (["collection", "list", "--library", missing], "no_library", 1),
            (["collection", "show", "Nope", "--library", library], "not_found", 1),
            (["collection", "add", "Keep", "999", "--library", library], "not_found", 1),
            (["collection", "remove", "Nope", "1", "--library", library], "not_found", 1),
            (["doctor", "--library", missing], "no_library", 1),
            (["rebuild", "--library", "/dev/null/Library"], "file", 1),
            (["backup", "--library", missing], "no_library", 1),
            (["generate", "a lighthouse", "--library", library], "no_key", 1),
            (["batch", "prompts.txt", "--library", library], "no_key", 1),
            (["rerun", "1", "--library", library], "no_key", 1),
            (["variant", "1", "--library", library], "no_key", 1),
            (["resume", "--library", library], "no_key", 1),
            (["tasks", "--library", missing], "no_library", 1),
            (["credits", "--library", missing], "no_library", 1),
            (["where", "--library", library, "--frobnicate"], "usage", 64),
            (["meta", "read", folder.path + "/none.png"], "file", 1),
            (["meta", "strip", folder.path + "/none.png"], "file", 1),
            (["config", "list"], "config", 1),
        ]
        for (arguments, code, status) in table {
            var gptimg = Gptimg(currentDirectory: folder.path)
            if arguments.first == "config" { gptimg.environment["HOME"] = badConfig }
            let text = await gptimg(arguments)
            let json = await gptimg(arguments + ["--json"])
            #expect(text.status == status && json.status == status, "\(arguments): \(text.status) \(json.status)")
            let lines = json.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): \(json.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stderr.utf8)) as? [String: Any], "\(arguments)")
            let error = try #require(object["error"] as? [String: Any], "\(arguments): \(json.stderr)")
            #expect(error["code"] as? String == code, "\(arguments): \(json.stderr)")
            let message = try #require(error["message"] as? String)
            #expect(!message.isEmpty && object["schema_version"] as? Int == 1)
            if status != 64 {
                #expect(text.stderr == "gptimg: \(message)\n", "\(arguments): \(text.stderr) vs \(message)")
            }
        }
    }

    /// Ctrl-C while a task runs at the API: exit 130, its task id and the resume hint; `gptimg
    /// resume` then lands it, and the API saw one submission.
    @Test func ctrlCDuringAGenerationNamesTheRunningTaskAndResumeLandsIt() async throws {
        let key = "ctrl-c-\(UUID().uuidString)"
        let simulator = Simulator(configuration: SimulatorConfiguration(keys: [key], credits: 10, latency: 12))
        try await simulator.withRunning { sim async throws in
            let workspace = BinaryTests.Workspace(sim, key: key)
            let command = [
                Self.gptimg, "generate", "a lighthouse in a storm", "-n", "2", "--library", workspace.library,
            ]
            let environment = workspace.environment
            // Interrupted once the task is submitted: on a loaded machine the first poll can find it
            // already completed, so a "waiting for" line is not certain to come.
            let interrupted = try await offThread { try Self.interrupt(command, environment, when: "] submitted ") }
            #expect(interrupted.status == 130, "\(interrupted.stderr)")
            let taskID = try #require(
                interrupted.stderr.split(separator: "\n").first { $0.contains("] submitted ") }?
                    .split(separator: " ").first { $0.hasPrefix("gpt-image-2-") }.map(String.init),
                "\(interrupted.stderr)")
            #expect(
                interrupted.stderr.hasSuffix(
                    "gptimg: interrupted: 1 task is still running at the API: \(taskID) (g1); "
                        + "`gptimg resume` will land it (nothing is sent again)\n"), "\(interrupted.stderr)")
            let tasks = try await BinaryTests.run(["tasks", "--json"], workspace)
            #expect(jsonObjects(tasks.stdout).map { $0["status"] as? String } == ["processing"], "\(tasks.stdout)")

            let resumed = try await BinaryTests.run(["resume"], workspace)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains("completed") && resumed.stdout.contains(taskID), "\(resumed.stdout)")
            let listed = try await BinaryTests.run(["list", "--json"], workspace)
            #expect(jsonObjects(listed.stdout).count == 2)
            let accepted = await sim.ledger(of: key).entries.filter { $0.taskID != nil }
            #expect(Set(accepted.compactMap(\.taskID)) == [taskID], "submitted once: \(accepted)")
            #expect(await sim.balance(of: key) == 6)
        }
    }

    /// Runs `command`, sends it SIGINT once its stderr contains `marker`, and returns how it ended.
    static func interrupt(_ command: [String], _ environment: [String: String], when marker: String) throws
        -> CommandResult
    {
        let (stdout, stderr) = (try ClosingPipe(), try ClosingPipe())
        let process = try ChildProcess(
            command[0], Array(command.dropFirst()), environment: environment, stdout: .descriptor(stdout.writeEnd),
            stderr: .descriptor(stderr.writeEnd))
        close(stdout.writeEnd)
        close(stderr.writeEnd)
        let lock = NSLock()
        nonisolated(unsafe) var errors = Data()
        let errorsRead = DispatchSemaphore(value: 0)
        detachThread {
            readToEnd(stderr.readEnd) { chunk in lock.withLock { errors.append(contentsOf: chunk) } }
            errorsRead.signal()
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning,
            !lock.withLock({ String(decoding: errors, as: UTF8.self).contains(marker) })
        {
            usleep(10_000)
        }
        process.signal(SIGINT)
        let output = readToEnd(stdout.readEnd)
        process.waitUntilExit()
        errorsRead.wait()
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
            stderr: lock.withLock { String(decoding: errors, as: UTF8.self) })
    }

    /// A batch on a terminal: its counts (done of total, rate, ETA) lead the redrawn line; piped,
    /// each step is a plain line; --quiet shows the statement and summary only.
    @Test func aBatchShowsItsCountsAndEachTasksStage() async throws {
        try await withGenerationWorkspace("batch-progress", credits: 40) { workspace in
            let gptimg = Gptimg(
                environment: [
                    "HOME": workspace.folder.path, "GPTIMG_BASE_URL": workspace.sim.baseURL,
                    "GPTIMG_API_KEY": workspace.key,
                ],
                currentDirectory: workspace.folder.path, clock: workspace.clock
            ).online()
            let prompts = workspace.folder.file("prompts.txt", "a red kite\na green kite\na blue kite\n")
            let shown = await gptimg(
                ["batch", prompts, "--concurrency", "2", "--library", workspace.library], terminal: true)
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(
                shown.stderr.contains("\r\u{1B}[Kdone 0/3 0% · 0:00 elapsed · [g1] sending 0:00"), "\(shown.stderr)")
            #expect(shown.stderr.contains("\r\u{1B}[Kdone 3/3 100% · "), "\(shown.stderr)")
            #expect(shown.stdout.contains("\u{1B}[32mcompleted\u{1B}[0m"), "statuses in colour: \(shown.stdout)")

            let piped = await gptimg(["batch", prompts, "--again", "--library", workspace.library])
            #expect(piped.status == 0 && !piped.stderr.contains("\u{1B}"), "\(piped.stderr)")
            #expect(piped.stderr.components(separatedBy: "] landed: images/").count == 4, "\(piped.stderr)")
            #expect(!piped.stdout.contains("\u{1B}"))

            let quiet = await gptimg(
                ["batch", prompts, "--again", "-q", "--library", workspace.library], terminal: true)
            #expect(quiet.status == 0 && !quiet.stderr.contains("] "), "\(quiet.stderr)")
            #expect(quiet.stderr.contains("batch: 3 completed"), "\(quiet.stderr)")
        }
    }

    @Test func progressTextAndFitting() {
        #expect(ProgressText.number(1234) == "1,234" && ProgressText.number(12) == "12")
        #expect(ProgressText.number(1_234_567) == "1,234,567")
        #expect(ProgressText.duration(7.9) == "0:07" && ProgressText.duration(3723) == "1:02:03")
        #expect(
            ProgressText.counts("import", done: 120, total: 1200, elapsed: 4, detail: "x")
                == "import 120/1,200 10% · 30/s · 0:04 elapsed · ETA 0:36 · x")
        #expect(
            ProgressText.counts("done", done: 1, total: 4, elapsed: 60)
                == "done 1/4 25% · 1.0/min · 1:00 elapsed · ETA 3:00")
        #expect(
            TerminalText.fit("abcdef", columns: 6) == "abcdef" && TerminalText.fit("abcdefg", columns: 6) == "abcde…")
        #expect(TerminalText.fit("日本語です", columns: 6) == "日本…")
        #expect(
            ListingOptions<ListCommand.Defaults>.footer(shown: 50, offset: 0, total: 1234)
                == "50 of 1,234 — --limit/--offset for more")
    }
}
