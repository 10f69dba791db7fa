import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

struct TagCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Add or remove tags on images.",
        discussion: """
            Examples:
              gptimg tag 42 43 --add sunset beach
              gptimg tag 3f9a1c --remove draft
              gptimg tag --query 'lighthouse after:7d' --add coast --yes
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: IDHelp.images)
    var ids: [String] = []

    @OptionGroup var selection: SelectionOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Tags to add.", completion: .custom(LibraryCompletions.tags))
    var add: [String] = []

    @Option(
        name: .long, parsing: .upToNextOption, help: "Tags to remove.", completion: .custom(LibraryCompletions.tags))
    var remove: [String] = []

    func validate() throws {
        if add.isEmpty && remove.isEmpty { throw ValidationError("give --add TAG or --remove TAG") }
    }

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.openExisting(context)
            guard let chosen = try selection.select(catalog, ids: ids, action: "tag", context) else { return }
            try catalog.tag(chosen.ids, add: add, remove: remove)
            if chosen.query != nil { return output.bulkSummary(chosen, done: "tagged", json: options.json) }
            for item in try catalog.details(chosen.ids) {
                if options.json {
                    output.json(item.json)
                } else {
                    output.line(
                        "\(item.image.id): " + (item.tags.isEmpty ? "(no tags)" : item.tags.joined(separator: ", ")))
                }
            }
        }
    }
}

struct RateCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Rate images from 0 to 5 (0 clears the rating).",
        discussion: "Examples:\n  gptimg rate 42 43 5\n  gptimg rate --query 'in:Keepers' 4"
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Image IDs, then the rating (0-5); only the rating with --query.")
    var arguments: [String]

    @OptionGroup var selection: SelectionOptions

    /// The last argument, when it is a rating (0-5).
    private var rating: Int? { arguments.last.flatMap { Int($0) }.flatMap { (0...5).contains($0) ? $0 : nil } }

    func validate() throws {
        guard arguments.count >= (selection.query == nil ? 2 : 1) else {
            throw ValidationError("give one or more image IDs (or --query QUERY), then a rating from 0 to 5")
        }
        guard rating != nil else {
            throw ValidationError("'\(arguments.last ?? "")' is not a rating: use a whole number from 0 to 5")
        }
    }

    func run(_ context: GptimgContext) throws {
        let rating = rating! // validate() refused anything else
        try runCatalogCommand(context) { output in
            let catalog = try options.openExisting(context)
            let ids = Array(arguments.dropLast())
            guard let chosen = try selection.select(catalog, ids: ids, action: "rate", context) else { return }
            try catalog.rate(chosen.ids, rating)
            if chosen.query != nil { return output.bulkSummary(chosen, done: "rated", json: options.json) }
            for item in try catalog.details(chosen.ids) {
                if options.json {
                    output.json(item.json)
                } else {
                    output.line("\(item.image.id): rating \(item.image.rating)")
                }
            }
        }
    }
}

struct FavCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "fav",
        abstract: "Mark images as favourites (or not, with --off).",
        discussion: "Example:\n  gptimg fav 42\n  gptimg fav 42 --off"
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: IDHelp.images)
    var ids: [String] = []

    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Remove the mark instead.")
    var off = false

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.openExisting(context)
            guard let chosen = try selection.select(catalog, ids: ids, action: "fav", context) else { return }
            try catalog.setFavorite(chosen.ids, !off)
            if chosen.query != nil { return output.bulkSummary(chosen, done: "marked", json: options.json) }
            for item in try catalog.details(chosen.ids) {
                if options.json {
                    output.json(item.json)
                } else {
                    output.line("\(item.image.id): " + (item.image.favorite ? "favourite" : "not a favourite"))
                }
            }
        }
    }
}

/// `pick` and `reject`: the one flag both set, with what differs.
protocol PickFlagCommand: ContextCommand {
    static var flag: ImagePick { get }
    var options: CatalogOptions { get }
    var ids: [String] { get }
    var selection: SelectionOptions { get }
    var off: Bool { get }
}

extension PickFlagCommand {
    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.openExisting(context)
            let action = Self.configuration.commandName ?? "pick"
            guard let chosen = try selection.select(catalog, ids: ids, action: action, context) else { return }
            try catalog.setPick(chosen.ids, off ? .none : Self.flag)
            if chosen.query != nil {
                return output.bulkSummary(chosen, done: off ? "cleared" : Self.flag.name, json: options.json)
            }
            for item in try catalog.details(chosen.ids) {
                if options.json {
                    output.json(item.json)
                } else {
                    output.line(
                        "\(item.image.id): " + (item.image.pickState == .none ? "no pick" : item.image.pickState.name))
                }
            }
        }
    }
}

struct PickCommand: PickFlagCommand {
    static let configuration = CommandConfiguration(
        commandName: "pick",
        abstract: "Mark images as picks, the ones to keep (or clear the mark, with --off).",
        discussion: """
            A pick replaces a reject. Find them with `gptimg list is:picked`.

            Examples:
              gptimg pick 42 43
              gptimg pick 42 --off
            """
    )
    static let flag = ImagePick.picked

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions
    @Argument(help: IDHelp.images) var ids: [String] = []
    @OptionGroup var selection: SelectionOptions
    @Flag(help: "Clear the mark instead.") var off = false
}

struct RejectCommand: PickFlagCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Mark images as rejects: hidden from list, search and the gallery (or clear it, with --off).",
        discussion: """
            Rejected images show only when the query asks for them (is:rejected); \
            `gptimg delete --query is:rejected` moves them to the trash.

            Examples:
              gptimg reject 42 43
              gptimg list is:rejected
              gptimg reject 42 --off
            """
    )
    static let flag = ImagePick.rejected

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions
    @Argument(help: IDHelp.images) var ids: [String] = []
    @OptionGroup var selection: SelectionOptions
    @Flag(help: "Clear the mark instead.") var off = false
}

struct DeleteCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Remove images from the catalog and move their files to the library's trash.",
        discussion: """
            Files go to Library/trash/YYYY-MM-DD/ with a .json sidecar of their catalog row; they keep \
            their embedded metadata, so `gptimg import Library/trash/…` brings them back.

            Examples:
              gptimg delete 42 3f9a1c
              gptimg delete --query 'is:rejected' --yes
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: IDHelp.images)
    var ids: [String] = []

    @OptionGroup var selection: SelectionOptions

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.openExisting(context)
            guard let chosen = try selection.select(catalog, ids: ids, action: "delete", context) else { return }
            let trashed = try catalog.delete(chosen.ids)
            if chosen.query != nil { return output.bulkSummary(chosen, done: "deleted", json: options.json) }
            var seen = Set<Int64>()
            for (id, path) in zip(chosen.ids.filter { seen.insert($0).inserted }, trashed) {
                if options.json {
                    output.json(.object([("id", .int(Int(id))), ("trash", .string(path))]))
                } else {
                    output.line("deleted \(id) (moved to \(path))")
                }
            }
        }
    }
}

struct CollectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collection",
        abstract: "Create, rename, delete, list and fill collections (an image can be in many).",
        subcommands: [
            Create.self, Rename.self, Delete.self, List.self, Show.self, Add.self, Remove.self, Move.self,
        ]
    )

    struct Create: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create an empty collection, or a smart one (a saved search).",
            discussion: """
                With --query the collection is smart: its images are whatever the query matches \
                whenever it is read (list in:NAME, collection show, export --collection, the \
                gallery); images are not added to it or removed from it by hand. The query is \
                checked now: a bad one creates nothing. A smart collection's query may name other \
                collections, smart ones too, but never in a loop.

                Examples:
                  gptimg collection create 'Summer trip'
                  gptimg collection create Keepers --query 'is:picked OR rating:>=4'
                """)
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Its name.") var name: String
        @Option(help: "Make it smart: its images are whatever this query matches (docs/query.md).")
        var query: String?

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let made = try options.open(.readWrite, context).createCollection(name, query: query)
                if options.json {
                    output.json(CollectionCommand.json(made))
                } else if let query = made.query {
                    output.line("created smart collection '\(made.name)': \(query) (\(made.count) now)")
                } else {
                    output.line("created collection '\(made.name)'")
                }
            }
        }
    }

    struct Rename: ContextCommand {
        static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a collection.")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Its current name.", completion: .custom(LibraryCompletions.collections)) var name: String
        @Argument(help: "The new name.") var newName: String

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                try options.openExisting(context).renameCollection(name, to: newName)
                if !options.json { output.line("renamed '\(name)' to '\(newName)'") }
            }
        }
    }

    struct Delete: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Delete a collection (its images stay in the library).")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Its name.", completion: .custom(LibraryCompletions.collections)) var name: String

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                try options.openExisting(context).deleteCollection(name)
                if !options.json { output.line("deleted collection '\(name)'") }
            }
        }
    }

    struct List: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List collections and how many images each holds (a smart one: its query and matches now).")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                for collection in try options.open(.readOnly, context).collections() {
                    if options.json {
                        output.json(CollectionCommand.json(collection))
                    } else {
                        output.line(
                            "\(collection.name)  (\(collection.count))"
                                + (collection.query.map { "  smart: \($0)" } ?? ""))
                    }
                }
            }
        }
    }

    struct Show: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "List a collection's images, in their order.")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Its name.", completion: .custom(LibraryCompletions.collections)) var name: String
        @Option(help: "How many images to show.") var limit = 1000

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let catalog = try options.open(.readOnly, context)
                for item in try catalog.collectionImages(name, limit: limit) {
                    if options.json { output.json(item.json(in: catalog.location)) } else { output.line(item.listLine) }
                }
            }
        }
    }

    struct Add: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add images to a collection (made if missing).",
            discussion: """
                Examples:
                  gptimg collection add 'Summer trip' 42 43
                  gptimg collection add Keepers --query 'is:picked'
                """
        )
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The collection's name.", completion: .custom(LibraryCompletions.collections)) var name: String
        @Argument(help: IDHelp.images) var ids: [String] = []
        @OptionGroup var selection: SelectionOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let catalog = try options.openExisting(context)
                guard let chosen = try selection.select(catalog, ids: ids, action: "add", context) else { return }
                let added = try catalog.addToCollection(name, chosen.ids)
                if options.json {
                    output.json(.object([("collection", .string(name)), ("added", .int(added))]))
                } else {
                    output.line("added \(added) image(s) to '\(name)'")
                }
            }
        }
    }

    struct Remove: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove images from a collection (they stay in the library).")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The collection's name.", completion: .custom(LibraryCompletions.collections)) var name: String
        @Argument(help: IDHelp.images) var ids: [String] = []
        @OptionGroup var selection: SelectionOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let catalog = try options.openExisting(context)
                guard let chosen = try selection.select(catalog, ids: ids, action: "remove", context) else { return }
                let removed = try catalog.removeFromCollection(name, chosen.ids)
                if options.json {
                    output.json(.object([("collection", .string(name)), ("removed", .int(removed))]))
                } else {
                    output.line("removed \(removed) image(s) from '\(name)'")
                }
            }
        }
    }

    struct Move: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "move", abstract: "Move an image to another place in a collection's order.",
            discussion: """
                The other images keep their order. Places count from 1; a place past the end is the \
                last. A smart collection's order is its query's and cannot be changed by hand. \
                The gallery's arrange page (/collection/NAME/arrange) makes the same move.

                Examples:
                  gptimg collection move 'Summer trip' 42 --to 1
                """)
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The collection's name.", completion: .custom(LibraryCompletions.collections)) var name: String
        @Argument(help: "The image: its number or a SHA-256 prefix of 6+ hex digits.") var id: String
        @Option(help: "Its new place: 1 is the first.") var to: Int

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                guard to >= 1 else { throw ErrorLine(message: "--to \(to) is not a place: 1 is the first") }
                let catalog = try options.openExisting(context)
                let image = try catalog.resolve(id)
                let order = try catalog.moveInCollection(name, image: image, to: to - 1)
                let place = (order.firstIndex(of: image) ?? 0) + 1
                if options.json {
                    output.json(
                        .object([
                            ("collection", .string(name)), ("id", .int(Int(image))), ("place", .int(place)),
                            ("order", .array(order.map { .int(Int($0)) })),
                        ]))
                } else {
                    output.line("moved image \(image) to place \(place) of \(order.count) in '\(name)'")
                }
            }
        }
    }

    static func json(_ collection: CollectionSummary) -> JSONOut {
        .object([
            ("id", .int(Int(collection.id))), ("name", .string(collection.name)), ("count", .int(collection.count)),
            ("created_at", .string(collection.createdAt)), ("smart", .bool(collection.isSmart)),
            ("query", .optional(collection.query)),
        ])
    }
}
