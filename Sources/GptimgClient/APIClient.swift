import AsyncHTTPClient
import Foundation
import GptimgAPI
import GptimgSupport
import Logging
import NIOCore
import NIOHTTP1
import PNGMetadata

/// The gpt-image-2 API over AsyncHTTPClient.
///
/// The key goes only into the `Authorization` header of requests to the base URL's host.
/// API requests never follow redirects (a 3xx is an error, so the key cannot be carried to
/// another host); image downloads carry no key and may follow them.
public struct APIClient: Sendable {
    public let baseURL: String
    private let key: APIKey
    public var requestTimeout: TimeAmount
    public var downloadTimeout: TimeAmount

    /// How requests travel: AsyncHTTPClient unless the command's context says otherwise.
    public let transport: any HTTPTransport
    /// Each request and answer at debug level (method, path, status; never a header).
    public var logger: Logger

    public init(
        baseURL: String, key: APIKey, requestTimeout: TimeAmount = .seconds(60),
        downloadTimeout: TimeAmount = .seconds(300),
        transport: any HTTPTransport = LiveHTTPTransport(), logger: Logger = APIClient.silent
    ) throws(ClientError) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let lowered = base.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"),
            let host = RequestValidation.host(of: base), !host.isEmpty, !base.contains("?"), !base.contains("#")
        else { throw .invalidBaseURL(baseURL) }
        // Plain http would carry the key in clear: only to a simulator on this machine.
        guard lowered.hasPrefix("https://") || RequestValidation.isLoopback(base) else {
            throw .insecureBaseURL(baseURL)
        }
        self.baseURL = base
        self.key = key
        self.requestTimeout = requestTimeout
        self.downloadTimeout = downloadTimeout
        self.transport = transport
        self.logger = logger
    }

    /// The client for `credentials` (their base URL was checked when they were made).
    public init(
        _ credentials: APICredentials, transport: any HTTPTransport = LiveHTTPTransport(),
        logger: Logger = APIClient.silent
    ) throws(ClientError) {
        try self.init(baseURL: credentials.baseURL, key: credentials.key, transport: transport, logger: logger)
    }

    /// A logger that drops everything: libraries log only when a command hands them its own.
    public static let silent = Logger(label: "gptimg.client", factory: { _ in SwiftLogNoOpLogHandler() })

    // MARK: - Endpoints

    /// Which references this API takes: https only, but a simulator on this machine also takes
    /// its own `http://127.0.0.1` files (docs/api.md).
    public var referencePolicy: RequestValidation.ReferencePolicy {
        guard baseURL.lowercased().hasPrefix("http://"), RequestValidation.isLoopback(baseURL) else {
            return .httpsOnly
        }
        return .httpsOrLoopback
    }

    /// The first of the API's rules `request` breaks, or nil: checked before anything is sent.
    public func problem(with request: GenerateRequest) -> RequestValidationError? {
        RequestValidation.problem(with: request, references: referencePolicy)
    }

    /// `POST /api/v1/images/generate`, the request sent as it is: the caller checks it with the
    /// API's own rules first (`problem(with:)`; `Generator.submit` does, before it records it).
    public func submit(_ request: GenerateRequest) async throws(ClientError) -> TaskData {
        let body = encode(request)
        let answer = try await send(.POST, APIContract.generatePath, body: body)
        return try decodeTask(answer, taskID: nil)
    }

    /// `GET /api/v1/images/task/{id}`.
    public func task(_ taskID: String) async throws(ClientError) -> TaskData {
        guard APIIdentifier.isTaskID(taskID) else {
            throw .malformedResponse("\"\(taskID.prefix(80))\" is not a task id (gpt-image-2-<21 characters>)")
        }
        let answer = try await send(.GET, APIContract.taskPathPrefix + taskID, body: nil)
        return try decodeTask(answer, taskID: taskID)
    }

    // MARK: - Downloads

    /// The bytes at `url`, at most `maxBytes` (refused before they are read when the answer
    /// says it is larger). No key is sent: hosted images are public.
    public func download(_ url: String, maxBytes: Int = 64 << 20) async throws(ClientError) -> [UInt8] {
        try await Self.download(url, maxBytes: maxBytes, transport: transport, timeout: downloadTimeout, logger: logger)
    }

    /// The same without a client (no key is involved): `doctor --fix --download` fetching an
    /// image again from where the API hosted it.
    public static func download(
        _ url: String, maxBytes: Int = 64 << 20, transport: any HTTPTransport,
        timeout downloadTimeout: TimeAmount = .seconds(300), logger: Logger = APIClient.silent
    ) async throws(ClientError) -> [UInt8] {
        // Plain http only on this machine, as for the API itself.
        guard ValueShape.isWebURL(url) else {
            throw .download("\"\(ValueShape.excerpt(url, limit: 120))\" is not an https URL (or http on this machine)")
        }
        do {
            var bytes: [UInt8] = []
            try await transport.download(url, timeout: downloadTimeout) { head in
                guard head.status == 200 else {
                    throw ClientError.download("\(url.prefix(120)) answered \(head.status)")
                }
                let length = head.headers.first(name: "content-length").flatMap(Int.init)
                if let length, length > maxBytes {
                    throw ClientError.download(
                        "\(url.prefix(120)) is \(length) bytes, over the \(maxBytes >> 20) MiB limit")
                }
                bytes.reserveCapacity(min(max(length ?? 0, 0), maxBytes))
            } chunk: { raw in
                guard bytes.count + raw.count <= maxBytes else {
                    throw ClientError.download("\(url.prefix(120)) is over the \(maxBytes >> 20) MiB limit")
                }
                bytes += raw
            }
            logger.debug(
                "downloaded \(bytes.count) bytes", metadata: ["url": "\(ValueShape.withoutQuery(url).prefix(120))"])
            return bytes
        } catch let error as ClientError {
            throw error
        } catch {
            switch Self.classify(error) {
            case .transport(let message, _): throw .download("\(message) while fetching \(url.prefix(120))")
            case .timedOut: throw .download("no answer in time from \(url.prefix(120))")
            case let other: throw .download(other.description)
            }
        }
    }

    // MARK: - Transport

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws(ClientError) -> Answer {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(key.secret)")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: "gptimg/\(GptimgBuild.version)")
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let request = TransportRequest(method: method, url: baseURL + path, headers: headers, body: body)
        logger.debug("\(method.rawValue) \(path)")
        do {
            let response = try await transport.send(request, timeout: requestTimeout)
            logger.debug("\(method.rawValue) \(path): \(response.status)")
            return Answer(status: response.status, headers: response.headers, body: response.body)
        } catch {
            let failure = Self.classify(error)
            logger.debug("\(method.rawValue) \(path): \(failure.description)")
            throw failure
        }
    }

    /// Sorts a transport failure into "provably never sent" or "may have reached the server".
    static func classify(_ error: any Error) -> ClientError {
        if let error = error as? ClientError { return error }
        let text = String(describing: error)
        if let error = error as? HTTPClientError {
            if error == .connectTimeout { return .transport("connect timed out", mayHaveReachedServer: false) }
            // Raised only for a request still queued for a connection (the pool's timeoutRequest
            // removes it from its wait queue): it never had one, so it never left.
            if error == .getConnectionFromPoolTimeout {
                return .transport("no connection to the API in time", mayHaveReachedServer: false)
            }
            if error == .deadlineExceeded || error == .readTimeout { return .timedOut }
            if error == .remoteConnectionClosed {
                return .transport("the connection was closed", mayHaveReachedServer: true)
            }
        }
        for never in [
            "Connection refused", "connectTimeout", "No such host", "nodename nor servname",
            "Name or service not known", "resolution",
        ]
        where text.contains(never) {
            return .transport(
                never == "connectTimeout" ? "connect timed out" : never.lowercased(), mayHaveReachedServer: false)
        }
        if text.contains("reset") { return .transport("the connection was reset", mayHaveReachedServer: true) }
        return .transport(Self.shorten(text), mayHaveReachedServer: true)
    }

    private static func shorten(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return String(line.prefix(160))
    }

    // MARK: - Bodies

    private func encode(_ request: GenerateRequest) -> [UInt8] {
        var body: [UInt8] = []
        request.json.render(into: &body)
        return body
    }

    func decodeTask(_ answer: Answer, taskID: String?) throws(ClientError) -> TaskData {
        switch answer.status {
        case 200:
            do {
                let envelope = try TaskEnvelope(json: JSONReader(parsing: answer.body))
                guard envelope.success else { throw ClientError.malformedResponse("success is false in a 200 answer") }
                guard APIIdentifier.isTaskID(envelope.data.taskID) else {
                    let shown = ValueShape.excerpt(redacted(envelope.data.taskID))
                    throw ClientError.malformedResponse("data.task_id \"\(shown)\" is not gpt-image-2-<21 characters>")
                }
                if let taskID, envelope.data.taskID != taskID {
                    throw ClientError.malformedResponse(
                        "the answer is about task \(envelope.data.taskID), not \(taskID)")
                }
                var data = envelope.data
                if let failure = data.error {
                    // The contract's own codes are public words, kept as they are whatever the key
                    // is; anything else is the server's text, the key cut out of it.
                    let code = APIErrorCode(rawValue: failure.code) != nil ? failure.code : redacted(failure.code)
                    data.error = TaskData.Failure(code: code, message: redacted(failure.message))
                }
                return data
            } catch let error as ClientError {
                throw error
            } catch let error as JSONShapeError {
                throw .malformedResponse(error.description)
            } catch {
                throw .malformedResponse("the body is not JSON")
            }
        case 300..<400:
            throw .redirected(
                status: answer.status, location: answer.headers.first(name: "location").map(redacted) ?? "(no Location)"
            )
        default:
            let error = try? APIErrorBody(json: JSONReader(parsing: answer.body))
            // Whatever the status, the server's words go into errors, the catalog and stderr.
            let message = error.map { String(redacted($0.error.message).prefix(300)) } ?? "no error body"
            switch answer.status {
            case 400: throw .rejected(message: message, field: error?.error.field.map(redacted))
            case 401, 403: throw .unauthorized(message: message)
            case 402: throw .insufficientCredits(required: error?.required, available: error?.available)
            case 404: throw .notFound(taskID: taskID ?? "?")
            case 429: throw .rateLimited(retryAfter: answer.headers.first(name: "retry-after").flatMap(Double.init))
            default: throw .serverError(status: answer.status, message: message)
            }
        }
    }

    /// `text` from the server with the key cut out (a server that echoes the Authorization
    /// header must not put the key in an error, the catalog or a log); the rest of the text, the
    /// API's own reason, is kept.
    private func redacted(_ text: String) -> String {
        key.redacting(text)
    }
}
