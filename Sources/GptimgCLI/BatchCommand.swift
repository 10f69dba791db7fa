import ArgumentParser
import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgConfig
import GptimgGeneration
import GptimgSupport
import PNGMetadata

struct BatchCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Generate from a file of prompts, a few tasks at a time (2 credits an image).",
        discussion: """
            FILE holds one prompt a line, or JSON Lines with the fields prompt, aspect_ratio, n, \
            reference_images, tags and collection (blank lines and lines starting with # are \
            skipped; - reads standard input). Every line is checked first: a file with a mistake \
            sends nothing. The credits it will spend are stated before anything is sent.

            At most --concurrency tasks are at the API at once; when one completes the next is \
            sent. Submitting stops at the first "not enough credits" (402); tasks already sent \
            still land.

            Running the same file again continues it: lines already sent are never sent again \
            (tasks still running are waited for), so after a crash or Ctrl-C, run the same \
            command. --again runs the whole file again as new tasks.

            Examples:
              gptimg batch prompts.txt --aspect 16:9 --concurrency 8
              gptimg batch prompts.jsonl --dry-run
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var flags: GenerationFlags
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The batch file (- for standard input).")
    var file: String

    @Option(help: "Tasks at the API at once (default: the config file's concurrency, else 4).")
    var concurrency: Int?

    @Option(help: "Aspect ratio for lines that give none: \(AspectRatio.listed) (default: config's aspect, else 1:1).")
    var aspect: String?

    @Option(name: .short, help: "Images a line for lines that give none (1–4; default: config's n, else 1).")
    var n: Int?

    @Option(help: "Refuse to start if the batch would cost more credits than this (default: batch_credit_cap).")
    var maxCredits: Int?

    @Flag(help: "Check the file and state its cost; send nothing.")
    var dryRun = false

    @Flag(help: "Run every line again as new tasks, even those already sent.")
    var again = false

    func validate() throws {
        guard (1...64).contains(concurrency ?? 1) else { throw ValidationError("--concurrency must be from 1 to 64") }
    }

    func run(_ context: GptimgContext) async throws {
        try await runGenerations(context, options: options, detach: flags.detach, concurrency: concurrency) {
            catalog, client, _, settings in
            let defaults = BatchFile.Defaults(
                aspectRatio: aspect ?? settings.aspect ?? AspectRatio.default.rawValue, n: n ?? settings.n ?? 1,
                tags: flags.tags(settings), collection: flags.collection)
            let lines = try BatchFile.parse(try read(context), defaults: defaults)
            try BatchFile.check(lines, with: client)
            let identity = BatchFile.identity(
                path: file == "-" ? nil : file, currentDirectory: context.currentDirectory)
            let plan = try BatchPlan(lines, identity: identity, again: again, catalog: catalog)
            for notice in plan.notices { context.diagnostic(notice) }
            context.diagnostic(plan.statement(concurrency: concurrency ?? settings.concurrency ?? 4))
            try plan.check(maxCredits: maxCredits ?? settings.batchCreditCap)
            if dryRun {
                context.diagnostic("batch: dry run, nothing sent")
                throw ExitCode.success
            }
            return plan.jobs
        } after: { summary, output in
            var parts = ["\(summary.completed) completed"]
            if summary.failed > 0 { parts.append("\(summary.failed) failed") }
            if summary.unfinished > 0 {
                parts.append("\(summary.unfinished) unfinished (`gptimg resume` finishes them)")
            }
            if summary.notSubmitted > 0 { parts.append("\(summary.notSubmitted) not submitted") }
            output.error(
                "batch: \(parts.joined(separator: ", ")); "
                    + "\(summary.charged) credits charged, \(summary.refunded) refunded"
            )
        }
    }

    /// The file's text (standard input for -).
    private func read(_ context: GptimgContext) throws -> String {
        let bytes: [UInt8]
        if file == "-" {
            bytes = context.streams.readInput()
        } else {
            let path = file.hasPrefix("/") ? file : context.currentDirectory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ErrorLine(message: "cannot read \(file): check the path")
            }
            bytes = Array(data)
        }
        guard let text = String(data: Data(bytes), encoding: .utf8) else {
            throw ErrorLine(message: "\(file) is not UTF-8 text")
        }
        return text
    }
}
