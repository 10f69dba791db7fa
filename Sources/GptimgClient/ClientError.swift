import GptimgAPI

/// What can go wrong talking to the API, each with a one-line message that names the problem
/// and the fix. None carries the key.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Refused locally, before anything was sent.
    case invalidRequest(RequestValidationError)
    /// No key in the environment nor in `keyFile` (the file that was looked for).
    case missingKey(keyFile: String)
    /// The key file can be read by other users: it is not used.
    case keyFileReadableByOthers(String)
    /// The key file holds no key (empty, or more than one word).
    case keyFileWithoutKey(String)
    case invalidBaseURL(String)
    /// A plain `http://` base URL on another machine: the key would cross the network in clear.
    case insecureBaseURL(String)
    case unauthorized(message: String)
    case insufficientCredits(required: Int?, available: Int?)
    /// The API said 400: the request was refused (not charged).
    case rejected(message: String, field: String?)
    case notFound(taskID: String)
    case rateLimited(retryAfter: Double?)
    case serverError(status: Int, message: String)
    case redirected(status: Int, location: String)
    case malformedResponse(String)
    /// The connection failed. `mayHaveReachedServer` is false only when the request provably
    /// never left (connection refused, no such host): only then may a submit be retried.
    case transport(String, mayHaveReachedServer: Bool)
    /// No answer in time: the request may have reached the API.
    case timedOut
    case download(String)

    public var description: String {
        switch self {
        case .invalidRequest(let error): "invalid request: \(error.message) (nothing was sent)"
        case .missingKey(let keyFile): "no API key: set GPTIMG_API_KEY, or put it in \(keyFile) with mode 0600"
        case .keyFileReadableByOthers(let path):
            "\(path) is readable by other users; run `chmod 600 \(path)` (and consider rotating the key)"
        case .keyFileWithoutKey(let path): "\(path) does not hold a key: put the key alone on its first line"
        case .invalidBaseURL(let url):
            "GPTIMG_BASE_URL \"\(url.prefix(80))\" is not an http(s) URL; unset it to use https://gptimg.co"
        case .insecureBaseURL(let url):
            """
            GPTIMG_BASE_URL "\(url.prefix(80))" is plain http to another machine, which would send the key in clear; \
            use https://, or http:// only for a simulator on 127.0.0.1, localhost or [::1]
            """
        case .unauthorized(let message):
            message.contains("GPTIMG_API_KEY") || message.contains("rotate")
                ? "the API refused the key (401): \(message)"
                : """
                the API refused the key (401: \(message)); check GPTIMG_API_KEY or create a new key under Settings → \
                API Keys
                """
        case .insufficientCredits(let required, let available):
            """
            not enough credits: this needs \(required.map(String.init) ?? "2 × n"), the balance is \
            \(available.map(String.init) ?? "lower"); top up on the Credits page or lower -n
            """
        case .rejected(let message, _): "the API refused the request (400: \(message))"
        case .notFound(let taskID):
            "the API does not know task \(taskID) for this key (404); was it made with another key?"
        case .rateLimited(let retryAfter):
            "the API is rate limiting (429)"
                + (retryAfter.map { "; retry after \(Int($0.rounded(.up))) s" } ?? "; retry later")
        case .serverError(let status, let message): "the API failed (\(status): \(message)); try again later"
        case .redirected(let status, let location):
            """
            the API answered with a redirect (\(status)) to \(location.prefix(120)); not followed, so the key stays \
            with the API host. Check GPTIMG_BASE_URL
            """
        case .malformedResponse(let what): "the API's answer was not what its contract says: \(what)"
        case .transport(let message, let reached):
            reached
                ? "the connection to the API failed (\(message)); the request may have reached it"
                : "cannot reach the API (\(message)); check the network and GPTIMG_BASE_URL"
        case .timedOut: "the API did not answer in time; the request may have reached it"
        case .download(let message): "downloading an image failed: \(message)"
        }
    }
}
