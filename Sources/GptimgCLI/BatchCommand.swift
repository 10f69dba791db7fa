import ArgumentParser
import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSupport
import PNGMetadata

/// One line of a batch file: a request and the tags for its images.
struct BatchLine: Sendable, Hashable {
    var number: Int
    var request: GenerateRequest
    var tags: [String]
    var collection: String?

    /// Stable for the same request on the same file, whatever else the file holds.
    var fingerprint: String {
        let canonical = JSONOut.object([
            ("prompt", .string(request.prompt)), ("aspect_ratio", .string(request.aspectRatio)), ("n", .int(request.n)),
            ("reference_images", .array(request.referenceImages.map(JSONOut.string))), ("tags", .array(tags.map(JSONOut.string))),
            ("collection", .optional(collection)),
        ])
        var bytes: [UInt8] = []
        canonical.render(into: &bytes)
        return String(Catalog.sha256Hex(bytes).prefix(16))
    }
}

/// Batch files: JSON Lines (`{"prompt":…,"aspect_ratio":…,"n":…,"reference_images":[…],"tags":[…]}`)
/// or plain text, one prompt a line. Blank lines and lines starting with `#` are skipped.
enum BatchFile {
    static let fields = ["prompt", "aspect_ratio", "n", "reference_images", "tags", "collection"]

    struct Defaults {
        var aspectRatio: String
        var n: Int
        var tags: [String]
        var collection: String?
    }

    /// Every line's request, or every problem found (each naming its line), so a file is fixed
    /// in one go and nothing is sent from a file with a mistake in it.
    static func parse(_ text: String, defaults: Defaults) -> Result<[BatchLine], ErrorLine> {
        var lines: [BatchLine] = []
        var problems: [String] = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard trimmed.hasPrefix("{") else {
                lines.append(BatchLine(
                    number: number, request: GenerateRequest(prompt: trimmed, aspectRatio: defaults.aspectRatio, n: defaults.n),
                    tags: defaults.tags, collection: defaults.collection))
                continue
            }
            switch parseObject(trimmed, number: number, defaults: defaults) {
            case .success(let line):
                lines.append(line)
            case .failure(let problem):
                problems.append("line \(number): \(problem)")
            }
        }
        if !problems.isEmpty {
            let shown = problems.prefix(5).joined(separator: "; ")
            let more = problems.count > 5 ? "; and \(problems.count - 5) more" : ""
            return .failure(ErrorLine(message: "the batch file has mistakes, so nothing was sent: \(shown)\(more)"))
        }
        if lines.isEmpty { return .failure(ErrorLine(message: "the batch file has no prompts: write one prompt a line, or JSON Lines")) }
        return .success(lines)
    }

    private static func parseObject(_ text: String, number: Int, defaults: Defaults) -> Result<BatchLine, ErrorLine> {
        guard let object = JSONValue.parseObject(text) else { return .failure(ErrorLine(message: "not a JSON object")) }
        if let unknown = object.keys.first(where: { !fields.contains($0) }) {
            return .failure(ErrorLine(message: "unknown field \"\(unknown.prefix(40))\" (the fields are \(fields.joined(separator: ", ")))"))
        }
        guard case .string(let prompt)? = object["prompt"] else { return .failure(ErrorLine(message: "\"prompt\" must be a string")) }
        var aspect = defaults.aspectRatio
        if let value = object["aspect_ratio"] {
            guard case .string(let text) = value else { return .failure(ErrorLine(message: "\"aspect_ratio\" must be a string such as \"16:9\"")) }
            aspect = text
        }
        var n = defaults.n
        if let value = object["n"] {
            guard case .number(let literal) = value, let count = Int(literal) else { return .failure(ErrorLine(message: "\"n\" must be a whole number from 1 to 4")) }
            n = count
        }
        func strings(_ key: String) -> [String]?? {
            guard let value = object[key] else { return .some(nil) }
            guard case .array(let items) = value else { return nil }
            var out: [String] = []
            for item in items {
                guard case .string(let text) = item else { return nil }
                out.append(text)
            }
            return .some(out)
        }
        guard let references = strings("reference_images") else { return .failure(ErrorLine(message: "\"reference_images\" must be a list of URLs")) }
        guard let tags = strings("tags") else { return .failure(ErrorLine(message: "\"tags\" must be a list of strings")) }
        var collection = defaults.collection
        if let value = object["collection"] {
            guard case .string(let name) = value else { return .failure(ErrorLine(message: "\"collection\" must be a string")) }
            collection = name
        }
        return .success(BatchLine(
            number: number, request: GenerateRequest(prompt: prompt, aspectRatio: aspect, n: n, referenceImages: references ?? []),
            tags: defaults.tags + (tags ?? []), collection: collection))
    }
}

struct BatchCommand: AsyncParsableCommand {
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

    @Argument(help: "The batch file (- for standard input).")
    var file: String

    @Option(help: "Tasks at the API at once.")
    var concurrency = 4

    @Option(help: "Aspect ratio for lines that give none: \(AspectRatio.listed).")
    var aspect = AspectRatio.default.rawValue

    @Option(name: .short, help: "Images a line for lines that give none (1–4).")
    var n = 1

    @Option(help: "Refuse to start if the batch would cost more credits than this.")
    var maxCredits: Int?

    @Flag(help: "Check the file and state its cost; send nothing.")
    var dryRun = false

    @Flag(help: "Run every line again as new tasks, even those already sent.")
    var again = false

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 64") }
    }

    func run() async throws {
        try await runGenerations({ catalog, client in
            let text = try readFile()
            let defaults = BatchFile.Defaults(aspectRatio: aspect, n: n, tags: flags.tags, collection: flags.collection)
            let lines = try BatchFile.parse(text, defaults: defaults).get()
            let problems = lines.compactMap { line in client.problem(with: line.request).map { "line \(line.number): \($0.message)" } }
            if !problems.isEmpty {
                throw ErrorLine(message: "the batch file has mistakes, so nothing was sent: " + problems.prefix(5).joined(separator: "; "))
            }
            return try plan(lines, catalog: catalog)
        }, options: options, detach: flags.detach, concurrency: concurrency, before: { jobs in
            try state(jobs)
        }, after: { summary, _ in
            var parts = ["\(summary.completed) completed"]
            if summary.failed > 0 { parts.append("\(summary.failed) failed") }
            if summary.unfinished > 0 { parts.append("\(summary.unfinished) unfinished (`gptimg resume` finishes them)") }
            if summary.notSubmitted > 0 { parts.append("\(summary.notSubmitted) not submitted") }
            Output.diagnostic("batch: \(parts.joined(separator: ", ")); \(summary.charged) credits charged, \(summary.refunded) refunded")
        })
    }

    private func readFile() throws -> String {
        let data: Data?
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: file)
        }
        guard let data else { throw ErrorLine(message: "cannot read \(file): check the path") }
        guard let text = String(data: data, encoding: .utf8) else { throw ErrorLine(message: "\(file) is not UTF-8 text") }
        return text
    }

    /// The file's identity in batch keys: its absolute path (so editing one line resends only
    /// that line), or "stdin".
    private var fileKey: String {
        guard file != "-" else { return "stdin" }
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
        return String(Catalog.sha256Hex(Array(absolute.utf8)).prefix(16))
    }

    /// One job a line: submit it, or wait for the task it already has; lines already done (or
    /// that may have reached the API without an answer) are left alone and said so.
    private func plan(_ lines: [BatchLine], catalog: Catalog) throws -> [GenerationJob] {
        let prefix = fileKey + ":"
        let earlier = try catalog.generations(batchKeyPrefix: prefix)
        // Keys are "<file>:<round>:<line fingerprint>:<occurrence>"; a plain run continues the
        // latest round, --again starts the next.
        let latest = earlier.compactMap { $0.batchKey?.split(separator: ":").dropFirst().first.flatMap { Int($0) } }.max() ?? 0
        let round = again && !earlier.isEmpty ? latest + 1 : latest
        let byKey = Dictionary(earlier.compactMap { record in record.batchKey.map { ($0, record) } }, uniquingKeysWith: { $1 })
        var occurrences: [String: Int] = [:]
        var jobs: [GenerationJob] = []
        var done = 0
        for line in lines {
            let fingerprint = line.fingerprint
            let occurrence = occurrences[fingerprint, default: 0]
            occurrences[fingerprint] = occurrence + 1
            let key = "\(prefix)\(round):\(fingerprint):\(occurrence)"
            let label = "line \(line.number)"
            if let record = byKey[key] {
                if record.status.isFinished && record.taskID != nil {
                    done += 1
                    continue
                }
                if record.taskID != nil {
                    jobs.append(GenerationJob(work: .resume(record), label: label))
                    continue
                }
                if !record.status.isFinished {
                    Output.diagnostic("\(label): task #\(record.id) may have reached the API without an answer; it is not sent again (`gptimg tasks`)")
                    continue
                }
            }
            let options = GenerationOptions(tags: line.tags, collection: line.collection, batchKey: key)
            jobs.append(GenerationJob(work: .submit(line.request, options), label: label))
        }
        if done > 0 {
            Output.diagnostic("batch: \(done) line\(done == 1 ? "" : "s") already done in this file's run\(again ? "" : " (--again runs them as new tasks)")")
        }
        return jobs
    }

    /// States what the batch will send and cost; refuses past --max-credits; stops a dry run.
    private func state(_ jobs: [GenerationJob]) throws {
        var tasks = 0
        var images = 0
        var resumed = 0
        for job in jobs {
            switch job.work {
            case .submit(let request, _):
                tasks += 1
                images += request.n
            case .resume:
                resumed += 1
            }
        }
        let credits = images * APIContract.creditsPerImage
        var statement = "batch: \(tasks) task\(tasks == 1 ? "" : "s"), \(images) image\(images == 1 ? "" : "s"), \(credits) credits (\(APIContract.creditsPerImage) an image), \(concurrency) at a time"
        if resumed > 0 { statement += "; \(resumed) already sent, waited for" }
        Output.diagnostic(statement)
        if let maxCredits, credits > maxCredits {
            throw ErrorLine(message: "the batch would cost \(credits) credits, over --max-credits \(maxCredits); nothing was sent")
        }
        if dryRun {
            Output.diagnostic("batch: dry run, nothing sent")
            throw ExitCode.success
        }
    }
}
