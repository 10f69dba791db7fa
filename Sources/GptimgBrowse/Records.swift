import GptimgSupport
import PNGMetadata

/// Where a generation is in its life. `pending` is recorded before the request is sent;
/// `unknown` means the request may have reached the server but no answer came back (the task
/// must be looked for, never re-submitted blindly).
public enum GenerationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, processing, completed, failed, unknown

    /// Completed and failed tasks are finished; the others still need polling or resolving.
    public var isFinished: Bool { self == .completed || self == .failed }
}

/// How a generation reached the library.
public enum GenerationSource: String, Sendable, Hashable, Codable, CaseIterable {
    case api, `import`, simulator
}

/// One row of `generations`: a task sent to the API (or, for imported files, the generation the
/// file describes).
public struct GenerationRecord: Sendable, Hashable {
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
    /// The batch line it came from ("<hash of the batch file's absolute path, 16 hex>:<round>:<line fingerprint>:<occurrence>"), for `gptimg batch` re-runs.
    public var batchKey: String?

    package static let columns = columns(promptExcerpt: nil)

    /// `columns`, with the prompt and negative prompt cut to their first `promptExcerpt`
    /// characters by SQLite when given: a grid tile shows the start of a prompt, and a prompt
    /// of megabytes made into a Swift string for each tile cost a page seconds.
    package static func columns(promptExcerpt: Int?) -> String {
        let (prompt, negative) =
            promptExcerpt.map { ("substr(g.prompt, 1, \(max(0, $0)))", "substr(g.negative_prompt, 1, \(max(0, $0)))") }
            ?? ("g.prompt", "g.negative_prompt")
        return """
            g.id, g.task_id, g.server_row_id, g.status, g.type, \(prompt), \(negative), g.aspect_ratio, g.n,
            g.reference_images, g.provider, g.model, g.base_url, g.source, g.created_at, g.submitted_at, g.completed_at,
            g.updated_at, g.credits_charged, g.credits_refunded, g.error_code, g.error_message, g.parent_task_id,
            g.parent_index, g.parent_image_id, g.requested_tags, g.requested_collection, g.batch_key
            """
    }

    /// Decodes `columns` as they come from a SELECT of `Self.columns` starting at `offset`.
    package init(columns row: some ColumnReader, offset: Int = 0) {
        let o = offset
        id = row.int64(o)
        taskID = row.optionalText(o + 1)
        serverRowID = row.optionalText(o + 2)
        status = GenerationStatus(rawValue: row.text(o + 3)) ?? .unknown
        type = row.text(o + 4)
        prompt = row.text(o + 5)
        negativePrompt = row.optionalText(o + 6)
        aspectRatio = row.text(o + 7)
        n = row.int(o + 8)
        referenceImages = JSONList.decode(row.optionalText(o + 9))
        provider = row.optionalText(o + 10)
        model = row.optionalText(o + 11)
        baseURL = row.optionalText(o + 12)
        source = GenerationSource(rawValue: row.text(o + 13)) ?? .import
        createdAt = row.text(o + 14)
        submittedAt = row.optionalText(o + 15)
        completedAt = row.optionalText(o + 16)
        updatedAt = row.text(o + 17)
        creditsCharged = row.int(o + 18)
        creditsRefunded = row.int(o + 19)
        errorCode = row.optionalText(o + 20)
        errorMessage = row.optionalText(o + 21)
        parentTaskID = row.optionalText(o + 22)
        parentIndex = row.optionalInt(o + 23)
        parentImageID = row.optionalInt64(o + 24)
        requestedTags = JSONList.decode(row.optionalText(o + 25))
        requestedCollection = row.optionalText(o + 26)
        batchKey = row.optionalText(o + 27)
    }
}

/// One row of `images`: a file in the store.
public struct ImageRecord: Sendable, Hashable {
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

    package static let columns = """
        i.id, i.generation_id, i.sha256, i.path, i.width, i.height, i.bytes, i.index_in_task, i.remote_url,
        i.favorite, i.rating, i.generator, i.created_at, i.added_at, i.original_name
        """
    package static let columnCount = columns.split(separator: ",").count

    /// Decodes `columns` as they come from a SELECT of `Self.columns` starting at `offset`.
    package init(columns row: some ColumnReader, offset: Int = 0) {
        let o = offset
        id = row.int64(o)
        generationID = row.int64(o + 1)
        sha256 = row.text(o + 2)
        path = row.text(o + 3)
        width = row.int(o + 4)
        height = row.int(o + 5)
        bytes = row.int(o + 6)
        index = row.int(o + 7)
        remoteURL = row.optionalText(o + 8)
        favorite = row.bool(o + 9)
        rating = row.int(o + 10)
        generator = row.text(o + 11)
        createdAt = row.text(o + 12)
        addedAt = row.text(o + 13)
        originalName = row.optionalText(o + 14)
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

    /// A row of `ImageRecord.columns` then `GenerationRecord.columns`, without its tags and
    /// collections (`Browse.withTagsAndCollections` reads them).
    package init(columns row: some ColumnReader) {
        image = ImageRecord(columns: row)
        generation = GenerationRecord(columns: row, offset: ImageRecord.columnCount)
        tags = []
        collections = []
        parentID = generation.parentImageID
    }

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
}

/// JSON arrays of strings in TEXT columns.
package enum JSONList {
    package static func encode(_ values: [String]) -> String {
        JSONOut.array(values.map(JSONOut.string)).rendered
    }

    /// The strings of a JSON array of strings; empty for anything else.
    package static func decode(_ text: String?) -> [String] {
        guard let text, text != "[]", let items = JSONValue.parse(text)?.array else { return [] }
        let values = items.compactMap(\.string)
        return values.count == items.count ? values : []
    }
}
