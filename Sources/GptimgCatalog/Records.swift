import GRDB
import GptimgSupport
import PNGMetadata

// The catalog's tables as GRDB record types, one per table (docs/catalog.md documents every
// column). Each declares its `Columns`, its table and how a row decodes; those the catalog writes
// whole are persistable. Rows decode leniently (`Row.lenientText`, `Row.lenientInt64`): a catalog
// is a file anyone can edit, and a damaged row must not stop `list`, `show` or `doctor`.

/// Where a generation is in its life. `pending` is recorded before the request is sent;
/// `unknown` means the request may have reached the server but no answer came back (the task
/// must be looked for, never re-submitted blindly).
public enum GenerationStatus: String, Sendable, Hashable, Codable, CaseIterable, DatabaseValueConvertible {
    case pending, processing, completed, failed, unknown

    /// Completed and failed tasks are finished; the others still need polling or resolving.
    public var isFinished: Bool { self == .completed || self == .failed }
}

/// How a generation reached the library.
public enum GenerationSource: String, Sendable, Hashable, Codable, CaseIterable, DatabaseValueConvertible {
    case api, `import`, simulator
}

/// One row of `generations`: a task sent to the API (or, for imported files, the generation the
/// file describes).
public struct GenerationRecord: Sendable, Hashable {
    /// 0 until the row is inserted (SQLite then gives it its id).
    public var id: Int64
    public var taskID: String?
    public var serverRowID: String?
    public var status: GenerationStatus
    /// "text-to-image" or "image-to-image".
    public var type: String
    public var prompt: String
    public var negativePrompt: String?
    public var aspectRatio: String
    public var n: Int
    public var referenceImages: [String]
    public var provider: String?
    public var model: String?
    public var baseURL: String?
    public var source: GenerationSource
    public var createdAt: String
    public var submittedAt: String?
    public var completedAt: String?
    public var updatedAt: String
    public var creditsCharged: Int
    public var creditsRefunded: Int
    public var errorCode: String?
    public var errorMessage: String?
    public var parentTaskID: String?
    public var parentIndex: Int?
    public var parentImageID: Int64?
    /// Tags and collection asked for with the generation, applied to its images as they land.
    public var requestedTags: [String]
    public var requestedCollection: String?
    /// The batch line it came from ("<hash of the batch file's absolute path, 16 hex>:<round>:
    /// <line fingerprint>:<occurrence>"), for `gptimg batch` re-runs.
    public var batchKey: String?

    /// A row not yet inserted: the columns every generation needs; the others are empty.
    init(
        status: GenerationStatus, type: String, prompt: String, aspectRatio: String, n: Int, source: GenerationSource,
        createdAt: String, updatedAt: String
    ) {
        id = 0
        self.status = status
        self.type = type
        self.prompt = prompt
        self.aspectRatio = aspectRatio
        self.n = n
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        referenceImages = []
        creditsCharged = 0
        creditsRefunded = 0
        requestedTags = []
    }
}

extension GenerationRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "generations"

    public enum Columns: String, ColumnExpression, CaseIterable {
        case id, taskID = "task_id", serverRowID = "server_row_id", status, type, prompt
        case negativePrompt = "negative_prompt", aspectRatio = "aspect_ratio", n, referenceImages = "reference_images"
        case provider, model, baseURL = "base_url", source, createdAt = "created_at", submittedAt = "submitted_at"
        case completedAt = "completed_at", updatedAt = "updated_at", creditsCharged = "credits_charged"
        case creditsRefunded = "credits_refunded", errorCode = "error_code", errorMessage = "error_message"
        case parentTaskID = "parent_task_id", parentIndex = "parent_index", parentImageID = "parent_image_id"
        case requestedTags = "requested_tags", requestedCollection = "requested_collection", batchKey = "batch_key"
    }

    public static var databaseSelection: [any SQLSelectable] { Columns.allCases }

    /// `Columns` for a SELECT from `generations AS alias`, with the prompt and negative prompt cut
    /// to their first `promptExcerpt` characters by SQLite when given: a grid tile shows the start
    /// of a prompt, and a prompt of megabytes made into a Swift string for each tile cost a page
    /// seconds.
    static func selection(_ alias: String, promptExcerpt: Int? = nil) -> String {
        Columns.allCases.map { column in
            let qualified = "\(alias).\(column.rawValue)"
            switch (column, promptExcerpt) {
            case (.prompt, let excerpt?), (.negativePrompt, let excerpt?):
                return "substr(\(qualified), 1, \(max(0, excerpt))) AS \(column.rawValue)"
            default:
                return qualified
            }
        }.joined(separator: ", ")
    }

    public init(row: Row) {
        id = row.lenientInt64(Columns.id) ?? 0
        taskID = row.lenientText(Columns.taskID)
        serverRowID = row.lenientText(Columns.serverRowID)
        status = row.lenientText(Columns.status).flatMap(GenerationStatus.init(rawValue:)) ?? .unknown
        type = row.lenientText(Columns.type) ?? ""
        prompt = row.lenientText(Columns.prompt) ?? ""
        negativePrompt = row.lenientText(Columns.negativePrompt)
        aspectRatio = row.lenientText(Columns.aspectRatio) ?? ""
        n = row.lenientInt(Columns.n) ?? 0
        referenceImages = JSONList.decode(row.lenientText(Columns.referenceImages))
        provider = row.lenientText(Columns.provider)
        model = row.lenientText(Columns.model)
        baseURL = row.lenientText(Columns.baseURL)
        source = row.lenientText(Columns.source).flatMap(GenerationSource.init(rawValue:)) ?? .import
        createdAt = row.lenientText(Columns.createdAt) ?? ""
        submittedAt = row.lenientText(Columns.submittedAt)
        completedAt = row.lenientText(Columns.completedAt)
        updatedAt = row.lenientText(Columns.updatedAt) ?? ""
        creditsCharged = row.lenientInt(Columns.creditsCharged) ?? 0
        creditsRefunded = row.lenientInt(Columns.creditsRefunded) ?? 0
        errorCode = row.lenientText(Columns.errorCode)
        errorMessage = row.lenientText(Columns.errorMessage)
        parentTaskID = row.lenientText(Columns.parentTaskID)
        parentIndex = row.lenientInt(Columns.parentIndex)
        parentImageID = row.lenientInt64(Columns.parentImageID)
        requestedTags = JSONList.decode(row.lenientText(Columns.requestedTags))
        requestedCollection = row.lenientText(Columns.requestedCollection)
        batchKey = row.lenientText(Columns.batchKey)
    }

    public func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id == 0 ? nil : id
        container[Columns.taskID] = taskID
        container[Columns.serverRowID] = serverRowID
        container[Columns.status] = status
        container[Columns.type] = type
        container[Columns.prompt] = prompt
        container[Columns.negativePrompt] = negativePrompt
        container[Columns.aspectRatio] = aspectRatio
        container[Columns.n] = n
        container[Columns.referenceImages] = JSONList.encode(referenceImages)
        container[Columns.provider] = provider
        container[Columns.model] = model
        container[Columns.baseURL] = baseURL
        container[Columns.source] = source
        container[Columns.createdAt] = createdAt
        container[Columns.submittedAt] = submittedAt
        container[Columns.completedAt] = completedAt
        container[Columns.updatedAt] = updatedAt
        container[Columns.creditsCharged] = creditsCharged
        container[Columns.creditsRefunded] = creditsRefunded
        container[Columns.errorCode] = errorCode
        container[Columns.errorMessage] = errorMessage
        container[Columns.parentTaskID] = parentTaskID
        container[Columns.parentIndex] = parentIndex
        container[Columns.parentImageID] = parentImageID
        container[Columns.requestedTags] = JSONList.encode(requestedTags)
        container[Columns.requestedCollection] = requestedCollection
        container[Columns.batchKey] = batchKey
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `images`: a file in the store.
public struct ImageRecord: Sendable, Hashable {
    /// 0 until the row is inserted.
    public var id: Int64
    public var generationID: Int64
    public var sha256: String
    /// Relative to the library's root: `images/YYYY/MM/<slug>-<sha8>.png`.
    public var path: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    /// The image's place among its task's images (0-based).
    public var index: Int
    public var remoteURL: String?
    public var favorite: Bool
    public var rating: Int
    /// Which tool's metadata the file carries (`Generator`'s raw values, or "none").
    public var generator: String
    public var createdAt: String
    public var addedAt: String
    public var originalName: String?
}

extension ImageRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "images"

    public enum Columns: String, ColumnExpression, CaseIterable {
        case id, generationID = "generation_id", sha256, path, width, height, bytes, index = "index_in_task"
        case remoteURL = "remote_url", favorite, rating, generator, createdAt = "created_at", addedAt = "added_at"
        case originalName = "original_name"
    }

    public static var databaseSelection: [any SQLSelectable] { Columns.allCases }

    /// `Columns` for a SELECT from `images AS alias`.
    static func selection(_ alias: String) -> String {
        Columns.allCases.map { "\(alias).\($0.rawValue)" }.joined(separator: ", ")
    }

    public init(row: Row) {
        id = row.lenientInt64(Columns.id) ?? 0
        generationID = row.lenientInt64(Columns.generationID) ?? 0
        sha256 = row.lenientText(Columns.sha256) ?? ""
        path = row.lenientText(Columns.path) ?? ""
        width = row.lenientInt(Columns.width) ?? 0
        height = row.lenientInt(Columns.height) ?? 0
        bytes = row.lenientInt(Columns.bytes) ?? 0
        index = row.lenientInt(Columns.index) ?? 0
        remoteURL = row.lenientText(Columns.remoteURL)
        favorite = (row.lenientInt64(Columns.favorite) ?? 0) != 0
        rating = row.lenientInt(Columns.rating) ?? 0
        generator = row.lenientText(Columns.generator) ?? ""
        createdAt = row.lenientText(Columns.createdAt) ?? ""
        addedAt = row.lenientText(Columns.addedAt) ?? ""
        originalName = row.lenientText(Columns.originalName)
    }

    public func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id == 0 ? nil : id
        container[Columns.generationID] = generationID
        container[Columns.sha256] = sha256
        container[Columns.path] = path
        container[Columns.width] = width
        container[Columns.height] = height
        container[Columns.bytes] = bytes
        container[Columns.index] = index
        container[Columns.remoteURL] = remoteURL
        container[Columns.favorite] = favorite
        container[Columns.rating] = rating
        container[Columns.generator] = generator
        container[Columns.createdAt] = createdAt
        container[Columns.addedAt] = addedAt
        container[Columns.originalName] = originalName
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `image_metadata`: what an image's file said about itself when it landed.
struct ImageMetadataRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "image_metadata"

    enum Columns: String, ColumnExpression {
        case imageID = "image_id", textChunks = "text_chunks", parameters, warnings
    }

    var imageID: Int64
    /// JSON: every text chunk (`Catalog.chunksJSON`).
    var textChunks: String
    /// JSON: `[{"key": …, "value": …}, …]` (`Catalog.parametersJSON`).
    var parameters: String
    /// JSON: an array of strings.
    var warnings: String

    init(imageID: Int64, textChunks: String, parameters: String, warnings: String) {
        self.imageID = imageID
        self.textChunks = textChunks
        self.parameters = parameters
        self.warnings = warnings
    }

    init(row: Row) {
        imageID = row.lenientInt64(Columns.imageID) ?? 0
        textChunks = row.lenientText(Columns.textChunks) ?? "[]"
        parameters = row.lenientText(Columns.parameters) ?? "[]"
        warnings = row.lenientText(Columns.warnings) ?? "[]"
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.imageID] = imageID
        container[Columns.textChunks] = textChunks
        container[Columns.parameters] = parameters
        container[Columns.warnings] = warnings
    }

    /// The settings, in the file's order (empty when none, or not a list of key-value pairs).
    var parameterList: [Parameter] {
        (JSONValue.parse(parameters)?.array ?? []).compactMap { entry in
            entry["key"]?.string.map { Parameter($0, entry["value"]?.string ?? "") }
        }
    }

    var warningList: [String] { JSONValue.parse(warnings)?.array?.compactMap(\.string) ?? [] }
}

/// One row of `tags` (names are unique without regard to case).
struct TagRecord: Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "tags"

    enum Columns: String, ColumnExpression {
        case id, name
    }

    /// 0 until inserted.
    var id: Int64
    var name: String

    init(name: String) {
        id = 0
        self.name = name
    }

    init(row: Row) {
        id = row.lenientInt64(Columns.id) ?? 0
        name = row.lenientText(Columns.name) ?? ""
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id == 0 ? nil : id
        container[Columns.name] = name
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `image_tags`: an image carries a tag.
struct ImageTagRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "image_tags"

    enum Columns: String, ColumnExpression {
        case imageID = "image_id", tagID = "tag_id"
    }

    var imageID: Int64
    var tagID: Int64

    init(imageID: Int64, tagID: Int64) {
        self.imageID = imageID
        self.tagID = tagID
    }

    init(row: Row) {
        imageID = row.lenientInt64(Columns.imageID) ?? 0
        tagID = row.lenientInt64(Columns.tagID) ?? 0
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.imageID] = imageID
        container[Columns.tagID] = tagID
    }
}

/// One row of `collections`.
struct CollectionRecord: Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "collections"

    enum Columns: String, ColumnExpression {
        case id, name, createdAt = "created_at"
    }

    /// 0 until inserted.
    var id: Int64
    var name: String
    var createdAt: String

    init(name: String, createdAt: String) {
        id = 0
        self.name = name
        self.createdAt = createdAt
    }

    init(row: Row) {
        id = row.lenientInt64(Columns.id) ?? 0
        name = row.lenientText(Columns.name) ?? ""
        createdAt = row.lenientText(Columns.createdAt) ?? ""
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id == 0 ? nil : id
        container[Columns.name] = name
        container[Columns.createdAt] = createdAt
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `collection_images`: an image's place in a collection.
struct CollectionImageRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "collection_images"

    enum Columns: String, ColumnExpression {
        case collectionID = "collection_id", imageID = "image_id", position, addedAt = "added_at"
    }

    var collectionID: Int64
    var imageID: Int64
    var position: Int
    var addedAt: String

    init(collectionID: Int64, imageID: Int64, position: Int, addedAt: String) {
        self.collectionID = collectionID
        self.imageID = imageID
        self.position = position
        self.addedAt = addedAt
    }

    init(row: Row) {
        collectionID = row.lenientInt64(Columns.collectionID) ?? 0
        imageID = row.lenientInt64(Columns.imageID) ?? 0
        position = row.lenientInt(Columns.position) ?? 0
        addedAt = row.lenientText(Columns.addedAt) ?? ""
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.collectionID] = collectionID
        container[Columns.imageID] = imageID
        container[Columns.position] = position
        container[Columns.addedAt] = addedAt
    }
}

/// One row of `landing_intents`: a file a process is about to link into `images/`, so that
/// recovery can remove it if the process dies before its row commits.
struct LandingIntentRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "landing_intents"

    enum Columns: String, ColumnExpression {
        case owner, path, sha256, createdAt = "created_at"
    }

    /// The staging folder's name of the process landing it (`StagingArea.owner`).
    var owner: String
    var path: String
    var sha256: String
    var createdAt: String

    init(owner: String, path: String, sha256: String, createdAt: String) {
        self.owner = owner
        self.path = path
        self.sha256 = sha256
        self.createdAt = createdAt
    }

    init(row: Row) {
        owner = row.lenientText(Columns.owner) ?? ""
        path = row.lenientText(Columns.path) ?? ""
        sha256 = row.lenientText(Columns.sha256) ?? ""
        createdAt = row.lenientText(Columns.createdAt) ?? ""
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.owner] = owner
        container[Columns.path] = path
        container[Columns.sha256] = sha256
        container[Columns.createdAt] = createdAt
    }
}

/// An image with its generation, tags, collections and parent: what `list`, `show` and the
/// JSON shape of cli.md present.
public struct ImageDetails: Sendable, Hashable {
    public var image: ImageRecord
    public var generation: GenerationRecord
    public var tags: [String]
    public var collections: [String]
    /// The image this one was made from (variants), when it is in the library.
    public var parentID: Int64?

    /// cli.md's "An image in JSON", keys in its order.
    public var json: JSONOut {
        .object([
            ("id", .int(Int(image.id))),
            ("sha256", .string(image.sha256)),
            ("path", .string(image.path)),
            ("width", .int(image.width)),
            ("height", .int(image.height)),
            ("bytes", .int(image.bytes)),
            ("prompt", .string(generation.prompt)),
            ("aspect_ratio", .string(generation.aspectRatio)),
            ("type", .string(generation.type)),
            ("task_id", .optional(generation.taskID)),
            ("index", .int(image.index)),
            ("n", .int(generation.n)),
            ("reference_images", .array(generation.referenceImages.map(JSONOut.string))),
            ("status", .string(generation.status.rawValue)),
            ("created_at", .string(image.createdAt)),
            ("tags", .array(tags.map(JSONOut.string))),
            ("collections", .array(collections.map(JSONOut.string))),
            ("rating", .int(image.rating)),
            ("favorite", .bool(image.favorite)),
            ("parent_id", parentID.map { .int(Int($0)) } ?? .null),
            ("remote_url", .optional(image.remoteURL)),
            ("generator", .string(image.generator)),
            ("source", .string(generation.source.rawValue)),
        ])
    }

    /// The prompt as the store names files: a short lowercase ASCII stem ("image" when empty).
    public var slug: String { ImageStore.slug(generation.prompt) }
}

extension ImageDetails: FetchableRecord {
    /// `SELECT <ImageRecord.selection(i)>, <GenerationRecord.selection(g)> FROM …` read as an
    /// image scope and a generation scope (tags and collections are read apart, for a page at once).
    static var adapter: any RowAdapter {
        let split = splittingRowAdapters(columnCounts: [
            ImageRecord.Columns.allCases.count, GenerationRecord.Columns.allCases.count,
        ])
        return ScopeAdapter(["image": split[0], "generation": split[1]])
    }

    public init(row: Row) {
        image = ImageRecord(row: row.scopes["image"] ?? row)
        generation = GenerationRecord(row: row.scopes["generation"] ?? row)
        tags = []
        collections = []
        parentID = generation.parentImageID
    }
}

extension Row {
    // A value of the wrong type in a damaged row (text in `width`, a real in `rating`) reads the
    // way SQLite's `sqlite3_column_*` would convert it (leading digits, truncated reals), where
    // GRDB's strict decoding would stop the process: the command still answers, and `doctor`
    // can be run. Every record decodes through these two.

    /// `column` as an integer, nil for NULL (or a missing column).
    func lenientInt64(_ column: some ColumnExpression) -> Int64? {
        switch (self[column] as DatabaseValue?)?.storage {
        case nil, .null?: nil
        case .int64(let value)?: value
        case .double(let value)?: value.isFinite && abs(value) < 9.2e18 ? Int64(value) : 0
        case .string(let text)?: Int64(text.prefix { $0.isNumber || $0 == "-" || $0 == "+" }) ?? 0
        case .blob?: 0
        }
    }

    func lenientInt(_ column: some ColumnExpression) -> Int? {
        lenientInt64(column).map { Int(truncatingIfNeeded: $0) }
    }

    /// `column` as text, nil for NULL (or a missing column).
    func lenientText(_ column: some ColumnExpression) -> String? {
        switch (self[column] as DatabaseValue?)?.storage {
        case nil, .null?: nil
        case .int64(let value)?: String(value)
        case .double(let value)?: String(value)
        case .string(let text)?: text
        case .blob(let data)?: String(decoding: data, as: UTF8.self)
        }
    }
}

/// JSON arrays of strings in TEXT columns.
enum JSONList {
    static func encode(_ values: [String]) -> String {
        JSONOut.array(values.map(JSONOut.string)).rendered
    }

    /// The strings of a JSON array of strings; empty for anything else.
    static func decode(_ text: String?) -> [String] {
        guard let text, text != "[]", let items = JSONValue.parse(text)?.array else { return [] }
        let values = items.compactMap(\.string)
        return values.count == items.count ? values : []
    }
}
