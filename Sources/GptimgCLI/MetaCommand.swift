import ArgumentParser

struct MetaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta",
        abstract: "Read or strip the generation metadata of PNG files.",
        subcommands: []
    )
}
