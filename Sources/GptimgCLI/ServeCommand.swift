import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgGallery
import GptimgGeneration
import GptimgSimulator

struct ServeCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Browse the library in a web browser: a local gallery on 127.0.0.1.",
        discussion: """
            Thumbnails newest first, search with the query language (/?q=QUERY), filters, an \
            image page with its prompt, parameters, lineage and the command to run it again, \
            collections, and rating, favourite, tag and collection edits. Generates from the page \
            (a prompt bar, "Run it again", "Make a variant", a Tasks page with Resume) with the same \
            key and API as `gptimg generate`, each request at most --max-credits and within the \
            monthly budget; --simulator generates through the built-in simulator instead (no key, \
            no network). Serves only loopback; thumbnails are cached under Library/thumbs/. Runs \
            until interrupted (Ctrl-C). See docs/gallery.md.

            Examples:
              gptimg serve --open
              gptimg serve --port 9000 --library ~/Pictures/gptimg
              gptimg serve --simulator --max-credits 4
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(LibraryHelp.text, valueName: "path"))
    var library: String?

    @Option(help: "Port on 127.0.0.1; 0 lets the system choose a free one.")
    var port = 8765

    @Flag(help: "Open the gallery in the desktop's browser once it is listening.")
    var open = false

    @Option(help: ArgumentHelp("The most one request from the page may cost.", valueName: "credits"))
    var maxCredits = GalleryGenerating.defaultMaxCredits

    @Option(
        help: ArgumentHelp(
            "The most this calendar month (UTC) may cost, in credits (default: $GPTIMG_MONTHLY_BUDGET, "
                + "else the config file's monthly_budget, else no limit).", valueName: "credits"))
    var monthlyBudget: Int?

    @Flag(help: "Generate through the built-in API simulator, in this process (no key, no network).")
    var simulator = false

    @OptionGroup var global: GlobalOptions

    func run(_ context: GptimgContext) async throws {
        try await runCatalogCommand(context) { output in
            guard maxCredits >= 0 else {
                throw ErrorLine(message: "--max-credits must be a whole number of credits, 0 or more (such as 8)")
            }
            if let monthlyBudget, monthlyBudget < 0 {
                throw ErrorLine(message: "--monthly-budget must be a whole number of credits, 0 or more (such as 200)")
            }
            let location = try context.library(option: library).location
            // Serving never creates a library: a mistyped --library is an error, not an empty gallery.
            guard FileManager.default.fileExists(atPath: location.catalogURL.path) else {
                throw CatalogError.noLibrary(path: location.root.path)
            }
            let catalog: Catalog
            do {
                catalog = try Catalog.open(location, access: .readWrite)
            } catch CatalogError.readOnly {
                // A read-only library can still be browsed; edits answer with the reason.
                catalog = try Catalog.open(location, access: .readOnly)
                output.error("the library is read-only: the gallery shows it, edits are refused")
            }
            // The CLI's rules: the config file's base_url stands in for GPTIMG_BASE_URL.
            let settings = try context.settings()
            var environment = context.environment
            if (environment["GPTIMG_BASE_URL"] ?? "").isEmpty, let url = settings.baseURL {
                environment["GPTIMG_BASE_URL"] = url
            }
            if environment["GPTIMG_POLL_LATENCY"] == nil, let latency = settings.pollLatency {
                environment["GPTIMG_POLL_LATENCY"] = String(latency)
            }
            func serve(_ environment: [String: String], source: GenerationSource) async throws {
                let generating = GalleryGenerating(
                    environment: environment, homeDirectory: context.homeDirectory, maxCreditsPerRequest: maxCredits,
                    monthlyBudgetFlag: monthlyBudget, configMonthlyBudget: settings.monthlyBudget, source: source,
                    transport: context.transport, clock: context.clock, logger: context.logger("gptimg.generation"))
                let gallery = Gallery(
                    catalog: catalog, configuration: GalleryConfiguration(port: port),
                    logger: context.serverLogger("gptimg.gallery"), generating: generating)
                try await gallery.run { running in
                    output.line(
                        "gptimg gallery on \(running.url) (library \(catalog.location.root.path)); Ctrl-C stops it")
                    output.flush()
                    if open { Browser.open(running.url, context) }
                }
            }
            guard simulator else { return try await serve(environment, source: .api) }
            let clock = context.clock
            let simulator = Simulator(configuration: SimulatorConfiguration(), now: { clock.now() })
            // Polled on the simulator's own latency (a new port has no history to learn it from).
            if context.environment["GPTIMG_POLL_LATENCY"] == nil {
                environment["GPTIMG_POLL_LATENCY"] = String(simulator.configuration.latency)
            }
            try await simulator.withRunning { sim in
                output.error("serve: generating through the simulator on \(sim.baseURL) (in-process; no key needed)")
                environment["GPTIMG_BASE_URL"] = sim.baseURL
                environment["GPTIMG_API_KEY"] = SimulatorConfiguration.defaultKey
                try await serve(environment, source: .simulator)
            }
        }
    }
}

/// Opens a URL with the desktop's handler (xdg-open, or open on macOS); a failure is a note on
/// stderr, never fatal: the URL is printed anyway.
enum Browser {
    static func open(_ url: String, _ context: GptimgContext) {
        #if os(macOS)
            let opener = "open"
        #else
            let opener = "xdg-open"
        #endif
        let path = (context.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(opener)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        let process = Process()
        process.arguments = [url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            guard let path else { throw CocoaError(.fileNoSuchFile) }
            process.executableURL = URL(fileURLWithPath: path)
            try process.run()
        } catch {
            context.diagnostic("could not start \(opener) to open a browser: open \(url) yourself")
        }
    }
}
