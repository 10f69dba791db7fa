import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// Limits on what `import` accepts, files and zip entries alike. Everything derives from the
/// per-image limits (`maxFileBytes`, `maxCompressionRatio`); docs/catalog.md states them.
public struct ImportLimits: Sendable, Hashable {
    /// The largest file (or zip entry, uncompressed) imported.
    public var maxFileBytes: Int
    /// Zip entries compressed more than this (uncompressed / compressed) are refused: PNG data
    /// is already compressed, so a high ratio means a decompression bomb. Checked on the sizes
    /// an entry declares before it is read, and held while it is read: inflating stops as soon
    /// as the bytes actually produced pass the declared size.
    public var maxCompressionRatio: Double
    /// The most bytes taken out of one archive, counting every byte inflated (kept or not).
    /// An archive also yields at most `maxCompressionRatio` times its own size: entries may not
    /// share data, so their compressed data are disjoint parts of the file.
    public var maxArchiveBytes: Int
    /// The most bytes of files read and not yet landed, in memory and under `.staging/`: new
    /// files start only below it, so at most this plus one file (`maxFileBytes`) at any time.
    public var maxStagedBytes: Int

    public init(
        maxFileBytes: Int = 256 << 20, maxCompressionRatio: Double = 100, maxArchiveBytes: Int = 64 << 30,
        maxStagedBytes: Int? = nil
    ) {
        self.maxFileBytes = maxFileBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.maxArchiveBytes = maxArchiveBytes
        self.maxStagedBytes = maxStagedBytes ?? 4 * maxFileBytes
    }

    public static let standard = ImportLimits()
}

/// What happened to one file given to `import`.
public enum ImportEvent: Sendable {
    case imported(source: String, image: ImageRecord)
    case duplicate(source: String, existing: ImageRecord?)
    case skipped(source: String, reason: String)
}

/// Counts so far, for a progress line.
public struct ImportProgress: Sendable, Hashable {
    public var done: Int
    public var total: Int
    public var imported: Int
    public var duplicates: Int
    public var skipped: Int
}

/// The totals `import` reports at the end.
public struct ImportSummary: Sendable {
    public var imported = 0
    public var duplicates = 0
    public var skipped = 0
    /// Each skipped file with its reason, in the order met.
    public var skips: [(source: String, reason: String)] = []
}

/// One thing to import: a file on disk, or the bytes of a zip entry.
enum ImportInput: Sendable {
    case file(path: String)
    case entry(bytes: [UInt8], date: Date?)
    case refused(reason: String)

    /// The bytes it will hold in memory and in staging until it lands or is dropped.
    func stagedBytes(limits: ImportLimits) -> Int {
        switch self {
        case .file(let path):
            var status = stat()
            guard stat(path, &status) == 0 else { return 0 }
            return min(Int(status.st_size), limits.maxFileBytes)
        case .entry(let bytes, _): return bytes.count
        case .refused: return 0
        }
    }
}

extension Catalog {
    /// Imports PNG files, folders (recursively: their `.png` and `.zip` files; links are not
    /// followed) and zip archives into the library.
    ///
    /// Files are read, hashed (SHA-256) and parsed in parallel on every core, at most `window`
    /// at once (memory stays bounded whatever the number of files); exact duplicates are skipped;
    /// the rest land in batches (file durable first, then its row). One bad file is skipped
    /// with its reason and never stops the rest. After a crash, nothing half-imported remains
    /// once the library is next opened for writing (see `recoverInterruptedLandings`).
    public func importFiles(
        _ paths: [String], limits: ImportLimits = .standard, source: GenerationSource = .import,
        window: Int = max(8, ProcessInfo.processInfo.activeProcessorCount * 8), batchSize: Int = 48,
        onEvent: (ImportEvent) -> Void = { _ in }, onProgress: (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportSummary {
        let staging = try stagingArea()
        var summary = ImportSummary()
        var progress = ImportProgress(done: 0, total: 0, imported: 0, duplicates: 0, skipped: 0)
        var inputs = InputEnumerator(paths: paths, limits: limits)
        progress.total = inputs.fileCount
        var seen = Set<String>()
        // Bytes of inputs started and not yet landed or dropped (`ImportLimits.maxStagedBytes`):
        // per input started, in the batch being gathered, and in the batch landing.
        let stagedLimit = max(1, limits.maxStagedBytes)
        var staged = 0
        var batchBytes = 0
        var landingBytes = 0

        func record(_ event: ImportEvent) {
            switch event {
            case .imported:
                summary.imported += 1
                progress.imported += 1
            case .duplicate:
                summary.duplicates += 1
                progress.duplicates += 1
            case .skipped(let source, let reason):
                summary.skipped += 1
                progress.skipped += 1
                summary.skips.append((source, reason))
            }
            progress.done += 1
            onEvent(event)
        }

        typealias Batch = [(source: String, item: PreparedImage)]
        func apply(_ landed: Batch, _ outcomes: [LandingOutcome]) {
            for (entry, outcome) in zip(landed, outcomes) {
                switch outcome {
                case .landed(let image): record(.imported(source: entry.source, image: image))
                case .duplicate(let image): record(.duplicate(source: entry.source, existing: image))
                case .failed(let reason): record(.skipped(source: entry.source, reason: reason))
                }
            }
            onProgress(progress)
        }

        let root = location.root.path + "/"
        let stagingDirectory = staging.directory
        let target = LandingTarget.metadata(source: source)
        // Landing (fsyncs, then one transaction) waits on the disk: it runs on its own thread,
        // one batch at a time, beside the window, while the cores prepare the next batch.
        let landingQueue = DispatchQueue(label: "gptimg.import.landing")
        let landBatch: @Sendable (Batch) async -> LandedBatch = { [self] batch in
            let result = await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<[LandingOutcome], CatalogError>, Never>) in
                landingQueue.async {
                    continuation.resume(
                        returning: Result { try self.land(batch.map(\.item), staging: staging) }.mapError {
                            CatalogError.wrap($0, "record the imported images")
                        })
                }
            }
            return LandedBatch(batch: batch, result: result)
        }
        var batch: Batch = []
        var landing = false
        // Files are read in order and their results taken in that order; at most `window` in the
        // works, at most two batches waiting to land, and no new file once the staged bytes
        // reach their limit (then the batch lands).
        try await forEachConcurrently(
            next: { () throws(CatalogError) -> ImportJob? in
                guard let (name, input) = inputs.next() else { return nil }
                let bytes = input.stagedBytes(limits: limits)
                staged += bytes
                return ImportJob(name: name, input: input, stagedBytes: bytes)
            },
            window: window,
            mayStart: { batch.count < 2 * batchSize && staged < stagedLimit },
            work: { [self] job in
                self.work(
                    job.input, source: job.name, limits: limits, target: target, root: root,
                    stagingDirectory: stagingDirectory)
            },
            emit: { (job, result, _: inout ConcurrentRun<LandedBatch>) throws(CatalogError) in
                if case .prepared(let item) = result, !seen.contains(item.sha256) {
                    batchBytes += job.stagedBytes
                } else {
                    staged -= job.stagedBytes
                }
                switch result {
                case .skipped(let reason): record(.skipped(source: job.name, reason: reason))
                case .duplicate(let existing): record(.duplicate(source: job.name, existing: existing))
                case .prepared(let item):
                    if seen.insert(item.sha256).inserted {
                        batch.append((job.name, item))
                    } else {
                        item.staged?.discard()
                        record(.duplicate(source: job.name, existing: nil))
                    }
                }
                if progress.done % 16 == 0 { onProgress(progress) }
            },
            sideFinished: { (landed, _) throws(CatalogError) in
                landing = false
                staged -= landingBytes
                landingBytes = 0
                apply(landed.batch, try landed.result.get())
            },
            afterEach: { (run) throws(CatalogError) in
                let due = batch.count >= batchSize || (run.exhausted && run.running == 0) || staged >= stagedLimit
                guard !landing, !batch.isEmpty, due else { return }
                let toLand = batch
                batch.removeAll(keepingCapacity: true)
                landingBytes = batchBytes
                batchBytes = 0
                landing = true
                run.startSide { await landBatch(toLand) }
            })
        onProgress(progress)
        return summary
    }

    /// One input of an import and the bytes it holds until it lands or is dropped.
    struct ImportJob: Sendable {
        var name: String
        var input: ImportInput
        var stagedBytes: Int
    }

    /// A batch that landed (or failed to), handed back from the landing thread.
    struct LandedBatch: @unchecked Sendable {
        var batch: [(source: String, item: PreparedImage)]
        var result: Result<[LandingOutcome], CatalogError>
    }

    enum WorkResult: @unchecked Sendable {
        case prepared(PreparedImage)
        case duplicate(ImageRecord?)
        case skipped(String)
    }

    /// Read, hash, look up, parse and stage one input (runs on any thread).
    nonisolated func work(
        _ input: ImportInput, source: String, limits: ImportLimits, target: LandingTarget, root: String,
        stagingDirectory: String
    ) -> WorkResult {
        do {
            var bytes: [UInt8]
            var date: Date?
            switch input {
            case .refused(let reason):
                return .skipped(reason)
            case .entry(let entryBytes, let entryDate):
                bytes = entryBytes
                date = entryDate
            case .file(let path):
                var status = stat()
                guard stat(path, &status) == 0 else { return .skipped(errnoDescription()) }
                guard (status.st_mode & S_IFMT) == S_IFREG else { return .skipped("not a regular file") }
                guard Int(status.st_size) <= limits.maxFileBytes else {
                    return .skipped("larger than \(limits.maxFileBytes >> 20) MB")
                }
                guard status.st_size > 0 else { return .skipped("the file is empty") }
                date = Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec))
                bytes = try AtomicFile.read(path, maxBytes: limits.maxFileBytes)
            }
            guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
                return .skipped(bytes.isEmpty ? "the file is empty" : "not a PNG file")
            }
            let sha = ImageStore.sha256Hex(bytes)
            if let existing = try image(sha256: sha) { return .duplicate(existing) }
            var prepared = try prepare(bytes: bytes, sha256: sha, originalName: source, fileDate: date, target: target)
            if case .file(let path) = input, let sidecar = readSidecar(besideImageFile: path),
                sidecar.sha256 == nil || sidecar.sha256 == sha
            {
                prepared.sidecar = sidecar
            }
            try location.checkLandingFolder(prepared.relativePath)
            prepared.staged = try ImageStore.stage(
                bytes, at: root + prepared.relativePath, stagingDirectory: stagingDirectory,
                createdAt: prepared.createdAt)
            bytes = []
            return .prepared(prepared)
        } catch {
            return .skipped(describeError(error))
        }
    }
}

/// Walks the paths given to `import`: files as they are, folders recursively (their `.png`
/// and `.zip` files, links not followed), zip archives entry by entry with safety checks.
/// Zip entries are read here, one at a time, as the importer asks for them.
struct InputEnumerator {
    let limits: ImportLimits
    private var queue: [String] = []
    private var refusals: [(path: String, reason: String)] = []
    private var position = 0
    private var archive: ZipInput?
    /// Files found, zip entries counted (for a progress line; an unreadable zip counts as one).
    private(set) var fileCount = 0

    init(paths: [String], limits: ImportLimits) {
        self.limits = limits
        let expansion = FileTree.expanding(paths, endingWith: [".png", ".zip"])
        queue = expansion.files
        // Links and FIFOs inside folders are reported as skipped, first, then never touched.
        refusals = expansion.skipped.map { ($0.path, $0.reason) }
        fileCount = refusals.count
        for path in queue {
            fileCount += Self.isZip(path) ? ZipInput.fileCount(path) ?? 1 : 1
        }
    }

    static func isZip(_ path: String) -> Bool { path.lowercased().hasSuffix(".zip") }

    mutating func next() -> (String, ImportInput)? {
        if !refusals.isEmpty {
            let (path, reason) = refusals.removeFirst()
            return (path, .refused(reason: reason))
        }
        while true {
            if archive != nil {
                if let next = archive!.next() { return next }
                archive = nil
            }
            guard position < queue.count else { return nil }
            let path = queue[position]
            position += 1
            if Self.isZip(path) {
                do {
                    archive = try ZipInput(path: path, limits: limits)
                } catch {
                    return (path, .refused(reason: "not a readable zip archive (\(error))"))
                }
                continue
            }
            return (path, .file(path: path))
        }
    }
}
