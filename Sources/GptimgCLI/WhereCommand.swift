import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgClient
import GptimgSupport

/// `gptimg where`: the paths gptimg uses on this machine, so other tools can be pointed at them
/// (`sqlite3 "$(gptimg where --catalog)"`). Looks only: creates nothing, opens nothing.
struct WhereCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "where",
        abstract: "Print where the library, its catalog, the config file and the key file are.",
        discussion: """
            The library is --library, else $GPTIMG_LIBRARY, else the config file's library, else \
            $XDG_DATA_HOME/gptimg (~/.local/share/gptimg). Nothing is created.

            Example:
              sqlite3 "$(gptimg where --catalog)" 'select count(*) from images'
            """
    )

    @OptionGroup var options: CatalogOptions

    @Flag(help: "Print only the catalog's path (for sqlite3 or datasette).")
    var catalog = false

    @OptionGroup var global: GlobalOptions

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let (location, source) = try context.library(option: options.library)
            let catalogPath = location.catalogURL.path
            if catalog {
                output.line(catalogPath)
                return
            }
            let exists = FileManager.default.fileExists(atPath: catalogPath)
            let config = XDGDirectories.configFile(environment: context.environment, homeDirectory: context.home)
            let keyFile = APICredentials.keyFile(environment: context.environment, homeDirectory: context.home)
            if options.json {
                output.json(
                    .object([
                        ("library", .string(location.root.path)), ("library_source", .string(source.rawValue)),
                        ("library_exists", .bool(exists)), ("catalog", .string(catalogPath)),
                        ("config_file", .string(config)), ("key_file", .string(keyFile)),
                    ]))
                return
            }
            let state = exists ? "" : ", not created yet"
            output.line("library   \(location.root.path)  (\(source.rawValue)\(state))")
            output.line("catalog   \(catalogPath)")
            output.line("config    \(config)")
            output.line("key file  \(keyFile)")
        }
    }
}
