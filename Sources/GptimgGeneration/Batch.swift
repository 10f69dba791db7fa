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
    /// What the line itself says, in a canonical form: its prompt, and for a JSON line the
    /// fields it gives. The command's options (`--aspect`, `-n`, `--tag`, `--collection`) are
    /// not part of it: they only fill in what the line leaves out.
    public var content: String

    public init(number: Int, request: GenerateRequest, tags: [String], collection: String?, content: String? = nil) {
        self.number = number
        self.request = request
        self.tags = tags
        self.collection = collection
        self.content = content ?? JSONOut.object([("prompt", .string(request.prompt))]).rendered
    }

    /// The line's identity in its file: a hash of `content` ("c" and 16 hex). A line already
    /// sent is known by it whatever options the command is given now, so it is never planned
    /// again as a new task.
    public var identity: String {
        "c" + String(Catalog.sha256Hex(Array(content.utf8)).prefix(16))
    }

    /// The key of releases before this one (16 hex, no "c"): a hash of the request as sent, the
    /// command's options included. Still read, so a catalog written by them continues its batches.
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

    /// How the recorded generation `record` differs from what this line asks for now, one phrase
    /// an option ("tags t1 then, none now"); empty when it is the same.
    func differences(from record: GenerationRecord) -> [String] {
        func shown(_ values: [String]) -> String { values.isEmpty ? "none" : values.joined(separator: ", ") }
        var out: [String] = []
        if record.aspectRatio != request.aspectRatio {
            out.append("aspect \(record.aspectRatio) then, \(request.aspectRatio) now")
        }
        if record.n != request.n { out.append("n \(record.n) then, \(request.n) now") }
        if record.referenceImages != request.referenceImages {
            out.append("\(record.referenceImages.count) reference images then, \(request.referenceImages.count) now")
        }
        if record.requestedTags.sorted() != tags.sorted() {
            out.append("tags \(shown(record.requestedTags)) then, \(shown(tags)) now")
        }
        if record.requestedCollection != collection {
            out.append("collection \(record.requestedCollection ?? "none") then, \(collection ?? "none") now")
        }
        return out
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
                        tags: defaults.tags, collection: defaults.collection,
                        content: JSONOut.object([("prompt", .string(trimmed))]).rendered))
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
        // What the line gives, in the fields' order: its identity in the file.
        var given: [(String, JSONOut)] = [("prompt", .string(prompt))]
        if object["aspect_ratio"] != nil { given.append(("aspect_ratio", .string(aspect))) }
        if object["n"] != nil { given.append(("n", .int(n))) }
        if let references { given.append(("reference_images", .array(references.map(JSONOut.string)))) }
        if let tags { given.append(("tags", .array(tags.map(JSONOut.string)))) }
        if object["collection"] != nil { given.append(("collection", .optional(collection))) }
        return .success(
            BatchLine(
                number: number,
                request: GenerateRequest(prompt: prompt, aspectRatio: aspect, n: n, referenceImages: references ?? []),
                tags: defaults.tags + (tags ?? []), collection: collection, content: JSONOut.object(given).rendered))
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
///
/// A line is known by its file and its content (`BatchLine.identity`), never by the command's
/// options: a line already sent is not planned again whatever options are given now. When they
/// differ from the ones it was sent with, the plan says so (which lines, which options) and
/// sends nothing for them; `again` starts a new round, in which every line is sent anew, and
/// `retryFailed` sends again the lines whose task the API failed (and refunded).
public struct BatchPlan: Sendable {
    /// One a line to send or to wait for, in the file's order.
    public var jobs: [GenerationJob]
    /// Lines left alone, each with its reason, then how many were already done: for stderr.
    public var notices: [String]
    /// New tasks, their images, and tasks already sent that are waited for.
    public var tasks = 0
    public var images = 0
    public var resumed = 0
    /// The lines sent before with other options than the ones given now: nothing is sent for them.
    public var changed: [Int] = []

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
    /// round, in which every line is sent anew; `retryFailed` sends again the lines whose task
    /// failed at the API (refunded).
    public init(
        _ lines: [BatchLine], identity: String, again: Bool, retryFailed: Bool = false, catalog: Catalog
    ) throws {
        let prefix = identity + ":"
        let earlier = try catalog.generations(batchKeyPrefix: prefix).compactMap { record in
            record.batchKey.flatMap { BatchKey($0) }.map { (key: $0, record: record) }
        }
        // Keys are "<file>:<round>:<line identity>:<occurrence>"; a plain run continues the
        // latest round, --again starts the next.
        let latest = earlier.map(\.key.round).max() ?? 0
        let round = again && !earlier.isEmpty ? latest + 1 : latest
        let current = earlier.filter { $0.key.round == round && !$0.key.retired }
        let byKey = Dictionary(
            current.filter { !$0.key.isLegacy }.map { ($0.key.text, $0.record) }, uniquingKeysWith: { $1 })
        var legacy = LegacyLines(
            current.filter(\.key.isLegacy).map(\.record), lines: lines, prefix: prefix, round: round)
        var occurrences: [String: Int] = [:]
        var jobs: [GenerationJob] = []
        var notices: [String] = []
        var done: [Int] = []
        var changed: [String: [Int]] = [:]
        var waitedChanged: [String: [Int]] = [:]
        var failed: [Int] = []
        var retried: [Int] = []
        for line in lines {
            let identity = line.identity
            let occurrence = occurrences[identity, default: 0]
            occurrences[identity] = occurrence + 1
            let key = "\(prefix)\(round):\(identity):\(occurrence)"
            let label = "line \(line.number)"
            func submit(replacingFailed: Bool = false) {
                let options = GenerationOptions(
                    tags: line.tags, collection: line.collection, batchKey: key, replacingFailed: replacingFailed)
                jobs.append(GenerationJob(work: .submit(line.request, options), label: label))
            }
            guard let record = byKey[key] ?? legacy.match(line) else {
                submit()
                continue
            }
            let differences = line.differences(from: record).joined(separator: "; ")
            switch (record.taskID != nil, record.status) {
            case (true, .completed):
                if differences.isEmpty {
                    done.append(line.number)
                } else {
                    changed[differences, default: []].append(line.number)
                }
            case (true, .failed):
                // Failed at the API, which refunded it: sent again only when asked.
                if retryFailed {
                    retried.append(line.number)
                    submit(replacingFailed: true)
                } else {
                    failed.append(line.number)
                }
            case (true, _):
                // Accepted and not finished: waited for, and landed as it was first asked.
                if !differences.isEmpty { waitedChanged[differences, default: []].append(line.number) }
                jobs.append(GenerationJob(work: .resume(record), label: label))
            case (false, .failed):
                // The API never accepted it (refused, or provably never sent): it may go again.
                submit()
            case (false, _):
                notices.append(
                    "\(label): generation \(GenerationReference.text(record.id)) may have reached the API without "
                        + "an answer; it is not sent again (`gptimg tasks`)"
                )
            }
        }
        for (differences, numbers) in changed.sorted(by: { $0.value[0] < $1.value[0] }) {
            let one = numbers.count == 1
            notices.append(
                "batch: \(Self.lines(numbers)) \(one ? "was" : "were") sent before with other options "
                    + "(\(differences)): nothing is sent for \(one ? "it" : "them"); --again sends "
                    + "\(one ? "it anew as a new task" : "them anew as new tasks")")
        }
        for (differences, numbers) in waitedChanged.sorted(by: { $0.value[0] < $1.value[0] }) {
            notices.append(
                "batch: \(Self.lines(numbers)) \(numbers.count == 1 ? "is" : "are") still at the API from a run "
                    + "with other options (\(differences)): waited for, and landed as that run asked")
        }
        if !failed.isEmpty {
            let one = failed.count == 1
            notices.append(
                "batch: \(Self.lines(failed)) failed at the API (refunded): --retry-failed sends "
                    + "\(one ? "it" : "them") again")
        }
        if !retried.isEmpty {
            let verb = retried.count == 1 ? "is" : "are"
            notices.append("batch: \(Self.lines(retried)) failed before (refunded) and \(verb) sent again")
        }
        if !done.isEmpty {
            let lines = "\(done.count) line\(done.count == 1 ? "" : "s")"
            notices.append(
                "batch: \(lines) already done in this file's run\(again ? "" : " (--again runs them as new tasks)")")
        }
        self.jobs = jobs
        self.notices = notices
        self.changed = changed.values.flatMap { $0 }.sorted()
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

    /// "line 3", "lines 1, 2 and 5", "lines 1, 2, 3, 4, 5 and 7 more".
    public static func lines(_ numbers: [Int]) -> String {
        guard numbers.count > 1 else { return "line \(numbers.first ?? 0)" }
        let shown = numbers.prefix(numbers.count > 6 ? 5 : numbers.count - 1).map(String.init)
        let rest = numbers.count - shown.count
        let last = numbers.count > 6 ? "\(rest) more" : String(numbers[numbers.count - 1])
        return "lines \(shown.joined(separator: ", ")) and \(last)"
    }
}

/// A batch key, "<file>:<round>:<line>:<occurrence>", or one set aside when its line was sent
/// again after a failure ("…:retired-<generation>").
private struct BatchKey {
    var text: String
    var round: Int
    var line: String
    var retired: Bool

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 4, let round = Int(parts[1]) else { return nil }
        self.text = text
        self.round = round
        self.line = String(parts[2])
        self.retired = parts.count > 4
    }

    /// Written by a release that keyed a line by its request, options included (16 hex, no "c").
    var isLegacy: Bool { !line.hasPrefix("c") }
}

/// The lines a catalog of an earlier release recorded, keyed by their request with the options
/// included: found by that key when the options are the same, else by their prompt and
/// references, so a line sent then is not sent again whatever options are given now.
private struct LegacyLines {
    private var records: [GenerationRecord]
    /// Line number → the record its old key names (options unchanged), found before any line
    /// is matched by prompt, so no other line takes it.
    private var exact: [Int: GenerationRecord] = [:]
    private var used: Set<Int64> = []

    init(_ records: [GenerationRecord], lines: [BatchLine], prefix: String, round: Int) {
        self.records = records
        guard !records.isEmpty else { return }
        var byKey: [String: GenerationRecord] = [:]
        for record in records {
            if let key = record.batchKey { byKey[key] = record }
        }
        var occurrences: [String: Int] = [:]
        for line in lines {
            let fingerprint = line.fingerprint
            let occurrence = occurrences[fingerprint, default: 0]
            occurrences[fingerprint] = occurrence + 1
            if let record = byKey["\(prefix)\(round):\(fingerprint):\(occurrence)"] {
                exact[line.number] = record
                used.insert(record.id)
            }
        }
    }

    mutating func match(_ line: BatchLine) -> GenerationRecord? {
        if let record = exact[line.number] { return record }
        let record = records.first {
            !used.contains($0.id) && $0.prompt == line.request.prompt
                && $0.referenceImages == line.request.referenceImages
        }
        if let record { used.insert(record.id) }
        return record
    }
}
