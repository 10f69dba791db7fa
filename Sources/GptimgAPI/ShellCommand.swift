/// A command line shown to a user to copy and run: the gallery's "Run it again", the hints a
/// command prints. Its values come from the catalog, which took them from files and from the
/// API, so every word is quoted for a POSIX shell (sh, bash, zsh): pasting the line runs gptimg
/// with exactly these words and nothing else, whatever a value holds (`$(…)`, backticks, `;`,
/// quotes, newlines). A positional value that starts with `-` goes after `--`, and an option
/// value that does is joined to its name (`--ref=-x`), so neither is taken for an option.
///
///     ShellCommand("gptimg", "generate").argument(prompt).option("--aspect", "16:9").line
public struct ShellCommand: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case word(String)
        case option(String, String)
        case argument(String)
    }

    private var parts: [Part]

    /// The program and its subcommand words (fixed text, quoted like any other word).
    public init(_ words: String...) {
        parts = words.map(Part.word)
    }

    /// An option with its value: `--aspect 16:9`. `name` is a long option when the value may
    /// start with `-` (it is then written `--name=value`).
    public func option(_ name: String, _ value: String) -> ShellCommand {
        var copy = self
        copy.parts.append(.option(name, value))
        return copy
    }

    /// A flag or a fixed word.
    public func flag(_ name: String) -> ShellCommand {
        var copy = self
        copy.parts.append(.word(name))
        return copy
    }

    /// A positional argument.
    public func argument(_ value: String) -> ShellCommand {
        var copy = self
        copy.parts.append(.argument(value))
        return copy
    }

    /// The words the program receives when the line is run, in order.
    public var words: [String] {
        let ordered: [Part]
        if parts.contains(where: { if case .argument(let value) = $0 { value.hasPrefix("-") } else { false } }) {
            // Options first, then `--`, then every positional argument.
            let arguments = parts.filter { if case .argument = $0 { true } else { false } }
            ordered = parts.filter { if case .argument = $0 { false } else { true } } + [.word("--")] + arguments
        } else {
            ordered = parts
        }
        return ordered.flatMap { part -> [String] in
            switch part {
            case .word(let word), .argument(let word): [word]
            case .option(let name, let value): value.hasPrefix("-") ? [name + "=" + value] : [name, value]
            }
        }
    }

    /// The command line: each word quoted (`quote`), separated by spaces.
    public var line: String {
        words.map(Self.quote).joined(separator: " ")
    }

    /// `word` as one shell word that stands for exactly `word`: bare when it is made only of
    /// letters, digits and `-_./:=+,@%` (and does not start with `=`, which zsh expands);
    /// otherwise in single quotes, inside which a shell expands nothing, each `'` written as
    /// `'\''`. The empty word is `''`. A NUL cannot be passed to a program at all: it is dropped.
    public static func quote(_ word: String) -> String {
        let plain = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./:=+,@%".unicodeScalars)
        if !word.isEmpty, !word.hasPrefix("="), word.unicodeScalars.allSatisfy(plain.contains) { return word }
        var quoted = "'"
        for scalar in word.unicodeScalars where scalar != "\0" {
            if scalar == "'" {
                quoted += "'\\''"
            } else {
                quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "'"
    }
}

extension ShellCommand {
    /// `gptimg generate PROMPT --aspect A -n N [--ref URL]…`: the command that makes a
    /// generation again.
    public static func generate(prompt: String, aspectRatio: String, n: Int, referenceImages: [String]) -> ShellCommand
    {
        var command = ShellCommand("gptimg", "generate").argument(prompt).option("--aspect", aspectRatio).option(
            "-n", String(n))
        for reference in referenceImages { command = command.option("--ref", reference) }
        return command
    }
}
