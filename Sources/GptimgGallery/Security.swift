import Foundation
import GptimgAPI
import HTTPTypes
import Hummingbird

/// Which `Host` headers the gallery answers: the loopback names with the server's own port.
///
/// A DNS-rebinding page (evil.example resolving to 127.0.0.1) talks to us from the victim's
/// browser with `Host: evil.example:8765`; refusing every other name keeps that page from
/// reading a user's history or driving the edit API.
public struct HostPolicy: Sendable, Hashable {
    public let port: Int

    public init(port: Int) { self.port = port }

    /// Whether `authority` (`host[:port]`, as sent) names this server. Without a port, the
    /// authority means port 80, as HTTP says.
    public func allows(_ authority: String) -> Bool {
        let value = authority.lowercased()
        let host: Substring
        let portText: Substring?
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return false }
            host = value[...close]
            let rest = value[value.index(after: close)...]
            if rest.isEmpty {
                portText = nil
            } else {
                guard rest.first == ":" else { return false }
                portText = rest.dropFirst()
            }
        } else if let colon = value.firstIndex(of: ":") {
            host = value[..<colon]
            portText = value[value.index(after: colon)...]
        } else {
            host = value[...]
            portText = nil
        }
        guard RequestValidation.loopbackHosts.contains(String(host)) else { return false }
        guard let portText else { return port == 80 }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let number = Int(portText)
        else {
            return false
        }
        return number == port
    }

    /// The origins (`http://host:port`) a same-origin request from our own pages carries.
    public func allowsOrigin(_ origin: String) -> Bool {
        let prefix = "http://"
        guard origin.lowercased().hasPrefix(prefix) else { return false }
        return allows(String(origin.dropFirst(prefix.count)))
    }
}

/// Refuses a request whose `Host` is not ours (421 Misdirected Request), before any route runs.
/// HTTP/1's `Host` arrives as the request's authority; a second `Host` header stays among the
/// fields, and is checked too.
struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let port: BoundPort

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let policy = HostPolicy(port: port.value)
        let hosts = [request.head.authority].compactMap { $0 } + request.headers[values: .hostHeader]
        guard !hosts.isEmpty, hosts.allSatisfy(policy.allows) else {
            return Pages.plainError(
                .misdirectedRequest, "This gallery answers only http://127.0.0.1:\(policy.port)/ (or localhost).")
        }
        return try await next(request, context)
    }
}

/// The port the server listens on: known only once it is bound when `--port 0` lets the system
/// choose, so the Host check reads it per request.
final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int

    init(_ port: Int) { self.port = port }

    var value: Int {
        get { lock.withLock { port } }
        set { lock.withLock { port = newValue } }
    }
}

enum SecurityHeaders {
    static let contentSecurityPolicy =
        """
        default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action \
        'self'; frame-ancestors 'none'; base-uri 'none'
        """
}

/// Headers on every answer: a strict Content-Security-Policy (no inline script or style, nothing
/// from another origin), `nosniff`, no referrer, no framing, and our images not embeddable by
/// other sites.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Pages.plainError(error.status, error.body ?? error.status.reasonPhrase)
        } catch {
            response = Pages.plainError(.internalServerError, "The gallery failed to answer: \(error)")
        }
        Self.apply(to: &response.headers)
        return response
    }

    static func apply(to headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = SecurityHeaders.contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        headers[.xFrameOptions] = "DENY"
        headers[.crossOriginResourcePolicy] = "same-origin"
        headers[.crossOriginOpenerPolicy] = "same-origin"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }
}

/// The per-start secret that every state-changing request must carry in `X-Gptimg-Token`. Pages
/// carry it in a `<meta>` tag, which another origin cannot read; together with the Host check
/// and the same-origin check it keeps other sites (and rebinding pages) from editing the library.
public struct EditToken: Sendable, Hashable {
    public let value: String

    /// 32 random bytes as hex, from the system's generator.
    public static func random() -> EditToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return EditToken(value: bytes.map { String($0, radix: 16).leftPadded(2) }.joined())
    }

    public init(value: String) { self.value = value }

    /// Compares without stopping at the first difference, so timing reveals nothing.
    func matches(_ candidate: String?) -> Bool {
        guard let candidate else { return false }
        let a = Array(value.utf8)
        let b = Array(candidate.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// Guards state-changing requests: POST only, the token, and proof that the request comes from
/// one of our own pages (`Origin` naming this server, and `Sec-Fetch-Site: same-origin` when the
/// browser sends it; at least one of the two must be present).
struct EditGuard: Sendable {
    let token: EditToken
    let policy: HostPolicy

    enum Refusal: Error, Equatable {
        case missingToken, crossOrigin
    }

    func check(_ request: Request) throws(Refusal) {
        try check(request, token: request.headers[.gptimgToken])
    }

    /// The same checks with the token from elsewhere (a form's field: a download is a form POST).
    /// A form POST from our own pages carries `Origin: null` (our `Referrer-Policy: no-referrer`
    /// makes the browser hide it): accepted only with `Sec-Fetch-Site: same-origin`, which the
    /// browser sets and no page can.
    func check(_ request: Request, token candidate: String?) throws(Refusal) {
        guard token.matches(candidate) else { throw .missingToken }
        let site = request.headers[.secFetchSite]
        var origin = request.headers[.origin]
        if origin == "null", site == "same-origin" { origin = nil }
        guard origin != nil || site != nil else { throw .crossOrigin }
        if let origin, !policy.allowsOrigin(origin) { throw .crossOrigin }
        if let site, site != "same-origin" { throw .crossOrigin }
    }
}

extension HTTPField.Name {
    static let gptimgToken = HTTPField.Name("X-Gptimg-Token")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    /// A `Host` left among the fields (a second one; HTTP/1's first becomes the authority).
    static let hostHeader = HTTPField.Name("Host")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
