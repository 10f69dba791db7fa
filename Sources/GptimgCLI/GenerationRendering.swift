import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSupport
import PNGMetadata

enum GenerationRendering {
    /// A job's end as its result (and its message on stderr), written at once.
    static func emit(_ end: GenerationJobEnd, json: Bool, output: Output, label: String?) {
        switch end {
        case .outcome(let outcome): emit(outcome, json: json, output: output, label: label)
        case .failure(let message): emit(failure: message, json: json, output: output, label: label)
        }
        output.flush()
    }

    static func emit(_ outcome: GenerationOutcome, json: Bool, output: Output, label: String? = nil) {
        if json {
            output.json(Self.json(outcome, label: label))
            return
        }
        output.line([Styled(label.map { "\($0): " } ?? "")] + pieces(outcome.generation))
        for image in outcome.images { output.line("  image \(image.id)  \(image.path)") }
        if let message = outcome.message { output.error((label.map { "\($0): " } ?? "") + message) }
    }

    /// A job that ended with an error instead of an outcome: its line on stderr, and with
    /// `--json` an object saying so, so every job still has one.
    static func emit(failure message: String, json: Bool, output: Output, label: String? = nil) {
        output.error((label.map { "\($0): " } ?? "") + message)
        if json {
            output.json(.object((label.map { [("source", JSONOut.string($0))] } ?? []) + [("error", .string(message))]))
        }
    }

    /// `line`, its status coloured: completed green, failed red, anything unfinished yellow.
    static func pieces(_ generation: GenerationRecord) -> [Styled] {
        let text = line(generation)
        let status = generation.status.rawValue
        guard let range = text.range(of: "  " + status) else { return [Styled(text)] }
        let colour: TerminalStyle.Colour =
            switch generation.status {
            case .completed: .green
            case .failed: .red
            default: .yellow
            }
        return [
            Styled(String(text[..<range.lowerBound]) + "  "), Styled(status, colour),
            Styled(String(text[range.upperBound...])),
        ]
    }

    /// One line a generation: `g17`, never a bare number an image could be taken for.
    static func line(_ generation: GenerationRecord) -> String {
        let task = generation.taskID ?? "(no task id)"
        return
            """
            \(GenerationReference.text(generation.id).padding(toLength: 6, withPad: " ", startingAt: 0))  \
            \(generation.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \
            \(task)  \(generation.aspectRatio) ×\(generation.n)  \(generation.prompt.prefix(60))
            """
    }

    /// Its line, then why it failed (the API's own code and message) or what its answers held
    /// that was not stored.
    static func describe(_ generation: GenerationRecord, output: Output) {
        output.line(pieces(generation))
        if let code = generation.errorCode {
            output.line("        " + code + (generation.errorMessage.map { ": " + $0 } ?? ""))
        }
    }

    static func json(_ outcome: GenerationOutcome, label: String? = nil) -> JSONOut {
        var members = label.map { [("source", JSONOut.string($0))] } ?? []
        members += Self.members(
            outcome.generation, images: outcome.images, missing: outcome.missing, message: outcome.message)
        let timing = outcome.timing
        if timing.polls > 0 || timing.completedAt != nil {
            members.append(
                (
                    "timing",
                    .object([
                        ("polls", .int(timing.polls)),
                        ("completed_at", .optional(timing.completedAt)),
                        ("seen_at", .optional(timing.seenAt.map { Timestamp($0).iso8601Milliseconds })),
                        ("landed_at", .optional(timing.landedAt.map { Timestamp($0).iso8601Milliseconds })),
                    ])
                ))
        }
        return .object(members)
    }

    static func json(
        _ generation: GenerationRecord, images: [ImageRecord]?, missing: [Int] = [], message: String? = nil
    ) -> JSONOut {
        .object(members(generation, images: images, missing: missing, message: message))
    }

    private static func members(
        _ generation: GenerationRecord, images: [ImageRecord]?, missing: [Int], message: String?
    ) -> [(String, JSONOut)] {
        var members: [(String, JSONOut)] = [
            ("generation", .int(Int(generation.id))), ("task_id", .optional(generation.taskID)),
            ("status", .string(generation.status.rawValue)),
            ("prompt", .string(generation.prompt)), ("aspect_ratio", .string(generation.aspectRatio)),
            ("n", .int(generation.n)),
            ("type", .string(generation.type)), ("credits_charged", .int(generation.creditsCharged)),
            ("credits_refunded", .int(generation.creditsRefunded)), ("error_code", .optional(generation.errorCode)),
            ("error", .optional(generation.errorMessage)),
        ]
        if let images {
            members.append(
                (
                    "images",
                    .array(
                        images.map {
                            .object([
                                ("id", .int(Int($0.id))), ("path", .string($0.path)), ("sha256", .string($0.sha256)),
                            ])
                        })
                ))
            members.append(("missing", .array(missing.map(JSONOut.int))))
        }
        if let message { members.append(("message", .string(message))) }
        return members
    }
}
