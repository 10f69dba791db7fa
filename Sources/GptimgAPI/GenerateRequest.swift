import GptimgSupport
import PNGMetadata

/// The body of `POST /api/v1/images/generate`.
public struct GenerateRequest: Sendable, Hashable {
    public var prompt: String
    public var aspectRatio: String
    public var n: Int
    public var referenceImages: [String]

    public init(
        prompt: String, aspectRatio: String = AspectRatio.default.rawValue, n: Int = 1, referenceImages: [String] = []
    ) {
        self.prompt = prompt
        self.aspectRatio = aspectRatio
        self.n = n
        self.referenceImages = referenceImages
    }

    /// Credits the API charges at submission: 2 per image.
    public var credits: Int { APIContract.creditsPerImage * n }

    /// "text-to-image" without references, "image-to-image" with them.
    public var type: TaskType { referenceImages.isEmpty ? .textToImage : .imageToImage }

    /// The body as sent, in the seeds' key order.
    public var json: JSONOut {
        .object([
            ("prompt", .string(prompt)), ("aspect_ratio", .string(aspectRatio)), ("n", .int(n)),
            ("reference_images", .array(referenceImages.map(JSONOut.string))),
        ])
    }
}

public enum TaskType: String, Sendable, CaseIterable {
    case textToImage = "text-to-image"
    case imageToImage = "image-to-image"
}

public enum TaskStatus: String, Sendable, CaseIterable {
    case processing, completed, failed
}

/// The numbers and names the seeds fix.
public enum APIContract {
    public static let creditsPerImage = 2
    public static let imageCountRange = 1...4
    public static let maxReferenceImages = 4
    public static let provider = "gpt-image-2"
    public static let model = "gpt-image-2"
    public static let taskIDPrefix = ValueShape.taskIDPrefix
    public static let idLength = ValueShape.idLength
    public static let generatePath = "/api/v1/images/generate"
    public static let taskPathPrefix = "/api/v1/images/task/"
    public static let defaultBaseURL = "https://gptimg.co"
    /// Query parameters that would expose a key in CDN and proxy logs; the API refuses a request
    /// carrying any of them, even with a valid key.
    public static let keyQueryParameters: Set<String> = ["api_key", "apikey", "key", "token", "access_token"]
}
