import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgSupport
import PNGMetadata

/// A refusal before anything is sent: a mistake in a batch file, a batch over its credit cap,
/// a setting that is not a value. The message names the problem and the fix.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(_ message: String) { self.message = message }
}

/// One line of a batch file: a request and the tags for its images.
public struct BatchLine: Sendable, Hashable {
    public var number: Int
    public var request: GenerateRequest
    public var tags: [String]
    public var collection: String?

    public init(number: Int, request: GenerateRequest, tags: [String], collection: String?) {
        self.number = number
        self.request = request
        self.tags = tags
        self.collection = collection
    }

    /// Stable for the same request on the same file, whatever else the file holds.
    public var fingerprint: String {
        let canonical = JSONOut.object([
            ("prompt", .string(request.prompt)), ("aspect_ratio", .string(request.aspectRatio)), ("n", .int(request.n)),
            ("reference_images", .array(request.referenceImages.map(JSONOut.string))),
            ("tags", .array(tags.map(JSONOut.string))), ("collection", .optional(collection)),
        ])
        var bytes: [UInt8] = []
        canonical.render(into: &bytes)
        return String(Catalog.sha256Hex(bytes).prefix(16))
    }
}

/// Batch files: JSON Lines (`{"prompt":…,"aspect_ratio":…,"n":…,"reference_images":[…],"tags":[…]}`)
/// or plain text, one prompt a line. Blank lines and lines starting with `#` are skipped.
public enum BatchFile {
    public static let fields = ["prompt", "aspect_ratio", "n", "reference_images", "tags", "collection"]

    /// What a line takes when it does not say.
    public struct Defaults: Sendable {
        public var aspectRatio: String
        public var n: Int
        public var tags: [String]
        public var collection: String?

        public init(aspectRatio: String, n: Int, tags: [String] = [], collection: String? = nil) {
            self.aspectRatio = aspectRatio
            self.n = n
            self.tags = tags
            self.collection = collection
        }
    }

    /// Every line's request, or every problem found (each naming its line), so a file is fixed
    /// in one go and nothing is sent from a file with a mistake in it.
    public static func parse(_ text: String, defaults: Defaults) throws(PipelineError) -> [BatchLine] {
        var lines: [BatchLine] = []
        var problems: [String] = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard trimmed.hasPrefix("{") else {
                lines.append(
                    BatchLine(
                        number: number,
                        request: GenerateRequest(prompt: trimmed, aspectRatio: defaults.aspectRatio, n: defaults.n),
                        tags: defaults.tags, collection: defaults.collection))
                continue
            }
            switch parseObject(trimmed, number: number, defaults: defaults) {
            case .success(let line): lines.append(line)
            case .failure(let problem): problems.append("line \(number): \(problem.message)")
            }
        }
        if !problems.isEmpty { throw mistakes(problems) }
        if lines.isEmpty {
            throw PipelineError("the batch file has no prompts: write one prompt a line, or JSON Lines")
        }
        return lines
    }

    /// The API's rules, checked on every line before anything is sent.
    public static func check(_ lines: [BatchLine], with client: APIClient) throws(PipelineError) {
        let problems = lines.compactMap { line in
            client.problem(with: line.request).map { "line \(line.number): \($0.message)" }
        }
        if !problems.isEmpty {
            throw PipelineError(
                "the batch file has mistakes, so nothing was sent: " + problems.prefix(5).joined(separator: "; "))
        }
    }

    private static func mistakes(_ problems: [String]) -> PipelineError {
        let shown = problems.prefix(5).joined(separator: "; ")
        let more = problems.count > 5 ? "; and \(problems.count - 5) more" : ""
        return PipelineError("the batch file has mistakes, so nothing was sent: \(shown)\(more)")
    }

    private static func parseObject(_ text: String, number: Int, defaults: Defaults) -> Result<BatchLine, PipelineError>
    {
        guard let object = JSONValue.parseObject(text) else { return .failure(PipelineError("not a JSON object")) }
        if let unknown = object.keys.first(where: { !fields.contains($0) }) {
            return .failure(
                PipelineError(
                    "unknown field \"\(unknown.prefix(40))\" (the fields are \(fields.joined(separator: ", ")))"))
        }
        guard case .string(let prompt)? = object["prompt"] else {
            return .failure(PipelineError("\"prompt\" must be a string"))
        }
        var aspect = defaults.aspectRatio
        if let value = object["aspect_ratio"] {
            guard case .string(let text) = value else {
                return .failure(PipelineError("\"aspect_ratio\" must be a string such as \"16:9\""))
            }
            aspect = text
        }
        var n = defaults.n
        if let value = object["n"] {
            guard case .number(let literal) = value, let count = Int(literal) else {
                return .failure(PipelineError("\"n\" must be a whole number from 1 to 4"))
            }
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
        guard let references = strings("reference_images") else {
            return .failure(PipelineError("\"reference_images\" must be a list of URLs"))
        }
        guard let tags = strings("tags") else { return .failure(PipelineError("\"tags\" must be a list of strings")) }
        var collection = defaults.collection
        if let value = object["collection"] {
            guard case .string(let name) = value else {
                return .failure(PipelineError("\"collection\" must be a string"))
            }
            collection = name
        }
        return .success(
            BatchLine(
                number: number,
                request: GenerateRequest(prompt: prompt, aspectRatio: aspect, n: n, referenceImages: references ?? []),
                tags: defaults.tags + (tags ?? []), collection: collection))
    }

    /// The file's identity in batch keys: a hash of its absolute path with links resolved (so
    /// editing one line resends only that line), or "stdin" for standard input (`path` nil).
    /// A relative `path` is taken from `currentDirectory`.
    public static func identity(path: String?, currentDirectory: String) -> String {
        guard let path else { return "stdin" }
        let base = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        let absolute = URL(fileURLWithPath: path, relativeTo: base).absoluteURL.standardizedFileURL
            .resolvingSymlinksInPath().path
        return String(Catalog.sha256Hex(Array(absolute.utf8)).prefix(16))
    }
}

/// What running a batch file will do: the jobs to run, what is left alone and why, and what
/// it costs. Made before anything is sent, so its cost is stated first.
public struct BatchPlan: Sendable {
    /// One a line to send or to wait for, in the file's order.
    public var jobs: [GenerationJob]
    /// Lines left alone, each with its reason, then how many were already done: for stderr.
    public var notices: [String]
    /// New tasks, their images, and tasks already sent that are waited for.
    public var tasks = 0
    public var images = 0
    public var resumed = 0

    /// What the new tasks cost.
    public var credits: Int { images * APIContract.creditsPerImage }

    /// The line stated before anything is sent.
    public func statement(concurrency: Int) -> String {
        let per = APIContract.creditsPerImage
        var text =
            "batch: \(tasks) task\(tasks == 1 ? "" : "s"), \(images) image\(images == 1 ? "" : "s"), "
            + "\(credits) credits (\(per) an image), \(concurrency) at a time"
        if resumed > 0 { text += "; \(resumed) already sent, waited for" }
        return text
    }

    /// Refuses a batch that would cost more than `maxCredits`.
    public func check(maxCredits: Int?) throws(PipelineError) {
        if let maxCredits, credits > maxCredits {
            throw PipelineError(
                "the batch would cost \(credits) credits, over --max-credits \(maxCredits); nothing was sent")
        }
    }

    /// One job a line of `lines` (from the file `identity` names): submit it, or wait for the
    /// task it already has. A line is never sent twice: lines already done, and lines that may
    /// have reached the API without an answer, are left alone and said so. `again` starts a new
    /// round, in which every line is sent anew.
    public init(_ lines: [BatchLine], identity: String, again: Bool, catalog: Catalog) throws {
        let prefix = identity + ":"
        let earlier = try catalog.generations(batchKeyPrefix: prefix)
        // Keys are "<file>:<round>:<line fingerprint>:<occurrence>"; a plain run continues the
        // latest round, --again starts the next.
        let latest =
            earlier.compactMap { $0.batchKey?.split(separator: ":").dropFirst().first.flatMap { Int($0) } }.max() ?? 0
        let round = again && !earlier.isEmpty ? latest + 1 : latest
        let byKey = Dictionary(
            earlier.compactMap { record in record.batchKey.map { ($0, record) } }, uniquingKeysWith: { $1 })
        var occurrences: [String: Int] = [:]
        var jobs: [GenerationJob] = []
        var notices: [String] = []
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
                    notices.append(
                        "\(label): task #\(record.id) may have reached the API without an answer; "
                            + "it is not sent again (`gptimg tasks`)"
                    )
                    continue
                }
            }
            let options = GenerationOptions(tags: line.tags, collection: line.collection, batchKey: key)
            jobs.append(GenerationJob(work: .submit(line.request, options), label: label))
        }
        if done > 0 {
            let lines = "\(done) line\(done == 1 ? "" : "s")"
            notices.append(
                "batch: \(lines) already done in this file's run\(again ? "" : " (--again runs them as new tasks)")")
        }
        self.jobs = jobs
        self.notices = notices
        for job in jobs {
            switch job.work {
            case .submit(let request, _):
                tasks += 1
                images += request.n
            case .resume:
                resumed += 1
            }
        }
    }
}
