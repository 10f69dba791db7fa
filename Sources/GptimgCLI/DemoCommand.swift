import ArgumentParser
import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator

struct DemoCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a few images into the library through a built-in API simulator (no key, no network).",
        discussion: """
            Starts the gpt-image-2 simulator inside this process, points the client at it, and runs \
            the real pipeline: three text-to-image tasks, an image-to-image variant of the first \
            image, all in the collection "Demo". Each run adds new images. Then prints what to try next.
            """
    )

    @Option(help: ArgumentHelp(LibraryHelp.text, valueName: "path"))
    var library: String?

    @Option(help: "Seconds the simulator takes per task.")
    var latency = 1.5

    @OptionGroup var global: GlobalOptions

    static let prompts: [(String, AspectRatio)] = [
        ("A lone lighthouse on a cliff at sunset, oil painting style", .wide16x9),
        ("Snowy mountains under a starry night sky, long exposure photograph", .landscape3x2),
        ("An autumn forest by a quiet lake at dawn, soft mist", .square),
    ]

    func run(_ context: GptimgContext) async throws {
        try await runCatalogCommand(context) { output in
            let location = try context.library(option: library).location
            let catalog = try Catalog.open(location)
            // The simulator keeps the context's time, so a test's simulated clock drives both ends.
            let clock = context.clock
            let simulator = Simulator(
                configuration: SimulatorConfiguration(latency: latency, jitter: latency / 4), now: { clock.now() })
            try await simulator.withRunning { sim in
                output.error("demo: simulator on \(sim.baseURL) (in-process; no key or network needed)")
                let client = try APIClient(
                    baseURL: sim.baseURL, key: APIKey(SimulatorConfiguration.defaultKey)!, transport: context.transport,
                    logger: context.logger("gptimg.client"))
                let progress = ProgressPrinter(context: context)
                let generator = Generator(
                    catalog: catalog, client: client, schedule: PollSchedule(typicalLatency: latency),
                    clock: context.clock,
                    logger: context.logger("gptimg.generation"), events: { progress.report($0) })
                let options = GenerationOptions(tags: ["demo"], collection: "Demo", source: .simulator)
                // The same scheduler as `generate`: no job's error cancels another's POST.
                let run = GenerationRun(generator: generator)
                let jobs = Self.prompts.map { prompt, ratio in
                    GenerationJob(work: .submit(GenerateRequest(prompt: prompt, aspectRatio: ratio.rawValue), options))
                }
                let outcomes = try await Self.outcomes(of: jobs, concurrency: jobs.count, run)
                var landed = outcomes.flatMap(\.images)
                if let source = outcomes.first?.images.first, let url = source.remoteURL {
                    var variantOptions = options
                    variantOptions.parentImageID = source.id
                    let request = GenerateRequest(
                        prompt: "The same lighthouse as a watercolor in a winter storm",
                        aspectRatio: AspectRatio.wide16x9.rawValue,
                        referenceImages: [url])
                    landed += try await Self.outcomes(
                        of: [GenerationJob(work: .submit(request, variantOptions))], concurrency: 1, run
                    )
                    .flatMap(\.images)
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

    /// Every job's outcome, in the jobs' order, once all have ended; the first job that ended
    /// with an error of its own fails the demo, after the others have ended.
    static func outcomes(of jobs: [GenerationJob], concurrency: Int, _ run: GenerationRun) async throws
        -> [GenerationOutcome]
    {
        var outcomes = [GenerationOutcome?](repeating: nil, count: jobs.count)
        var failure: String?
        _ = await run.run(jobs, concurrency: concurrency) { index, end in
            switch end {
            case .outcome(let outcome): outcomes[index] = outcome
            case .failure(let message): failure = failure ?? message
            }
        }
        if let failure { throw ErrorLine(message: failure) }
        return outcomes.compactMap { $0 }
    }
}
