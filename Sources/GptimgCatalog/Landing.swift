import Foundation
import GRDB
import GptimgAPI
import GptimgSupport
import PNGMetadata
import PNGRaster

#if canImport(Glibc)
    import Glibc
#endif

/// Which generation an image belongs to when it lands.
enum LandingTarget: Sendable {
    /// A generation already recorded (API downloads): the image's index and hosted URL.
    case generation(id: Int64, index: Int, remoteURL: String?)
    /// Whatever the file's embedded metadata says (import and rebuild).
    case metadata(source: GenerationSource)
}

/// A file read, hashed and parsed, ready to land.
struct PreparedImage: @unchecked Sendable {
    var sha256: String
    var bytes: Int
    var width: Int
    var height: Int
    var report: PNGMetadataReport
    var relativePath: String
    var createdAt: String
    var originalName: String?
    var target: LandingTarget
    var staged: ImageStore.StagedFile?
    /// The perceptual hash (`PerceptualHash.signed`), from the bytes already in memory; nil when
    /// the pixels cannot be decoded (the file still lands; its hash stays NULL).
    var phash: Int64? = nil
    /// A sidecar found beside the source file (another tool's rating and tags, or another
    /// library's): applied when the image lands.
    var sidecar: XMPSidecar?
}

/// What happened to one file handed to the store.
enum LandingOutcome: Sendable {
    case landed(ImageRecord)
    /// Already in the library (by SHA-256): the existing record.
    case duplicate(ImageRecord)
    case failed(String)
}

/// This process's staging folder (`.staging/<owner>/`), locked with `flock` for as long as the
/// process lives, so that another process can tell a live import from a dead one.
final class StagingArea: @unchecked Sendable {
    let owner: String
    let directory: String
    private let lockDescriptor: Int32

    init(root: URL) throws {
        owner = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let base = root.appendingPathComponent(".staging").path
        directory = base + "/" + owner
        // Made under a hidden name with its lock taken, then renamed into place: another process
        // never sees this folder without a held lock (and never mistakes it for a dead one's).
        let hidden = base + "/.new-" + owner
        try ImageStore.makeDirectories(hidden)
        lockDescriptor = open(hidden + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0, rename(hidden, directory) == 0 else {
            throw CatalogError.file(
                path: directory, reason: "cannot make the staging folder: \(errnoDescription())")
        }
    }

    deinit {
        // A clean exit leaves nothing behind; a crash leaves the folder for recovery.
        try? FileManager.default.removeItem(atPath: directory)
        close(lockDescriptor)
    }

    /// Whether `name` is one `init` makes (base-36 digits): only such a name is joined to a path.
    static func isOwnerName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 13
            && name.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }
    }

    /// The owners whose process is gone (their lock is free, or their folder is gone), other
    /// than this one: those with a staging folder, and `alsoConsider` (owners of recorded intents).
    static func deadOwners(root: URL, except own: String?, alsoConsider owners: [String] = []) -> [String] {
        let base = root.appendingPathComponent(".staging").path
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return Set(folders + owners).filter { name in
            guard name != own, !name.hasPrefix(".") else { return false } // ".new-…": being made
            // An owner from the catalog that is not a name we make has no folder to look at.
            guard isOwnerName(name) else { return true }
            let descriptor = open(base + "/" + name + "/lock", O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { return true } // never locked, or half-made: dead
            defer { close(descriptor) }
            return flock(descriptor, LOCK_EX | LOCK_NB) == 0
        }.sorted()
    }
}

extension StagingArea {
    /// What dead processes left in their staging folders (files written, never landed): the
    /// next write or `doctor --fix` removes them (`Catalog.recoverInterruptedLandings`).
    static func abandoned(root: URL, except own: String?) -> (files: Int, bytes: Int) {
        let base = root.appendingPathComponent(".staging").path
        var files = 0
        var bytes = 0
        for owner in deadOwners(root: root, except: own) {
            let folder = base + "/" + owner
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name != "lock" {
                var status = stat()
                guard lstat(folder + "/" + name, &status) == 0 else { continue }
                files += 1
                bytes += Int(status.st_size)
            }
        }
        return (files, bytes)
    }
}

/// The lazily made staging area of a catalog opened for writing.
final class StagingBox: @unchecked Sendable {
    private let lock = NSLock()
    private var area: StagingArea?

    /// The area, if one was made.
    var current: StagingArea? {
        lock.lock()
        defer { lock.unlock() }
        return area
    }

    func get(_ make: () throws -> StagingArea) throws -> StagingArea {
        lock.lock()
        defer { lock.unlock() }
        if let area { return area }
        let made = try make()
        area = made
        return made
    }
}

extension Catalog {
    /// This process's staging area; the first call also recovers what dead processes left.
    func stagingArea() throws -> StagingArea {
        try staging.get {
            _ = try recoverInterruptedLandings(except: nil) // no area of ours yet (and its lock is held here)
            return try StagingArea(root: location.root)
        }
    }

    // MARK: - Preparing

    /// Reads `bytes` as a PNG (every chunk's CRC checked), hashes it, and works out where it
    /// will live. Throws when the file is not a sound PNG.
    func prepare(
        bytes: [UInt8], sha256 knownSHA256: String? = nil, originalName: String?, fileDate: Date?,
        target: LandingTarget, prompt knownPrompt: String? = nil, knownCreatedAt: String? = nil
    ) throws -> PreparedImage {
        let sha = knownSHA256 ?? ImageStore.sha256Hex(bytes)
        // What the catalog keeps of the file's text is bounded here, once: every column below
        // (prompt, settings, text chunks, our fields) is taken from this report.
        let report = try PNGMetadataReader.read(bytes: bytes, verifyImageData: true).bounded(.catalog)
        let ours = report.generation?.gptimg
        let createdAt =
            knownCreatedAt
            ?? ours?.createdAt.flatMap(Timestamp.normalize)
            ?? ours?.completedAt.flatMap(Timestamp.normalize)
            ?? Timestamp(fileDate ?? clock()).iso8601
        let prompt = knownPrompt ?? report.generation?.prompt
        return PreparedImage(
            sha256: sha, bytes: bytes.count, width: report.header.width, height: report.header.height, report: report,
            relativePath: ImageStore.relativePath(createdAt: createdAt, prompt: prompt, sha256: sha),
            createdAt: createdAt, originalName: originalName, target: target, staged: nil,
            phash: Self.hashesAsItLands(target) ? (try? PerceptualHash(pngData: bytes))?.signed : nil)
    }

    /// Whether an image gets its perceptual hash as it lands: a generated image does (one at a
    /// time, the hash is a small part of its landing). An import or a rebuild does not: the hash
    /// inflates every pixel, about 20 ms a megapixel-sized file, five times what the rest of an
    /// import costs (bench/README.md); `similar`, `dupes` and `doctor --fix` hash the images that
    /// have none first, and `list similar:ID` says when some have none.
    /// `GPTIMG_PHASH_ON_IMPORT=1` hashes imports too: only for `bench/import.sh`, which measures it.
    static func hashesAsItLands(_ target: LandingTarget) -> Bool {
        if case .generation = target { return true }
        return hashImportsToo
    }

    static let hashImportsToo = ProcessInfo.processInfo.environment["GPTIMG_PHASH_ON_IMPORT"] == "1"

    /// The existing image with this SHA-256, if any.
    func image(sha256: String) throws -> ImageRecord? {
        try read("look up an image") { try Self.image(sha256: sha256, db: $0) }
    }

    static func image(sha256: String, db: Database) throws -> ImageRecord? {
        try ImageRecord.filter(ImageRecord.Columns.sha256 == sha256).fetchOne(db)
    }

    // MARK: - Landing

    /// Lands staged files and commits their rows: intents (durable) → fsync → link → folder
    /// fsync → rows (one transaction). After a crash at any point the library holds either the
    /// committed image or nothing that recovery does not remove.
    func land(_ batch: [PreparedImage], staging: StagingArea) throws -> [LandingOutcome] {
        guard !batch.isEmpty else { return [] }
        let root = location.root.path + "/"
        let now = self.now()
        // 1. Say which files are about to appear, so recovery can remove them if we die.
        try write("record the files about to land") { db in
            for item in batch {
                try LandingIntentRecord(
                    owner: staging.owner, path: item.relativePath, sha256: item.sha256, createdAt: now
                )
                .insert(db, onConflict: .ignore)
            }
        }
        // 2. Data to disk, then the names, then the folders.
        var outcomes = [LandingOutcome?](repeating: nil, count: batch.count)
        var published: [Int] = []
        var folders = Set<String>()
        // fsyncs in parallel: the disk gets many flushes at once instead of one after another.
        let syncErrors = UnsafeMutableBufferPointer<String?>.allocate(capacity: batch.count)
        syncErrors.initialize(repeating: nil)
        defer { syncErrors.deallocate() }
        nonisolated(unsafe) let errors = syncErrors
        DispatchQueue.concurrentPerform(iterations: batch.count) { position in
            do { try batch[position].staged?.sync() } catch { errors[position] = describeError(error) }
        }
        for (position, item) in batch.enumerated() {
            guard let staged = item.staged else {
                outcomes[position] = .failed("the file was not staged")
                continue
            }
            if let failure = syncErrors[position] {
                staged.discard()
                outcomes[position] = .failed(failure)
                continue
            }
            do {
                if try staged.publish() {
                    published.append(position)
                    folders.insert((root + item.relativePath as NSString).deletingLastPathComponent)
                } else if try ImageStore.sha256Hex(ofFile: root + item.relativePath) == item.sha256 {
                    published.append(position) // the same bytes are already there (a concurrent import)
                } else {
                    outcomes[position] = .failed("another file already has the name \(item.relativePath)")
                }
            } catch {
                outcomes[position] = .failed(describeError(error))
            }
        }
        for folder in folders.sorted() { AtomicFile.syncDirectory(folder) }
        // 3. The rows, all or none.
        let location = self.location
        try write("record the imported images") { db in
            var landed: [Int64] = []
            var fileTags: [Int64: [String]] = [:]
            for position in published {
                let outcome = try insertPrepared(batch[position], db: db, now: now)
                outcomes[position] = outcome
                if case .landed(let image) = outcome {
                    fileTags[image.id] = batch[position].report.generation?.gptimg?.tags ?? []
                    if let sidecar = batch[position].sidecar {
                        try Self.apply(sidecar, to: image.id, collections: true, record: false, db: db)
                    }
                    landed.append(image.id)
                }
            }
            try LandingIntentRecord.filter(LandingIntentRecord.Columns.owner == staging.owner).deleteAll(db)
            // Before the commit (see Sidecars.swift): the sidecars of the images with curation beyond
            // what their file says (a sidecar found beside it, a collection, tags given at
            // generation), and one journal append with every image's line (its id, for `rebuild`)
            // and its generation's row. An image nobody has curated needs no sidecar until someone does.
            let sidecars = try Self.sidecars(of: landed, location: location, db: db)
            try Self.writeSidecars(sidecars.filter { Self.hasCuration($0.1, beyond: fileTags[$0.1.id ?? 0] ?? []) })
            let generations = Set(sidecars.compactMap(\.1.generationID))
            try Self.appendJournal(
                try Self.generationLines(generations.sorted(), db: db)
                    + sidecars.map { Self.imageLine($0.1, tags: fileTags[$0.1.id ?? 0]) },
                location: location)
            if batch.contains(where: { !($0.sidecar?.collections ?? []).isEmpty }) {
                try Self.writeCollectionsFile(location: location, db: db)
            }
        }
        // A file published for a row another process had already committed under another name
        // would be an orphan: remove it (only ours, never the other's).
        for position in published {
            if case .duplicate(let existing) = outcomes[position], existing.path != batch[position].relativePath {
                try? removeIfUnreferenced(batch[position].relativePath)
            }
        }
        return outcomes.map { $0 ?? .failed("not landed") }
    }

    private func removeIfUnreferenced(_ relativePath: String) throws {
        try write("remove an unreferenced file") { db in
            let referenced = try !ImageRecord.filter(ImageRecord.Columns.path == relativePath).isEmpty(db)
            let intended = try !LandingIntentRecord.filter(LandingIntentRecord.Columns.path == relativePath).isEmpty(db)
            if !referenced, !intended { unlink(location.root.path + "/" + relativePath) }
        }
    }

    func insertPrepared(_ item: PreparedImage, db: Database, now: String, id: Int64 = 0) throws -> LandingOutcome {
        if let existing = try Self.image(sha256: item.sha256, db: db) {
            return .duplicate(existing)
        }
        let generationID: Int64
        let index: Int
        var remoteURL: String?
        let info = item.report.generation
        switch item.target {
        case .generation(let id, let givenIndex, let url):
            generationID = id
            index = givenIndex
            remoteURL = url ?? info?.gptimg?.remoteURL
        case .metadata(let source):
            (generationID, index) = try generationFor(item, source: source, db: db, now: now)
            remoteURL = info?.gptimg?.remoteURL
        }
        var image = ImageRecord(
            id: id, generationID: generationID, sha256: item.sha256, path: item.relativePath, width: item.width,
            height: item.height, bytes: item.bytes, index: index, remoteURL: remoteURL, favorite: false, rating: 0,
            generator: info?.generator.rawValue ?? "none", createdAt: item.createdAt, addedAt: now,
            originalName: item.originalName)
        try image.insert(db)
        if let phash = item.phash {
            try db.execute(sql: "UPDATE images SET phash = ? WHERE id = ?", arguments: [phash, image.id])
        }
        try ImageMetadataRecord(
            imageID: image.id, textChunks: Self.chunksJSON(item.report.textChunks),
            parameters: Self.parametersJSON(info?.parameters ?? []),
            warnings: JSONList.encode(item.report.warnings.map(\.description))
        ).insert(db)
        if let tags = info?.gptimg?.tags, !tags.isEmpty {
            try Self.addTags(tags, to: [image.id], db: db)
        }
        return .landed(image)
    }

    /// The generation a file's own metadata describes: ours joins its task's row (made on first
    /// sight); anything else gets a row of its own.
    private func generationFor(_ item: PreparedImage, source: GenerationSource, db: Database, now: String) throws -> (
        Int64, Int
    ) {
        let info = item.report.generation
        if let ours = info?.gptimg {
            if let taskID = ours.taskID,
                let existing = try GenerationRecord.filter(GenerationRecord.Columns.taskID == taskID).fetchOne(db)
            {
                return (existing.id, ours.index)
            }
            let type = ours.type == TaskType.imageToImage.rawValue ? ours.type : TaskType.textToImage.rawValue
            let created = ours.createdAt.flatMap(Timestamp.normalize) ?? item.createdAt
            var generation = GenerationRecord(
                status: .completed, type: type, prompt: ours.prompt, aspectRatio: ours.aspectRatio, n: max(1, ours.n),
                source: source, createdAt: created, updatedAt: now)
            generation.taskID = ours.taskID
            generation.serverRowID = ours.rowID
            generation.referenceImages = ours.referenceImages
            generation.provider = ours.provider
            generation.model = ours.model
            generation.completedAt = ours.completedAt.flatMap(Timestamp.normalize)
            generation.parentTaskID = ours.parent?.taskID
            generation.parentIndex = ours.parent?.index
            try generation.insert(db)
            return (generation.id, ours.index)
        }
        // A foreign file that says it was made from an image (a ComfyUI img2img graph) is
        // image-to-image, with no reference URL to record.
        let type = info?.imageToImage == true ? TaskType.imageToImage : TaskType.textToImage
        var generation = GenerationRecord(
            status: .completed, type: type.rawValue, prompt: info?.prompt ?? "",
            aspectRatio: ValueShape.aspectRatio(width: item.width, height: item.height), n: 1, source: source,
            createdAt: item.createdAt, updatedAt: now)
        generation.negativePrompt = info?.negativePrompt
        generation.model = info?.parameter("Model") ?? info?.parameter("model")
        generation.completedAt = item.createdAt
        try generation.insert(db)
        return (generation.id, 0)
    }

    static func chunksJSON(_ chunks: [TextChunk]) -> String {
        JSONOut.array(
            chunks.map { chunk in
                .object([
                    ("type", .string(chunk.kind.rawValue)), ("keyword", .string(chunk.keyword)),
                    ("text", .string(chunk.text)),
                    ("compressed", .bool(chunk.compressed)), ("encoding", .string(chunk.encoding.rawValue)),
                    ("language", .string(chunk.languageTag)), ("translated_keyword", .string(chunk.translatedKeyword)),
                    ("after_image_data", .bool(chunk.afterImageData)),
                ])
            }
        ).rendered
    }

    static func parametersJSON(_ parameters: [Parameter]) -> String {
        JSONOut.array(parameters.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) }).rendered
    }

    // MARK: - Recovery

    /// Removes what dead processes left half-landed: files linked into `images/` whose rows
    /// never committed (recorded in `landing_intents`), and their staging folders. Safe while
    /// other processes are landing: only dead owners are touched, and a file another live
    /// landing also intends (the same bytes) is kept.
    @discardableResult
    public func recoverInterruptedLandings() throws -> Int {
        try recoverInterruptedLandings(except: staging.current?.owner)
    }

    func recoverInterruptedLandings(except own: String?) throws -> Int {
        let owners = try read("read landing intents") { try Self.landingOwners($0) }
        let dead = StagingArea.deadOwners(root: location.root, except: own, alsoConsider: owners)
        guard !dead.isEmpty else { return 0 }
        var removed = 0
        try write("recover an interrupted import") { db in
            typealias Intent = LandingIntentRecord.Columns
            for owner in dead {
                let paths = try LandingIntentRecord.filter(Intent.owner == owner).fetchAll(db).map(\.path)
                for path in paths {
                    let referenced = try !ImageRecord.filter(ImageRecord.Columns.path == path).isEmpty(db)
                    let othersIntend = try !LandingIntentRecord.filter(Intent.path == path && Intent.owner != owner)
                        .isEmpty(db)
                    // The intent's path is the catalog's word: only a regular file inside images/ goes.
                    guard !referenced, !othersIntend,
                        case .success(let file) = location.checkedFile(atCatalogPath: path)
                    else { continue }
                    if unlink(file.path) == 0 { removed += 1 }
                }
                try LandingIntentRecord.filter(Intent.owner == owner).deleteAll(db)
            }
        }
        // An owner read from the catalog names a folder in .staging/ only when it is a plain name.
        for owner in dead where StagingArea.isOwnerName(owner) {
            try? FileManager.default.removeItem(atPath: location.root.appendingPathComponent(".staging/\(owner)").path)
        }
        return removed
    }

    /// The owners of recorded landing intents.
    static func landingOwners(_ db: Database) throws -> [String] {
        try LandingIntentRecord.select(LandingIntentRecord.Columns.owner, as: String.self).distinct().fetchAll(db)
    }
}
