import Foundation
import GptimgAPI

/// How a simulator behaves: where it listens, who may call it with how many credits, and
/// how slow and unreliable it is.
public struct SimulatorConfiguration: Sendable {
    /// The key a simulator accepts when none is given (`gptimg demo` and tests use it).
    public static let defaultKey = "sim-local-key"

    public var host: String
    /// 0 lets the operating system choose; the chosen port is printed on start.
    public var port: Int
    /// Each key is a separate user with its own balance and tasks.
    public var keys: [String]
    /// The starting balance of every key.
    public var credits: Int
    /// Seconds a task stays `processing`, before jitter.
    public var latency: Double
    /// Each task's latency is drawn uniformly from `latency ± jitter` (never below zero).
    public var jitter: Double
    /// The fraction of tasks (0–1) that end `failed`, their charge refunded.
    public var failRate: Double
    /// The fraction of submissions (0–1) answered `500 INTERNAL_ERROR`, their charge refunded.
    public var errorRate: Double
    /// Faults on the wire: rate limiting and dropped connections (polls and file downloads).
    public var faults: SimulatorFaults
    /// Seeds the failure draws and ids, so a run can be repeated exactly; nil draws a seed.
    public var seed: UInt64?

    public init(
        host: String = "127.0.0.1", port: Int = 0, keys: [String] = [SimulatorConfiguration.defaultKey],
        credits: Int = 1000, latency: Double = 2, jitter: Double = 0, failRate: Double = 0, errorRate: Double = 0,
        faults: SimulatorFaults = SimulatorFaults(), seed: UInt64? = nil
    ) {
        self.host = host
        self.port = port
        self.keys = keys
        self.credits = credits
        self.latency = latency
        self.jitter = jitter
        self.failRate = failRate
        self.errorRate = errorRate
        self.faults = faults
        self.seed = seed
    }

    /// Checks the values a user can type, with messages that say what is valid.
    public func validate() throws(SimulatorError) {
        guard (0...65535).contains(port) else {
            throw .invalidConfiguration("--port must be 0–65535 (0 lets the system choose)")
        }
        guard !keys.isEmpty else { throw .invalidConfiguration("give at least one --key") }
        for key in keys where key.isEmpty || key.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw .invalidConfiguration("a --key must be non-empty and contain no spaces")
        }
        guard credits >= 0 else { throw .invalidConfiguration("--credits must be 0 or more") }
        guard latency >= 0, latency.isFinite else { throw .invalidConfiguration("--latency must be 0 or more seconds") }
        guard jitter >= 0, jitter.isFinite else { throw .invalidConfiguration("--jitter must be 0 or more seconds") }
        guard (0...1).contains(failRate) else { throw .invalidConfiguration("--fail-rate must be between 0 and 1") }
        guard (0...1).contains(errorRate) else { throw .invalidConfiguration("--error-rate must be between 0 and 1") }
        guard (0...1).contains(faults.rateLimitRate) else {
            throw .invalidConfiguration("--rate-limit-rate must be between 0 and 1")
        }
        guard (0...1).contains(faults.dropRate) else {
            throw .invalidConfiguration("--drop-rate must be between 0 and 1")
        }
    }
}

/// What goes wrong on the wire, for clients to prove they cope: a poll answered `429
/// RATE_LIMITED` with `Retry-After`, and a poll or file download whose connection is closed
/// halfway through the body. Submissions are never faulted here (their faults are the 500s of
/// `errorRate`), so a fault never costs credits.
public struct SimulatorFaults: Sendable, Hashable {
    /// The fraction of polls (0–1) answered 429 with `Retry-After`.
    public var rateLimitRate: Double
    /// Seconds `Retry-After` asks for.
    public var retryAfter: Int
    /// The fraction of polls and file downloads (0–1) cut off halfway through the body.
    public var dropRate: Double
    /// Which requests `dropRate` applies to.
    public var dropPolls: Bool
    public var dropFiles: Bool

    public init(
        rateLimitRate: Double = 0, retryAfter: Int = 1, dropRate: Double = 0, dropPolls: Bool = true,
        dropFiles: Bool = true
    ) {
        self.rateLimitRate = rateLimitRate
        self.retryAfter = retryAfter
        self.dropRate = dropRate
        self.dropPolls = dropPolls
        self.dropFiles = dropFiles
    }
}

/// How many requests met each fault so far: tests check that the faults they asked for
/// happened, so a test of coping with them cannot pass without any.
public struct SimulatorFaultCounts: Sendable, Hashable {
    /// Polls answered 429.
    public var rateLimited = 0
    /// Polls and file downloads cut off halfway through.
    public var droppedPolls = 0
    public var droppedFiles = 0

    public init() {}
}

public enum SimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): message
        case .cannotListen(let host, let port, let reason):
            "cannot listen on \(host):\(port) (\(reason)); choose another --port, or 0 for any free one"
        }
    }
}
