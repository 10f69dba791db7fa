import Foundation

/// What the gallery can fail at, each as one line that names the problem and the fix.
public enum GalleryError: Error, Sendable, Equatable, LocalizedError, CustomStringConvertible {
    /// The port could not be bound (in use, or privileged).
    case cannotListen(host: String, port: Int, reason: String)
    case cannotWrite(path: String, reason: String)
    /// `--port` out of range.
    case invalidPort(Int)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason):
            "cannot serve on \(host):\(port): \(reason); choose another port with --port (0 picks a free one)"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason)"
        case .invalidPort(let port):
            "\(port) is not a port: use a number from 0 to 65535 with --port (0 picks a free one)"
        }
    }

    public var errorDescription: String? { description }
}
