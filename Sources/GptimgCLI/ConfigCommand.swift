import ArgumentParser
import Foundation
import GptimgConfig
import GptimgSupport

extension GptimgContext {
    /// `$XDG_CONFIG_HOME/gptimg/config.toml` (`~/.config/gptimg/config.toml`).
    var configFile: ConfigFile {
        ConfigFile(path: XDGDirectories.configFile(environment: environment, homeDirectory: home))
    }

    /// The config file's defaults (none when there is no file); a bad file is one error line.
    /// The one place commands get them: a flag wins over the environment, which wins over these.
    func settings() throws -> Settings { try configFile.load() }
}

/// `gptimg config list|get|set|unset`: the defaults in the config file.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or change the defaults in the config file ($XDG_CONFIG_HOME/gptimg/config.toml).",
        discussion: """
            Keys: \(ConfigKey.listed). A flag wins over the environment (GPTIMG_LIBRARY, \
            GPTIMG_BASE_URL, GPTIMG_POLL_LATENCY), which wins over the config file, which wins over \
            the built-in default. `set` and `unset` keep the file's other lines and comments.

            Examples:
              gptimg config set library ~/Pictures/gptimg
              gptimg config set tags "portfolio, 2026"
              gptimg config unset aspect
            """,
        subcommands: [List.self, Get.self, Set.self, Unset.self]
    )

    struct List: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Every key the config file sets, with its value.")
        @Flag(help: "One JSON object of the keys set.") var json = false
        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let settings = try context.settings()
                let set = ConfigKey.allCases.compactMap { key in settings.values[key].map { (key, $0) } }
                if json {
                    output.json(.object(set.map { ($0.0.rawValue, jsonValue($0.1)) }))
                    return
                }
                if set.isEmpty { output.error("no defaults set in \(context.configFile.path)") }
                for (key, value) in set { output.line("\(key.rawValue) = \(value)") }
            }
        }
    }

    struct Get: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "One key's value (exit 1 when it is not set).")
        @Argument(help: "One of: \(ConfigKey.listed).") var key: ConfigKey
        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                guard let value = try context.settings().values[key] else { throw ExitCode(1) }
                output.line(value.description)
            }
        }
    }

    struct Set: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a key (tags comma-separated); the file and its folder are made when missing.")
        @Argument(help: "One of: \(ConfigKey.listed).") var key: ConfigKey
        @Argument(help: "The value.") var value: String
        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { _ in try context.configFile.set(key, to: value) }
        }
    }

    struct Unset: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "unset", abstract: "Remove a key (an unknown one too) from the file.")
        @Argument(help: "The key.") var key: String
        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { _ in try context.configFile.unset(key) }
        }
    }
}

private func jsonValue(_ value: ConfigValue) -> JSONOut {
    switch value {
    case .string(let text): .string(text)
    case .int(let number): .int(number)
    case .double(let number): .string(String(number))
    case .strings(let list): .array(list.map { .string($0) })
    }
}

extension ConfigKey: ExpressibleByArgument {}
