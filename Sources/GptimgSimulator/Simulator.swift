import Foundation
import GptimgAPI
import Hummingbird
import Logging
import LoopbackServing

/// A local stand-in for the gpt-image-2 API: the same endpoints, bodies, errors and credit
/// rules, served over HTTP on loopback, with images drawn on the spot. `gptimg simulator` runs
/// one until interrupted; `gptimg demo` and the tests run one inside their own process.
public struct Simulator: LoopbackService {
    public let configuration: SimulatorConfiguration
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// `now` is the simulator's clock: tests pass one they advance by hand, so latency and
    /// jitter are checked without sleeping.
    public init(
        configuration: SimulatorConfiguration,
        logger: Logger = Logger(label: "gptimg.simulator", factory: { _ in SwiftLogNoOpLogHandler() }),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// Starts the server, runs `body` with its address, and stops the server when `body`
    /// returns or throws (or the surrounding task is cancelled).
    public func withRunning<T>(_ body: (RunningSimulator) async throws -> T) async throws -> T {
        try configuration.validate()
        let state = SimulatorState(configuration: configuration, now: now)
        let images = SimulatorImages(state: state)
        let router = buildRouter(state: state, images: images, referencePolicy: .httpsOrLoopback)
        let configuration = self.configuration
        let logger = self.logger
        return try await LoopbackServing.withRunning { onListening in
            Application(
                router: router,
                configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
                onServerRunning: { await onListening($0.localAddress?.port ?? 0) }, logger: logger)
        } cannotListen: { reason in
            SimulatorError.cannotListen(host: configuration.host, port: configuration.port, reason: reason)
        } _: { port in
            let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
            let running = RunningSimulator(
                baseURL: "http://\(host):\(port)", port: port, keys: configuration.keys, state: state)
            await state.setBaseURL(running.baseURL)
            return try await body(running)
        }
    }
}

/// A simulator that is listening.
public struct RunningSimulator: Sendable {
    /// `http://127.0.0.1:<port>`: the API's base URL, and the host of its files.
    public let baseURL: String
    public let port: Int
    public let keys: [String]
    let state: SimulatorState

    /// The balance of `key` now, or nil for a key the simulator does not know.
    public func balance(of key: String) async -> Int? {
        await state.balance(of: key)
    }

    /// `key`'s submissions (settled up to now) and its balance: what tests check money against.
    public func ledger(of key: String) async -> (entries: [SimulatorLedgerEntry], balance: Int) {
        await state.ledger(for: key)
    }

    /// How many requests met each wire fault so far.
    public func injectedFaults() async -> SimulatorFaultCounts {
        await state.injectedFaults
    }

    /// Changes the wire faults from now on (tests: fail every download, then none).
    public func setFaults(_ faults: SimulatorFaults) async {
        await state.setFaults(faults)
    }
}
