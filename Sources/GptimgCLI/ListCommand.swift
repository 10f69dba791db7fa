import ArgumentParser
import Foundation
import GptimgCatalog
import PNGMetadata

/// The query language's help, shared by `list` and `search`; the filters are the catalog's own list.
let queryHelp = """
    Query: words match prompts and tags (all must match); "a phrase"; -word excludes; word* is a \
    prefix; a OR b. Filters: \(ImageQuery.validFilters).
    """

extension ImageSort: ExpressibleByArgument {}

struct ListCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List images, newest first, optionally matching a query.",
        discussion: queryHelp + """


            Examples:
              gptimg list --limit 20
              gptimg list 'lighthouse -storm aspect:16:9 rating:>=4'
              gptimg list 'tag:"night sky" OR in:Favourites' --json | jq .path
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The query (words and filters).")
    var query: [String] = []

    @Option(help: "How many images to show.")
    var limit = 50

    @Option(help: "Images to skip first (paging).")
    var offset = 0

    @Option(help: "newest, oldest or relevance.")
    var sort: ImageSort = .newest

    func run(_ context: GptimgContext) throws {
        try runList(context, options: options, query: query.joined(separator: " "), sort: sort, limit: limit, offset: offset)
    }
}

struct SearchCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search images by prompt and tags, best matches first.",
        discussion: queryHelp + """


            Examples:
              gptimg search 'misty lake'
              gptimg search 'portrait* -blurry generator:a1111'
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The query (words and filters).")
    var query: [String]

    @Option(help: "How many images to show.")
    var limit = 50

    @Option(help: "Images to skip first (paging).")
    var offset = 0

    @Option(help: "relevance, newest or oldest.")
    var sort: ImageSort = .relevance

    func run(_ context: GptimgContext) throws {
        try runList(context, options: options, query: query.joined(separator: " "), sort: sort, limit: limit, offset: offset)
    }
}

func runList(_ context: GptimgContext, options: CatalogOptions, query: String, sort: ImageSort, limit: Int, offset: Int) throws {
    try runCatalogCommand(context) { output in
        let parsed = try ImageQuery(parsing: query)
        let catalog = try options.open(.readOnly, context)
        for item in try catalog.list(parsed, sort: sort, limit: limit, offset: offset) {
            if options.json { output.json(item.json) } else { output.line(item.listLine) }
        }
    }
}

struct ShowCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show every field of an image, its file, and its lineage (parent and children).",
        discussion: "ID: an image's number, or 6+ hex digits of its SHA-256.\n\nExample:\n  gptimg show 42\n  gptimg show 3f9a1c --json"
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Image IDs.")
    var ids: [String]

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.open(.readOnly, context)
            for (number, id) in try catalog.resolve(ids).enumerated() {
                let show = try catalog.show(id)
                if options.json {
                    output.json(show.json)
                } else {
                    if number > 0 { output.line("") }
                    output.line(CatalogRendering.show(show))
                }
            }
        }
    }
}

struct OpenCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open an image with the desktop's viewer, or print its path when there is none.",
        discussion: "Uses xdg-open (Linux) or open (macOS) when a display is available.\n\nExample:\n  gptimg open 42"
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "An image ID.")
    var id: String

    @Flag(help: "Only print the path.")
    var print = false

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.open(.readOnly, context)
            let image = try catalog.imageRecord(id)
            let file = try catalog.location.file(of: image).path  // never a path that leaves the library
            let environment = context.environment
            let hasDisplay = environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil
            #if os(macOS)
            let opener: String? = "/usr/bin/open"
            #else
            let opener: String? = hasDisplay ? ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open"].first { FileManager.default.isExecutableFile(atPath: $0) } : nil
            #endif
            if options.json {
                output.json(.object([("id", .int(Int(image.id))), ("file", .string(file))]))
                return
            }
            if !print, let opener {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: opener)
                process.arguments = [file]
                try process.run()
                process.waitUntilExit()
                if process.terminationStatus == 0 { return }
            }
            output.line(file)
        }
    }
}
