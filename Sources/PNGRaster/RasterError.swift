import CPNG
import GptimgSupport

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

extension RasterError {
    /// The project's one opener of hostile paths (`RegularFile.open`: no blocking on a FIFO, only
    /// a regular file), its refusal as a raster error. The caller closes the descriptor.
    static func openRegularFile(_ path: String) throws(RasterError) -> Int32 {
        do {
            return try RegularFile.open(path).descriptor
        } catch {
            switch error {
            case .unreadable(_, let reason): throw .unreadable(path: path, reason: reason)
            case .notRegularFile: throw .unreadable(path: path, reason: "not a regular file")
            default: throw .unreadable(path: path, reason: error.description)
            }
        }
    }

    /// A PNG's header read and checked before any pixel memory is allocated (`cpng_inspect`: at
    /// most `limit` pixels, and enough compressed data for the pixels it declares).
    static func inspect(_ input: inout cpng_input, limit: UInt64) throws(RasterError) -> cpng_header {
        var header = cpng_header()
        var message = [CChar](repeating: 0, count: 512)
        let inspected = message.withUnsafeMutableBufferPointer {
            cpng_inspect(&input, limit, &header, $0.baseAddress, $0.count)
        }
        guard inspected == CPNG_OK else {
            throw RasterError(status: inspected, message: String(cStringBuffer: message))
        }
        return header
    }
}
