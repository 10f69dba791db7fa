import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSupport
import PNGMetadata

/// One generation to run: a new request to submit, or a recorded one to wait for (a batch
/// re-run picking up what a crash left).
struct GenerationJob: Sendable {
    enum Work: Sendable {
        case submit(GenerateRequest, GenerationOptions)
        case resume(GenerationRecord)
    }

    var work: Work
    /// Where it comes from, for messages ("line 3").
    var label: String?
}

/// What happened to a whole run.
struct GenerationRunSummary: Sendable {
    var completed = 0
    var failed = 0
    var unfinished = 0
    /// Jobs never sent because submitting stopped (402, 401).
    var notSubmitted = 0
    var charged = 0
    var refunded = 0
    var stopReason: String?

    var allCompleted: Bool { failed == 0 && unfinished == 0 && notSubmitted == 0 }
}

/// Runs generations with at most `concurrency` tasks at the API at once, as a sliding window:
/// when a task completes, the next is submitted at once, while the finished one's images land
/// outside the window. Submitting stops at the first 402 or 401 (the rest would be refused
/// too); tasks already submitted are still waited for and landed. Results are written as each
/// generation ends.
struct GenerationRun {
    let generator: GptimgGeneration.Generator
    let output: Output
    let json: Bool
    /// Submit and return: `gptimg resume` waits for them later.
    var detach = false

    private enum Step: Sendable {
        case waited(Int, WaitResult)
        case submitted(Int, GenerationRecord)
        case landed(Int, GenerationOutcome)
        /// The job stopped with an error of its own (a catalog write, a batch line already
        /// sent): that job fails, the others go on. `inWindow` when it held a slot at the API.
        case broke(Int, message: String, inWindow: Bool)
    }

    /// Never throws: each job's error stays with that job (a child task that threw would make
    /// the group cancel the others, and a cancelled POST may have reached the API already).
    func run(_ jobs: [GenerationJob], concurrency: Int) async -> GenerationRunSummary {
        var summary = GenerationRunSummary()
        let generator = generator
        let detach = detach
        await withTaskGroup(of: Step.self) { group in
            var next = 0
            var inWindow = 0
            func startNext() {
                guard summary.stopReason == nil, next < jobs.count else { return }
                let index = next
                next += 1
                inWindow += 1
                group.addTask {
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
                        return .broke(index, message: describeError(error), inWindow: true)
                    }
                }
            }
            while inWindow < max(1, concurrency) && next < jobs.count { startNext() }
            while let step = await group.next() {
                switch step {
                case .submitted(let index, let generation):
                    inWindow -= 1
                    if let reason = Self.stopReason(generation) { summary.stopReason = summary.stopReason ?? reason }
                    report(GenerationOutcome(generation: generation, images: [], missing: [], message: generation.errorMessage), jobs[index], &summary)
                case .waited(let index, let result):
                    inWindow -= 1
                    switch result {
                    case .completed(let generation, let task, let timing):
                        group.addTask {
                            do {
                                return .landed(index, try await generator.land(generation, task: task, timing: timing))
                            } catch {
                                return .broke(index, message: describeError(error), inWindow: false)
                            }
                        }
                    case .ended(let outcome):
                        if let reason = Self.stopReason(outcome.generation) { summary.stopReason = summary.stopReason ?? reason }
                        report(outcome, jobs[index], &summary)
                    }
                case .landed(let index, let outcome):
                    report(outcome, jobs[index], &summary)
                case .broke(let index, let message, let heldSlot):
                    if heldSlot { inWindow -= 1 }
                    summary.failed += 1
                    GenerationRendering.emit(failure: message, json: json, output: output, label: jobs[index].label)
                    output.flush()
                }
                while inWindow < max(1, concurrency) && next < jobs.count && summary.stopReason == nil { startNext() }
            }
            summary.notSubmitted = jobs.count - next
        }
        return summary
    }

    /// Why nothing more should be submitted after this generation's refusal, or nil.
    static func stopReason(_ generation: GenerationRecord) -> String? {
        switch generation.errorCode {
        case "INSUFFICIENT_CREDITS": "stopped submitting: not enough credits"
        case "UNAUTHORIZED": "stopped submitting: the API refused the key"
        default: nil
        }
    }

    private func report(_ outcome: GenerationOutcome, _ job: GenerationJob, _ summary: inout GenerationRunSummary) {
        switch outcome.generation.status {
        case .completed: summary.completed += 1
        case .failed: summary.failed += 1
        default: summary.unfinished += 1
        }
        summary.charged += outcome.generation.creditsCharged
        summary.refunded += outcome.generation.creditsRefunded
        GenerationRendering.emit(outcome, json: json, output: output, label: job.label)
        output.flush()
    }
}

/// Progress on stderr when it is a terminal (and not for --json); quiet when piped.
func progressReporter(json: Bool) -> @Sendable (GenerationEvent) -> Void {
    guard !json, isatty(STDERR_FILENO) == 1 else { return { _ in } }
    let printer = ProgressPrinter()
    return { printer.report($0) }
}

enum GenerationRendering {
    static func emit(_ outcome: GenerationOutcome, json: Bool, output: Output, label: String? = nil) {
        if json {
            output.json(Self.json(outcome, label: label))
            return
        }
        output.line((label.map { "\($0): " } ?? "") + line(outcome.generation))
        for image in outcome.images { output.line("  #\(image.id)  \(image.path)") }
        if let message = outcome.message { output.error((label.map { "\($0): " } ?? "") + message) }
    }

    /// A job that ended with an error instead of an outcome: its line on stderr, and with
    /// `--json` an object saying so, so every job still has one.
    static func emit(failure message: String, json: Bool, output: Output, label: String? = nil) {
        output.error((label.map { "\($0): " } ?? "") + message)
        if json { output.json(.object((label.map { [("source", JSONOut.string($0))] } ?? []) + [("error", .string(message))])) }
    }

    static func line(_ generation: GenerationRecord) -> String {
        let task = generation.taskID ?? "(no task id)"
        return "#\(generation.id)  \(generation.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(task)  \(generation.aspectRatio) ×\(generation.n)  \(generation.prompt.prefix(60))"
    }

    static func json(_ outcome: GenerationOutcome, label: String? = nil) -> JSONOut {
        var members = label.map { [("source", JSONOut.string($0))] } ?? []
        members += Self.members(outcome.generation, images: outcome.images, missing: outcome.missing, message: outcome.message)
        let timing = outcome.timing
        if timing.polls > 0 || timing.completedAt != nil {
            members.append(("timing", .object([
                ("polls", .int(timing.polls)),
                ("completed_at", .optional(timing.completedAt)),
                ("seen_at", .optional(timing.seenAt.map { Timestamp($0).iso8601Milliseconds })),
                ("landed_at", .optional(timing.landedAt.map { Timestamp($0).iso8601Milliseconds })),
            ])))
        }
        return .object(members)
    }

    static func json(_ generation: GenerationRecord, images: [ImageRecord]?, missing: [Int] = [], message: String? = nil) -> JSONOut {
        .object(members(generation, images: images, missing: missing, message: message))
    }

    private static func members(_ generation: GenerationRecord, images: [ImageRecord]?, missing: [Int], message: String?) -> [(String, JSONOut)] {
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
        return members
    }
}
