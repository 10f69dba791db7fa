import ArgumentParser
import Foundation
import GptimgCatalog

extension ImageStack {
    /// `list --stacks`: the cover's line after the stack's size.
    var listLine: String { ("×" + String(size)).rightPadded(5) + cover.listLine }
}

struct StackCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "List a stack: the images of one task and its variant chain, best kept first.",
        discussion: """
            Any image of the stack names it. The first line is the stack's cover (best-rated, then \
            picked, then newest), as in `gptimg list --stacks`. Rejected images show only with \
            is:rejected; a query narrows the stack as in list.

            Examples:
              gptimg stack 42
              gptimg stack 42 is:rejected --json
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "An image ID: any image of the stack.")
    var id: String

    @Argument(parsing: .allUnrecognized, help: "A query that narrows the stack (words and filters).")
    var query: [String] = []

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            if let option = query.first(where: { $0.hasPrefix("--") && $0.count > 2 }) {
                throw ErrorLine(message: "unknown option '\(option)': see `gptimg stack --help`")
            }
            let parsed = try ImageQuery(parsing: query.joined(separator: " "))
            let catalog = try options.open(.readOnly, context)
            for item in try catalog.stack(of: id, query: parsed) {
                if options.json { output.json(item.json) } else { output.line(item.listLine) }
            }
        }
    }
}
