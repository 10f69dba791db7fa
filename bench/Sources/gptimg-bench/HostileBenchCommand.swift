import ArgumentParser
import Foundation
import HostileCorpus

/// `gptimg-bench hostile --out DIR`: writes the hostile-input corpus of issue 14 and its
/// manifest, and (with `--gptimg`) runs every command on every input, measured against the
/// bounds of bench/README.md ("hostile.sh").
struct HostileBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostile",
        abstract:
            "Write the hostile-input corpus and a manifest; with --gptimg, run every command on it against the bounds.",
        discussion: """
            DIR/inputs/ gets every file, folder and zip of the corpus (tampered libraries and gallery \
            requests are built per command when run); DIR/manifest.tsv says which command runs on \
            which input, with its bounds and what a correct gptimg does. With --gptimg, every command \
            runs in a fresh copy of its input's world under DIR/runs/, a table per input goes to \
            stdout and DIR/results.tsv gets one line per command; the exit status is 1 when any \
            bound is broken.

            Examples:
              gptimg-bench hostile --out bench/out/hostile
              gptimg-bench hostile --out bench/out/hostile --gptimg .build-bench/release/gptimg
              gptimg-bench hostile --out bench/out/hostile --gptimg .build/debug/gptimg --only zip-alias-40x20MB
            """
    )

    @Option(help: "The folder to write into (emptied first).")
    var out: String

    @Option(help: "The gptimg binary to run on the corpus; without it the corpus is only written.")
    var gptimg: String?

    @Option(name: .customLong("only"), help: "Run only this case (repeatable).")
    var only: [String] = []

    @Flag(help: "Only the fast cases (those `make test` runs).")
    var fast = false

    @Option(help: "Seconds after which a command is killed (it breaks the wall bound anyway).")
    var timeout: Double = 60

    @Flag(help: "Keep each case's worlds under DIR/runs/ (libraries, staging, exports).")
    var keep = false

    func validate() throws {
        let names = Set(HostileCorpus.all.map(\.name))
        for name in only where !names.contains(name) {
            throw ValidationError("no case named \(name); the cases are: \(names.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        let cases = HostileCorpus.all.filter { (!fast || $0.fast) && (only.isEmpty || only.contains($0.name)) }
        let root = URL(fileURLWithPath: out).standardizedFileURL.path
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root + "/inputs", withIntermediateDirectories: true)
        let bounds = HostileBounds()
        let columns = [
            "case", "family", "issue items", "fast", "input bytes", "payload bytes", "command", "cpu s", "rss MiB",
            "wall s", "disk limit bytes", "output limit bytes", "expected", "summary",
        ]
        var manifest = [columns.joined(separator: "\t")]
        for testCase in cases {
            let inputBytes = try HostileCorpus.write(testCase, into: root + "/inputs")
            for command in HostileRunner.commands(for: testCase.family) {
                let expected = (testCase.expectations[command] ?? []).map { "\($0)" }.joined(separator: "; ")
                manifest.append(
                    [
                        testCase.name, testCase.family.rawValue, testCase.items, testCase.fast ? "yes" : "no",
                        String(inputBytes),
                        String(testCase.payloadBytes), command.rawValue, String(bounds.cpuSeconds),
                        String(bounds.peakRSSBytes >> 20),
                        String(bounds.wallSeconds), String(bounds.disk(payload: testCase.payloadBytes)),
                        String(bounds.output(payload: testCase.payloadBytes)), expected, testCase.summary,
                    ].joined(separator: "\t"))
            }
        }
        try (manifest.joined(separator: "\n") + "\n").write(
            toFile: root + "/manifest.tsv", atomically: true, encoding: .utf8)
        printError("wrote \(cases.count) cases to \(root)/inputs and \(root)/manifest.tsv")
        guard let gptimg else { return }

        var runner = HostileRunner(gptimg: gptimg, directory: root + "/runs", timeoutSeconds: timeout)
        runner.keepFiles = keep
        print("bounds: \(bounds.description)\n")
        var results = [
            "case\tcommand\tstatus\twall s\tcpu s\tpeak rss bytes\tdisk bytes\toutput bytes\tverdict\tproblems"
        ]
        var broken: [String] = []
        var commands = 0
        for testCase in cases {
            let report = try runner.run(testCase) { printError("  " + $0) }
            print(report.rendered() + "\n")
            fflush(nil) // every stream: the table shows as each case ends, through tee too
            for row in report.rows {
                let m = row.measurement
                commands += 1
                results.append(
                    [
                        testCase.name, row.command, m.statusText, String(format: "%.3f", m.wallSeconds),
                        String(format: "%.3f", m.cpuSeconds),
                        String(m.peakRSSBytes), String(m.diskBytes), String(m.outputBytes),
                        row.problems.isEmpty ? "ok" : "BROKEN",
                        row.problems.joined(separator: "; "),
                    ].joined(separator: "\t"))
            }
            broken += report.problems.map { "\(testCase.name): \($0)" }
            try (results.joined(separator: "\n") + "\n").write(
                toFile: root + "/results.tsv", atomically: true, encoding: .utf8)
        }
        print("\(commands) commands and requests on \(cases.count) inputs; \(broken.count) problem(s)")
        for problem in broken { print("  " + problem) }
        if !broken.isEmpty { throw ExitCode(1) }
    }
}
