import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgMCP

/// `gptimg mcp`: the library as an MCP server on standard input and output, for assistants.
struct MCPCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the library to an AI assistant over the Model Context Protocol (stdio).",
        discussion: """
            Speaks MCP on standard input and output (the assistant starts it; see docs/mcp.md for Claude \
            Desktop and Cursor); logs go to standard error. Tools: search, show, tag, rate, favorite, \
            collections, collection_add, collection_remove, export, credits, tasks; with --allow-generate \
            also generate, rerun and variant, which state their cost first, need confirm: true, and are \
            refused above --max-credits a call and above $GPTIMG_MONTHLY_BUDGET a month.

            Examples:
              gptimg mcp --library ~/Pictures/gptimg
              gptimg mcp --allow-generate --max-credits 8 --export-dir ~/Desktop/exports
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp("The library folder (default: $GPTIMG_LIBRARY, then ./Library).", valueName: "path"))
    var library: String?

    @Flag(help: "Offer generate, rerun and variant (they spend credits; each call needs confirm: true).")
    var allowGenerate = false

    @Option(help: ArgumentHelp("The most credits one tool call may spend.", valueName: "credits"))
    var maxCredits = MCPConfiguration.defaultMaxCredits

    @Option(
        help: ArgumentHelp("The folder exports may be written to (export is refused without it).", valueName: "path"))
    var exportDir: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard maxCredits >= 0 else { throw ValidationError("--max-credits must be 0 or more") }
    }

    func run(_ context: GptimgContext) async throws {
        try await runCatalogCommand(context) { _ in
            // The library as every command finds it: --library, GPTIMG_LIBRARY, the config file, XDG.
            let configuration = MCPConfiguration(
                location: try context.library(option: library).location,
                allowGenerate: allowGenerate, maxCreditsPerCall: maxCredits,
                exportFolder: exportDir.map {
                    URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: context.currentDirectory)).path
                },
                environment: context.environment, homeDirectory: context.homeDirectory, transport: context.transport,
                clock: context.clock, logger: context.logger("gptimg.mcp"))
            try await GptimgMCPServer(configuration: configuration).run()
        }
    }
}
