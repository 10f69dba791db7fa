import ArgumentParser
import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import PNGMetadata

/// Where the API is and which key to use: `GPTIMG_BASE_URL` (default https://gptimg.co) and
/// `GPTIMG_API_KEY`, else `~/.config/gptimg/api-key` when only its owner can read it.
enum APIAccess {
    static func client(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APIClient {
        let base = environment["GPTIMG_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? APIContract.defaultBaseURL
        return try APIClient(baseURL: base, key: try key(environment: environment))
    }

    static func key(environment: [String: String]) throws -> APIKey {
        if let value = environment["GPTIMG_API_KEY"], !value.isEmpty {
            guard let key = APIKey(value) else { throw ClientError.missingKey }
            return key
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = (environment["XDG_CONFIG_HOME"].map { $0 + "/gptimg" } ?? home + "/.config/gptimg") + "/api-key"
        var info = stat()
        guard stat(path, &info) == 0 else { throw ClientError.missingKey }
        guard info.st_mode & 0o077 == 0 else {
            throw ErrorLine(message: "\(path) is readable by other users; run `chmod 600 \(path)` (and consider rotating the key)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let key = APIKey(text) else {
            throw ErrorLine(message: "\(path) does not hold a key: put the key alone on its first line")
        }
        return key
    }
}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate images from a prompt into the library (2 credits an image).",
        discussion: """
            Checks the request with the API's rules before sending anything, records the task \
            before and after submitting it, never submits it twice, polls until it ends, and lands \
            each image with its metadata embedded. Ctrl-C or a crash loses nothing: `gptimg resume` \
            finishes the task.

            Examples:
              gptimg generate "a lighthouse on a cliff at sunset" --aspect 16:9 -n 2
              gptimg generate "restyle as watercolor" --ref https://example.com/a.png --tag watercolor
            """
    )

    @OptionGroup var options: CatalogOptions

    @Argument(help: "What to draw.")
    var prompt: String

    @Option(help: "Aspect ratio: \(AspectRatio.listed).")
    var aspect = AspectRatio.default.rawValue

    @Option(name: .short, help: "Images to generate (1–4).")
    var n = 1

    @Option(name: .customLong("ref"), help: "A reference image URL (https; up to 4): image-to-image.")
    var references: [String] = []

    @Option(name: .customLong("tag"), help: "A tag for the new images (repeatable).")
    var tags: [String] = []

    @Option(help: "Add the new images to this collection (created when missing).")
    var collection: String?

    @Flag(help: "Submit and return; `gptimg resume` fetches the images later.")
    var detach = false

    func run() async throws {
        try await runCatalogCommand { output in
            let client = try APIAccess.client()
            let request = GenerateRequest(prompt: prompt, aspectRatio: aspect, n: n, referenceImages: references)
            if let problem = client.problem(with: request) { throw ClientError.invalidRequest(problem) }
            let catalog = try options.open(.readWrite)
            let generator = Generator(catalog: catalog, client: client, events: progressReporter(json: options.json))
            let generationOptions = GenerationOptions(tags: tags, collection: collection)
            let submitted = try await generator.submit(request, options: generationOptions)
            guard submitted.status == .processing, !detach else {
                GenerationRendering.emit(GenerationOutcome(generation: submitted, images: [], missing: [], message: submitted.errorMessage), json: options.json, output: output)
                if submitted.status != .processing { throw ExitCode(1) }
                return
            }
            let outcome = try await generator.finish(submitted, options: generationOptions)
            GenerationRendering.emit(outcome, json: options.json, output: output)
            if outcome.generation.status != .completed { throw ExitCode(1) }
        }
    }
}

struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List unfinished tasks (and, with --all, recent ones) and their status.")

    @OptionGroup var options: CatalogOptions

    @Flag(help: "Also list recent finished tasks.")
    var all = false

    func run() throws {
        try runCatalogCommand { output in
            let catalog = try options.open(.readOnly)
            let generations = all ? try catalog.recentGenerations(limit: 100) : try catalog.unfinishedGenerations()
            for generation in generations {
                if options.json {
                    output.json(GenerationRendering.json(generation, images: nil))
                } else {
                    output.line(GenerationRendering.line(generation))
                }
            }
        }
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Poll every unfinished task to its end and download its images; never re-submits.",
        discussion: """
            Tasks that may have been sent but have no task id (the connection failed mid-request) \
            cannot be polled: they are listed, and never sent again.
            """)

    @OptionGroup var options: CatalogOptions

    func run() async throws {
        try await runCatalogCommand { output in
            let catalog = try options.open(.readWrite)
            let unfinished = try catalog.unfinishedGenerations()
            guard !unfinished.isEmpty else {
                output.error("nothing to resume: every task has finished")
                return
            }
            let client = try APIAccess.client()
            let generator = Generator(catalog: catalog, client: client, events: progressReporter(json: options.json))
            var incomplete = 0
            for generation in unfinished {
                guard generation.taskID != nil else {
                    output.error("task #\(generation.id) (\"\(generation.prompt.prefix(40))\") has no task id: it may or may not have reached the API and is not sent again")
                    incomplete += 1
                    continue
                }
                let outcome = try await generator.finish(generation)
                GenerationRendering.emit(outcome, json: options.json, output: output)
                if outcome.generation.status != .completed && outcome.generation.status != .failed { incomplete += 1 }
            }
            if incomplete > 0 { throw ExitCode(1) }
        }
    }
}

struct CreditsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credits",
        abstract: "Credits charged, refunded and net (total, per day, per month), and the last balance the API reported.")

    @OptionGroup var options: CatalogOptions

    func run() throws {
        try runCatalogCommand { output in
            let summary = try options.open(.readOnly).creditSummary()
            func json(_ totals: CreditTotals) -> JSONOut {
                .object([("period", .string(totals.period)), ("charged", .int(totals.charged)), ("refunded", .int(totals.refunded)), ("net", .int(totals.net))])
            }
            if options.json {
                output.json(.object([
                    ("total", json(summary.total)), ("per_day", .array(summary.perDay.map(json))), ("per_month", .array(summary.perMonth.map(json))),
                    ("last_balance", summary.lastBalance.map { .object([("credits", .int($0.credits)), ("at", .string($0.at))]) } ?? .null),
                ]))
                return
            }
            output.line("charged \(summary.total.charged), refunded \(summary.total.refunded), net \(summary.total.net) credits")
            for month in summary.perMonth { output.line("  \(month.period)  charged \(month.charged)  refunded \(month.refunded)  net \(month.net)") }
            if let balance = summary.lastBalance { output.line("last balance reported by the API: \(balance.credits) (\(balance.at))") }
        }
    }
}

/// Progress on stderr when it is a terminal (and not for --json); quiet when piped.
func progressReporter(json: Bool) -> @Sendable (GenerationEvent) -> Void {
    guard !json, isatty(STDERR_FILENO) == 1 else { return { _ in } }
    let printer = ProgressPrinter()
    return { printer.report($0) }
}

enum GenerationRendering {
    static func emit(_ outcome: GenerationOutcome, json: Bool, output: Output) {
        if json {
            output.json(Self.json(outcome.generation, images: outcome.images, missing: outcome.missing, message: outcome.message))
            return
        }
        output.line(line(outcome.generation))
        for image in outcome.images { output.line("  #\(image.id)  \(image.path)") }
        if let message = outcome.message { output.error(message) }
    }

    static func line(_ generation: GenerationRecord) -> String {
        let task = generation.taskID ?? "(no task id)"
        return "#\(generation.id)  \(generation.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(task)  \(generation.aspectRatio) ×\(generation.n)  \(generation.prompt.prefix(60))"
    }

    static func json(_ generation: GenerationRecord, images: [ImageRecord]?, missing: [Int] = [], message: String? = nil) -> JSONOut {
        var members: [(String, JSONOut)] = [
            ("generation", .int(Int(generation.id))), ("task_id", .optional(generation.taskID)), ("status", .string(generation.status.rawValue)),
            ("prompt", .string(generation.prompt)), ("aspect_ratio", .string(generation.aspectRatio)), ("n", .int(generation.n)),
            ("type", .string(generation.type)), ("credits_charged", .int(generation.creditsCharged)),
            ("credits_refunded", .int(generation.creditsRefunded)), ("error", .optional(generation.errorMessage)),
        ]
        if let images {
            members.append(("images", .array(images.map { .object([("id", .int(Int($0.id))), ("path", .string($0.path)), ("sha256", .string($0.sha256))]) })))
            members.append(("missing", .array(missing.map(JSONOut.int))))
        }
        if let message { members.append(("message", .string(message))) }
        return .object(members)
    }
}
