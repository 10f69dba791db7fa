import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgSupport
import Logging
import PNGMetadata

/// What happens to one generation, for progress lines and `--json` results.
public enum GenerationEvent: Sendable {
    case recorded(generation: Int64, prompt: String, credits: Int)
    case submitted(generation: Int64, taskID: String)
    case waiting(generation: Int64, taskID: String, polls: Int, elapsed: Double)
    case downloading(generation: Int64, index: Int, of: Int)
    case landed(generation: Int64, image: ImageRecord, alreadyInLibrary: Bool)
    case failed(generation: Int64, message: String)
}

/// Where one generation ended up.
public struct GenerationOutcome: Sendable {
    public var generation: GenerationRecord
    public var images: [ImageRecord]
    /// Indexes of images the task produced that are not in the library yet (`gptimg resume`
    /// fetches them from their recorded URLs).
    public var missing: [Int]
    public var message: String?
    /// How it went: polls made, and when the API said it completed, when a poll saw that, and
    /// when its last image was in the library.
    public var timing: GenerationTiming

    public init(
        generation: GenerationRecord, images: [ImageRecord], missing: [Int], message: String?,
        timing: GenerationTiming = GenerationTiming()
    ) {
        self.generation = generation
        self.images = images
        self.missing = missing
        self.message = message
        self.timing = timing
    }
}

/// When the steps of one generation happened (`--json` results; the batch benchmark reads them).
public struct GenerationTiming: Sendable, Hashable {
    public var polls = 0
    /// The API's `updated_at` of the completed task (millisecond ISO 8601).
    public var completedAt: String?
    public var seenAt: Date?
    public var landedAt: Date?

    public init() {}
}

/// Extra things a user asked for with a generation: recorded with it, so a `resume` after a
/// crash applies them just the same.
public struct GenerationOptions: Sendable, Hashable {
    public var tags: [String]
    public var collection: String?
    public var parentImageID: Int64?
    public var source: GenerationSource
    /// The batch line it comes from, so re-running the batch never sends it twice.
    public var batchKey: String?
    /// The batch line's earlier task failed at the API (refunded) and the user asked for it to
    /// be sent again (`batch --retry-failed`).
    public var replacingFailed: Bool

    public init(
        tags: [String] = [], collection: String? = nil, parentImageID: Int64? = nil, source: GenerationSource = .api,
        batchKey: String? = nil, replacingFailed: Bool = false
    ) {
        self.tags = tags
        self.collection = collection
        self.parentImageID = parentImageID
        self.source = source
        self.batchKey = batchKey
        self.replacingFailed = replacingFailed
    }
}

/// How waiting for a task ended.
public enum WaitResult: Sendable {
    /// The API says it completed: its images are ready to land.
    case completed(GenerationRecord, TaskData, GenerationTiming)
    /// It failed (refund recorded), or waiting stopped (deadline, an error): nothing to land.
    case ended(GenerationOutcome)
}

/// The generation pipeline: record → submit → poll → download → embed → land.
///
/// Money first: a generation is committed (durably) before its POST, and its task id and charge
/// in one transaction right after; a POST that may have reached the API is never sent again,
/// only marked `unknown`; only establishing a connection is retried (by AsyncHTTPClient), never a request.
public struct Generator: Sendable {
    public let catalog: Catalog
    public let client: APIClient
    public var schedule: PollSchedule
    public let clock: any GenerationClock
    public let events: @Sendable (GenerationEvent) -> Void
    /// Each step at debug level (`--verbose`): what was sent, polled, waited for.
    public let logger: Logger

    public init(
        catalog: Catalog, client: APIClient, schedule: PollSchedule = PollSchedule(),
        clock: any GenerationClock = LiveClock(),
        logger: Logger = APIClient.silent, events: @escaping @Sendable (GenerationEvent) -> Void = { _ in }
    ) {
        self.catalog = catalog
        self.client = client
        self.schedule = schedule
        self.clock = clock
        self.logger = logger
        self.events = events
    }

    // MARK: - Whole flow

    /// Submits `request`, waits for it, and lands its images.
    public func generate(_ request: GenerateRequest, options: GenerationOptions = GenerationOptions()) async throws
        -> GenerationOutcome
    {
        let generation = try await submit(request, options: options)
        guard generation.status == .processing else {
            return GenerationOutcome(generation: generation, images: [], missing: [], message: generation.errorMessage)
        }
        return try await finish(generation)
    }

    /// Waits for a submitted generation, then lands its images.
    public func finish(_ generation: GenerationRecord) async throws -> GenerationOutcome {
        switch try await wait(for: generation) {
        case .completed(let current, let task, let timing): return try await land(current, task: task, timing: timing)
        case .ended(let outcome): return outcome
        }
    }

    // MARK: - Submitting

    /// Validates locally, records the generation, and sends it once. Returns the generation as
    /// recorded afterwards: `processing` with its task id, or `failed`/`unknown` with the reason.
    /// Throws only for what was refused before anything was recorded or sent.
    public func submit(_ request: GenerateRequest, options: GenerationOptions = GenerationOptions()) async throws
        -> GenerationRecord
    {
        if let problem = client.problem(with: request) {
            throw ClientError.invalidRequest(problem)
        }
        let pending = try await catalog.recordGeneration(
            NewGeneration(
                request, baseURL: client.baseURL, source: options.source, parentImageID: options.parentImageID,
                tags: options.tags,
                collection: options.collection, batchKey: options.batchKey, replacingFailed: options.replacingFailed))
        events(.recorded(generation: pending.id, prompt: request.prompt, credits: request.credits))
        logger.debug("generation \(GenerationReference.text(pending.id)): submitting once (\(request.credits) credits)")
        // No retry loop here: AsyncHTTPClient already retries establishing the connection (never
        // the request) with backoff for up to its 10 s connect timeout, the one case that is safe.
        switch await send(request) {
        case .success(let task):
            // Only what fits its shape is stored; what does not is noted on the generation.
            let checked = task.checked(expectedImages: request.n)
            var update = GenerationUpdate(
                taskID: task.taskID, serverRowID: checked.rowID, status: .processing, submittedAt: checked.createdAt)
            Self.note(checked.notes, on: pending, in: &update)
            // The task id and its charge in one transaction: never one without the other.
            let submitted = try await catalog.updateGeneration(
                pending.id, update, ledger: [CreditEntry(kind: .charge, credits: request.credits, taskID: task.taskID)])
            events(.submitted(generation: pending.id, taskID: task.taskID))
            return submitted
        case .failure(let error):
            return try await recordSubmitFailure(pending, error)
        }
    }

    // Typed throws caught inside long async loops crash this compiler (6.3.1); results don't.
    private func send(_ request: GenerateRequest) async -> Result<TaskData, ClientError> {
        do { return .success(try await client.submit(request)) } catch { return .failure(error) }
    }

    private func poll(_ taskID: String) async -> Result<TaskData, ClientError> {
        do { return .success(try await client.task(taskID)) } catch { return .failure(error) }
    }

    private func recordSubmitFailure(_ pending: GenerationRecord, _ error: ClientError) async throws -> GenerationRecord
    {
        let status: GenerationStatus
        let code: String
        var ledger: [CreditEntry] = []
        switch error {
        case .transport(_, mayHaveReachedServer: false):
            status = .failed
            code = "NOT_SENT"
        case .unauthorized:
            status = .failed
            code = "UNAUTHORIZED"
        case .insufficientCredits(_, let available):
            status = .failed
            code = "INSUFFICIENT_CREDITS"
            if let available { ledger.append(CreditEntry(kind: .balance, credits: 0, balance: available)) }
        case .rejected:
            status = .failed
            code = "INVALID_REQUEST"
        case .invalidRequest:
            status = .failed
            code = "INVALID_REQUEST"
        case .serverError(500, _):
            status = .failed
            code = "INTERNAL_ERROR" // the API refunds a 500 itself
        default:
            status = .unknown
            code = "MAYBE_SUBMITTED"
        }
        let message =
            status == .unknown
            ? """
            \(error.description). It was not sent again, so it is charged at most once; check the API dashboard, then \
            `gptimg tasks`.
            """
            : error.description
        let updated = try await catalog.updateGeneration(
            pending.id, GenerationUpdate(status: status, errorCode: code, errorMessage: message), ledger: ledger)
        events(.failed(generation: pending.id, message: message))
        return updated
    }

    // MARK: - Waiting

    /// Polls a submitted generation on the schedule until the API says it completed or failed
    /// (recording the failure and its refund). Leaves it `processing`, resumable, at the
    /// deadline or when the API cannot be asked (a changed key, an unexpected answer).
    public func wait(for generation: GenerationRecord) async throws -> WaitResult {
        guard let taskID = generation.taskID else {
            return .ended(
                GenerationOutcome(
                    generation: generation, images: [], missing: [],
                    message: "no task id: it was never accepted by the API"))
        }
        let recorded =
            generation.submittedAt.flatMap(Timestamp.init(iso8601:)) ?? Timestamp(iso8601: generation.createdAt)
        let submitted = recorded?.date ?? clock.now()
        var timing = GenerationTiming()
        var failures = 0
        while true {
            let elapsed = clock.now().timeIntervalSince(submitted)
            let task: TaskData
            switch await poll(taskID) {
            case .success(let answer):
                task = answer
                failures = 0
            case .failure(let error):
                switch error {
                case .rateLimited, .serverError, .transport, .timedOut:
                    failures += 1
                    var retryAfter: Double?
                    if case .rateLimited(let after) = error { retryAfter = after }
                    guard elapsed < schedule.deadline else {
                        return .ended(try await leftProcessing(generation, error.description, timing))
                    }
                    let backoff = schedule.backoff(
                        failures: failures - 1, retryAfter: retryAfter, random: Double.random(in: 0...1))
                    let named = GenerationReference.text(generation.id)
                    logger.debug("generation \(named): poll failed (\(error.description)); again in \(backoff) s")
                    try await clock.sleep(seconds: backoff)
                    continue
                default:
                    // Nothing to gain by asking again now; the task is still the API's to finish.
                    let message = error.description
                    let updated = try await catalog.updateGeneration(
                        generation.id, GenerationUpdate(errorCode: "POLL_FAILED", errorMessage: message))
                    events(.failed(generation: generation.id, message: message))
                    return .ended(
                        GenerationOutcome(
                            generation: updated, images: [], missing: Array(0..<generation.n), message: message,
                            timing: timing))
                }
            }
            timing.polls += 1
            let checked = task.checked(expectedImages: generation.n)
            switch task.status {
            case .completed:
                timing.completedAt = checked.updatedAt
                timing.seenAt = clock.now()
                // completed_at first: the catalog dates each landed image by it.
                let current = try await catalog.updateGeneration(
                    generation.id, GenerationUpdate(completedAt: checked.updatedAt))
                return .completed(current, task, timing)
            case .failed:
                let current = try await catalog.generation(id: generation.id) ?? generation
                let refund = current.creditsCharged - current.creditsRefunded
                // The API's own code and message, each in its column; shown together.
                let code = checked.failure?.code ?? "FAILED"
                let reason = checked.failure?.message ?? "the task failed"
                let message = "\(code): \(reason)"
                let updated = try await catalog.updateGeneration(
                    generation.id,
                    GenerationUpdate(
                        status: .failed, completedAt: checked.updatedAt, errorCode: code, errorMessage: reason),
                    ledger: refund > 0 ? [CreditEntry(kind: .refund, credits: refund, taskID: taskID)] : [])
                events(.failed(generation: generation.id, message: message))
                return .ended(
                    GenerationOutcome(generation: updated, images: [], missing: [], message: message, timing: timing))
            case .processing:
                let now = clock.now().timeIntervalSince(submitted)
                events(.waiting(generation: generation.id, taskID: taskID, polls: timing.polls, elapsed: now))
                guard let wait = schedule.delay(afterElapsed: now) else {
                    return .ended(
                        try await leftProcessing(
                            generation, "still processing after \(Int(schedule.deadline)) s", timing))
                }
                let named = GenerationReference.text(generation.id)
                logger.debug("generation \(named): processing after \(timing.polls) polls; next in \(wait) s")
                try await clock.sleep(seconds: wait)
            }
        }
    }

    private func leftProcessing(_ generation: GenerationRecord, _ reason: String, _ timing: GenerationTiming)
        async throws -> GenerationOutcome
    {
        let message = "\(reason); it stays in the library's task list: run `gptimg resume` later"
        let current = try await catalog.generation(id: generation.id) ?? generation
        return GenerationOutcome(
            generation: current, images: [], missing: Array(0..<generation.n), message: message, timing: timing)
    }

    // MARK: - Landing

    /// Downloads, checks, embeds and lands each image of a completed task, with the tags and
    /// collection recorded with the generation; images already in the library are skipped, so
    /// landing again (resume) only fetches what is missing, but still puts every image in the
    /// collection (a crash may have come between landing and that). At most `n` images are
    /// taken, however many the API lists; that, and any value of the answer that does not fit
    /// its shape (`TaskData.checked`), is recorded as the generation's error.
    public func land(_ generation: GenerationRecord, task: TaskData, timing: GenerationTiming = GenerationTiming())
        async throws -> GenerationOutcome
    {
        let checked = task.checked(expectedImages: generation.n)
        let present = Set(try await catalog.images(ofGeneration: generation.id).map(\.index))
        var missing: [Int] = []
        var problems: [String] = []
        for (index, url) in checked.imageURLs.enumerated() where !present.contains(index) {
            guard let url else {
                missing.append(index)
                problems.append("image \(index): the API gave no usable URL for it")
                continue
            }
            events(.downloading(generation: generation.id, index: index, of: checked.imageURLs.count))
            do {
                let bytes = try await fetch(url)
                let metadata = Self.metadata(
                    for: generation, task: task, checked: checked, index: index, remoteURL: url,
                    tags: generation.requestedTags)
                // One pass, off the cooperative pool: embedded in memory, checked, hashed, written
                // once and linked, then the row (the tags are in the metadata: landing applies them
                // in its own transaction). The catalog keeps the whole URL (a variant sends it back
                // to the API as a reference).
                let landed = try await catalog.landImage(
                    bytes, embedding: metadata, generationID: generation.id, index: index, remoteURL: url)
                events(
                    .landed(
                        generation: generation.id, image: landed.image, alreadyInLibrary: landed.wasAlreadyInLibrary))
            } catch {
                missing.append(index)
                problems.append("image \(index): \(String(describing: error))")
            }
        }
        let images = try await catalog.images(ofGeneration: generation.id)
        // Once for all of them, those landed before included (INSERT OR IGNORE), before the
        // generation can be marked completed: if it fails, a resume tries again.
        // A smart collection asked for adds nothing: its members are what its query matches.
        if let collection = generation.requestedCollection, !images.isEmpty {
            _ = try await catalog.addToCollection(collection, images.map(\.id), skippingSmart: true)
        }
        var update = GenerationUpdate(status: missing.isEmpty ? .completed : .processing)
        Self.note(checked.notes, on: try await catalog.generation(id: generation.id) ?? generation, in: &update)
        let final = try await catalog.updateGeneration(generation.id, update)
        let missingMessage =
            missing.isEmpty
            ? nil
            : "missing \(missing.map(String.init).joined(separator: ", ")): \(problems.joined(separator: "; ")); "
                + "run `gptimg resume` to fetch them"
        let message = (checked.notes + [missingMessage].compactMap { $0 }).joined(separator: "; ")
        if !message.isEmpty { events(.failed(generation: generation.id, message: message)) }
        var timing = timing
        if missing.isEmpty { timing.landedAt = clock.now() }
        return GenerationOutcome(
            generation: final, images: images, missing: missing, message: message.isEmpty ? nil : message,
            timing: timing)
    }

    /// The error code of a generation whose answers held values gptimg did not store.
    public static let unexpectedAnswer = "UNEXPECTED_ANSWER"

    /// Adds `notes` (what an answer held that was not stored) to `update` as the generation's
    /// error, after the notes it already has (a resume does not repeat them); at most 2000
    /// characters.
    static func note(_ notes: [String], on generation: GenerationRecord, in update: inout GenerationUpdate) {
        guard !notes.isEmpty else { return }
        var all =
            generation.errorCode == unexpectedAnswer
            ? (generation.errorMessage ?? "").components(separatedBy: "; ") : []
        for note in notes where !all.contains(note) { all.append(note) }
        var message = all.filter { !$0.isEmpty }.joined(separator: "; ")
        if message.count > 2000 { message = String(message.prefix(1999)) + "…" }
        update.errorCode = unexpectedAnswer
        update.errorMessage = message
    }

    /// The largest image downloaded (held in memory while it lands).
    static let maxImageBytes = 64 << 20

    /// Downloads `url` into memory, trying again after a dropped connection or a bad answer (a
    /// download is free and idempotent): up to 4 attempts, 0.5, 1 and 2 s apart.
    private func fetch(_ url: String) async throws -> [UInt8] {
        var attempt = 0
        while true {
            do {
                return try await client.download(url, maxBytes: Self.maxImageBytes)
            } catch {
                attempt += 1
                guard attempt < 4 else { throw error }
                try await clock.sleep(seconds: 0.25 * Double(1 << attempt))
            }
        }
    }

    /// What the file carries about itself (metadata.md, schema 1): the API's values only where
    /// they fit their shape (`checked`), and URLs without their query (a signed URL's
    /// `?token=…` is a credential, and the file travels: exports copy it).
    static func metadata(
        for generation: GenerationRecord, task: TaskData, checked: CheckedTask, index: Int, remoteURL: String,
        tags: [String]
    ) -> GptimgMetadata {
        var parent: GptimgMetadata.Parent?
        if let parentTask = generation.parentTaskID, let parentIndex = generation.parentIndex {
            parent = GptimgMetadata.Parent(taskID: parentTask, index: parentIndex)
        }
        return GptimgMetadata(
            prompt: generation.prompt, aspectRatio: generation.aspectRatio, n: generation.n, index: index,
            type: task.type.rawValue, referenceImages: generation.referenceImages.map(ValueShape.withoutQuery),
            taskID: generation.taskID ?? checked.taskID, rowID: checked.rowID, provider: checked.provider,
            model: checked.model,
            createdAt: checked.createdAt, completedAt: checked.updatedAt, parent: parent,
            remoteURL: ValueShape.withoutQuery(remoteURL), tags: tags)
    }
}
