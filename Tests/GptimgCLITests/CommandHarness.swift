import Foundation
import GptimgClient
import GptimgGeneration
import NIOCore
import NIOHTTP1
import Testing

@testable import GptimgCLI

/// How an in-process command ended: its exit status and what it wrote on each stream.
struct CommandResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Standard streams in memory. Reading standard input that the test did not give fails the
/// test (as swiftly's test fakes fail loudly when a command reaches what it should not).
final class CapturedStreams: StandardStreams, @unchecked Sendable {
    private let lock = NSLock()
    private var output: [UInt8] = []
    private var error: [UInt8] = []
    private let input: [UInt8]?
    private let terminal: Bool

    init(input: [UInt8]? = nil, terminal: Bool = false) {
        self.input = input
        self.terminal = terminal
    }

    func write(_ bytes: [UInt8], to stream: StandardStream) {
        lock.withLock {
            switch stream {
            case .output: output += bytes
            case .error: error += bytes
            }
        }
    }

    func isTerminal(_ stream: StandardStream) -> Bool { terminal }

    func readInput() -> [UInt8] {
        guard let input else {
            Issue.record("the command read standard input, which this test does not give")
            return []
        }
        return input
    }

    /// A terminal test's standard input is one too (a command may ask there).
    func isInputTerminal() -> Bool { terminal }

    private var linesRead = 0

    /// The next line of the test's input; reading input the test did not give fails the test.
    func readLine() -> String? {
        guard let input else {
            Issue.record("the command read a line of standard input, which this test does not give")
            return nil
        }
        let lines = String(decoding: input, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return lock.withLock {
            defer { linesRead += 1 }
            return linesRead < lines.count ? String(lines[linesRead]) : nil
        }
    }

    var stdout: String { lock.withLock { String(decoding: output, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: error, as: UTF8.self) } }
}

/// A transport for commands that must not reach the network: any request fails the test, and
/// the command sees a connection that was never made.
struct NoNetwork: HTTPTransport {
    func send(_ request: TransportRequest, timeout: TimeAmount) async throws -> TransportResponse {
        Issue.record("the command sent \(request.method.rawValue) \(request.url), but this test has no network")
        throw ClientError.transport("this test has no network", mayHaveReachedServer: false)
    }

    func download(
        _ url: String, timeout: TimeAmount, head: (TransportHead) throws -> Void,
        chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws {
        Issue.record("the command downloaded \(url), but this test has no network")
        throw ClientError.transport("this test has no network", mayHaveReachedServer: false)
    }
}

/// `gptimg` run in-process with a test context: an environment of its own (no key, a home
/// that does not exist), a simulated clock, no network unless a test gives one, and streams
/// in memory. The same parsing, the same command code and the same exit status and error
/// lines as the binary.
struct Gptimg: Sendable {
    var environment: [String: String] = ["HOME": "/nonexistent-gptimg-test-home", "PATH": "/usr/bin:/bin"]
    var currentDirectory: String = FileManager.default.temporaryDirectory.path
    /// The context's home directory (`HOME` in `environment` wins, as in the live process).
    var homeDirectory: String = "/nonexistent-gptimg-test-home"
    var clock: any GenerationClock = SimulatedClock()
    var transport: any HTTPTransport = NoNetwork()
    /// The signals a command watches: none arrive unless a test scripts them.
    var watchSignals: @Sendable () -> any SignalWatch = { NoSignals() }

    /// Runs `gptimg ARGUMENTS`.
    func callAsFunction(_ arguments: [String], input: String? = nil, terminal: Bool = false) async -> CommandResult {
        let streams = CapturedStreams(input: input.map { Array($0.utf8) }, terminal: terminal)
        let context = GptimgContext(
            environment: environment, currentDirectory: currentDirectory,
            homeDirectory: homeDirectory,
            streams: streams, clock: clock, transport: transport, watchSignals: watchSignals)
        let status = await GptimgCommand.execute(arguments) { verbose in
            var context = context
            if verbose { context.logLevel = .debug }
            return context
        }
        return CommandResult(status: status, stdout: streams.stdout, stderr: streams.stderr)
    }

    /// The same with the real network stack (AsyncHTTPClient), for a simulator on loopback.
    func online() -> Gptimg {
        var copy = self
        copy.transport = LiveHTTPTransport()
        return copy
    }
}

/// A temporary folder, removed with the value.
final class TemporaryFolder: Sendable {
    let url: URL
    var path: String { url.path }

    init(_ name: String = "gptimg-cli") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` in the folder; returns its path.
    @discardableResult
    func file(_ name: String, _ text: String) -> String {
        let path = url.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }
}

/// Each line of `text` as a JSON object (lines that are not are left out).
func jsonObjects(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// `body`'s result, or nil when it has not returned after `seconds` (then it is cancelled and
/// the test fails): a command that would hang fails its test instead of stopping the suite.
func within<T: Sendable>(
    _ seconds: Double, sourceLocation: SourceLocation = #_sourceLocation, _ body: @escaping @Sendable () async -> T
) async -> T? {
    let result = await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
    if result == nil { Issue.record("still running after \(seconds) s", sourceLocation: sourceLocation) }
    return result
}
