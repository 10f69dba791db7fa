import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgSupport
import Logging
import PNGMetadata

/// One generation to run: a new request to submit, or a recorded one to wait for (a batch
/// re-run picking up what a crash left).
public struct GenerationJob: Sendable {
    public enum Work: Sendable {
        case submit(GenerateRequest, GenerationOptions)
        case resume(GenerationRecord)
    }

    public var work: Work
    /// Where it comes from, for messages ("line 3").
    public var label: String?

    public init(work: Work, label: String? = nil) {
        self.work = work
        self.label = label
    }
}

/// How one job of a run ended.
public enum GenerationJobEnd: Sendable {
    /// It reached a recorded state (completed, failed, still processing, accepted when detached).
    case outcome(GenerationOutcome)
    /// It stopped with an error of its own (a catalog write, a batch line already sent): that
    /// job fails, the others go on.
    case failure(String)
}

/// What happened to a whole run.
public struct GenerationRunSummary: Sendable, Equatable {
    public var completed = 0
    public var failed = 0
    public var unfinished = 0
    /// Jobs never sent because submitting stopped (402, 401).
    public var notSubmitted = 0
    public var charged = 0
    public var refunded = 0
    public var stopReason: String?

    public init() {}

    public var allCompleted: Bool { failed == 0 && unfinished == 0 && notSubmitted == 0 }
}

/// The one scheduler of generations (`generate`, `batch`, `rerun`, `variant`, `resume`,
/// `demo`): at most `concurrency` tasks at the API at once, as a sliding window. When a task
/// completes, the next is submitted at once, while the finished one's images land outside the
/// window. Submitting stops at the first 402 or 401 (the rest would be refused too); tasks
/// already submitted are still waited for and landed. Each job's end is reported as it
/// happens.
///
/// Money first: a child task that may have sent a POST is never cancelled, and no job's error
/// cancels another's (a task group whose child throws cancels its siblings, and a cancelled
/// POST may have reached the API already), so every job runs to a recorded state.
public struct GenerationRun: Sendable {
    public let generator: Generator
    /// Submit and return: `gptimg resume` waits for them later.
    public var detach: Bool
    /// Asked before each job starts: true stops submitting (Ctrl-C). Jobs already started run
    /// on, so a POST that may have reached the API is never abandoned by the scheduler.
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(generator: Generator, detach: Bool = false) {
        self.generator = generator
        self.detach = detach
    }

    /// The run any surface starts for a library and an API: the poll schedule learnt from the
    /// library's tasks at that API, unless `pollLatency` (`GPTIMG_POLL_LATENCY`'s text) names
    /// one; throws when that text is not a number of seconds.
    public init(
        catalog: Catalog, client: APIClient, pollLatency: String?, detach: Bool = false,
        clock: any GenerationClock = LiveClock(), logger: Logger = APIClient.silent,
        events: @escaping @Sendable (GenerationEvent) -> Void = { _ in }
    ) throws {
        let schedule = try PollLatency.schedule(catalog: catalog, baseURL: client.baseURL, override: pollLatency)
        let generator = Generator(
            catalog: catalog, client: client, schedule: schedule, clock: clock, logger: logger, events: events)
        self.init(generator: generator, detach: detach)
    }

    private enum Step: Sendable {
        case waited(Int, WaitResult)
        case submitted(Int, GenerationRecord)
        case landed(Int, GenerationOutcome)
        case broke(Int, message: String)
    }

    /// Runs `jobs`; `report` gets each job's index and end as it ends, on the caller's task.
    /// Never throws and is never cancelled part-way by its own jobs: each job's error stays
    /// with that job.
    public func run(
        _ jobs: [GenerationJob], concurrency: Int, report: (Int, GenerationJobEnd) -> Void = { _, _ in }
    ) async -> GenerationRunSummary {
        var summary = GenerationRunSummary()
        let generator = generator
        let detach = detach
        let shouldStop = shouldStop
        var next = 0
        func ended(_ index: Int, _ outcome: GenerationOutcome) {
            switch outcome.generation.status {
            case .completed: summary.completed += 1
            case .failed: summary.failed += 1
            default: summary.unfinished += 1
            }
            summary.charged += outcome.generation.creditsCharged
            summary.refunded += outcome.generation.creditsRefunded
            report(index, .outcome(outcome))
        }
        func broke(_ index: Int, _ message: String) {
            summary.failed += 1
            report(index, .failure(message))
        }
        // The one ordered concurrent map: a job holds a slot at the API from its POST to its
        // end; a finished task's images land as a side job, outside the window, while the next
        // job is submitted. No job is ever cancelled by another's end or error.
        await forEachConcurrently(
            next: { () -> Int? in
                guard next < jobs.count else { return nil }
                defer { next += 1 }
                return next
            },
            window: max(1, concurrency), order: .completion, mayStart: { summary.stopReason == nil && !shouldStop() },
            work: { index -> Step in
                do {
                    switch jobs[index].work {
                    case .resume(let generation):
                        return .waited(index, try await generator.wait(for: generation))
                    case .submit(let request, let options):
                        let submitted = try await generator.submit(request, options: options)
                        guard submitted.status == .processing, !detach else { return .submitted(index, submitted) }
                        return .waited(index, try await generator.wait(for: submitted))
                    }
                } catch {
                    return .broke(index, message: describeError(error))
                }
            },
            emit: { (_: Int, step: Step, run: inout ConcurrentRun<Step>) in
                switch step {
                case .submitted(let index, let generation):
                    if let reason = Self.stopReason(generation) { summary.stopReason = summary.stopReason ?? reason }
                    ended(
                        index,
                        GenerationOutcome(
                            generation: generation, images: [], missing: [], message: generation.errorMessage))
                case .waited(let index, .completed(let generation, let task, let timing)):
                    run.startSide {
                        do {
                            return .landed(index, try await generator.land(generation, task: task, timing: timing))
                        } catch {
                            return .broke(index, message: describeError(error))
                        }
                    }
                case .waited(let index, .ended(let outcome)):
                    if let reason = Self.stopReason(outcome.generation) {
                        summary.stopReason = summary.stopReason ?? reason
                    }
                    ended(index, outcome)
                case .landed(let index, let outcome):
                    ended(index, outcome)
                case .broke(let index, let message):
                    broke(index, message)
                }
            },
            sideFinished: { (step: Step, _: inout ConcurrentRun<Step>) in
                switch step {
                case .landed(let index, let outcome): ended(index, outcome)
                case .broke(let index, let message): broke(index, message)
                case .submitted, .waited: break
                }
            })
        summary.notSubmitted = jobs.count - next
        return summary
    }

    /// Why nothing more should be submitted after this generation's refusal, or nil.
    public static func stopReason(_ generation: GenerationRecord) -> String? {
        switch generation.errorCode {
        case "INSUFFICIENT_CREDITS": "stopped submitting: not enough credits"
        case "UNAUTHORIZED": "stopped submitting: the API refused the key"
        default: nil
        }
    }
}

extension GenerationRun {
    /// One job through the scheduler, as the MCP server and the gallery run a request: its end
    /// (nil if submitting had already stopped). `detach` as the run's own: return once accepted.
    public func runOne(_ job: GenerationJob, detach: Bool) async -> GenerationJobEnd? {
        let ended = OneEnd()
        var run = self
        run.detach = detach
        _ = await run.run([job], concurrency: 1) { _, end in ended.end = end }
        return ended.end
    }
}

/// The end the scheduler reports for the one job (its report runs on the caller's task).
private final class OneEnd: @unchecked Sendable {
    var end: GenerationJobEnd?
}
