import ArgumentParser
import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a few images into the library through a built-in API simulator (no key, no network).",
        discussion: """
            Starts the gpt-image-2 simulator inside this process, points the client at it, and runs \
            the real pipeline: three text-to-image tasks, an image-to-image variant of the first \
            image, all in the collection "Demo". Each run adds new images. Then prints what to try next.
            """
    )

    @Option(help: "The library (default: $GPTIMG_LIBRARY, else ./Library).")
    var library: String?

    @Option(help: "Seconds the simulator takes per task.")
    var latency = 1.5

    static let prompts: [(String, AspectRatio)] = [
        ("A lone lighthouse on a cliff at sunset, oil painting style", .wide16x9),
        ("Snowy mountains under a starry night sky, long exposure photograph", .landscape3x2),
        ("An autumn forest by a quiet lake at dawn, soft mist", .square),
    ]

    func run() async throws {
        try await runCatalogCommand { output in
            let location = LibraryLocation.resolve(option: library)
            let catalog = try Catalog.open(location)
            let simulator = Simulator(configuration: SimulatorConfiguration(latency: latency, jitter: latency / 4))
            try await simulator.withRunning { sim in
                output.error("demo: simulator on \(sim.baseURL) (in-process; no key or network needed)")
                let client = try APIClient(baseURL: sim.baseURL, key: APIKey(SimulatorConfiguration.defaultKey)!)
                let progress = ProgressPrinter()
                let generator = Generator(
                    catalog: catalog, client: client, schedule: PollSchedule(typicalLatency: latency),
                    events: { progress.report($0) })
                let options = GenerationOptions(tags: ["demo"], collection: "Demo", source: .simulator)
                let outcomes = try await withThrowingTaskGroup(of: (Int, GenerationOutcome).self) { group in
                    for (index, (prompt, ratio)) in Self.prompts.enumerated() {
                        group.addTask {
                            (index, try await generator.generate(GenerateRequest(prompt: prompt, aspectRatio: ratio.rawValue), options: options))
                        }
                    }
                    return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }.sorted { $0.key < $1.key }.map(\.value)
                }
                var landed = outcomes.flatMap(\.images)
                if let source = outcomes.first?.images.first, let url = source.remoteURL {
                    var variantOptions = options
                    variantOptions.parentImageID = source.id
                    let variant = try await generator.generate(
                        GenerateRequest(prompt: "The same lighthouse as a watercolor in a winter storm", aspectRatio: AspectRatio.wide16x9.rawValue, referenceImages: [url]),
                        options: variantOptions)
                    landed += variant.images
                }
                output.line("")
                output.line("Added \(landed.count) images to \(location.root.path) (collection \"Demo\"):")
                for image in landed { output.line("  #\(image.id)  \(image.path)") }
                output.line("")
                let newest = landed.last.map { String($0.id) } ?? "1"
                // Every word quoted: the library's path is the user's, the image's the catalog's.
                func hint(_ command: ShellCommand, _ comment: String = "", onLibrary: Bool = true) -> String {
                    let full = library.map { onLibrary ? command.option("--library", $0) : command } ?? command
                    let line = "  " + full.line
                    return comment.isEmpty ? line : line.rightPadded(35) + " # " + comment
                }
                output.line("Try next:")
                output.line(hint(ShellCommand("gptimg", "list"), "the library, newest first"))
                let search = ShellCommand("gptimg", "search").argument("lighthouse")
                output.line(hint(search, "full-text search over prompts and tags"))
                output.line(
                    hint(ShellCommand("gptimg", "show").argument(newest), "every field, and the variant's lineage"))
                output.line(hint(ShellCommand("gptimg", "collection", "show").argument("Demo")))
                if let first = landed.first {
                    let file = location.root.appendingPathComponent(first.path).path
                    output.line("  " + ShellCommand("gptimg", "meta", "read").argument(file).line)
                }
                let simulator = ShellCommand("gptimg", "simulator")
                output.line(hint(simulator, "the simulator alone, for your own scripts", onLibrary: false))
            }
        }
    }
}

/// One stderr line per step of each generation.
struct ProgressPrinter: Sendable {
    func report(_ event: GenerationEvent) {
        switch event {
        case .recorded(let id, let prompt, let credits): Output.diagnostic("[\(id)] recorded: \"\(prompt.prefix(60))\" (\(credits) credits)")
        case .submitted(let id, let taskID): Output.diagnostic("[\(id)] submitted: \(taskID)")
        case .waiting(let id, let taskID, let polls, _):
            if polls == 1 { Output.diagnostic("[\(id)] waiting for \(taskID)") }
        case .downloading(let id, let index, let count): Output.diagnostic("[\(id)] downloading image \(index + 1) of \(count)")
        case .landed(let id, let image, let already):
            Output.diagnostic("[\(id)] \(already ? "already in the library" : "landed"): \(image.path)")
        case .failed(let id, let message): Output.diagnostic("[\(id)] \(message)")
        }
    }
}
