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
    /// The batch line it comes from ("<hash of the batch file's absolute path, 16 hex>:<round>:<line fingerprint>:<occurrence>"), unique in the catalog.
    public var batchKey: String?

    public init(
        prompt: String, aspectRatio: String = AspectRatio.default.rawValue, n: Int = 1, referenceImages: [String] = [],
        provider: String? = APIContract.provider, model: String? = APIContract.model, baseURL: String? = nil,
        source: GenerationSource = .api, parentImageID: Int64? = nil, tags: [String] = [], collection: String? = nil,
        batchKey: String? = nil
    ) {
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
        _ request: GenerateRequest, baseURL: String?, source: GenerationSource = .api, parentImageID: Int64? = nil, tags: [String] = [],
        collection: String? = nil, batchKey: String? = nil
    ) {
        self.init(
            prompt: request.prompt, aspectRatio: request.aspectRatio, n: request.n, referenceImages: request.referenceImages,
            baseURL: baseURL, source: source, parentImageID: parentImageID, tags: tags, collection: collection, batchKey: batchKey)
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
        guard (1...16).contains(new.n) else { throw CatalogError.invalidArgument("n must be from 1 to 16, not \(new.n)") }
        let now = self.now()
        return try write("record a generation") { db in
            var parentTaskID: String?
            var parentIndex: Int?
            if let parent = new.parentImageID {
                guard let row = try Row.fetchOne(db, sql: "SELECT g.task_id, i.index_in_task FROM images i JOIN generations g ON g.id = i.generation_id WHERE i.id = ?", arguments: [parent]) else {
                    throw CatalogError.noSuchImage(String(parent))
                }
                parentTaskID = row[0]
                parentIndex = row[1]
            }
            if let key = new.batchKey, let earlier = try Self.generation(batchKey: key, db: db) {
                // A line the API never accepted (refused, or provably never sent) may go again;
                // one that was, or may have been, accepted never does.
                guard earlier.taskID == nil, earlier.status == .failed else {
                    throw CatalogError.alreadySubmitted(batchKey: key, generation: earlier.id)
                }
                try db.execute(sql: "UPDATE generations SET batch_key = NULL WHERE id = ?", arguments: [earlier.id])
            }
            try db.execute(
                sql: """
                    INSERT INTO generations(status, type, prompt, aspect_ratio, n, reference_images, provider, model, base_url,
                        source, created_at, updated_at, parent_task_id, parent_index, parent_image_id, requested_tags,
                        requested_collection, batch_key)
                    VALUES ('pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [new.type.rawValue, new.prompt, new.aspectRatio, new.n, JSONList.encode(new.referenceImages), new.provider,
                            new.model, new.baseURL, new.source.rawValue, now, now, parentTaskID, parentIndex, new.parentImageID,
                            JSONList.encode(new.tags), new.collection, new.batchKey])
            return try Self.generation(id: db.lastInsertedRowID, db: db)!
        }
    }

    /// Applies `update` to generation `id` and appends `ledger` entries (a charge with its task
    /// id, a refund with its failure), all in one durable transaction, and returns the row as
    /// it now is: a crash never leaves a task id without its charge.
    @discardableResult
    public func updateGeneration(_ id: Int64, _ update: GenerationUpdate, ledger: [CreditEntry] = []) throws -> GenerationRecord {
        var assignments: [String] = ["updated_at = ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [now()]
        func set(_ column: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            assignments.append("\(column) = ?")
            arguments.append(value)
        }
        set("task_id", update.taskID)
        set("server_row_id", update.serverRowID)
        set("status", update.status?.rawValue)
        set("submitted_at", update.submittedAt.map { Timestamp.normalize($0) ?? $0 })
        set("completed_at", update.completedAt.map { Timestamp.normalize($0) ?? $0 })
        set("credits_charged", update.creditsCharged)
        set("credits_refunded", update.creditsRefunded)
        set("error_code", update.errorCode)
        set("error_message", update.errorMessage)
        arguments.append(id)
        let sql = "UPDATE generations SET \(assignments.joined(separator: ", ")) WHERE id = ?"
        let entries = try ledger.map { try stamped($0, generationID: id) }
        return try write("update a generation") { db in
            try db.execute(sql: sql, arguments: StatementArguments(arguments.map { $0?.databaseValue ?? .null }))
            for entry in entries { try Self.insert(entry, db: db) }
            guard let record = try Self.generation(id: id, db: db) else { throw CatalogError.noSuchGeneration(id) }
            return record
        }
    }

    /// Generation `id`, or nil.
    public func generation(id: Int64) throws -> GenerationRecord? {
        try read("read a generation") { try Self.generation(id: id, db: $0) }
    }

    /// The generation with the API's task id, or nil.
    public func generation(taskID: String) throws -> GenerationRecord? {
        try read("read a generation") { db in
            try Row.fetchOne(db, sql: "SELECT \(GenerationRecord.columns) FROM generations g WHERE g.task_id = ?", arguments: [taskID])
                .map { GenerationRecord(row: $0) }
        }
    }

    /// The generation recorded for batch line `batchKey`, or nil.
    public func generation(batchKey: String) throws -> GenerationRecord? {
        try read("read a generation") { try Self.generation(batchKey: batchKey, db: $0) }
    }

    /// The generations recorded for batch lines whose key starts with `prefix` (one batch file).
    public func generations(batchKeyPrefix prefix: String) throws -> [GenerationRecord] {
        try read("read a batch's generations") { db in
            try Row.fetchAll(
                db, sql: "SELECT \(GenerationRecord.columns) FROM generations g WHERE g.batch_key >= ? AND g.batch_key < ? ORDER BY g.id",
                arguments: [prefix, prefix + "\u{10FFFF}"]
            ).map { GenerationRecord(row: $0) }
        }
    }

    /// The median seconds the last 20 completed tasks at `baseURL` took from submission to
    /// completion (at least 3 of them), or nil: what tunes the poll schedule to the API in use.
    public func typicalLatency(baseURL: String) throws -> Double? {
        try read("read task latencies") { db in
            let seconds = try Double.fetchAll(db, sql: """
                SELECT (julianday(completed_at) - julianday(submitted_at)) * 86400 FROM generations
                WHERE base_url = ? AND status = 'completed' AND submitted_at IS NOT NULL AND completed_at IS NOT NULL
                ORDER BY id DESC LIMIT 20
                """, arguments: [baseURL]).sorted()
            guard seconds.count >= 3 else { return nil }
            return seconds[seconds.count / 2]
        }
    }

    /// The lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { ImageStore.sha256Hex(bytes) }

    static func generation(batchKey: String, db: Database) throws -> GenerationRecord? {
        try Row.fetchOne(db, sql: "SELECT \(GenerationRecord.columns) FROM generations g WHERE g.batch_key = ?", arguments: [batchKey])
            .map { GenerationRecord(row: $0) }
    }

    /// Generations not yet completed or failed (pending, processing, unknown), oldest first:
    /// what `gptimg resume` polls and `doctor` reports.
    public func unfinishedGenerations() throws -> [GenerationRecord] {
        try read("list unfinished generations") { db in
            try Row.fetchAll(db, sql: "SELECT \(GenerationRecord.columns) FROM generations g WHERE g.status NOT IN ('completed', 'failed') ORDER BY g.id")
                .map { GenerationRecord(row: $0) }
        }
    }

    /// The most recent generations, newest first (`gptimg tasks --all`).
    public func recentGenerations(limit: Int = 50) throws -> [GenerationRecord] {
        try read("list generations") { db in
            try Row.fetchAll(db, sql: "SELECT \(GenerationRecord.columns) FROM generations g ORDER BY g.id DESC LIMIT ?", arguments: [limit])
                .map { GenerationRecord(row: $0) }
        }
    }

    /// The images a generation has landed, by index.
    public func images(ofGeneration id: Int64) throws -> [ImageRecord] {
        try read("list a generation's images") { db in
            try Row.fetchAll(db, sql: "SELECT \(ImageRecord.columns) FROM images i WHERE i.generation_id = ? ORDER BY i.index_in_task", arguments: [id])
                .map { ImageRecord(row: $0) }
        }
    }

    static func generation(id: Int64, db: Database) throws -> GenerationRecord? {
        try Row.fetchOne(db, sql: "SELECT \(GenerationRecord.columns) FROM generations g WHERE g.id = ?", arguments: [id])
            .map { GenerationRecord(row: $0) }
    }

    // MARK: - Landing API images

    /// Lands a downloaded PNG (already carrying its embedded metadata) as image `index` of
    /// generation `generationID`: the file is written durably under `images/YYYY/MM/`, then its
    /// row committed. Idempotent by SHA-256: landing the same bytes again returns the existing
    /// record and writes nothing. Throws when the bytes are not a sound PNG.
    public func landImage(_ png: [UInt8], generationID: Int64, index: Int, remoteURL: String?, originalName: String? = nil) throws -> LandedImage {
        guard let generation = try generation(id: generationID) else { throw CatalogError.noSuchGeneration(generationID) }
        let sha = ImageStore.sha256Hex(png)
        if let existing = try image(sha256: sha) { return LandedImage(image: existing, wasAlreadyInLibrary: true) }
        let createdAt = generation.completedAt ?? generation.createdAt
        var prepared: PreparedImage
        do {
            prepared = try prepare(
                bytes: png, sha256: sha, originalName: originalName, fileDate: nil, target: .generation(id: generationID, index: index, remoteURL: remoteURL),
                prompt: generation.prompt, knownCreatedAt: createdAt)
        } catch {
            throw CatalogError.invalidArgument("the downloaded image of generation \(generationID) is not a sound PNG: \(describeError(error))")
        }
        let staging = try stagingArea()
        try location.checkLandingFolder(prepared.relativePath)
        prepared.staged = try ImageStore.stage(png, at: location.root.path + "/" + prepared.relativePath, stagingDirectory: staging.directory, createdAt: prepared.createdAt)
        switch try land([prepared], staging: staging)[0] {
        case .landed(let record): return LandedImage(image: record, wasAlreadyInLibrary: false)
        case .duplicate(let record): return LandedImage(image: record, wasAlreadyInLibrary: true)
        case .failed(let reason): throw CatalogError.file(path: prepared.relativePath, reason: reason)
        }
    }
}
