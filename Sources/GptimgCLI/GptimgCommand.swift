import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
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
            TagCommand.self, RateCommand.self, FavCommand.self, CollectionCommand.self, DeleteCommand.self,
            DoctorCommand.self, RebuildCommand.self, BackupCommand.self,
            GenerateCommand.self, BatchCommand.self, RerunCommand.self, VariantCommand.self,
            TasksCommand.self, ResumeCommand.self, CreditsCommand.self,
            SimulatorCommand.self, DemoCommand.self, MCPCommand.self,
        ]
    )

    public init() {}
}

extension GptimgCommand {
    /// The entry point: ArgumentParser's `main()`, except that a synchronous command (every
    /// catalog command: `list`, `show`, `tag`…) runs on the main thread. ArgumentParser's
    /// asynchronous `main()` runs it on a thread of the concurrency pool, whose malloc arena
    /// grows one page at a time, an `mprotect` and a page fault each: 420 of them in a `list`
    /// of 50 images. The main thread's heap grows in 128 KB steps.
    @MainActor
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // ArgumentParser's `exit(withError:)`, but an error's text (which can carry a file's
            // or an argument's characters) is escaped as every other line on the terminal.
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    print(message)
                } else {
                    _ = writeAll(STDERR_FILENO, Array((TerminalText.escape(message) + "\n").utf8))
                }
            }
            exit(withError: code)
        }
    }
}
