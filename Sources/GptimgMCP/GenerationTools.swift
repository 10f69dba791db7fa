import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSupport
import MCP

/// This server's limits on spending, and what is spent this month.
struct SpendingLimits {
    var policy: SpendingPolicy
    var spentThisMonth: Int

    var text: String {
        var text = "limits: at most \(policy.maxCreditsPerCall.map(String.init) ?? "any number of") credits a call"
        if let budget = policy.monthlyBudget {
            text += "; monthly budget \(budget), \(spentThisMonth) spent, \(max(0, budget - spentThisMonth)) left"
        } else {
            text +=
                "; no monthly budget (\(SpendingPolicy.budgetVariable) is not set), \(spentThisMonth) spent this month"
        }
        return text
    }

    var json: JSONOut {
        .object([
            ("max_credits_per_call", policy.maxCreditsPerCall.map(JSONOut.int) ?? .null),
            ("monthly_budget", policy.monthlyBudget.map(JSONOut.int) ?? .null),
            ("spent_this_month", .int(spentThisMonth)),
            ("remaining_this_month", policy.remaining(spentThisMonth: spentThisMonth).map(JSONOut.int) ?? .null),
        ])
    }
}

extension GptimgMCPServer {
    /// The policy from `--max-credits` and `GPTIMG_MONTHLY_BUDGET` (else the config file's
    /// `monthly_budget`, as the CLI reads it), and this month's spending from the ledger.
    func spendingLimits() throws -> SpendingLimits {
        let budget = try SpendingPolicy.monthlyBudget(
            flag: nil, environment: configuration.environment, config: configuration.configMonthlyBudget)
        let policy = SpendingPolicy(
            maxCreditsPerCall: configuration.maxCreditsPerCall, monthlyBudget: budget?.budget,
            budgetSource: budget?.source ?? .environment)
        return SpendingLimits(
            policy: policy, spentThisMonth: try SpendingPolicy.spentThisMonth(catalog, now: configuration.clock.now()))
    }

    func generationTools() -> [ToolSpec] {
        [generateTool, rerunTool, variantTool]
    }

    static let spends = Tool.Annotations(
        readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true)

    /// What every generating tool takes besides its request.
    static let spendingProperties: [(String, Value)] = [
        ("tags", ToolSchema.strings("Tags for the new images.", maxItems: 20)),
        (
            "collection",
            ToolSchema.string("Add the new images to this collection (created when missing).", maxLength: 100)
        ),
        (
            "confirm",
            ToolSchema.boolean(
                "true spends the credits. Without it nothing is sent: the answer states the cost and the limits.",
                default: false)
        ),
        (
            "wait",
            ToolSchema.boolean(
                "Wait until the images are in the library (the API takes about a minute); false returns once the "
                    + "task is accepted (`gptimg resume` fetches its images).", default: true)
        ),
    ]

    static let costNote = """
        Costs \(APIContract.creditsPerImage) credits an image, spent only with confirm: true: call it first without \
        confirm (nothing is sent; the answer states the cost and what the limits allow), tell the user, and call \
        again with the same arguments and confirm: true only when they agree. Refused above the server's \
        --max-credits a call and above the monthly budget.
        """

    var generateTool: ToolSpec {
        let tool = Tool(
            name: "generate", title: "Generate images",
            description: "Generate images from a prompt with the gpt-image-2 API, into the library. " + Self.costNote,
            inputSchema: ToolSchema.object(
                [
                    ("prompt", ToolSchema.string("What to draw.", maxLength: ToolArguments.maxText)),
                    (
                        "aspect",
                        ToolSchema.string("Aspect ratio (default 1:1).", values: AspectRatio.allCases.map(\.rawValue))
                    ),
                    ("n", ToolSchema.integer("Images to generate.", 1...4, default: 1)),
                    (
                        "references",
                        ToolSchema.strings("Reference image URLs (https, up to 4): image-to-image.", maxItems: 4)
                    ),
                ] + Self.spendingProperties, required: ["prompt"]),
            annotations: Self.spends)
        return ToolSpec(tool: tool) { [self] arguments in
            let request = GenerateRequest(
                prompt: try arguments.requiredString("prompt"),
                aspectRatio: try arguments.string("aspect", maxLength: 10) ?? AspectRatio.default.rawValue,
                n: try arguments.int("n", in: 1...4) ?? 1,
                referenceImages: try arguments.strings("references", maxCount: 4) ?? [])
            return try await spend(request, parentImageID: nil, arguments)
        }
    }

    var rerunTool: ToolSpec {
        let tool = Tool(
            name: "rerun", title: "Run an image's prompt again",
            description: "Run an image's (or a task's) prompt and parameters again, as a new task. " + Self.costNote,
            inputSchema: ToolSchema.object(
                [
                    (
                        "id",
                        .object([
                            "description": .string(
                                "An image (its number or 6+ hex digits of its SHA-256), or a task id "
                                    + "(gpt-image-2-…)."),
                            "type": .array(["integer", "string"]),
                        ])
                    ),
                    ("n", ToolSchema.integer("Images to generate (default: as before).", 1...4)),
                    (
                        "aspect",
                        ToolSchema.string(
                            "Aspect ratio (default: as before).", values: AspectRatio.allCases.map(\.rawValue))
                    ),
                ] + Self.spendingProperties, required: ["id"]),
            annotations: Self.spends)
        return ToolSpec(tool: tool) { [self] arguments in
            let id = try arguments.id("id")
            let n = try arguments.int("n", in: 1...4)
            let aspect = try arguments.string("aspect", maxLength: 10)
            let catalog = catalog
            let source = try await blocking { try DerivedRequest.source(id, in: catalog).generation }
            return try await spend(
                DerivedRequest.rerun(of: source, n: n, aspect: aspect), parentImageID: nil, arguments)
        }
    }

    var variantTool: ToolSpec {
        let tool = Tool(
            name: "variant", title: "Make a variant of an image",
            description: """
                Image-to-image from an image of the library (its hosted URL is the reference); the new images record \
                it as their parent. The prompt is the source's, replaced with prompt or extended with append. 
                """ + Self.costNote,
            inputSchema: ToolSchema.object(
                [
                    ("id", ToolSchema.imageID),
                    ("prompt", ToolSchema.string("A new prompt instead of the source's.")),
                    ("append", ToolSchema.string("Text added to the end of the source's prompt.", maxLength: 4000)),
                    (
                        "aspect",
                        ToolSchema.string(
                            "Aspect ratio (default: the source's).", values: AspectRatio.allCases.map(\.rawValue))
                    ),
                    ("n", ToolSchema.integer("Images to generate.", 1...4, default: 1)),
                ] + Self.spendingProperties, required: ["id"]),
            annotations: Self.spends)
        return ToolSpec(tool: tool) { [self] arguments in
            let id = try arguments.id("id")
            let prompt = try arguments.string("prompt")
            let append = try arguments.string("append", maxLength: 4000)
            let aspect = try arguments.string("aspect", maxLength: 10)
            let n = try arguments.int("n", in: 1...4) ?? 1
            let catalog = catalog
            let source = try await blocking { try DerivedRequest.source(id, in: catalog).image }
            guard let source else {
                throw ToolFailure("a variant starts from an image: give its number or SHA-256 prefix, not a task id")
            }
            let request = try DerivedRequest.variant(of: source, prompt: prompt, append: append, aspect: aspect, n: n)
            return try await spend(request, parentImageID: source.image.id, arguments)
        }
    }

    /// The one path to spending: the request checked with the API's rules, its cost against the
    /// limits; without `confirm: true` only the quote. Confirmed, it is submitted through the
    /// one scheduler (`GenerationRun`), one spending call at a time so that two calls cannot
    /// both fit a budget only one of them fits, then waited for and landed.
    func spend(_ request: GenerateRequest, parentImageID: Int64?, _ arguments: ToolArguments) async throws -> ToolAnswer
    {
        let tags = try arguments.strings("tags", maxCount: 20, maxLength: 100) ?? []
        let collection = try arguments.string("collection", maxLength: 200)
        let confirm = try arguments.bool("confirm") ?? false
        let wait = try arguments.bool("wait") ?? true
        let credentials = try APICredentials.resolve(
            environment: configuration.environment, homeDirectory: configuration.homeDirectory)
        let client = try APIClient(credentials, transport: configuration.transport, logger: configuration.logger)
        if let problem = client.problem(with: request) { throw ClientError.invalidRequest(problem) }
        let cost = request.credits
        let what =
            "\(request.n) image\(request.n == 1 ? "" : "s") of \"\(request.prompt.prefix(80))\" (\(request.aspectRatio)"
            + (request.referenceImages.isEmpty ? ")" : ", from \(request.referenceImages.count) reference image(s))")
        guard confirm else {
            let limits = try await blocking { try self.spendingLimits() }
            if let refusal = limits.policy.refusal(cost: cost, spentThisMonth: limits.spentThisMonth) { throw refusal }
            return ToolAnswer(
                text: "This would generate \(what) for \(cost) credits. Nothing was sent. To spend them, call "
                    + "\(arguments.tool) again with the same arguments and confirm: true. " + limits.text,
                structured: .object([
                    ("sent", .bool(false)), ("cost", .int(cost)), ("request", request.json), ("limits", limits.json),
                ]))
        }
        let options = GenerationOptions(tags: tags, collection: collection, parentImageID: parentImageID)
        let run = try GenerationRun(
            catalog: catalog, client: client, pollLatency: configuration.environment["GPTIMG_POLL_LATENCY"],
            clock: configuration.clock, logger: configuration.logger)
        // Submitted under the gate (the budget read and the charge recorded with no other
        // spending call in between), then waited for outside it.
        let submitted = try await spending.run { () async throws -> GenerationOutcome in
            let limits = try await self.blocking { try self.spendingLimits() }
            if let refusal = limits.policy.refusal(cost: cost, spentThisMonth: limits.spentThisMonth) { throw refusal }
            self.configuration.logger.info("spending \(cost) credits: \(what)")
            return try await self.inFlight.protect {
                try await Self.runOne(GenerationJob(work: .submit(request, options)), run, detach: true)
            }
        }
        var outcome = submitted
        if wait, submitted.generation.status == .processing {
            // Its task id and charge are recorded: from here an exit loses nothing (`gptimg
            // resume` picks it up), so the server's exit does not wait for it; an unstructured
            // task all the same, so that a cancelled call never stops a landing half-way.
            let job = GenerationJob(work: .resume(submitted.generation))
            outcome = try await Task { try await Self.runOne(job, run, detach: false) }.value
        }
        let generation = outcome.generation
        if generation.status == .failed || generation.status == .unknown {
            let refunded = generation.creditsRefunded > 0 ? " (\(generation.creditsRefunded) credits refunded)" : ""
            let reason = outcome.message ?? generation.errorMessage ?? "no reason given"
            throw ToolFailure(
                "generation \(GenerationReference.text(generation.id)) \(generation.status.rawValue): \(reason)"
                    + refunded)
        }
        let limits = try await blocking { try self.spendingLimits() }
        var text: String
        switch generation.status {
        case .completed:
            text =
                "generated \(what) for \(generation.creditsCharged - generation.creditsRefunded) credits: "
                + outcome.images.map { "#\($0.id) (\(Self.imageURI($0.id)))" }.joined(separator: ", ")
        default:
            text =
                "submitted \(what) as task \(generation.taskID ?? "?") for \(generation.creditsCharged) credits; "
                + "its images land with `gptimg resume` (the tasks tool shows it)"
        }
        if !outcome.missing.isEmpty {
            text += "; \(outcome.missing.count) image(s) not downloaded yet: `gptimg resume` fetches them"
        }
        guard case .object(var members) = Self.generationJSON(generation, images: outcome.images) else {
            return ToolAnswer(text: text)
        }
        members = [("sent", .bool(true)), ("cost", .int(cost))] + members + [("limits", limits.json)]
        return ToolAnswer(text: text + ". " + limits.text, structured: .object(members))
    }

    /// One job through the one scheduler; its end, or the error it stopped with.
    static func runOne(_ job: GenerationJob, _ run: GenerationRun, detach: Bool) async throws -> GenerationOutcome {
        switch await run.runOne(job, detach: detach) {
        case .outcome(let outcome): return outcome
        case .failure(let message): throw ToolFailure(message)
        case nil: throw ToolFailure("the generation did not start (submitting had stopped)")
        }
    }
}
