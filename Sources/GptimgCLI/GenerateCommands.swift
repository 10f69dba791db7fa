import ArgumentParser
import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgConfig
import GptimgGeneration
import GptimgSupport
import PNGMetadata

/// What every generating command takes besides its request: where the images go, and whether
/// to wait for them.
struct GenerationFlags: ParsableArguments {
    @Option(
        name: .customLong("tag"), help: "A tag for the new images (repeatable).",
        completion: .custom(LibraryCompletions.tags))
    var tags: [String] = []

    @Option(
        help: "Add the new images to this collection (created when missing).",
        completion: .custom(LibraryCompletions.collections))
    var collection: String?

    @Flag(help: "Submit and return; `gptimg resume` fetches the images later.")
    var detach = false

    /// The --tag values, else the config file's tags.
    func tags(_ settings: Settings) -> [String] { tags.isEmpty ? settings.tags ?? [] : tags }
}

/// Runs the jobs `prepare` makes through the pipeline against the API the context names, and
/// writes each result as it ends; exits 1 unless every one completed (or, detached, was
/// accepted). `prepare` runs after the key and the library are found, before the poll schedule
/// is read: a batch states its cost there, and a dry run stops there.
func runGenerations(
    _ context: GptimgContext, options: CatalogOptions, detach: Bool = false, concurrency: Int? = 1,
    prepare: (Catalog, APIClient, Output, Settings) throws -> [GenerationJob],
    after: ((GenerationRunSummary, Output) -> Void)? = nil
) async throws {
    try await runCatalogCommand(context) { output in
        // The config file's base_url and poll_latency stand in for variables the environment
        // does not set (flag > environment > config > built-in).
        let settings = try context.settings()
        var environment = context.environment
        if (environment["GPTIMG_BASE_URL"] ?? "").isEmpty, let url = settings.baseURL {
            environment["GPTIMG_BASE_URL"] = url
        }
        let pollLatency = context.environment["GPTIMG_POLL_LATENCY"] ?? settings.pollLatency.map { String($0) }
        let credentials = try APICredentials.resolve(environment: environment, homeDirectory: context.homeDirectory)
        let client = try APIClient(credentials, transport: context.transport, logger: context.logger("gptimg.client"))
        let catalog = try options.open(.readWrite, context)
        let jobs = try prepare(catalog, client, output, settings)
        let run = try GenerationRun(
            catalog: catalog, client: client, pollLatency: pollLatency, detach: detach,
            clock: context.clock, logger: context.logger("gptimg.generation"),
            events: progressReporter(context, json: options.json))
        // nil: batch's --concurrency not given, so the config file's, else 4.
        let summary = await run.run(jobs, concurrency: concurrency ?? settings.concurrency ?? 4) { index, end in
            GenerationRendering.emit(end, json: options.json, output: output, label: jobs[index].label)
        }
        after?(summary, output)
        if let reason = summary.stopReason, summary.notSubmitted > 0 {
            output.error("\(reason); \(summary.notSubmitted) not submitted")
        }
        let accepted = detach && summary.failed == 0 && summary.notSubmitted == 0
        if !summary.allCompleted && !accepted { throw ExitCode(1) }
    }
}

struct GenerateCommand: AsyncContextCommand {
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
    @OptionGroup var flags: GenerationFlags
    @OptionGroup var global: GlobalOptions

    @Argument(help: "What to draw.")
    var prompt: String

    @Option(help: "Aspect ratio: \(AspectRatio.listed) (default: the config file's aspect, else 1:1).")
    var aspect: String?

    @Option(name: .short, help: "Images to generate (1–4; default: the config file's n, else 1).")
    var n: Int?

    @Option(name: .customLong("ref"), help: "A reference image URL (https; up to 4): image-to-image.")
    var references: [String] = []

    func run(_ context: GptimgContext) async throws {
        try await runGenerations(context, options: options, detach: flags.detach) { _, _, _, settings in
            let request = GenerateRequest(
                prompt: prompt, aspectRatio: aspect ?? settings.aspect ?? AspectRatio.default.rawValue,
                n: n ?? settings.n ?? 1, referenceImages: references)
            let options = GenerationOptions(tags: flags.tags(settings), collection: flags.collection)
            return [GenerationJob(work: .submit(request, options))]
        }
    }
}

struct RerunCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Run an image's (or a task's) prompt and parameters again, as a new task.",
        discussion: """
            ID is an image's number, 6+ hex digits of its SHA-256, or a task id (gpt-image-2-…, \
            e.g. of a failed task). The new task costs credits like any other.

            Example:
              gptimg rerun 42 -n 2 --aspect 3:2
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var flags: GenerationFlags
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image or task to run again.")
    var id: String

    @Option(name: .short, help: "Images to generate (1–4; default: as before).")
    var n: Int?

    @Option(help: "Aspect ratio (default: as before): \(AspectRatio.listed).")
    var aspect: String?

    func run(_ context: GptimgContext) async throws {
        try await runGenerations(context, options: options, detach: flags.detach) { catalog, _, _, _ in
            let request = DerivedRequest.rerun(
                of: try DerivedRequest.source(id, in: catalog).generation, n: n, aspect: aspect)
            return [
                GenerationJob(work: .submit(request, GenerationOptions(tags: flags.tags, collection: flags.collection)))
            ]
        }
    }
}

struct VariantCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "variant",
        abstract: "Image-to-image from an image of the library, using its hosted URL as the reference.",
        discussion: """
            The new images record the source as their parent (`gptimg show` lists lineage). The \
            prompt is the source's, replaced with --prompt or extended with --append.

            Examples:
              gptimg variant 42 --append "in winter, snowing"
              gptimg variant 42 --prompt "the same scene as a watercolor" -n 2
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var flags: GenerationFlags
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image to start from (its number or 6+ hex digits of its SHA-256).")
    var id: String

    @Option(help: "A new prompt instead of the source's.")
    var prompt: String?

    @Option(help: "Text added to the end of the source's prompt.")
    var append: String?

    @Option(help: "Aspect ratio (default: the source's): \(AspectRatio.listed).")
    var aspect: String?

    @Option(name: .short, help: "Images to generate (1–4).")
    var n = 1

    func validate() throws {
        if prompt != nil && append != nil { throw ValidationError("give --prompt or --append, not both") }
    }

    func run(_ context: GptimgContext) async throws {
        try await runGenerations(context, options: options, detach: flags.detach) { catalog, _, _, _ in
            guard let source = try DerivedRequest.source(id, in: catalog).image else {
                throw ErrorLine(
                    message: "a variant starts from an image: give its number or SHA-256 prefix, not a task id")
            }
            let request = try DerivedRequest.variant(of: source, prompt: prompt, append: append, aspect: aspect, n: n)
            let options = GenerationOptions(
                tags: flags.tags, collection: flags.collection, parentImageID: source.image.id)
            return [GenerationJob(work: .submit(request, options))]
        }
    }
}

struct TasksCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List unfinished tasks (and, with --all, recent ones) and their status.")

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Also list recent finished tasks.")
    var all = false

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.open(.readOnly, context)
            let generations = all ? try catalog.recentGenerations(limit: 100) : try catalog.unfinishedGenerations()
            for generation in generations {
                if options.json {
                    output.json(GenerationRendering.json(generation, images: nil))
                } else {
                    output.line(GenerationRendering.line(generation))
                    // Why it failed, or what its answers held that was not stored.
                    if let code = generation.errorCode {
                        output.line("        " + code + (generation.errorMessage.map { ": " + $0 } ?? ""))
                    }
                }
            }
        }
    }
}

struct ResumeCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Poll every unfinished task to its end and download its images; never re-submits.",
        discussion: """
            Tasks that may have been sent but have no task id (the connection failed mid-request, \
            or gptimg was stopped while sending) cannot be polled: they are listed, and never sent \
            again.
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: "Tasks waited for at once.")
    var concurrency = 16

    func run(_ context: GptimgContext) async throws {
        try await runGenerations(context, options: options, concurrency: concurrency) { catalog, _, _, _ in
            let unfinished = try catalog.unfinishedGenerations()
            var jobs: [GenerationJob] = []
            for generation in unfinished {
                guard generation.taskID != nil else {
                    context.diagnostic(
                        "task #\(generation.id) (\"\(generation.prompt.prefix(40))\") has no task id: "
                            + "it may or may not have reached the API, and is not sent again")
                    continue
                }
                jobs.append(GenerationJob(work: .resume(generation)))
            }
            if unfinished.isEmpty { context.diagnostic("nothing to resume: every task has finished") }
            return jobs
        }
    }
}

struct CreditsCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "credits",
        abstract:
            "Credits charged, refunded and net (total, per day, per month), and the last balance the API reported.")

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let summary = try options.open(.readOnly, context).creditSummary()
            func json(_ totals: CreditTotals) -> JSONOut {
                .object([
                    ("period", .string(totals.period)), ("charged", .int(totals.charged)),
                    ("refunded", .int(totals.refunded)), ("net", .int(totals.net)),
                ])
            }
            if options.json {
                output.json(
                    .object([
                        ("total", json(summary.total)), ("per_day", .array(summary.perDay.map(json))),
                        ("per_month", .array(summary.perMonth.map(json))),
                        (
                            "last_balance",
                            summary.lastBalance.map {
                                .object([("credits", .int($0.credits)), ("at", .string($0.at))])
                            } ?? .null
                        ),
                    ]))
                return
            }
            output.line(
                "charged \(summary.total.charged), refunded \(summary.total.refunded), net \(summary.total.net) credits"
            )
            for month in summary.perMonth {
                output.line("  \(month.period)  charged \(month.charged)  refunded \(month.refunded)  net \(month.net)")
            }
            if let balance = summary.lastBalance {
                output.line("last balance reported by the API: \(balance.credits) (\(balance.at))")
            }
        }
    }
}
