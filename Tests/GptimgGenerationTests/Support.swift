import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import Hummingbird
import Logging
import LoopbackServing

/// A fresh library in a temporary folder, removed at the end.
func withLibrary<T>(_ body: (Catalog) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-generation-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let catalog = try Catalog.open(LibraryLocation(root: folder.appendingPathComponent("Library")))
    return try await body(catalog)
}

/// A clock whose sleeps return at once: retries and backoffs are checked without waiting.
struct InstantClock: GenerationClock {
    func now() -> Date { Date() }
    func sleep(seconds: Double) async throws { await Task.yield() }
}

/// What a scripted server saw.
actor RequestLog {
    struct Entry: Sendable {
        var method: String
        var path: String
        var authorization: String?
        var host: String?
    }

    private(set) var entries: [Entry] = []

    func record(_ request: Request) {
        entries.append(
            Entry(
                method: request.method.rawValue, path: request.uri.path, authorization: request.headers[.authorization],
                host: request.head.authority))
    }

    func count(_ method: String, _ pathPrefix: String = "") -> Int {
        entries.filter { $0.method == method && $0.path.hasPrefix(pathPrefix) }.count
    }
}

/// A Hummingbird server on 127.0.0.1 with routes a test writes: for the answers the simulator
/// never gives (a 400 from the server, malformed JSON, redirects, a POST that never answers).
/// Throws, failing the test, when the server cannot start.
func withServer<T>(
    _ configure: (Router<BasicRequestContext>, RequestLog) -> Void, _ body: (Int, RequestLog) async throws -> T
) async throws -> T {
    let log = RequestLog()
    let router = Router()
    router.add(middleware: LoggingMiddleware(log: log))
    configure(router, log)
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    return try await LoopbackServing.withRunning { onListening in
        Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { await onListening($0.localAddress?.port ?? 0) }, logger: logger)
    } cannotListen: { reason in
        TestServerError(reason: reason)
    } _: { port in
        guard port > 0 else { throw TestServerError(reason: "it reported no port") }
        return try await body(port, log)
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "the test server cannot start: \(reason)" }
}

private struct LoggingMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: RequestLog
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        await log.record(request)
        return try await next(request, context)
    }
}

func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// A valid submit answer for task `id` (21 characters).
func submitted(_ id: String) -> String {
    #"""
    {"success":true,"data":{"id":"\#(id)","task_id":"gpt-image-2-\#(id)","status":"processing",\#
    "provider":"gpt-image-2","model":"gpt-image-2","type":"text-to-image","media_url":null,"images":[],\#
    "created_at":"2026-11-21T10:00:00.000Z"}}
    """#
}

/// A completed poll answer for task `id` with one image at `url`.
func completed(_ id: String, url: String) -> String {
    #"""
    {"success":true,"data":{"id":"\#(id)","task_id":"gpt-image-2-\#(id)","status":"completed",\#
    "provider":"gpt-image-2","model":"gpt-image-2","type":"text-to-image","media_url":"\#(url)",\#
    "images":[{"url":"\#(url)","content_type":"image/png"}],"error":null,"created_at":"2026-11-21T10:00:00.000Z",\#
    "updated_at":"2026-11-21T10:00:45.000Z"}}
    """#
}

let canaryKey = "canary-" + UUID().uuidString

func client(_ port: Int, key: String = canaryKey, timeout: Int64 = 60) throws -> APIClient {
    try APIClient(baseURL: "http://127.0.0.1:\(port)", key: APIKey(key)!, requestTimeout: .seconds(timeout))
}

/// The messages of the `.failed` events a generator reported (what reaches stderr).
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    var failures: [String] { lock.withLock { messages } }

    @Sendable func record(_ event: GenerationEvent) {
        if case .failed(_, let message) = event { lock.withLock { messages.append(message) } }
    }
}

/// A simulator and a generator that share one simulated clock: a task's latency passes while
/// the generator waits for it, without waiting.
struct SimulatedAPI {
    let clock = SimulatedClock()

    func simulator(
        keys: [String] = [canaryKey], credits: Int = 100, latency: Double = 45, jitter: Double = 0,
        failRate: Double = 0,
        faults: SimulatorFaults = SimulatorFaults(), seed: UInt64 = 11
    ) -> Simulator {
        let clock = clock
        return Simulator(
            configuration: SimulatorConfiguration(
                keys: keys, credits: credits, latency: latency, jitter: jitter, failRate: failRate, faults: faults,
                seed: seed),
            now: { clock.now() })
    }

    func generator(_ catalog: Catalog, _ client: APIClient, latency: Double = 45) -> Generator {
        Generator(catalog: catalog, client: client, schedule: PollSchedule(typicalLatency: latency), clock: clock)
    }
}
