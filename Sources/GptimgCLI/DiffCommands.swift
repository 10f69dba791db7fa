import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport

/// How a word difference reads on a terminal: shared words as they are, removed runs as
/// `[-…-]`, added ones as `{+…+}` (git's `--word-diff=plain`).
enum DiffRendering {
    static func prompt(_ pieces: [WordDiff.Piece]) -> String {
        pieces.allSatisfy { $0.kind == .same } ? "(the same) " + WordDiff.plain(pieces) : WordDiff.plain(pieces)
    }
}

struct DiffCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two images: the word-level prompt difference and every setting that differs.",
        discussion: """
            The prompt reads as the first image's words with removed runs as [-…-] and added ones as \
            {+…+}; then each setting that differs (\(ImageComparison.fields.joined(separator: ", ")) \
            and the embedded ones such as seed or steps) as A → B. --json gives the prompt as a list \
            of {op: same|removed|added, text} and the settings as {field, a, b}.

            Examples:
              gptimg diff 42 57
              gptimg diff 42 3f9a1c --json
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The first image (its number or 6+ hex digits of its SHA-256).")
    var a: String

    @Argument(help: "The second image.")
    var b: String

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.open(.readOnly, context)
            let ids = try catalog.resolve([a, b])
            let comparison = try catalog.compare(ids[0], ids[1])
            if options.json {
                output.json(comparison.json)
                return
            }
            output.line("#\(ids[0]) → #\(ids[1])")
            output.line("prompt: " + DiffRendering.prompt(comparison.prompt))
            if let negative = comparison.negativePrompt {
                output.line("negative prompt: " + DiffRendering.prompt(negative))
            }
            for difference in comparison.differences {
                func shown(_ value: String) -> String { value.isEmpty ? "(none)" : value }
                output.line("\(difference.field): \(shown(difference.a)) → \(shown(difference.b))")
            }
            if comparison.differences.isEmpty { output.line("no other setting differs") }
        }
    }
}

struct LineageCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "An image's variant tree: its ancestors to the root and everything made from it.",
        discussion: """
            One line an image, indented by its depth, the asked-for one marked with *: the root's \
            prompt, then each variant's prompt as a word difference from its parent's ([-removed-] \
            {+added+}). --json: one object an image (id, parent, depth, subject, type, prompt, \
            prompt_change).

            Examples:
              gptimg lineage 42
              gptimg lineage 42 --json
            """)

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image (its number or 6+ hex digits of its SHA-256).")
    var id: String

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.open(.readOnly, context)
            for node in try catalog.lineage(try catalog.resolve(id)) {
                if options.json {
                    output.json(node.json)
                    continue
                }
                let indent = String(repeating: "  ", count: min(node.depth, 40))
                let mark = node.isSubject ? "*" : " "
                let type = node.details.generation.type == "image-to-image" ? "i2i" : "t2i"
                let prompt = node.promptChange.map(DiffRendering.prompt) ?? node.details.generation.prompt
                output.line("\(mark) \(indent)#\(node.details.image.id)  \(type)  \(prompt)")
            }
        }
    }
}
