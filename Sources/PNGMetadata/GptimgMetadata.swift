import GptimgSupport

/// What gptimg embeds in every image it lands (the iTXt `gptimg` chunk, schema 1): enough to
/// rebuild the image's catalog row from the file alone.
public struct GptimgMetadata: Sendable, Hashable, Codable {
    /// The image this one was made from (image-to-image variants).
    public struct Parent: Sendable, Hashable, Codable {
        public var taskID: String
        public var index: Int

        public init(taskID: String, index: Int) {
            self.taskID = taskID
            self.index = index
        }

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case index
        }
    }

    public static let currentSchema = 1

    public var schema: Int
    public var prompt: String
    public var aspectRatio: String
    /// Images the task asked for (1-4) and this image's place among them (0-based).
    public var n: Int
    public var index: Int
    /// "text-to-image" or "image-to-image", as the API reports it.
    public var type: String
    public var referenceImages: [String]
    public var taskID: String?
    /// The API's internal row id (`data.id`).
    public var rowID: String?
    public var provider: String?
    public var model: String?
    /// ISO 8601, as the API reported them.
    public var createdAt: String?
    public var completedAt: String?
    public var parent: Parent?
    public var remoteURL: String?
    /// Tags given when the image was generated (later edits live in the catalog only).
    public var tags: [String]

    public init(
        prompt: String, aspectRatio: String = "1:1", n: Int = 1, index: Int = 0,
        type: String = "text-to-image", referenceImages: [String] = [], taskID: String? = nil,
        rowID: String? = nil, provider: String? = "gpt-image-2", model: String? = "gpt-image-2",
        createdAt: String? = nil, completedAt: String? = nil, parent: Parent? = nil,
        remoteURL: String? = nil, tags: [String] = []
    ) {
        self.schema = Self.currentSchema
        self.prompt = prompt
        self.aspectRatio = aspectRatio
        self.n = n
        self.index = index
        self.type = type
        self.referenceImages = referenceImages
        self.taskID = taskID
        self.rowID = rowID
        self.provider = provider
        self.model = model
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.parent = parent
        self.remoteURL = remoteURL
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey {
        case schema, prompt
        case aspectRatio = "aspect_ratio"
        case n, index, type
        case referenceImages = "reference_images"
        case taskID = "task_id"
        case rowID = "row_id"
        case provider, model
        case createdAt = "created_at"
        case completedAt = "completed_at"
        case parent
        case remoteURL = "remote_url"
        case tags
    }

    // Lenient on the way in: a missing optional field or list is absent, not an error, so files
    // written by a later schema with fewer fields still read.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decodeIfPresent(Int.self, forKey: .schema) ?? Self.currentSchema
        prompt = try container.decode(String.self, forKey: .prompt)
        aspectRatio = try container.decodeIfPresent(String.self, forKey: .aspectRatio) ?? "1:1"
        n = try container.decodeIfPresent(Int.self, forKey: .n) ?? 1
        index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? "text-to-image"
        referenceImages = try container.decodeIfPresent([String].self, forKey: .referenceImages) ?? []
        taskID = try container.decodeIfPresent(String.self, forKey: .taskID)
        rowID = try container.decodeIfPresent(String.self, forKey: .rowID)
        provider = try container.decodeIfPresent(String.self, forKey: .provider)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        createdAt = try container.decodeIfPresent(String.self, forKey: .createdAt)
        completedAt = try container.decodeIfPresent(String.self, forKey: .completedAt)
        parent = try container.decodeIfPresent(Parent.self, forKey: .parent)
        remoteURL = try container.decodeIfPresent(String.self, forKey: .remoteURL)
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
    }

    // Every key is written, `null` included, so the JSON's shape is the same in every file.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(aspectRatio, forKey: .aspectRatio)
        try container.encode(n, forKey: .n)
        try container.encode(index, forKey: .index)
        try container.encode(type, forKey: .type)
        try container.encode(referenceImages, forKey: .referenceImages)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(rowID, forKey: .rowID)
        try container.encode(provider, forKey: .provider)
        try container.encode(model, forKey: .model)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(completedAt, forKey: .completedAt)
        try container.encode(parent, forKey: .parent)
        try container.encode(remoteURL, forKey: .remoteURL)
        try container.encode(tags, forKey: .tags)
    }

    /// The schema's JSON, keys in the schema's order and every key present (`null` included):
    /// what the `gptimg` chunk holds and what `meta read --json` shows.
    public var json: JSONOut {
        let parentJSON: JSONOut =
            parent.map { .object([("task_id", .string($0.taskID)), ("index", .int($0.index))]) } ?? .null
        let members: [(String, JSONOut)] = [
            ("schema", .int(schema)),
            ("prompt", .string(prompt)),
            ("aspect_ratio", .string(aspectRatio)),
            ("n", .int(n)),
            ("index", .int(index)),
            ("type", .string(type)),
            ("reference_images", .array(referenceImages.map(JSONOut.string))),
            ("task_id", .optional(taskID)),
            ("row_id", .optional(rowID)),
            ("provider", .optional(provider)),
            ("model", .optional(model)),
            ("created_at", .optional(createdAt)),
            ("completed_at", .optional(completedAt)),
            ("parent", parentJSON),
            ("remote_url", .optional(remoteURL)),
            ("tags", .array(tags.map(JSONOut.string))),
        ]
        return .object(members)
    }
}

extension GptimgMetadata {
    /// This metadata with every value that does not have its type's shape (`ValueShape`)
    /// dropped, and a warning for each: an optional value becomes nil, a list loses the entry,
    /// and a required one is what a file without it gets (`n` 1, `index` 0, the type its
    /// references imply), except the aspect ratio, which the image's size gives when known. What
    /// every reader of a `gptimg` chunk gets (`GenerationInfoParser`), so nothing downstream (the
    /// catalog, the gallery, a command line) meets an unchecked value. Idempotent: the result has
    /// no warnings when validated again.
    public func validated(width: Int? = nil, height: Int? = nil) -> (metadata: GptimgMetadata, warnings: [PNGWarning]) {
        var checked = self
        var warnings: [PNGWarning] = []
        func drop(_ field: String, _ value: String, expected: String) {
            warnings.append(
                .invalidValue(field: "gptimg " + field, value: ValueShape.excerpt(value), expected: expected))
        }
        func keep(_ field: String, _ value: String?, expected: String, if fits: (String) -> Bool) -> String? {
            guard let value, !fits(value) else { return value }
            drop(field, value, expected: expected)
            return nil
        }

        if !ValueShape.isAspectRatio(aspectRatio) {
            drop("aspect_ratio", aspectRatio, expected: "W:H in digits (such as 16:9)")
            if let width, let height {
                checked.aspectRatio = ValueShape.aspectRatio(width: width, height: height)
            } else {
                checked.aspectRatio = "1:1"
            }
        }
        if !ValueShape.imageCounts.contains(n) {
            drop("n", String(n), expected: "an image count from 1 to 4")
            checked.n = 1
        }
        if !(0..<checked.n).contains(index) {
            drop("index", String(index), expected: "an image index from 0 to \(checked.n - 1)")
            checked.index = 0
        }
        checked.referenceImages = []
        for reference in referenceImages {
            if !ValueShape.isWebURL(reference) {
                drop("reference_images", reference, expected: "an https URL")
            } else if checked.referenceImages.count == ValueShape.maxReferenceImages {
                drop("reference_images", reference, expected: "one of at most 4 references")
            } else {
                checked.referenceImages.append(reference)
            }
        }
        if !ValueShape.taskTypes.contains(type) {
            drop("type", type, expected: "text-to-image or image-to-image")
            checked.type = checked.referenceImages.isEmpty ? "text-to-image" : "image-to-image"
        }
        let taskIDShape = "a task id (gpt-image-2-<letters and digits>)"
        let nameShape = "a name (letters, digits, . _ - : / +)"
        checked.taskID = keep("task_id", taskID, expected: taskIDShape, if: ValueShape.isTaskIDInFile)
        checked.rowID = keep("row_id", rowID, expected: "an id (letters, digits, - and _)", if: ValueShape.isIDInFile)
        checked.provider = keep("provider", provider, expected: nameShape, if: ValueShape.isName)
        checked.model = keep("model", model, expected: nameShape, if: ValueShape.isName)
        let timeShape = "an ISO 8601 time"
        checked.createdAt = keep("created_at", createdAt, expected: timeShape, if: ValueShape.isTimestamp)
        checked.completedAt = keep("completed_at", completedAt, expected: timeShape, if: ValueShape.isTimestamp)
        checked.remoteURL = keep("remote_url", remoteURL, expected: "an https URL", if: ValueShape.isWebURL)
        if let parent {
            if !ValueShape.isTaskIDInFile(parent.taskID) {
                drop("parent.task_id", parent.taskID, expected: taskIDShape)
                checked.parent = nil
            } else if !(0..<ValueShape.imageCounts.upperBound).contains(parent.index) {
                drop("parent.index", String(parent.index), expected: "an image index from 0 to 3")
                checked.parent = nil
            }
        }
        checked.tags = tags.filter { tag in
            guard ValueShape.isTag(tag) else {
                drop("tags", tag, expected: "a tag (1-100 characters, no control character)")
                return false
            }
            return true
        }
        return (checked, warnings)
    }
}
