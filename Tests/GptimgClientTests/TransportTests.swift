import Foundation
import GptimgAPI
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import GptimgClient

/// The client over an injected transport: what it hands the transport, what it logs.
@Suite struct TransportTests {
    /// Answers every request with `answer` and keeps what it was given.
    final class Scripted: HTTPTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var sent: [TransportRequest] = []
        let answer: TransportResponse

        init(_ answer: TransportResponse) { self.answer = answer }

        var requests: [TransportRequest] { lock.withLock { sent } }

        func send(_ request: TransportRequest, timeout: TimeAmount) async throws -> TransportResponse {
            lock.withLock { sent.append(request) }
            return answer
        }

        func download(
            _ url: String, timeout: TimeAmount, head: (TransportHead) throws -> Void,
            chunk: (UnsafeRawBufferPointer) throws -> Void
        ) async throws {
            try head(TransportHead(status: answer.status, headers: answer.headers))
            try answer.body.withUnsafeBytes { try chunk($0) }
        }
    }

    /// Log lines, as text.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        var all: [String] { lock.withLock { lines } }
        func add(_ line: String) { lock.withLock { lines.append(line) } }
    }

    struct Handler: LogHandler {
        let lines: Lines
        var logLevel: Logger.Level = .debug
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { lines.add("\(event.message) \(event.metadata ?? [:])") }
    }

    static let key = "canary-\(UUID().uuidString)"

    @Test func theKeyGoesOnlyIntoTheAuthorizationHeaderAndNeverIntoALogLine() async throws {
        let body =
            #"{"success":true,"data":{"id":"TTTTTTTTTTTTTTTTTTTTT","task_id":"gpt-image-2-TTTTTTTTTTTTTTTTTTTTT","#
            + #""status":"processing","provider":"gpt-image-2","model":"gpt-image-2","type":"text-to-image","#
            + #""media_url":null,"images":[],"created_at":"2026-11-21T10:00:00.000Z"}}"#
        let transport = Scripted(TransportResponse(status: 200, body: Array(body.utf8)))
        let lines = Lines()
        let logger = Logger(label: "test") { _ in Handler(lines: lines) }
        let api = try APIClient(
            baseURL: "https://api.example", key: APIKey(Self.key)!, transport: transport, logger: logger)
        let task = try await api.submit(GenerateRequest(prompt: "a kite"))
        #expect(task.taskID == "gpt-image-2-TTTTTTTTTTTTTTTTTTTTT")
        let request = try #require(transport.requests.first)
        #expect(request.method == .POST && request.url == "https://api.example/api/v1/images/generate")
        #expect(request.headers["Authorization"] == ["Bearer \(Self.key)"])
        #expect(request.headers.filter { $0.name != "Authorization" }.allSatisfy { !$0.value.contains(Self.key) })
        #expect(!lines.all.isEmpty && lines.all.allSatisfy { !$0.contains(Self.key) }, "\(lines.all)")
        #expect(lines.all.contains { $0.contains("POST /api/v1/images/generate: 200") }, "\(lines.all)")
    }

    @Test func aDownloadOverTheTransportIsBoundedAndNeverCarriesTheKey() async throws {
        let transport = Scripted(TransportResponse(status: 200, body: [UInt8](repeating: 7, count: 3 << 20)))
        let api = try APIClient(baseURL: "https://api.example", key: APIKey(Self.key)!, transport: transport)
        await #expect(throws: ClientError.download("https://files.example/a.png is over the 2 MiB limit")) {
            try await api.download("https://files.example/a.png", maxBytes: 2 << 20)
        }
        #expect(try await api.download("https://files.example/a.png") == [UInt8](repeating: 7, count: 3 << 20))
        #expect(transport.requests.isEmpty, "a download is not an API call: no key")
    }
}
