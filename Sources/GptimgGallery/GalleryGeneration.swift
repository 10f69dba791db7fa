import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSupport
import Logging

/// What the gallery needs to spend credits: where the key and API come from (the CLI's rules:
/// `GPTIMG_BASE_URL`, `GPTIMG_API_KEY`, else the key file), and the limits (`serve
/// --max-credits`, the monthly budget). Without one, the gallery only shows the library.
public struct GalleryGenerating: Sendable {
    /// The variables the key, base URL, poll latency and monthly budget are read from.
    public var environment: [String: String]
    /// `~` when `HOME` is not in the environment.
    public var homeDirectory: String
    /// The most one request from the page may cost (`serve --max-credits`).
    public var maxCreditsPerRequest: Int
    /// `serve --monthly-budget`, which wins over `GPTIMG_MONTHLY_BUDGET` and the config file's.
    public var monthlyBudgetFlag: Int?
    /// The config file's `monthly_budget`.
    public var configMonthlyBudget: Int?
    /// `api` for the real API; `simulator` when `serve --simulator` runs the built-in one.
    public var source: GenerationSource
    public var transport: any HTTPTransport
    public var clock: any GenerationClock
    public var logger: Logger

    /// One request of four images, as `gptimg mcp --max-credits`.
    public static let defaultMaxCredits = 8

    public init(
        environment: [String: String], homeDirectory: String = NSHomeDirectory(),
        maxCreditsPerRequest: Int = GalleryGenerating.defaultMaxCredits, monthlyBudgetFlag: Int? = nil,
        configMonthlyBudget: Int? = nil, source: GenerationSource = .api,
        transport: any HTTPTransport = LiveHTTPTransport(), clock: any GenerationClock = LiveClock(),
        logger: Logger = APIClient.silent
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.maxCreditsPerRequest = maxCreditsPerRequest
        self.monthlyBudgetFlag = monthlyBudgetFlag
        self.configMonthlyBudget = configMonthlyBudget
        self.source = source
        self.transport = transport
        self.clock = clock
        self.logger = logger
    }
}

/// Where one generation started (or resumed) by this gallery is, for the page's placeholders.
struct LiveTask: Sendable {
    var generation: Int64
    /// submitted, waiting, downloading, then completed, failed, unknown or processing (left
    /// running at the API) once the scheduler reports its end.
    var stage: String
    var error: String?
    var ended = false
}

/// The gallery's side of generating: the spending gate, the idempotency keys seen, and the
/// stage of every generation this server runs. Every generation goes through `GenerationRun`,
/// the one scheduler `gptimg generate`, `rerun`, `variant`, `resume` and the MCP server use.
final class GalleryGenerator: @unchecked Sendable {
    let settings: GalleryGenerating
    let catalog: Catalog
    /// Spending, one request at a time: the budget read and the charge recorded with no other
    /// spending request in between, and a repeated key seen before it could be sent twice.
    private let gate = SerialGate()
    private let lock = NSLock()
    private var live: [Int64: LiveTask] = [:]
    /// Idempotency keys of requests that went past the limits: what each became (a generation,
    /// or the error it stopped with). A retried POST with the same key gets that answer again.
    private var keys: [String: Result<Int64, SpendError>] = [:]

    init(settings: GalleryGenerating, catalog: Catalog) {
        self.settings = settings
        self.catalog = catalog
    }

    struct SpendError: Error, Sendable {
        let message: String
        /// Refused before anything was recorded or sent (the limits, a bad request, no key).
        let refused: Bool
    }

    /// The credentials the CLI would use, or why there are none.
    func client() throws -> APIClient {
        let credentials = try APICredentials.resolve(
            environment: settings.environment, homeDirectory: settings.homeDirectory)
        return try APIClient(credentials, transport: settings.transport, logger: settings.logger)
    }

    /// The policy from `--max-credits` and the monthly budget (flag, environment, config).
    func policy() throws -> SpendingPolicy {
        let budget = try SpendingPolicy.monthlyBudget(
            flag: settings.monthlyBudgetFlag, environment: settings.environment, config: settings.configMonthlyBudget)
        return SpendingPolicy(
            maxCreditsPerCall: settings.maxCreditsPerRequest, monthlyBudget: budget?.budget,
            budgetSource: budget?.source ?? .environment)
    }

    func task(_ generation: Int64) -> LiveTask? { lock.withLock { live[generation] } }

    var liveTasks: [LiveTask] { lock.withLock { live.values.sorted { $0.generation < $1.generation } } }

    private func update(_ generation: Int64, _ change: (inout LiveTask) -> Void) {
        lock.withLock {
            var task = live[generation] ?? LiveTask(generation: generation, stage: "submitted")
            guard !task.ended else { return }
            change(&task)
            live[generation] = task
        }
    }

    private func record(_ event: GenerationEvent) {
        switch event {
        case .recorded(let id, _, _), .submitted(let id, _): update(id) { $0.stage = "submitted" }
        case .waiting(let id, _, _, _): update(id) { $0.stage = "waiting" }
        case .downloading(let id, _, _): update(id) { $0.stage = "downloading" }
        case .landed: break
        case .failed(let id, let message):
            update(id) {
                $0.stage = "failed"
                $0.error = message
            }
        }
    }

    private func end(_ generation: Int64, stage: String, error: String?) {
        lock.withLock {
            live[generation] = LiveTask(generation: generation, stage: stage, error: error, ended: true)
        }
    }

    private func run(_ client: APIClient) throws -> GenerationRun {
        try GenerationRun(
            catalog: catalog, client: client, pollLatency: settings.environment["GPTIMG_POLL_LATENCY"],
            clock: settings.clock, logger: settings.logger, events: { [weak self] in self?.record($0) })
    }

    /// Spends once: `key` (from the page, one per confirmed click) seen before answers with what
    /// it became, nothing sent; otherwise the request is checked with the API's rules and its
    /// cost against the limits, submitted through the scheduler under the gate, and waited for
    /// and landed in the background. Returns the generation, `repeated` when the key was known.
    func spend(_ request: GenerateRequest, options: GenerationOptions, key: String) async throws(SpendError)
        -> (generation: Int64, repeated: Bool)
    {
        let outcome: Result<(Int64, Bool), SpendError> = await gate.run { () -> Result<(Int64, Bool), SpendError> in
            if let known = self.lock.withLock({ self.keys[key] }) {
                return known.map { ($0, true) }
            }
            let submitted: Result<Int64, SpendError>
            do {
                submitted = .success(try await self.submit(request, options: options, key: key))
            } catch let error as SpendError {
                submitted = .failure(error)
            } catch {
                submitted = .failure(SpendError(message: describeError(error), refused: false))
            }
            // A refusal sent nothing: the same key may try again (after the user fixes it).
            if case .failure(let error) = submitted, error.refused { return .failure(error) }
            self.lock.withLock { self.keys[key] = submitted }
            return submitted.map { ($0, false) }
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    /// Under the gate: checks, then submits (detached), then waits and lands in the background.
    private func submit(_ request: GenerateRequest, options: GenerationOptions, key: String) async throws -> Int64 {
        guard catalog.access == .readWrite else {
            throw SpendError(
                message: "the library is read-only: nothing can be recorded, so nothing is sent", refused: true)
        }
        let client: APIClient
        do {
            client = try self.client()
        } catch {
            throw SpendError(
                message: describeError(error) + " (or start the gallery with `gptimg serve --simulator`)",
                refused: true)
        }
        if let problem = client.problem(with: request) {
            throw SpendError(message: ClientError.invalidRequest(problem).description, refused: true)
        }
        let catalog = self.catalog
        let now = settings.clock.now()
        let limits: (SpendingPolicy, Int)
        do {
            limits = (try policy(), try SpendingPolicy.spentThisMonth(catalog, now: now))
        } catch {
            throw SpendError(message: describeError(error), refused: true)
        }
        if let refusal = limits.0.refusal(cost: request.credits, spentThisMonth: limits.1) {
            throw SpendError(message: refusal.description, refused: true)
        }
        var run = try self.run(client)
        settings.logger.info("spending \(request.credits) credits from the gallery (request \(key.prefix(12)))")
        let submitted = try await Self.runOne(GenerationJob(work: .submit(request, options)), run, detach: true)
        let generation = submitted.generation
        guard generation.status == .processing else {
            let reason = submitted.message ?? generation.errorMessage ?? "no reason given"
            end(generation.id, stage: generation.status.rawValue, error: reason)
            return generation.id
        }
        run.detach = false
        follow(generation, run)
        return generation.id
    }

    /// Resumes a recorded generation that has a task id (never sends it again): polled to its
    /// end and its images landed, in the background.
    func resume(_ reference: String) async throws(SpendError) -> Int64 {
        let catalog = self.catalog
        let generation: GenerationRecord
        do {
            generation = try catalog.generation(reference: reference)
        } catch {
            throw SpendError(message: describeError(error), refused: true)
        }
        guard generation.taskID != nil else {
            throw SpendError(
                message: "generation \(GenerationReference.text(generation.id)) has no task id: it may or may not "
                    + "have reached the API, and is never sent again", refused: true)
        }
        guard generation.status != .completed, generation.status != .failed else {
            throw SpendError(
                message: "generation \(GenerationReference.text(generation.id)) has already ended "
                    + "(\(generation.status.rawValue))", refused: true)
        }
        if let running = task(generation.id), !running.ended { return generation.id }
        let run: GenerationRun
        do {
            run = try self.run(try client())
        } catch {
            throw SpendError(message: describeError(error), refused: true)
        }
        lock.withLock { live[generation.id] = LiveTask(generation: generation.id, stage: "waiting") }
        follow(generation, run)
        return generation.id
    }

    /// Waits for `generation` and lands its images, as an unstructured task: a page that goes
    /// away or a cancelled request never stops a landing half-way.
    private func follow(_ generation: GenerationRecord, _ run: GenerationRun) {
        update(generation.id) { $0.stage = "waiting" }
        Task {
            do {
                let outcome = try await Self.runOne(GenerationJob(work: .resume(generation)), run, detach: false)
                let record = outcome.generation
                let error =
                    record.status == .completed
                    ? (outcome.missing.isEmpty ? nil : "\(outcome.missing.count) image(s) not downloaded yet")
                    : outcome.message ?? record.errorMessage
                self.end(record.id, stage: record.status.rawValue, error: error)
            } catch {
                self.end(generation.id, stage: "unknown", error: describeError(error))
            }
        }
    }

    /// One job through the one scheduler; its end, or the error it stopped with.
    static func runOne(_ job: GenerationJob, _ run: GenerationRun, detach: Bool) async throws -> GenerationOutcome {
        switch await run.runOne(job, detach: detach) {
        case .outcome(let outcome): return outcome
        case .failure(let message): throw SpendError(message: message, refused: false)
        case nil: throw SpendError(message: "the generation did not start (submitting had stopped)", refused: false)
        }
    }
}
