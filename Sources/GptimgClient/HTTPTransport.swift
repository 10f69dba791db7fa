import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One request to the API, as the transport sends it.
public struct TransportRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]?

    public init(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The API's answer: status, headers and the whole body (bounded by the transport).
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The status and headers of a download, before its body.
public struct TransportHead: Sendable {
    public var status: Int
    public var headers: HTTPHeaders

    public init(status: Int, headers: HTTPHeaders = [:]) {
        self.status = status
        self.headers = headers
    }
}

/// How gptimg speaks HTTP: the one side effect of the client, injected so that a command's
/// context decides it. The live transport is AsyncHTTPClient; tests wrap it to watch what is
/// sent, or use one that fails loudly where no request may be made.
///
/// A transport reports a failure as a `ClientError` (`transport`, `timedOut`) or as an error
/// `APIClient.classify` sorts into one: whether a request may have reached the server decides
/// whether it may ever be sent again.
public protocol HTTPTransport: Sendable {
    /// An API call. Never follows a redirect (a 3xx is an answer: the key must not be carried
    /// to another host); the body is collected up to 4 MiB.
    func send(_ request: TransportRequest, timeout: TimeAmount) async throws -> TransportResponse

    /// A download of a public URL (no credentials; a few redirects followed): `head` sees the
    /// status and headers, then `chunk` each part of the body as it arrives. Either may throw
    /// to stop it.
    func download(
        _ url: String, timeout: TimeAmount, head: (TransportHead) throws -> Void,
        chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws
}

/// AsyncHTTPClient: two shared clients, one for API calls (redirects off, short connect
/// timeout) and one for downloads.
public struct LiveHTTPTransport: HTTPTransport {
    public init() {}

    /// API calls: redirects off, short connect timeout.
    static let apiHTTP = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
    /// Downloads: public URLs, no key, a few redirects allowed (CDNs use them).
    static let downloadHTTP = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(
            redirectConfiguration: .follow(max: 3, allowCycles: false),
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))

    public func send(_ request: TransportRequest, timeout: TimeAmount) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await Self.apiHTTP.execute(outgoing, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return TransportResponse(
            status: Int(response.status.code), headers: response.headers, body: Array(buffer: bytes))
    }

    public func download(
        _ url: String, timeout: TimeAmount, head: (TransportHead) throws -> Void,
        chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws {
        let response = try await Self.downloadHTTP.execute(HTTPClientRequest(url: url), timeout: timeout)
        try head(TransportHead(status: Int(response.status.code), headers: response.headers))
        for try await part in response.body {
            try part.withUnsafeReadableBytes { try chunk($0) }
        }
    }
}
