import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
import Logging
import PNGMetadata

/// The `gptimg` command: the local gallery and asset manager for the gpt-image-2 API.
public struct GptimgCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gptimg",
        abstract: "The local gallery and asset manager for the gpt-image-2 image API.",
        version: GptimgBuild.version,
        subcommands: [
            MetaCommand.self,
            ImportCommand.self, ListCommand.self, SearchCommand.self, ShowCommand.self, OpenCommand.self,
            ServeCommand.self, ExportCommand.self,
            TagCommand.self, RateCommand.self, FavCommand.self, PickCommand.self, RejectCommand.self,
            CollectionCommand.self, DeleteCommand.self, SimilarCommand.self, DupesCommand.self, StackCommand.self,
            DoctorCommand.self, RebuildCommand.self, BackupCommand.self, TrashCommand.self,
            GenerateCommand.self, BatchCommand.self, RerunCommand.self, VariantCommand.self,
            TasksCommand.self, ResumeCommand.self, CreditsCommand.self, DiffCommand.self, LineageCommand.self,
            WhereCommand.self, ConfigCommand.self, CompletionsCommand.self,
            SimulatorCommand.self, DemoCommand.self, MCPCommand.self,
        ]
    )

    public init() {}
}

/// `--verbose`, taken by every command: the libraries' log lines (requests, polls, waits) on
/// stderr.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Log each step (requests, polls, waits) to stderr.")
    var verbose = false
}

/// A command that runs against a context (swiftly's pattern): `run()`, which ArgumentParser
/// would call, runs it with the live context. Synchronous commands (every catalog command:
/// `list`, `show`, `tag`…) stay synchronous, so the entry point runs them on the main thread.
protocol ContextCommand: ParsableCommand {
    var global: GlobalOptions { get }
    func run(_ context: GptimgContext) throws
}

/// The same for commands that wait (generation, import, serving).
protocol AsyncContextCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func run(_ context: GptimgContext) async throws
}

extension ContextCommand {
    func run() throws { try run(.live(verbose: global.verbose)) }
}

extension AsyncContextCommand {
    func run() async throws { try await run(.live(verbose: global.verbose)) }
}

extension GptimgCommand {
    /// The entry point: ArgumentParser's `main()`, with the live context. A synchronous command
    /// runs on the main thread: ArgumentParser's asynchronous `main()` runs it on a thread of
    /// the concurrency pool, whose malloc arena grows one page at a time, an `mprotect` and a
    /// page fault each: 420 of them in a `list` of 50 images. The main thread's heap grows in
    /// 128 KB steps.
    @MainActor
    public static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var bootstrapped = false
        let status = await execute(arguments) { verbose in
            let context = GptimgContext.live(verbose: verbose)
            if !bootstrapped {
                // Libraries that make their own loggers write where the context's do.
                LoggingSystem.bootstrap {
                    StreamLogHandler(label: $0, streams: context.streams, level: context.logLevel)
                }
                bootstrapped = true
            }
            return context
        }
        Foundation.exit(status)
    }

    /// Parses `arguments` and runs the command with the context `makeContext` gives for its
    /// `--verbose`; returns the exit status. As ArgumentParser's `exit(withError:)`, but every
    /// line goes to the context's streams, and an error's text (which can carry a file's or an
    /// argument's characters) is escaped as every other line on the terminal. A synchronous
    /// command runs in the caller's isolation (the main thread, from `main()`).
    public static func execute(
        _ arguments: [String], isolation: isolated (any Actor)? = #isolation,
        context makeContext: (_ verbose: Bool) -> GptimgContext
    ) async -> Int32 {
        var context: GptimgContext?
        do {
            var command = try parseAsRoot(arguments)
            switch command {
            case let command as any ContextCommand:
                context = makeContext(command.global.verbose)
                try command.run(context!)
            case let command as any AsyncContextCommand:
                context = makeContext(command.global.verbose)
                try await command.run(context!)
            default:
                // Only the root and `collection`/`meta` without a subcommand: they print help.
                context = makeContext(false)
                try command.run()
            }
            return 0
        } catch {
            let context = context ?? makeContext(false)
            let json = ErrorRendering.wantsJSON(arguments)
            if let failure = error as? FailedCommand {
                ErrorRendering.write(
                    code: ErrorCode.of(failure), message: describeError(failure.error), json: json, context: context)
                return failure.status
            }
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    context.streams.write(Array((message + "\n").utf8), to: .output)
                } else if json {
                    // ArgumentParser's errors (a missing argument, an unknown option): exit code 64.
                    let brief = Self.message(for: error)
                    context.streams.write(
                        ErrorRendering.json(code: "usage", message: brief.isEmpty ? message : brief), to: .error)
                } else {
                    context.streams.write(Array((TerminalText.escape(message) + "\n").utf8), to: .error)
                }
            }
            return code.rawValue
        }
    }
}
