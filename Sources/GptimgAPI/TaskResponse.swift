import GptimgSupport
import PNGMetadata

/// `data` in the answers of both endpoints: the task as the API reports it.
public struct TaskData: Sendable, Hashable {
    public struct Image: Sendable, Hashable {
        public var url: String
        public var contentType: String

        public init(url: String, contentType: String = "image/png") {
            self.url = url
            self.contentType = contentType
        }
    }

    /// Why a task failed, as `data.error` carries it.
    public struct Failure: Sendable, Hashable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var id: String
    public var taskID: String
    public var status: TaskStatus
    public var provider: String
    public var model: String
    public var type: TaskType
    public var mediaURL: String?
    public var images: [Image]
    public var error: Failure?
    public var createdAt: String
    public var updatedAt: String?

    public init(
        id: String, taskID: String, status: TaskStatus, provider: String = APIContract.provider,
        model: String = APIContract.model, type: TaskType, mediaURL: String? = nil, images: [Image] = [],
        error: Failure? = nil, createdAt: String, updatedAt: String? = nil
    ) {
        self.id = id
        self.taskID = taskID
        self.status = status
        self.provider = provider
        self.model = model
        self.type = type
        self.mediaURL = mediaURL
        self.images = images
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// `{"success": true, "data": {...}}`
public struct TaskEnvelope: Sendable, Hashable {
    public var success: Bool
    public var data: TaskData

    public init(data: TaskData) {
        self.success = true
        self.data = data
    }
}

/// The API's error codes, with the HTTP status each comes with.
public enum APIErrorCode: String, Sendable, CaseIterable {
    case invalidRequest = "INVALID_REQUEST"
    case unauthorized = "UNAUTHORIZED"
    case insufficientCredits = "INSUFFICIENT_CREDITS"
    case notFound = "NOT_FOUND"
    case rateLimited = "RATE_LIMITED"
    case internalError = "INTERNAL_ERROR"
    case generationFailed = "GENERATION_FAILED"

    public var httpStatus: Int {
        switch self {
        case .invalidRequest: 400
        case .unauthorized: 401
        case .insufficientCredits: 402
        case .notFound: 404
        case .rateLimited: 429
        case .internalError, .generationFailed: 500
        }
    }
}

/// An error answer: `{"success": false, "error": {"code", "message", "field"?},
/// "required"?, "available"?}` (the shape `docs/api.md` documents; the seeds leave it open and
/// say only that a 402 body carries `required` and `available`).
public struct APIErrorBody: Sendable, Hashable {
    public struct Detail: Sendable, Hashable {
        public var code: String
        public var message: String
        public var field: String?

        public init(code: String, message: String, field: String? = nil) {
            self.code = code
            self.message = message
            self.field = field
        }
    }

    public var success: Bool
    public var error: Detail
    public var required: Int?
    public var available: Int?

    public init(code: APIErrorCode, message: String, field: String? = nil, required: Int? = nil, available: Int? = nil)
    {
        self.success = false
        self.error = Detail(code: code.rawValue, message: message, field: field)
        self.required = required
        self.available = available
    }
}

// MARK: - What gptimg keeps of an answer

/// The values of a task answer that gptimg stores (in the catalog, a PNG, an export), each
/// checked against its shape (`ValueShape`): a broken or hostile API's value that does not fit
/// is nil here, and `notes` says what was dropped, for the generation's record. Status and type
/// need no check: they decode only as one of the contract's values.
public struct CheckedTask: Sendable, Hashable {
    public var taskID: String?
    public var rowID: String?
    public var provider: String?
    public var model: String?
    public var createdAt: String?
    public var updatedAt: String?
    /// The first `expectedImages` images' URLs (https, or http to this machine), nil for one
    /// that is not such a URL; the answer's further images are left out (and noted).
    public var imageURLs: [String?]
    /// Why the task failed, its code and message bounded to printable text.
    public var failure: TaskData.Failure?
    /// One line per value dropped or image left out, in the answer's order.
    public var notes: [String]
}

extension TaskData {
    /// The most characters of a failure message kept.
    public static let maxFailureMessage = 300

    /// What gptimg may store of this answer to a task that asked for `expectedImages` images.
    public func checked(expectedImages: Int) -> CheckedTask {
        var notes: [String] = []
        func keep(_ field: String, _ value: String?, _ expected: String, _ fits: (String) -> Bool) -> String? {
            guard let value, !fits(value) else { return value }
            notes.append("data.\(field) \"\(ValueShape.excerpt(value))\" is not \(expected): not stored")
            return nil
        }
        let name = "a name (letters, digits, . _ - : / +)"
        var urls: [String?] = []
        for (index, image) in images.prefix(max(0, expectedImages)).enumerated() {
            urls.append(keep("images[\(index)].url", image.url, "an https URL", ValueShape.isWebURL))
        }
        if images.count > expectedImages {
            let taken = "only the first \(expectedImages) were taken"
            notes.append("the API answered \(images.count) image URLs for n = \(expectedImages): \(taken)")
        } else if images.count < expectedImages, status == .completed {
            notes.append("the API answered \(images.count) image URLs for n = \(expectedImages)")
        }
        let failure = error.map { failure in
            TaskData.Failure(
                code: ValueShape.isName(failure.code) ? failure.code : "FAILED",
                message: ValueShape.excerpt(failure.message, limit: Self.maxFailureMessage))
        }
        return CheckedTask(
            taskID: keep("task_id", taskID, "a task id", ValueShape.isTaskID),
            rowID: keep("id", id, "an id of 21 letters or digits", ValueShape.isID),
            provider: keep("provider", provider, name, ValueShape.isName),
            model: keep("model", model, name, ValueShape.isName),
            createdAt: keep("created_at", createdAt, "an ISO 8601 time", ValueShape.isTimestamp),
            updatedAt: keep("updated_at", updatedAt, "an ISO 8601 time", ValueShape.isTimestamp),
            imageURLs: urls, failure: failure, notes: notes)
    }
}
