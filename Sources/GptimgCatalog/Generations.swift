import Foundation
import GRDB
import GptimgAPI
import GptimgSupport
import PNGMetadata

/// A generation about to be submitted to the API: what `recordGeneration` stores, before the
/// request is sent.
public struct NewGeneration: Sendable, Hashable {
    public var prompt: String
    public var aspectRatio: String
    public var n: Int
    public var referenceImages: [String]
    public var provider: String?
    public var model: String?
    /// The API's base URL (never a key or an Authorization value).
    public var baseURL: String?
    public var source: GenerationSource
    /// The image this one is a variant of, when it is in the library.
    public var parentImageID: Int64?
    /// Tags and a collection for its images, applied as they land (also by a later resume).
    public var tags: [String]
    public var collection: String?
    /// The batch line it comes from, unique in the catalog:
    /// "<hash of the batch file's absolute path, 16 hex>:<round>:<line fingerprint>:<occurrence>".
    public var batchKey: String?
    /// The batch line's earlier generation failed at the API (refunded), and this one sends it
    /// again (`batch --retry-failed`): the earlier one's key is set aside.
    public var replacingFailed: Bool

    public init(
        prompt: String, aspectRatio: String = AspectRatio.default.rawValue, n: Int = 1, referenceImages: [String] = [],
        provider: String? = APIContract.provider, model: String? = APIContract.model, baseURL: String? = nil,
        source: GenerationSource = .api, parentImageID: Int64? = nil, tags: [String] = [], collection: String? = nil,
        batchKey: String? = nil, replacingFailed: Bool = false
    ) {
        self.replacingFailed = replacingFailed
        self.prompt = prompt
        self.aspectRatio = aspectRatio
        self.n = n
        self.referenceImages = referenceImages
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        self.source = source
        self.parentImageID = parentImageID
        self.tags = tags
        self.collection = collection
        self.batchKey = batchKey
    }

    /// "text-to-image" without references, "image-to-image" with them (the API's rule).
    public var type: TaskType { referenceImages.isEmpty ? .textToImage : .imageToImage }

    /// From a validated request.
    public init(
        _ request: GenerateRequest, baseURL: String?, source: GenerationSource = .api, parentImageID: Int64? = nil,
        tags: [String] = [],
        collection: String? = nil, batchKey: String? = nil, replacingFailed: Bool = false
    ) {
        self.init(
            prompt: request.prompt, aspectRatio: request.aspectRatio, n: request.n,
            referenceImages: request.referenceImages,
            baseURL: baseURL, source: source, parentImageID: parentImageID, tags: tags, collection: collection,
            batchKey: batchKey, replacingFailed: replacingFailed)
    }
}

/// Changes to a recorded generation; nil fields are left as they are.
public struct GenerationUpdate: Sendable, Hashable {
    public var taskID: String?
    public var serverRowID: String?
    public var status: GenerationStatus?
    /// ISO 8601 (any offset; stored as UTC).
    public var submittedAt: String?
    public var completedAt: String?
    public var creditsCharged: Int?
    public var creditsRefunded: Int?
    public var errorCode: String?
    public var errorMessage: String?

    public init(
        taskID: String? = nil, serverRowID: String? = nil, status: GenerationStatus? = nil, submittedAt: String? = nil,
        completedAt: String? = nil, creditsCharged: Int? = nil, creditsRefunded: Int? = nil, errorCode: String? = nil,
        errorMessage: String? = nil
    ) {
        self.taskID = taskID
        self.serverRowID = serverRowID
        self.status = status
        self.submittedAt = submittedAt
        self.completedAt = completedAt
        self.creditsCharged = creditsCharged
        self.creditsRefunded = creditsRefunded
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// The result of landing one image.
public struct LandedImage: Sendable, Hashable {
    public var image: ImageRecord
    /// True when the same bytes (by SHA-256) were already in the library: nothing was written.
    public var wasAlreadyInLibrary: Bool
}

extension Catalog {
    // MARK: - Generations (the generation pipeline's API)

    /// Records a generation before its request is sent (status `pending`), durably: after a
    /// crash, `unfinishedGenerations()` still lists it, so it is resolved rather than lost or
    /// sent twice.
    public func recordGeneration(_ new: NewGeneration) throws -> GenerationRecord {
        guard (1...16).contains(new.n) else {
            throw CatalogError.invalidArgument("n must be from 1 to 16, not \(new.n)")
        }
        let now = self.now()
        var record = GenerationRecord(
            status: .pending, type: new.type.rawValue, prompt: new.prompt, aspectRatio: new.aspectRatio, n: new.n,
            source: new.source, createdAt: now, updatedAt: now)
        record.referenceImages = new.referenceImages
        record.provider = new.provider
        record.model = new.model
        record.baseURL = new.baseURL
        record.parentImageID = new.parentImageID
        record.requestedTags = new.tags
        record.requestedCollection = new.collection
        record.batchKey = new.batchKey
        let location = self.location
        return try write("record a generation") { db in
            var earlierID: Int64?
            if let parent = new.parentImageID {
                guard let image = try ImageRecord.fetchOne(db, key: parent),
                    let parentGeneration = try GenerationRecord.fetchOne(db, key: image.generationID)
                else {
                    throw CatalogError.noSuchImage(String(parent))
                }
                record.parentTaskID = parentGeneration.taskID
                record.parentIndex = image.index
            }
            if let key = new.batchKey, let earlier = try Self.generation(batchKey: key, db: db) {
                // A line the API never accepted (refused, or provably never sent) may go again,
                // and one whose task failed (refunded) when the user asks; one that was, or may
                // have been, accepted and not failed never does. The earlier one keeps its line
                // under a key set aside, "<key>:retired-<id>", so the batch's history stays.
                guard earlier.status == .failed, earlier.taskID == nil || new.replacingFailed else {
                    throw CatalogError.alreadySubmitted(batchKey: key, generation: earlier.id)
                }
                try GenerationRecord.filter(key: earlier.id)
                    .updateAll(db, GenerationRecord.Columns.batchKey.set(to: "\(key):retired-\(earlier.id)"))
                earlierID = earlier.id
            }
            try record.insert(db)
            try Self.appendJournal(
                try Self.generationLines([record.id] + (earlierID.map { [$0] } ?? []), db: db), location: location)
            return try Self.generation(id: record.id, db: db)!
        }
    }

    /// Applies `update` to generation `id` and appends `ledger` entries (a charge with its task
    /// id, a refund with its failure), all in one durable transaction, and returns the row as
    /// it now is: a crash never leaves a task id without its charge.
    @discardableResult
    public func updateGeneration(_ id: Int64, _ update: GenerationUpdate, ledger: [CreditEntry] = []) throws
        -> GenerationRecord
    {
        let now = self.now()
        let entries = try ledger.map { try stamped($0, generationID: id) }
        let location = self.location
        return try write("update a generation") { db in
            guard var record = try Self.generation(id: id, db: db) else { throw CatalogError.noSuchGeneration(id) }
            // Only the columns that change are written.
            try record.updateChanges(db) { record in
                record.updatedAt = now
                if let value = update.taskID { record.taskID = value }
                if let value = update.serverRowID { record.serverRowID = value }
                if let value = update.status { record.status = value }
                if let value = update.submittedAt { record.submittedAt = Timestamp.normalize(value) ?? value }
                if let value = update.completedAt { record.completedAt = Timestamp.normalize(value) ?? value }
                if let value = update.creditsCharged { record.creditsCharged = value }
                if let value = update.creditsRefunded { record.creditsRefunded = value }
                if let value = update.errorCode { record.errorCode = value }
                if let value = update.errorMessage { record.errorMessage = value }
            }
            var lines: [JSONOut] = []
            for entry in entries {
                try Self.insert(entry, db: db)
                lines.append(Self.creditLine(entry, id: db.lastInsertedRowID))
            }
            try Self.appendJournal(lines + (try Self.generationLines([id], db: db)), location: location)
            return entries.isEmpty ? record : try Self.generation(id: id, db: db)!
        }
    }

    /// Generation `id`, or nil.
    public func generation(id: Int64) throws -> GenerationRecord? {
        try read("read a generation") { try Self.generation(id: id, db: $0) }
    }

    /// The generation with the API's task id, or nil.
    public func generation(taskID: String) throws -> GenerationRecord? {
        try read("read a generation") { db in
            try GenerationRecord.filter(GenerationRecord.Columns.taskID == taskID).fetchOne(db)
        }
    }

    /// The generation `reference` names: `g17` or a task id (`gpt-image-2-…`). An image's number
    /// or SHA-256 prefix is refused with a pointer to `gptimg show`.
    public func generation(reference: String) throws -> GenerationRecord {
        let text = reference.trimmingCharacters(in: .whitespaces)
        if let id = GenerationReference.id(text) {
            guard let record = try generation(id: id) else { throw CatalogError.noSuchGeneration(id) }
            return record
        }
        if text.hasPrefix(APIContract.taskIDPrefix) {
            guard let record = try generation(taskID: text) else {
                throw CatalogError.invalidArgument("no task \(text) in the library: `gptimg tasks --all` lists them")
            }
            return record
        }
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isHexDigit) }) {
            throw CatalogError.imageNotGeneration(text)
        }
        throw CatalogError.invalidArgument(
            "'\(text.prefix(40))' is not a generation: give g<number> or a task id (gpt-image-2-…), "
                + "as `gptimg tasks --all` lists them")
    }

    /// The generation recorded for batch line `batchKey`, or nil.
    public func generation(batchKey: String) throws -> GenerationRecord? {
        try read("read a generation") { try Self.generation(batchKey: batchKey, db: $0) }
    }

    /// The generations recorded for batch lines whose key starts with `prefix` (one batch file).
    public func generations(batchKeyPrefix prefix: String) throws -> [GenerationRecord] {
        try read("read a batch's generations") { db in
            let key = GenerationRecord.Columns.batchKey
            return try GenerationRecord.filter(key >= prefix && key < prefix + "\u{10FFFF}")
                .order(GenerationRecord.Columns.id).fetchAll(db)
        }
    }

    /// The median seconds the last 20 completed tasks at `baseURL` took from submission to
    /// completion (at least 3 of them), or nil: what tunes the poll schedule to the API in use.
    public func typicalLatency(baseURL: String) throws -> Double? {
        try read("read task latencies") { db in
            let seconds = try Double.fetchAll(
                db,
                sql: """
                    SELECT (julianday(completed_at) - julianday(submitted_at)) * 86400 FROM generations
                    WHERE base_url = ? AND status = 'completed' AND submitted_at IS NOT NULL AND completed_at IS NOT \
                    NULL
                    ORDER BY id DESC LIMIT 20
                    """, arguments: [baseURL]
            ).sorted()
            guard seconds.count >= 3 else { return nil }
            return seconds[seconds.count / 2]
        }
    }

    /// The lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { ImageStore.sha256Hex(bytes) }

    static func generation(batchKey: String, db: Database) throws -> GenerationRecord? {
        try GenerationRecord.filter(GenerationRecord.Columns.batchKey == batchKey).fetchOne(db)
    }

    /// Generations not yet completed or failed (pending, processing, unknown), oldest first:
    /// what `gptimg resume` polls and `doctor` reports.
    public func unfinishedGenerations() throws -> [GenerationRecord] {
        try read("list unfinished generations") { db in
            // Literals, not arguments: SQLite then reads the partial index `generations_by_status`.
            try GenerationRecord.filter(sql: "status NOT IN ('completed', 'failed')").order(GenerationRecord.Columns.id)
                .fetchAll(db)
        }
    }

    /// The most recent generations, newest first (`gptimg tasks --all`).
    public func recentGenerations(limit: Int = 50) throws -> [GenerationRecord] {
        try read("list generations") { db in
            try GenerationRecord.order(GenerationRecord.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// The images a generation has landed, by index.
    public func images(ofGeneration id: Int64) throws -> [ImageRecord] {
        try read("list a generation's images") { db in
            try ImageRecord.filter(ImageRecord.Columns.generationID == id).order(ImageRecord.Columns.index).fetchAll(db)
        }
    }

    static func generation(id: Int64, db: Database) throws -> GenerationRecord? {
        try GenerationRecord.fetchOne(db, key: id)
    }

    // MARK: - Landing API images

    /// Lands a downloaded PNG as image `index` of generation `generationID`, in one pass: the
    /// bytes are held in memory, `metadata` (when given) embedded into them there, the result
    /// checked once (its structure and every chunk's CRC, the image data's included) and hashed
    /// once, written once into this process's staging folder, fsynced and linked under
    /// `images/YYYY/MM/`, then its row committed. Idempotent by SHA-256: landing the same bytes
    /// again returns the existing record and writes nothing. Throws when the bytes are not a
    /// sound PNG.
    public func landImage(
        _ png: [UInt8], embedding metadata: GptimgMetadata? = nil, generationID: Int64, index: Int,
        remoteURL: String?, originalName: String? = nil
    ) throws -> LandedImage {
        guard let generation = try generation(id: generationID) else {
            throw CatalogError.noSuchGeneration(generationID)
        }
        let unsound = { (error: any Error) in
            CatalogError.invalidArgument(
                "the downloaded image of generation \(GenerationReference.text(generationID)) is not a sound PNG: "
                    + describeError(error))
        }
        let bytes: [UInt8]
        do {
            // The splice walks the chunk headers only: `prepare` checks every CRC of what it made.
            bytes = try metadata.map { try GptimgEmbedding.embed($0, into: png, verifyImageData: false) } ?? png
        } catch {
            throw unsound(error)
        }
        let sha = ImageStore.sha256Hex(bytes)
        if let existing = try image(sha256: sha) { return LandedImage(image: existing, wasAlreadyInLibrary: true) }
        var prepared: PreparedImage
        do {
            prepared = try prepare(
                bytes: bytes, sha256: sha, originalName: originalName, fileDate: nil,
                target: .generation(id: generationID, index: index, remoteURL: remoteURL),
                prompt: generation.prompt, knownCreatedAt: generation.completedAt ?? generation.createdAt)
        } catch {
            throw unsound(error)
        }
        let staging = try stagingArea()
        try location.checkLandingFolder(prepared.relativePath)
        prepared.staged = try ImageStore.stage(
            bytes, at: location.root.path + "/" + prepared.relativePath, stagingDirectory: staging.directory,
            createdAt: prepared.createdAt)
        switch try land([prepared], staging: staging)[0] {
        case .landed(let record): return LandedImage(image: record, wasAlreadyInLibrary: false)
        case .duplicate(let record): return LandedImage(image: record, wasAlreadyInLibrary: true)
        case .failed(let reason): throw CatalogError.file(path: prepared.relativePath, reason: reason)
        }
    }
}

extension Catalog {
    // MARK: - The generation pipeline's access, off the cooperative pool

    // SQLite's writes fsync, and a landing hashes and writes megabytes: on the cooperative pool
    // (one thread per core) that would stall every other task, the HTTP client's included. These
    // run the synchronous calls above on the catalog's Dispatch threads and await them.

    public func recordGeneration(_ new: NewGeneration) async throws -> GenerationRecord {
        try await offload.run { try self.recordGeneration(new) }
    }

    @discardableResult
    public func updateGeneration(
        _ id: Int64, _ update: GenerationUpdate, ledger: [CreditEntry] = []
    ) async throws -> GenerationRecord {
        try await offload.run { try self.updateGeneration(id, update, ledger: ledger) }
    }

    public func generation(id: Int64) async throws -> GenerationRecord? {
        try await offload.run { try self.generation(id: id) }
    }

    public func images(ofGeneration id: Int64) async throws -> [ImageRecord] {
        try await offload.run { try self.images(ofGeneration: id) }
    }

    public func landImage(
        _ png: [UInt8], embedding metadata: GptimgMetadata? = nil, generationID: Int64, index: Int,
        remoteURL: String?, originalName: String? = nil
    ) async throws -> LandedImage {
        try await offload.run {
            try self.landImage(
                png, embedding: metadata, generationID: generationID, index: index, remoteURL: remoteURL,
                originalName: originalName)
        }
    }

    @discardableResult
    public func addToCollection(
        _ name: String, _ imageIDs: [Int64], createIfMissing: Bool = true, skippingSmart: Bool = false
    ) async throws -> Int {
        try await offload.run {
            try self.addToCollection(name, imageIDs, createIfMissing: createIfMissing, skippingSmart: skippingSmart)
        }
    }
}
