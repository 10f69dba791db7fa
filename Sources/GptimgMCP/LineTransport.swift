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
        let thread = Thread {
            Self.readLines(from: input, into: continuation, logger: logger)
        }
        thread.name = "gptimg.mcp.input"
        thread.start()
    }

    /// Reads `input` to its end, yielding each non-empty line; finishes the stream at EOF.
    private static func readLines(
        from input: Int32, into continuation: AsyncThrowingStream<Data, any Error>.Continuation, logger: Logger
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
                logger.error("reading standard input failed: \(String(cString: strerror(errno)))")
                break
            }
            if count == 0 { break }
            var start = 0
            for index in 0..<count where buffer[index] == UInt8(ascii: "\n") {
                if discarding {
                    discarding = false
                } else {
                    pending.append(contentsOf: buffer[start..<index])
                    if !pending.isEmpty { continuation.yield(Data(pending)) }
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
        continuation.finish()
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
        if let failure {
            throw MCPError.transportError(POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO))
        }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        messages
    }
}
