import Foundation
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSupport
import Logging
import PNGMetadata

/// Standard output or standard error.
public enum StandardStream: Sendable {
    case output
    case error
}

/// The process's three standard streams, as a command sees them.
public protocol StandardStreams: Sendable {
    /// Writes `bytes` to `stream` in one go, so lines from concurrent tasks never interleave.
    func write(_ bytes: [UInt8], to stream: StandardStream)
    /// Whether `stream` is a terminal: progress lines are drawn only then.
    func isTerminal(_ stream: StandardStream) -> Bool
    /// All of standard input (`gptimg batch -`).
    func readInput() -> [UInt8]
    /// Whether standard input is a terminal: a command asks a question only then.
    func isInputTerminal() -> Bool
    /// One line of standard input without its line break (an answer), nil at its end.
    func readLine() -> String?
    /// The width of the terminal on `stream` in cells, when it is one and says so.
    func columns(_ stream: StandardStream) -> Int?
}

extension StandardStreams {
    /// Streams that cannot ask: no terminal on standard input.
    public func isInputTerminal() -> Bool { false }
    public func readLine() -> String? { nil }
    /// Streams without a terminal's size (`COLUMNS` still applies).
    public func columns(_ stream: StandardStream) -> Int? { nil }
}

/// Everything a command does to the world outside its library, in one `Sendable` value, as
/// swiftly's `SwiftlyCoreContext`: the HTTP transport, the clock, the standard streams, the
/// environment and the current and home directories. A command runs as `run(_ context:)`;
/// the live context (`GptimgContext.live`) is the only code that reads the process's
/// environment, its terminal or the wall clock, so a test runs a command in-process with
/// captured output, an environment of its own, a simulated clock and real HTTP over loopback.
public struct GptimgContext: Sendable {
    /// The variables commands read (`GPTIMG_LIBRARY`, `GPTIMG_API_KEY`, `GPTIMG_BASE_URL`,
    /// `GPTIMG_POLL_LATENCY`, `HOME`, `XDG_CONFIG_HOME`, `PATH`, `DISPLAY`…).
    public var environment: [String: String]
    /// Where relative library paths and batch files are taken from.
    public var currentDirectory: String
    /// `~` when `HOME` is not in the environment.
    public var homeDirectory: String
    public var streams: any StandardStreams
    public var clock: any GenerationClock
    public var transport: any HTTPTransport
    /// The least severe log level written to standard error (`--verbose`: debug).
    public var logLevel: Logger.Level
    /// Starts watching for SIGINT, SIGTERM and SIGHUP (a long command stops cleanly between two
    /// steps). Signal dispositions belong to the whole process: only the live context touches
    /// them, so a command run in-process never changes what another test's child inherits.
    public var watchSignals: @Sendable () -> any SignalWatch

    public init(
        environment: [String: String], currentDirectory: String, homeDirectory: String, streams: any StandardStreams,
        clock: any GenerationClock, transport: any HTTPTransport, logLevel: Logger.Level = .warning,
        watchSignals: @escaping @Sendable () -> any SignalWatch = { NoSignals() }
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.homeDirectory = homeDirectory
        self.streams = streams
        self.clock = clock
        self.transport = transport
        self.logLevel = logLevel
        self.watchSignals = watchSignals
    }

    /// The process's own: its environment, working directory, streams, the wall clock and
    /// AsyncHTTPClient. The home directory is `HOME` when set, as every reader of it prefers:
    /// `NSHomeDirectory()` reads the password database (nsswitch.conf, /etc/passwd) at every start.
    public static func live(verbose: Bool = false) -> GptimgContext {
        let environment = ProcessInfo.processInfo.environment
        return GptimgContext(
            environment: environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            homeDirectory: environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory(),
            streams: ProcessStreams(), clock: LiveClock(),
            transport: LiveHTTPTransport(),
            logLevel: verbose ? .debug : .warning, watchSignals: { Interruption() })
    }

    /// A logger for `label` that writes to this context's standard error at its level.
    public func logger(_ label: String) -> Logger {
        let streams = streams
        let level = logLevel
        return Logger(label: label) { label in StreamLogHandler(label: label, streams: streams, level: level) }
    }

    /// The logger for a server's own log (Hummingbird's requests and errors): only with
    /// `--verbose`; otherwise silent, as before the flag existed.
    public func serverLogger(_ label: String) -> Logger {
        logLevel <= .debug ? logger(label) : Logger(label: label) { _ in SwiftLogNoOpLogHandler() }
    }

    /// One `gptimg: …` line on standard error (escaped like every terminal line), in one write.
    public func diagnostic(_ text: String) {
        streams.write(Array(("gptimg: " + TerminalText.escape(text) + "\n").utf8), to: .error)
    }
}

/// Stopping signals received since a watch began.
public protocol SignalWatch: AnyObject, Sendable {
    /// The first signal received, if any.
    var caught: Int32? { get }
    /// Ends the watch: the signals act as before it began.
    func restore()
    /// Calls `handler` (on another thread) when the first signal arrives, instead of waiting to
    /// be asked (`caught`): a generation waiting minutes for the API answers Ctrl-C at once.
    func onSignal(_ handler: @escaping @Sendable (Int32) -> Void)
}

extension SignalWatch {
    public func onSignal(_ handler: @escaping @Sendable (Int32) -> Void) {}
}

/// A watch that never sees a signal (a context that does not own the process's signals).
public final class NoSignals: SignalWatch {
    public init() {}
    public var caught: Int32? { nil }
    public func restore() {}
}

/// File descriptors 0, 1 and 2.
public struct ProcessStreams: StandardStreams {
    public init() {}

    public func write(_ bytes: [UInt8], to stream: StandardStream) {
        writeAll(stream == .output ? STDOUT_FILENO : STDERR_FILENO, bytes)
    }

    public func isTerminal(_ stream: StandardStream) -> Bool {
        isatty(stream == .output ? STDOUT_FILENO : STDERR_FILENO) == 1
    }

    public func readInput() -> [UInt8] {
        Array(FileHandle.standardInput.readDataToEndOfFile())
    }

    public func isInputTerminal() -> Bool { isatty(STDIN_FILENO) == 1 }

    public func columns(_ stream: StandardStream) -> Int? {
        var size = winsize()
        let descriptor = stream == .output ? STDOUT_FILENO : STDERR_FILENO
        let status = withUnsafeMutablePointer(to: &size) { ioctl(descriptor, UInt(TIOCGWINSZ), $0) }
        return status == 0 && size.ws_col > 0 ? Int(size.ws_col) : nil
    }

    public func readLine() -> String? { Swift.readLine(strippingNewline: true) }
}

/// swift-log's handler for the CLI: `gptimg: <level>: <label>: <message>` lines on a context's
/// standard error, escaped like every other terminal line.
struct StreamLogHandler: LogHandler {
    let label: String
    let streams: any StandardStreams
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, streams: any StandardStreams, level: Logger.Level) {
        self.label = label
        self.streams = streams
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let details =
            merged.isEmpty
            ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "gptimg: \(event.level): \(label): \(event.message)\(details)"
        streams.write(Array((TerminalText.escape(line) + "\n").utf8), to: .error)
    }
}
