import ArgumentParser
import Foundation

/// `gptimg-bench report FILE.json`: the medians of a `hyperfine --export-json` run as a table,
/// with each contender's time relative to the first command's.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the medians of hyperfine JSON exports and the ratios to the first command.",
        discussion: """
            The results of all files make one table. The reference is the first command (or
            --reference); a ratio is the other command's median over the reference's (above 1:
            the reference is faster).

            Example: gptimg-bench report bench/out/meta-read.json --target "exiftool -fast2=25"
            """
    )

    @Argument(help: "hyperfine --export-json files.")
    var files: [String]

    @Option(help: "NAME=RATIO: the least ratio expected against the command named NAME (repeatable).")
    var target: [String] = []

    @Option(help: "The command the others are compared with (default: the first).")
    var reference: String?

    struct Export: Decodable {
        struct Result: Decodable {
            var command: String
            var median: Double
            var mean: Double
            var stddev: Double?
            var min: Double
            var max: Double
            var times: [Double]?
        }

        var results: [Result]
    }

    func run() throws {
        var targets: [String: Double] = [:]
        for entry in target {
            guard let equals = entry.lastIndex(of: "="), let ratio = Double(entry[entry.index(after: equals)...]) else {
                throw ValidationError("--target takes NAME=RATIO, not \(entry)")
            }
            targets[String(entry[..<equals])] = ratio
        }
        // Several exports (e.g. a slow contender timed with fewer runs) make one table.
        var results: [Export.Result] = []
        for file in files {
            results += try JSONDecoder().decode(Export.self, from: Data(contentsOf: URL(fileURLWithPath: file))).results
        }
        let reference: Export.Result
        if let name = self.reference {
            guard let named = results.first(where: { $0.command == name }) else {
                throw ValidationError("no command named \(name) in \(files.joined(separator: ", "))")
            }
            reference = named
        } else {
            guard let first = results.first else {
                throw ValidationError("no results in \(files.joined(separator: ", "))")
            }
            reference = first
        }
        let nameWidth = max(10, results.map(\.command.count).max() ?? 0)
        print(
            pad("command", nameWidth)
                + "   median s     mean s ± sd      min s      max s  runs  median / reference median")
        var missed = 0
        for result in results {
            var line = pad(result.command, nameWidth)
            line += String(
                format: "  %9.3f  %9.3f ± %5.3f  %9.3f  %9.3f  %4d  ", result.median, result.mean, result.stddev ?? 0,
                result.min,
                result.max, result.times?.count ?? 0)
            if result.command == reference.command {
                line += "1.00 (reference)"
            } else {
                let ratio = result.median / reference.median
                line += String(format: "%.2f", ratio)
                if let expected = targets[result.command] {
                    let met = ratio >= expected
                    if !met { missed += 1 }
                    line += String(format: "  (target ≥ %.2f: ", expected) + (met ? "met)" : "MISSED)")
                }
            }
            print(line)
        }
        if missed > 0 { print("\(missed) target(s) missed") }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
