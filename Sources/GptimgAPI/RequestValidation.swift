import PNGMetadata

/// The API's own validation rules for a generate request, shared by the client (which checks
/// before spending anything) and the simulator (which answers 400 with the same words).
public struct RequestValidationError: Error, Sendable, Hashable {
    /// The request field at fault (`prompt`, `aspect_ratio`, `n`, `reference_images`).
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

public enum RequestValidation {
    /// Which `http://` references are tolerated besides `https://` ones. The real API takes
    /// https only; the simulator also takes its own loopback files so image-to-image can be
    /// exercised offline.
    public enum ReferencePolicy: Sendable {
        case httpsOnly
        case httpsOrLoopback
    }

    /// The first of the seeds' rules `request` breaks, or nil: a non-empty prompt, one of the 13
    /// aspect ratios, n in 1–4, at most 4 references, each an https URL (never http, data: or
    /// base64).
    public static func problem(with request: GenerateRequest, references policy: ReferencePolicy = .httpsOnly)
        -> RequestValidationError?
    {
        if request.prompt.allSatisfy(\.isWhitespace) {
            return RequestValidationError(field: "prompt", message: "prompt must not be empty")
        }
        if AspectRatio(rawValue: request.aspectRatio) == nil {
            return RequestValidationError(
                field: "aspect_ratio",
                message:
                    """
                    aspect_ratio "\(request.aspectRatio.prefix(40))" is not supported; use one of \(AspectRatio.listed)
                    """
            )
        }
        if !APIContract.imageCountRange.contains(request.n) {
            return RequestValidationError(field: "n", message: "n must be between 1 and 4, got \(request.n)")
        }
        if request.referenceImages.count > APIContract.maxReferenceImages {
            return RequestValidationError(
                field: "reference_images",
                message: "reference_images takes at most 4 URLs, got \(request.referenceImages.count)")
        }
        for (position, reference) in request.referenceImages.enumerated() {
            if let problem = referenceProblem(reference, policy: policy) {
                return RequestValidationError(
                    field: "reference_images", message: "reference_images[\(position)] \(problem)")
            }
        }
        return nil
    }

    /// Why `reference` is refused, or nil when it is acceptable.
    public static func referenceProblem(_ reference: String, policy: ReferencePolicy) -> String? {
        let lowered = reference.lowercased()
        if lowered.hasPrefix("data:") {
            return "is a data: URI; upload the image and pass its https:// URL"
        }
        if lowered.hasPrefix("https://") {
            return host(of: reference).map { $0.isEmpty ? "has no host" : nil } ?? "is not a valid URL"
        }
        if lowered.hasPrefix("http://") {
            if case .httpsOrLoopback = policy, isLoopback(reference) {
                return nil
            }
            return "must use https:// (http:// is rejected)"
        }
        if !lowered.contains("://"), reference.count >= 64, reference.utf8.allSatisfy(isBase64Byte) {
            return "looks like a base64 payload; upload the image and pass its https:// URL"
        }
        return "must be an https:// URL"
    }

    public static let loopbackHosts = ValueShape.loopbackHosts

    /// Whether `url`'s host is this machine (`127.0.0.1`, `localhost`, `[::1]`): the only hosts
    /// plain `http://` is good enough for, since nothing it carries leaves the machine.
    public static func isLoopback(_ url: String) -> Bool {
        guard let host = host(of: url) else { return false }
        return loopbackHosts.contains(host.lowercased())
    }

    /// The host part of an absolute URL (between `://` and the first `/`, `?`, `#`, or a port).
    public static func host(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        var authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            return String(authority[...close])
        }
        if authority.contains(where: { $0 == " " || $0 == "\\" }) { return nil }
        return String(authority.prefix { $0 != ":" })
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == 0x2B || byte == 0x2F || byte == 0x3D
    }
}
