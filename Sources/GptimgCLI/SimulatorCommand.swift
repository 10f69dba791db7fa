import ArgumentParser
import Foundation
import GptimgAPI
import GptimgSimulator

struct SimulatorCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run a local gpt-image-2 API simulator on 127.0.0.1 (no key, no network, no credits spent).",
        discussion: """
            Implements the API's contract (POST /api/v1/images/generate, GET /api/v1/images/task/{id}, \
            its errors and its credit rules) and hosts the images it draws under /files/. Prints the \
            base URL and the keys, then serves until interrupted (Ctrl-C). See docs/api.md.

            Examples:
              gptimg simulator --port 8080 --latency 45 --jitter 10
              GPTIMG_BASE_URL=http://127.0.0.1:8080 GPTIMG_API_KEY=sim-local-key gptimg generate "a lighthouse"
            """
    )

    @Option(help: "Port on 127.0.0.1; 0 lets the system choose a free one.")
    var port = 0

    @Option(help: "Seconds each task stays processing (the real API takes 45–60).")
    var latency = 2.0

    @Option(help: "Each task's latency is drawn from latency ± jitter seconds.")
    var jitter = 0.0

    @Option(help: "Fraction of tasks (0–1) that end failed, their credits refunded.")
    var failRate = 0.0

    @Option(help: "Fraction of submissions (0–1) answered 500 INTERNAL_ERROR, their credits refunded.")
    var errorRate = 0.0

    @Option(help: "Fraction of polls (0–1) answered 429 RATE_LIMITED with Retry-After.")
    var rateLimitRate = 0.0

    @Option(help: "Fraction of polls and image downloads (0–1) whose connection is cut halfway through.")
    var dropRate = 0.0

    @Option(help: "Starting credit balance of each key.")
    var credits = 1000

    @Option(
        name: .customLong("key"),
        help: "An API key the simulator accepts, each a separate user (repeatable; default sim-local-key).")
    var keys: [String] = []

    @Option(help: "Seed for ids and failure draws, to repeat a run exactly.")
    var seed: UInt64?

    @OptionGroup var global: GlobalOptions

    func run(_ context: GptimgContext) async throws {
        let configuration = SimulatorConfiguration(
            port: port, keys: keys.isEmpty ? [SimulatorConfiguration.defaultKey] : keys, credits: credits,
            latency: latency, jitter: jitter, failRate: failRate, errorRate: errorRate,
            faults: SimulatorFaults(rateLimitRate: rateLimitRate, dropRate: dropRate), seed: seed)
        try await runCatalogCommand(context) { output in
            let clock = context.clock
            let simulator = Simulator(
                configuration: configuration, logger: context.serverLogger("gptimg.simulator"), now: { clock.now() })
            try await simulator.run { running in
                output.line("gptimg simulator listening on \(running.baseURL)")
                output.line("keys (\(configuration.credits) credits each): \(running.keys.joined(separator: ", "))")
                output.line("use it:  export GPTIMG_BASE_URL=\(running.baseURL) GPTIMG_API_KEY=\(running.keys[0])")
                output.flush()
            }
        }
    }
}
