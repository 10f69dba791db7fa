/// `data` in the answers of both endpoints: the task as the API reports it.
public struct TaskData: Sendable, Hashable, Codable {
    public struct Image: Sendable, Hashable, Codable {
        public var url: String
        public var contentType: String

        public init(url: String, contentType: String = "image/png") {
            self.url = url
            self.contentType = contentType
        }

        enum CodingKeys: String, CodingKey {
            case url
            case contentType = "content_type"
        }
    }

    /// Why a task failed, as `data.error` carries it.
    public struct Failure: Sendable, Hashable, Codable {
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

    enum CodingKeys: String, CodingKey {
        case id
        case taskID = "task_id"
        case status, provider, model, type
        case mediaURL = "media_url"
        case images, error
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// `{"success": true, "data": {...}}`
public struct TaskEnvelope: Sendable, Hashable, Codable {
    public var success: Bool
    public var data: TaskData

    public init(data: TaskData) {
        self.success = true
        self.data = data
    }
}

/// The API's error codes, with the HTTP status each comes with.
public enum APIErrorCode: String, Sendable, Codable, CaseIterable {
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
public struct APIErrorBody: Sendable, Hashable, Codable {
    public struct Detail: Sendable, Hashable, Codable {
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

    public init(code: APIErrorCode, message: String, field: String? = nil, required: Int? = nil, available: Int? = nil) {
        self.success = false
        self.error = Detail(code: code.rawValue, message: message, field: field)
        self.required = required
        self.available = available
    }
}
