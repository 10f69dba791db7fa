import AsyncHTTPClient
import Foundation
import GptimgSimulator
import GptimgSupport
import NIOCore
import NIOHTTP1
import PNGMetadata
import Synchronization

/// A clock the tests move by hand.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_795_000_000))

    var now: Date { current.withLock { $0 } }

    func advance(_ seconds: Double) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// One HTTP answer, its body parsed when it is JSON.
struct Answer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var json: JSONValue? { JSONValue.parse(String(decoding: body, as: UTF8.self)) }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Raw HTTP against a running simulator: the tests check the bytes on the wire, not what a
/// client library makes of them.
struct Wire: Sendable {
    let baseURL: String
    var key: String? = SimulatorConfiguration.defaultKey

    func post(_ path: String, _ body: String, key: String?? = nil, headers extra: [(String, String)] = []) async throws
        -> Answer
    {
        try await send(.POST, path, body: body, key: key ?? self.key, headers: extra)
    }

    func get(_ path: String, key: String?? = nil, headers extra: [(String, String)] = []) async throws -> Answer {
        try await send(.GET, path, body: nil, key: key ?? self.key, headers: extra)
    }

    func generate(_ body: String, key: String?? = nil) async throws -> Answer {
        try await post("/api/v1/images/generate", body, key: key)
    }

    func task(_ id: String, key: String?? = nil) async throws -> Answer {
        try await get("/api/v1/images/task/\(id)", key: key)
    }

    func balance(key: String? = nil) async throws -> Int {
        let resolved: String? = key ?? self.key
        let answer = try await get("/_simulator/ledger", key: .some(resolved))
        guard case .number(let literal)? = answer.json?["balance"], let value = Int(literal) else {
            throw HarnessError("no balance in \(answer.text)")
        }
        return value
    }

    private func send(
        _ method: HTTPMethod, _ path: String, body: String?, key: String?, headers extra: [(String, String)]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in extra { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: bytes))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Simulator {
    /// A simulator on a free loopback port with a hand-moved clock, for one test.
    static func testing(
        credits: Int = 1000, keys: [String] = [SimulatorConfiguration.defaultKey], latency: Double = 0,
        jitter: Double = 0,
        failRate: Double = 0, errorRate: Double = 0, clock: ManualClock = ManualClock()
    ) -> Simulator {
        Simulator(
            configuration: SimulatorConfiguration(
                keys: keys, credits: credits, latency: latency, jitter: jitter, failRate: failRate,
                errorRate: errorRate, seed: 42),
            now: { clock.now })
    }
}
