import ArgumentParser
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
            SimulatorCommand.self, DemoCommand.self,
        ]
    )

    public init() {}
}

