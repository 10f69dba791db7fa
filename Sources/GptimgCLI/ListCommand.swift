import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// The query language's help, shared by `list` and `search`; the filters are the catalog's own list.
let queryHelp = """
    Query: words match prompts and tags (all must match); "a phrase"; -word or NOT word excludes; \
    word* is a prefix; a OR b (filters too); AND; ( ) groups. Rejected images show only with \
    is:rejected. Filters: \(ImageQuery.validFilters). similar:ID finds look-alikes within 10 bits of \
    64 (similar:ID~4 sets the distance, 0-32; see gptimg similar). \
    Dates (after:, before:, date:): \(ImageQuery.validDates).
    """

extension ImageSort: ExpressibleByArgument {}

/// `list`'s and `search`'s paging and order: one group, whose defaults are the command's.
struct ListingOptions<Defaults: ListingDefaults>: ParsableArguments {
    @Option(help: "How many images to show.")
    var limit = 50

    @Option(help: "Images to skip first (paging).")
    var offset = 0

    @Option(help: ArgumentHelp(Defaults.sortHelp))
    var sort: ImageSort = Defaults.sort

    @Flag(help: "One line per stack (a task and its variants), its cover and size; see gptimg stack.")
    var stacks = false

    /// The page of images matching `query` (the words and filters as typed), printed.
    func run(_ context: GptimgContext, _ options: CatalogOptions, query: [String]) throws {
        try runCatalogCommand(context) { output in
            // The query takes every argument no option claims (so `-lake` is a word): a
            // misspelt option would otherwise become a word to exclude.
            if let option = query.first(where: { $0.hasPrefix("--") && $0.count > 2 }) {
                throw ErrorLine(
                    message: "unknown option '\(option)': see `gptimg \(Defaults.command) --help` "
                        + "(a word to exclude is -word)")
            }
            let parsed = try ImageQuery(parsing: query.joined(separator: " "))
            let catalog = try options.open(.readOnly, context)
            if stacks {
                for stack in try catalog.stacks(parsed, sort: sort, limit: limit, offset: offset) {
                    if options.json {
                        output.json(stack.json(in: catalog.location))
                    } else {
                        output.line(stack.listLine)
                    }
                }
                return
            }
            let items = try catalog.list(parsed, sort: sort, limit: limit, offset: offset)
            // Said once the query has run (a bad one is its error alone).
            if parsed.comparesLooks, try catalog.hasImagesWithoutPerceptualHash() {
                context.diagnostic(
                    "notice: some images have no perceptual hash yet (imported ones are hashed later) and are not "
                        + "compared: `gptimg doctor --fix` or `gptimg similar ID` hashes them")
            }
            // On a terminal: each line fitted to its width, and a word when there are more.
            let terminal = !options.json && context.streams.isTerminal(.output)
            let columns = context.columns(.output)
            for item in items {
                if options.json {
                    output.json(item.json(in: catalog.location))
                } else if terminal {
                    output.line(
                        rendered: Array(TerminalText.fit(TerminalText.escape(item.listLine), columns: columns).utf8))
                } else {
                    output.line(item.listLine)
                }
            }
            if terminal, limit > 0, items.count == limit {
                let total = try catalog.count(parsed)
                if total > offset + items.count {
                    output.line(Self.footer(shown: items.count, offset: offset, total: total))
                }
            }
        }
    }

    /// "50 of 1,234 — --limit/--offset for more" (from the 101st: "50 of 1,234 from 101 — …").
    static func footer(shown: Int, offset: Int, total: Int) -> String {
        let from = offset > 0 ? " from \(ProgressText.number(offset + 1))" : ""
        return "\(ProgressText.number(shown)) of \(ProgressText.number(total))\(from) — --limit/--offset for more"
    }
}

/// What differs between `list` and `search`: the order they show.
protocol ListingDefaults {
    static var command: String { get }
    static var sort: ImageSort { get }
    static var sortHelp: String { get }
}

struct ListCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List images, newest first, optionally matching a query.",
        discussion: queryHelp + """


            Examples:
              gptimg list --limit 20
              gptimg list 'lighthouse -storm aspect:16:9 rating:>=4'
              gptimg list 'tag:"night sky" OR in:Favourites' --json | jq .path
              gptimg list -lake after:7d
              gptimg list '(fox OR wolf) NOT snow date:2026-12 sort:rating'
              gptimg list is:rejected --limit 100
              gptimg list 'credits:>=4 n:4 has:children -has:parent ref:no'
              gptimg list --stacks 'tag:coast'
            """
    )

    enum Defaults: ListingDefaults {
        static let command = "list"
        static let sort = ImageSort.newest
        static let sortHelp = "newest, oldest, relevance or rating (or sort: in the query)."
    }

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(parsing: .allUnrecognized, help: "The query (words and filters).")
    var query: [String] = []

    @OptionGroup var listing: ListingOptions<Defaults>

    func run(_ context: GptimgContext) throws {
        try listing.run(context, options, query: query)
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
              gptimg search 'lighthouse is:picked OR rating:>=4 after:yesterday'
            """
    )

    enum Defaults: ListingDefaults {
        static let command = "search"
        static let sort = ImageSort.relevance
        static let sortHelp = "relevance, newest, oldest or rating (or sort: in the query)."
    }

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    /// Required here (a search without words is a list).
    @Argument(parsing: .allUnrecognized, help: "The query (words and filters).")
    var query: [String] = []

    func validate() throws {
        if query.isEmpty { throw ValidationError("give a query (words and filters); `gptimg list` shows everything") }
    }

    @OptionGroup var listing: ListingOptions<Defaults>

    func run(_ context: GptimgContext) throws {
        try listing.run(context, options, query: query)
    }
}

struct ShowCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show every field of an image, its file, and its lineage (parent and children).",
        discussion:
            """
            ID: an image's number, or 6+ hex digits of its SHA-256.\n\nExample:\n  gptimg show 42\n  gptimg show \
            3f9a1c --json
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: IDHelp.images)
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

    @Argument(help: IDHelp.image)
    var id: String

    @Flag(help: "Only print the path.")
    var print = false

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.open(.readOnly, context)
            let image = try catalog.imageRecord(id)
            let file = try catalog.location.file(of: image).path // never a path that leaves the library
            let environment = context.environment
            let hasDisplay = environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil
            #if os(macOS)
                let opener: String? = "/usr/bin/open"
            #else
                let opener: String? =
                    hasDisplay
                    ? ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open"].first {
                        FileManager.default.isExecutableFile(atPath: $0)
                    } : nil
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

extension ImageStack {
    /// The cover's JSON (with `file`), then `stack` and `stack_size`.
    func json(in location: LibraryLocation) -> JSONOut {
        guard case .object(let members) = cover.json(in: location) else { return json }
        return .object(members + [("stack", .int(Int(id))), ("stack_size", .int(size))])
    }
}

/// How `list` and `search` show an image as text.
extension ImageDetails {
    /// The image in JSON with `file`, its absolute path (the library's folder and `path`; a path
    /// that would leave the library is left out: null).
    func json(in location: LibraryLocation) -> JSONOut {
        guard case .object(let members) = json else { return json }
        let path = image.path
        let safe =
            !path.isEmpty && !path.hasPrefix("/")
            && !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0.isEmpty }
        let file: JSONOut = safe ? .string(location.root.path + "/" + path) : .null
        return .object(members + [("file", file)])
    }

    /// One line: id, short hash, date, aspect, size, rating/favourite, prompt, tags.
    var listLine: String {
        var parts = [
            String(image.id).leftPadded(6), String(image.sha256.prefix(8)), String(image.createdAt.prefix(10)),
            generation.aspectRatio.rightPadded(5), "\(image.width)x\(image.height)".rightPadded(9),
        ]
        parts.append(image.rating > 0 ? String(repeating: "*", count: image.rating).rightPadded(5) : "     ")
        parts.append(image.favorite ? "fav" : "   ")
        if image.pickState != .none { parts.append(image.pickState == .picked ? "pick" : "rejected") }
        var prompt = String(String.UnicodeScalarView(generation.prompt.unicodeScalars.map { $0 == "\n" ? " " : $0 }))
        if prompt.count > 80 { prompt = String(prompt.prefix(79)) + "…" }
        parts.append(prompt.isEmpty ? "(no prompt)" : prompt)
        if !tags.isEmpty { parts.append("[" + tags.joined(separator: ", ") + "]") }
        return parts.joined(separator: "  ")
    }
}

extension String {
    func rightPadded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
