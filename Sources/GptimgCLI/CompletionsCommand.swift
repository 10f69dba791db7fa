import ArgumentParser
import Foundation
import GptimgCatalog

/// `gptimg completions bash|zsh|fish`: the shell's completion script (swift-argument-parser's).
struct CompletionsCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print the completion script for bash, zsh or fish.",
        discussion: """
            Completes commands, flags, and collection names and tags from the library. \
            `make install` installs all three; by hand:
              source <(gptimg completions bash)
              gptimg completions zsh > ~/.zfunc/_gptimg
              gptimg completions fish > ~/.config/fish/completions/gptimg.fish
            """
    )

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish
    }

    @Argument(help: "bash, zsh or fish.") var shell: Shell
    @OptionGroup var global: GlobalOptions

    func run(_ context: GptimgContext) throws {
        guard let kind = CompletionShell(rawValue: shell.rawValue) else { throw ExitCode(64) }
        let script = GptimgCommand.completionScript(for: kind)
        context.streams.write(Array((script.hasSuffix("\n") ? script : script + "\n").utf8), to: .output)
    }
}

/// What the shells offer for collection names and tags: read from the library the command line
/// names (`--library PATH` among its words), else the usual rules, each time TAB is pressed.
/// Synchronous (ArgumentParser's sync parse path answers them), read-only, silent: any problem
/// (no library yet, a bad config file) offers nothing rather than printing.
enum LibraryCompletions {
    static func collections(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        names(words) { try $0.collections().map(\.name) }
    }

    static func tags(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        names(words) { try $0.tags().map(\.name) }
    }

    private static func names(_ words: [String], _ read: (Catalog) throws -> [String]) -> [String] {
        // The words are as typed (quotes not removed): a quoted --library path is unquoted here.
        var option: String?
        for (offset, word) in words.enumerated() {
            if word == "--library", offset + 1 < words.count {
                option = words[offset + 1]
            } else if word.hasPrefix("--library=") {
                option = String(word.dropFirst("--library=".count))
            }
        }
        option = option.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }
        let context = GptimgContext.live()
        guard let location = try? context.library(option: option).location,
            FileManager.default.fileExists(atPath: location.catalogURL.path),
            let catalog = try? Catalog.open(location, access: .readOnly)
        else { return [] }
        return (try? read(catalog)) ?? []
    }
}
