import CPNG

/// Why pixels could not be decoded, encoded or resized. Each message names the problem.
public enum RasterError: Error, Sendable, Hashable, CustomStringConvertible {
    case notPNG
    case corrupt(String)
    case tooLarge(String)
    case outOfMemory
    case invalidSize(width: Int, height: Int)
    case pixelCountMismatch(expected: Int, actual: Int)
    case unreadable(path: String, reason: String)

    init(status: cpng_status, message: String) {
        switch status {
        case CPNG_NOT_PNG: self = .notPNG
        case CPNG_TOO_LARGE: self = .tooLarge(message)
        case CPNG_NO_MEMORY: self = .outOfMemory
        case CPNG_BAD_ARGUMENT: self = .corrupt(message.isEmpty ? "invalid arguments" : message)
        default: self = .corrupt(message.isEmpty ? "the image data is damaged" : message)
        }
    }

    public var description: String {
        switch self {
        case .notPNG: "not a PNG file (bad signature)"
        case .corrupt(let message): "damaged PNG: \(message)"
        case .tooLarge(let message): "image too large: \(message)"
        case .outOfMemory: "out of memory while processing the image"
        case .invalidSize(let width, let height): "invalid image size \(width)x\(height)"
        case .pixelCountMismatch(let expected, let actual):
            "pixel buffer holds \(actual) bytes, expected \(expected)"
        case .unreadable(_, let reason): "cannot read the file: \(reason)"
        }
    }
}
