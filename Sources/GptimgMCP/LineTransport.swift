import Foundation
import GptimgSupport
import Logging
import MCP

/// MCP's stdio transport: one JSON-RPC message a line, both ways.
///
/// The SDK's `StdioTransport` sets O_NONBLOCK on standard input and output and polls them,
/// sleeping 10 ms whenever nothing is there: every request could wait up to 10 ms before it is
/// read, and the flag, which belongs to the open file description, can reach standard error
/// too when it shares one with standard output (a terminal, `2>&1`), so a log line could be
/// lost to EAGAIN. This one blocks in `read(2)` on a thread of its own and hands each line on
/// as it arrives; writes are blocking, in order, on a serial queue.
///
/// At the end of input it answers what it was asked before ending the stream (the SDK would
/// end at once and drop the answers still being worked out): `printf … | gptimg mcp` gets
/// every answer, within `answerDeadline`.
actor LineTransport: Transport {
    nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let writer = DispatchQueue(label: "gptimg.mcp.output")
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var connected = false

    /// A longer line is dropped whole (with a log line): a client cannot make the server hold
    /// an endless message.
    static let maxMessageBytes = 16 << 20
    /// How long the end of input waits for the answers still owed.
    static let answerDeadline: Double = 30
    private let owed = OwedAnswers()

    init(input: Int32, output: Int32, logger: Logger) {
        self.input = input
        self.output = output
        self.logger = logger
        (messages, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    func connect() async throws {
        guard !connected else { return }
        connected = true
        let input = input
        let continuation = continuation
        let logger = logger
        let owed = owed
        let thread = Thread {
            Self.readLines(from: input, into: continuation, owed: owed, logger: logger)
            if !owed.waitUntilAnswered(seconds: Self.answerDeadline) {
                logger.warning("input ended with requests still unanswered after \(Self.answerDeadline) s")
            }
            continuation.finish()
        }
        thread.name = "gptimg.mcp.input"
        thread.start()
    }

    /// Reads `input` to its end, yielding each non-empty line and noting the requests among them.
    private static func readLines(
        from input: Int32, into continuation: AsyncThrowingStream<Data, any Error>.Continuation, owed: OwedAnswers,
        logger: Logger
    ) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var pending: [UInt8] = []
        var discarding = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    // Someone else made the descriptor non-blocking: wait for input instead.
                    var poller = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
                    _ = poll(&poller, 1, -1)
                    continue
                }
                logger.error("reading standard input failed: \(errnoDescription())")
                break
            }
            if count == 0 { break }
            var start = 0
            for index in 0..<count where buffer[index] == UInt8(ascii: "\n") {
                if discarding {
                    discarding = false
                } else {
                    pending.append(contentsOf: buffer[start..<index])
                    if !pending.isEmpty {
                        owed.received(pending)
                        continuation.yield(Data(pending))
                    }
                }
                pending.removeAll(keepingCapacity: true)
                start = index + 1
            }
            if !discarding { pending.append(contentsOf: buffer[start..<count]) }
            if pending.count > maxMessageBytes {
                logger.error("a message longer than \(maxMessageBytes) bytes was dropped")
                pending = []
                discarding = true
            }
        }
    }

    func disconnect() async {
        connected = false
        continuation.finish()
    }

    func send(_ data: Data) async throws {
        let line = [UInt8](data) + [UInt8(ascii: "\n")]
        let output = output
        let failure: Int32? = await withCheckedContinuation { done in
            writer.async { done.resume(returning: writeAll(output, line)) }
        }
        owed.answered(line)
        if let failure {
            throw MCPError.transportError(POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO))
        }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        messages
    }
}

/// The ids of requests read and not yet answered.
final class OwedAnswers: @unchecked Sendable {
    private let condition = NSCondition()
    private var ids: Set<JSONValue> = []

    /// Notes the request (or the requests of a batch) in a line read.
    func received(_ line: [UInt8]) {
        guard let message = JSONValue.parse(bytes: line) else { return }
        let requests = (message.array ?? [message]).filter { $0["method"] != nil }.compactMap { $0["id"] }
            .filter { $0 != .null }
        guard !requests.isEmpty else { return }
        condition.lock()
        ids.formUnion(requests)
        condition.unlock()
    }

    /// Strikes off what a line written answers. The SDK writes a result with its keys sorted,
    /// its id first: read from the start, so a large result (an image) is not parsed whole.
    func answered(_ line: [UInt8]) {
        let prefix = Array(#"{"id":"#.utf8)
        var answered: [JSONValue] = []
        if line.starts(with: prefix), let end = line[prefix.count...].firstIndex(of: UInt8(ascii: ",")),
            let id = JSONValue.parse(bytes: Array(line[prefix.count..<end]))
        {
            answered = [id]
        } else if line.count < 1 << 20, let message = JSONValue.parse(bytes: line) {
            answered = (message.array ?? [message]).filter { $0["result"] != nil || $0["error"] != nil }
                .compactMap { $0["id"] }
        }
        guard !answered.isEmpty else { return }
        condition.lock()
        ids.subtract(answered)
        if ids.isEmpty { condition.broadcast() }
        condition.unlock()
    }

    /// Waits until every request read has its answer; false when `seconds` passed first.
    func waitUntilAnswered(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !ids.isEmpty {
            if !condition.wait(until: deadline) { return ids.isEmpty }
        }
        return true
    }
}
