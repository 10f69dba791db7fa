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

    @Flag(name: .shortAndLong, help: "No progress or step lines on stderr (results and errors still show).")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "The most this calendar month (UTC) may cost, in credits (default: $GPTIMG_MONTHLY_BUDGET, "
                + "else the config file's monthly_budget, else no limit).", valueName: "credits"))
    var monthlyBudget: Int?

    /// The --tag values, else the config file's tags.
    func tags(_ settings: Settings) -> [String] { tags.isEmpty ? settings.tags ?? [] : tags }
}

/// Runs the jobs `prepare` makes through the pipeline against the API the context names, and
/// writes each result as it ends; exits 1 unless every one completed (or, detached, was
/// accepted). `prepare` runs after the key and the library are found, before the poll schedule
/// is read: a batch states its cost there, and a dry run stops there.
///
/// Progress: each step on stderr (a redrawn line of where each task is on a terminal, plain
/// lines elsewhere; none with `quiet` or `--json`). Ctrl-C stops submitting, waits for a POST
/// already on its way (never abandoned: it may have reached the API), says which tasks are
/// still running at the API and that `gptimg resume` lands them, and exits 130.
func runGenerations(
    _ context: GptimgContext, options: CatalogOptions, detach: Bool = false, quiet: Bool = false,
    concurrency: Int? = 1, monthlyBudget: Int? = nil,
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
        try checkBudget(jobs, flag: monthlyBudget, context: context, settings: settings, catalog: catalog)
        let display = GenerationDisplay(context, wanted: !options.json && !quiet)
        display.start(jobs: jobs.count)
        output.progress = display.line
        var run = try GenerationRun(
            catalog: catalog, client: client, pollLatency: pollLatency, detach: detach,
            clock: context.clock, logger: context.logger("gptimg.generation"),
            events: { display.report($0) })
        let interruption = GenerationInterruption(context, display: display, json: options.json)
        run.shouldStop = { interruption.stopping }
        let signals = context.watchSignals()
        signals.onSignal { interruption.interrupted(by: $0) }
        defer { signals.restore() }
        // The elapsed times on the terminal tick between events (a poll may be a minute away).
        let ticker = Task {
            while display.line.redraws, !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                display.redraw()
            }
        }
        defer { ticker.cancel() }
        // nil: batch's --concurrency not given, so the config file's, else 4.
        let summary = await run.run(jobs, concurrency: concurrency ?? settings.concurrency ?? 4) { index, end in
            GenerationRendering.emit(end, json: options.json, output: output, label: jobs[index].label)
            if case .outcome(let outcome) = end {
                display.ended(generation: outcome.generation.id)
            } else {
                display.ended(generation: nil)
            }
        }
        display.line.clear()
        after?(summary, output)
        if let reason = summary.stopReason, summary.notSubmitted > 0 {
            output.error("\(reason); \(summary.notSubmitted) not submitted")
        }
        let accepted = detach && summary.failed == 0 && summary.notSubmitted == 0
        if !summary.allCompleted && !accepted { throw ExitCode(1) }
    }
}

/// Ctrl-C during a generation. Money first: nothing new is submitted, a POST already on its way
/// is waited for (it may have reached the API: it must get its task id recorded), and the tasks
/// still running at the API are left running, recorded, for `gptimg resume` to land. Then the
/// process ends with 128 + the signal (130 for SIGINT). A second Ctrl-C ends it at once.
final class GenerationInterruption: @unchecked Sendable {
    private let context: GptimgContext
    private let display: GenerationDisplay
    private let json: Bool
    private let lock = NSLock()
    private var signal: Int32?

    init(_ context: GptimgContext, display: GenerationDisplay, json: Bool) {
        self.context = context
        self.display = display
        self.json = json
    }

    /// Whether a signal came: no job starts after it.
    var stopping: Bool { lock.withLock { signal != nil } }

    /// Runs on the signal's own thread (a Dispatch queue, not the concurrency pool).
    func interrupted(by number: Int32) {
        lock.withLock { signal = number }
        // A POST on its way ends with an answer, a refusal or a timeout (the client's own
        // deadline); until then the process stays, so its task id is recorded.
        let deadline = Date().addingTimeInterval(120)
        while display.sending > 0, Date() < deadline { usleep(20_000) }
        display.line.clear()
        ErrorRendering.write(
            code: "interrupted", message: Self.message(running: display.running, sending: display.sending), json: json,
            context: context)
        Foundation.exit(128 + number)
    }

    static func message(running: [(id: Int64, taskID: String)], sending: Int) -> String {
        var message = "interrupted: "
        if running.isEmpty {
            message += "no task is running at the API"
        } else {
            let tasks = running.map { "\($0.taskID) (\(GenerationReference.text($0.id)))" }.joined(separator: ", ")
            let (count, them) = running.count == 1 ? ("1 task is", "it") : ("\(running.count) tasks are", "them")
            message +=
                "\(count) still running at the API: \(tasks); `gptimg resume` will land \(them) (nothing is sent again)"
        }
        if sending > 0 {
            message += "; \(sending) request(s) got no answer in time: `gptimg tasks` lists them"
            message += ", and they are never sent again"
        }
        return message
    }
}

/// Refuses a run whose new tasks would take this month's spending past the monthly budget
/// (`--monthly-budget`, else `GPTIMG_MONTHLY_BUDGET`, else the config file's `monthly_budget`):
/// one line saying what is left and how to raise it, before anything is recorded or sent.
/// Resumed tasks were paid for when they were sent and cost nothing more.
func checkBudget(
    _ jobs: [GenerationJob], flag: Int?, context: GptimgContext, settings: Settings, catalog: Catalog
) throws {
    if let flag, flag < 0 {
        throw ErrorLine(message: "--monthly-budget must be a whole number of credits, 0 or more (such as 200)")
    }
    let cost = jobs.reduce(0) { total, job in
        if case .submit(let request, _) = job.work { return total + request.credits }
        return total
    }
    guard cost > 0,
        let budget = try SpendingPolicy.monthlyBudget(
            flag: flag, environment: context.environment, config: settings.monthlyBudget)
    else { return }
    let policy = SpendingPolicy(monthlyBudget: budget.budget, budgetSource: budget.source)
    let spent = try SpendingPolicy.spentThisMonth(catalog, now: context.clock.now())
    if let refusal = policy.refusal(cost: cost, spentThisMonth: spent) { throw refusal }
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
        try await runGenerations(
            context, options: options, detach: flags.detach, quiet: flags.quiet, monthlyBudget: flags.monthlyBudget
        ) { _, _, _, settings in
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
            ID is an image (its number, or 6+ hex digits of its SHA-256) or a generation (g17, or \
            its task id gpt-image-2-…, e.g. of a failed task; `gptimg tasks --all` lists them). \
            The new task costs credits like any other. An imported image whose shape is not one of \
            the API's aspect ratios takes the nearest one (said on stderr); --aspect chooses another.

            Examples:
              gptimg rerun 42 -n 2 --aspect 3:2
              gptimg rerun g17
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var flags: GenerationFlags
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image (number or SHA-256 prefix) or generation (g17 or task id) to run again.")
    var id: String

    @Option(name: .short, help: "Images to generate (1–4; default: as before).")
    var n: Int?

    @Option(help: "Aspect ratio (default: as before): \(AspectRatio.listed).")
    var aspect: String?

    func run(_ context: GptimgContext) async throws {
        try await runGenerations(
            context, options: options, detach: flags.detach, quiet: flags.quiet, monthlyBudget: flags.monthlyBudget
        ) { catalog, _, _, _ in
            let source = try DerivedRequest.source(id, in: catalog).generation
            let request = DerivedRequest.rerun(of: source, n: n, aspect: aspect)
            if let notice = DerivedRequest.rerunNotice(of: source, aspect: aspect) { context.diagnostic(notice) }
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

    @Argument(help: "The image to start from (its number or 6+ hex digits of its SHA-256; not a generation).")
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
        try await runGenerations(
            context, options: options, detach: flags.detach, quiet: flags.quiet, monthlyBudget: flags.monthlyBudget
        ) { catalog, _, _, _ in
            guard let source = try DerivedRequest.source(id, in: catalog).image else {
                throw CatalogError.generationNotImage(id)
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
        abstract: "List unfinished tasks (and, with --all, recent ones) and their status, or show one.",
        discussion: """
            A generation (one task: its request, status, credits and why it failed) is named g17, \
            or by its task id (gpt-image-2-…); an image is named by its number. Give a generation \
            to see it and its images.

            Examples:
              gptimg tasks --all
              gptimg tasks g17
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Also list recent finished tasks.")
    var all = false

    @Argument(help: "A generation to show: g17 or its task id (not an image's number).")
    var generation: String?

    func validate() throws {
        if generation != nil && all { throw ValidationError("give a generation or --all, not both") }
    }

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.open(.readOnly, context)
            if let generation {
                let record = try catalog.generation(reference: generation)
                let images = try catalog.images(ofGeneration: record.id)
                if options.json {
                    output.json(GenerationRendering.json(record, images: images))
                } else {
                    GenerationRendering.describe(record, output: output)
                    for image in images { output.line("        image \(image.id)  \(image.path)") }
                }
                return
            }
            let generations = all ? try catalog.recentGenerations(limit: 100) : try catalog.unfinishedGenerations()
            for generation in generations {
                if options.json {
                    output.json(GenerationRendering.json(generation, images: nil))
                } else {
                    GenerationRendering.describe(generation, output: output)
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

    @OptionGroup var quiet: QuietOption

    func run(_ context: GptimgContext) async throws {
        try await runGenerations(context, options: options, quiet: quiet.quiet, concurrency: concurrency) {
            catalog, _, _, _ in
            let unfinished = try catalog.unfinishedGenerations()
            var jobs: [GenerationJob] = []
            for generation in unfinished {
                guard generation.taskID != nil else {
                    context.diagnostic(
                        "generation \(GenerationReference.text(generation.id)) (\"\(generation.prompt.prefix(40))\") "
                            + "has no task id: "
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
            "Credits charged, refunded and net (total, per month), credits per kept image, and the last balance.",
        discussion: """
            --by groups the spending: day and month by when each charge and refund was recorded; \
            collection and tag by the tasks whose images are in them (a task whose images are in \
            two collections counts in both; (none) holds the rest); batch by each run of a batch \
            file. A kept image is one picked or rated 4 or more.

            Examples:
              gptimg credits
              gptimg credits --by month --json
              gptimg credits --by collection
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Group the spending: \(CreditGrouping.listed).", valueName: "grouping"))
    var by: String?

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            // Checked here rather than in validate(): one line, as every other bad value.
            if let by, CreditGrouping(rawValue: by.lowercased()) == nil {
                throw ErrorLine(message: "--by \(by) is not a grouping: use one of \(CreditGrouping.listed)")
            }
            let catalog = try options.open(.readOnly, context)
            if let grouping = by.flatMap({ CreditGrouping(rawValue: $0.lowercased()) }) {
                try Self.grouped(try catalog.credits(by: grouping), grouping, json: options.json, output: output)
                return
            }
            let summary = try catalog.creditSummary()
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
                        ("kept_images", .int(summary.keptImages)),
                        // JSON numbers here are whole; the ratio as text with two decimals.
                        ("credits_per_kept_image", .optional(summary.creditsPerKeptImage.map(Self.decimal))),
                    ]))
                return
            }
            output.line(
                "charged \(summary.total.charged), refunded \(summary.total.refunded), net \(summary.total.net) credits"
            )
            for month in summary.perMonth {
                output.line("  \(month.period)  charged \(month.charged)  refunded \(month.refunded)  net \(month.net)")
            }
            if let perKept = summary.creditsPerKeptImage {
                output.line(
                    "kept \(summary.keptImages) image\(summary.keptImages == 1 ? "" : "s") (picked or rated 4+): "
                        + "\(Self.decimal(perKept)) credits per kept image")
            } else {
                output.line("no image kept yet (pick one, or rate it 4 or more): no credits per kept image")
            }
            if let balance = summary.lastBalance {
                output.line("last balance reported by the API: \(balance.credits) (\(balance.at))")
            }
        }
    }

    static func decimal(_ value: Double) -> String { String(format: "%.2f", value) }

    /// `--by`: a table (one row a group), or one JSON object a group.
    static func grouped(_ groups: [CreditGroup], _ grouping: CreditGrouping, json: Bool, output: Output) throws {
        if json {
            for group in groups {
                var members: [(String, JSONOut)] = [
                    (grouping.rawValue, .string(group.key)), ("tasks", .int(group.tasks)),
                    ("charged", .int(group.charged)), ("refunded", .int(group.refunded)), ("net", .int(group.net)),
                ]
                if grouping == .batch {
                    members += [("first_at", .optional(group.firstAt)), ("first_prompt", .optional(group.firstPrompt))]
                }
                output.json(.object(members))
            }
            return
        }
        guard !groups.isEmpty else {
            output.line("no credits spent yet")
            return
        }
        let width = min(40, max(grouping.rawValue.count, groups.map { $0.key.count }.max() ?? 0))
        func cell(_ text: String, _ size: Int) -> String {
            text.count >= size ? text : String(repeating: " ", count: size - text.count) + text
        }
        func name(_ text: String) -> String {
            let cut = text.count > width ? String(text.prefix(width - 1)) + "…" : text
            return cut.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        output.line(
            name(grouping.rawValue) + cell("tasks", 7) + cell("charged", 9) + cell("refunded", 10) + cell("net", 7)
                + (grouping == .batch ? "  first sent            first prompt" : ""))
        for group in groups {
            var line =
                name(group.key) + cell(String(group.tasks), 7) + cell(String(group.charged), 9)
                + cell(String(group.refunded), 10) + cell(String(group.net), 7)
            if grouping == .batch {
                line += "  " + (group.firstAt ?? "").padding(toLength: 20, withPad: " ", startingAt: 0)
                line += "  " + (group.firstPrompt.map { String($0.prefix(40)) } ?? "")
            }
            output.line(line)
        }
    }
}
