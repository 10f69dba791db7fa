import Foundation
import GptimgCatalog
import GptimgSupport
import MCP

extension GptimgMCPServer {
    /// Every tool this server offers: the library's always, generating ones only when allowed.
    func tools() -> [ToolSpec] {
        var tools = [
            searchTool, showTool, tagTool, rateTool, favoriteTool, collectionsTool, collectionAddTool,
            collectionRemoveTool, exportTool, creditsTool, tasksTool,
        ]
        if configuration.allowGenerate { tools += generationTools() }
        return tools
    }

    static let readOnly = Tool.Annotations(
        readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false)
    static let edits = Tool.Annotations(
        readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false)

    /// The most images one `search` call returns.
    static let maxSearchLimit = 200

    // MARK: - search

    var searchTool: ToolSpec {
        let tool = Tool(
            name: "search", title: "Search the library",
            description: """
                Search the user's images with gptimg's query language: words match prompts and tags (all must \
                match), "a phrase", -word excludes, word* is a prefix, a OR b. Filters: \
                \(ImageQuery.validFilters). An empty query lists every image, newest first. Returns up to \
                `limit` images (id, prompt, date, size, rating, tags, collections; `show` has every field) and a \
                `next_cursor` for the next page.
                """,
            inputSchema: ToolSchema.object([
                (
                    "query",
                    ToolSchema.string(
                        "The query, e.g. `lighthouse -storm rating:>=4` (empty: every image).", maxLength: 4000)
                ),
                ("limit", ToolSchema.integer("How many images to return.", 1...Self.maxSearchLimit, default: 20)),
                (
                    "sort",
                    ToolSchema.string(
                        "Order (default: relevance when there are words, else newest).",
                        values: ImageSort.allCases.map(\.rawValue))
                ),
                ("cursor", ToolSchema.string("The `next_cursor` of the previous page.", maxLength: 200)),
            ]),
            annotations: Self.readOnly)
        return ToolSpec(tool: tool) { [self] arguments in try await search(arguments) }
    }

    func search(_ arguments: ToolArguments) async throws -> ToolAnswer {
        let text = try arguments.string("query", maxLength: 4000) ?? ""
        let query = try ImageQuery(parsing: text)
        let limit = try arguments.int("limit", in: 1...Self.maxSearchLimit) ?? 20
        var sort = query.groups.isEmpty ? ImageSort.newest : .relevance
        if let name = try arguments.string("sort", maxLength: 20) {
            guard let chosen = ImageSort(rawValue: name) else {
                let sorts = ImageSort.allCases.map(\.rawValue).joined(separator: ", ")
                throw ToolFailure("sort must be one of \(sorts), not '\(ToolArguments.clip(name))'")
            }
            sort = chosen
        }
        let page = try SearchCursor(try arguments.string("cursor", maxLength: 200), sort: sort)
        let catalog = catalog
        let order = sort
        // One more than asked: whether there is a next page, without counting every match.
        let found = try await blocking {
            try catalog.list(query, sort: order, limit: limit + 1, offset: page.offset, after: page.after)
        }
        let items = Array(found.prefix(limit))
        let next = found.count > limit ? page.next(after: items, sort: sort) : nil
        var lines = [
            items.isEmpty
                ? "no images match"
                : "\(items.count) image\(items.count == 1 ? "" : "s")"
                    + (next == nil ? "" : " (more: pass next_cursor)")
        ]
        lines += items.map(Self.line)
        let json = JSONOut.object([
            ("query", .string(text)), ("sort", .string(sort.rawValue)),
            ("images", .array(items.map(Self.summaryJSON))), ("next_cursor", .optional(next)),
        ])
        return ToolAnswer(text: lines.joined(separator: "\n"), structured: json)
    }

    /// An image in results: cli.md's "An image in JSON" and the resource that shows it.
    static func imageJSON(_ item: ImageDetails) -> JSONOut {
        guard case .object(var members) = item.json else { return item.json }
        members.append(("resource", .string(imageURI(item.image.id))))
        return .object(members)
    }

    /// An image in a page of search results: what choosing among them needs (`show` has every
    /// field). The SDK turns each result into its own JSON value tree, at a cost per value (it
    /// tries every type in turn and matches every string against a data-URL regex it builds
    /// anew): half the fields is nearly half the time of a search call.
    static func summaryJSON(_ item: ImageDetails) -> JSONOut {
        .object([
            ("id", .int(Int(item.image.id))), ("prompt", .string(item.generation.prompt)),
            ("created_at", .string(item.image.createdAt)), ("aspect_ratio", .string(item.generation.aspectRatio)),
            ("width", .int(item.image.width)), ("height", .int(item.image.height)),
            ("rating", .int(item.image.rating)), ("favorite", .bool(item.image.favorite)),
            ("tags", .array(item.tags.map(JSONOut.string))),
            ("collections", .array(item.collections.map(JSONOut.string))),
            ("resource", .string(imageURI(item.image.id))),
        ])
    }

    static func imageURI(_ id: Int64) -> String { "gptimg://image/\(id)" }

    /// One line an assistant can read: id, date, aspect, rating, favourite, prompt, tags.
    static func line(_ item: ImageDetails) -> String {
        var parts = ["#\(item.image.id)", String(item.image.createdAt.prefix(10)), item.generation.aspectRatio]
        if item.image.rating > 0 { parts.append("rating \(item.image.rating)") }
        if item.image.favorite { parts.append("favourite") }
        var prompt = item.generation.prompt.replacingOccurrences(of: "\n", with: " ")
        if prompt.count > 100 { prompt = String(prompt.prefix(99)) + "…" }
        parts.append(prompt.isEmpty ? "(no prompt)" : "\"\(prompt)\"")
        if !item.tags.isEmpty { parts.append("[" + item.tags.joined(separator: ", ") + "]") }
        return parts.joined(separator: "  ")
    }

    // MARK: - show

    var showTool: ToolSpec {
        let tool = Tool(
            name: "show", title: "Show an image",
            description: """
                Every field of one image: prompt, negative prompt, size, aspect, task id, status, source, \
                generator and its parameters, rating, favourite, tags, collections, its file, and its lineage \
                (the image it was made from, the variants made from it, the other images of its task). Read \
                the `resource` (gptimg://image/{id}) to see it.
                """,
            inputSchema: ToolSchema.object([("id", ToolSchema.imageID)], required: ["id"]),
            annotations: Self.readOnly)
        return ToolSpec(tool: tool) { [self] arguments in
            let id = try arguments.id("id")
            let catalog = catalog
            let show = try await blocking { try catalog.show(try catalog.resolve(id)) }
            return ToolAnswer(text: Self.describe(show), structured: Self.showJSON(show))
        }
    }

    static func showJSON(_ show: ImageShow) -> JSONOut {
        guard case .object(var members) = show.json else { return show.json }
        members.append(("resource", .string(imageURI(show.details.image.id))))
        return .object(members)
    }

    static func describe(_ show: ImageShow) -> String {
        let item = show.details
        var lines = [line(item)]
        lines.append(
            "\(item.image.width)x\(item.image.height), \(item.generation.type), \(item.generation.status.rawValue), "
                + "source \(item.generation.source.rawValue), generator \(item.image.generator)")
        if let negative = show.negativePrompt, !negative.isEmpty { lines.append("negative: \(negative)") }
        if !item.collections.isEmpty { lines.append("collections: " + item.collections.joined(separator: ", ")) }
        if let parent = show.parent { lines.append("made from #\(parent.image.id)") }
        if !show.children.isEmpty {
            lines.append("variants: " + show.children.map { "#\($0.image.id)" }.joined(separator: ", "))
        }
        if !show.siblings.isEmpty {
            lines.append("same task: " + show.siblings.map { "#\($0.image.id)" }.joined(separator: ", "))
        }
        for parameter in show.parameters.prefix(20) { lines.append("\(parameter.key): \(parameter.value)") }
        lines.append("see it: \(imageURI(item.image.id))")
        return lines.joined(separator: "\n")
    }

    // MARK: - Curation

    var tagTool: ToolSpec {
        let tool = Tool(
            name: "tag", title: "Tag images",
            description: "Add and remove tags on images (names are case-insensitive; new tags are created).",
            inputSchema: ToolSchema.object(
                [
                    ("ids", ToolSchema.imageIDs()),
                    ("add", ToolSchema.strings("Tags to add.")),
                    ("remove", ToolSchema.strings("Tags to remove.")),
                ], required: ["ids"]),
            annotations: Self.edits)
        return ToolSpec(tool: tool) { [self] arguments in
            let ids = try arguments.ids("ids")
            let add = try arguments.strings("add") ?? []
            let remove = try arguments.strings("remove") ?? []
            guard !add.isEmpty || !remove.isEmpty else { throw ToolFailure("give tags to add or remove") }
            return try await editImages(ids) { catalog, resolved in
                try catalog.tag(resolved, add: add, remove: remove)
            } line: {
                "#\($0.image.id): " + ($0.tags.isEmpty ? "(no tags)" : $0.tags.joined(separator: ", "))
            }
        }
    }

    var rateTool: ToolSpec {
        let tool = Tool(
            name: "rate", title: "Rate images",
            description: "Set the rating of images from 0 to 5 (0 clears it).",
            inputSchema: ToolSchema.object(
                [
                    ("ids", ToolSchema.imageIDs()), ("rating", ToolSchema.integer("The rating (0 clears it).", 0...5)),
                ], required: ["ids", "rating"]),
            annotations: Self.edits)
        return ToolSpec(tool: tool) { [self] arguments in
            let ids = try arguments.ids("ids")
            guard let rating = try arguments.int("rating", in: 0...5) else { throw ToolFailure("rate needs 'rating'") }
            return try await editImages(ids) { catalog, resolved in
                try catalog.rate(resolved, rating)
            } line: {
                "#\($0.image.id): rating \($0.image.rating)"
            }
        }
    }

    var favoriteTool: ToolSpec {
        let tool = Tool(
            name: "favorite", title: "Mark favourites",
            description: "Mark images as favourites, or (favorite: false) remove the mark.",
            inputSchema: ToolSchema.object(
                [
                    ("ids", ToolSchema.imageIDs()),
                    ("favorite", ToolSchema.boolean("Mark (true) or unmark (false).", default: true)),
                ], required: ["ids"]),
            annotations: Self.edits)
        return ToolSpec(tool: tool) { [self] arguments in
            let ids = try arguments.ids("ids")
            let favorite = try arguments.bool("favorite") ?? true
            return try await editImages(ids) { catalog, resolved in
                try catalog.setFavorite(resolved, favorite)
            } line: {
                "#\($0.image.id): " + ($0.image.favorite ? "favourite" : "not a favourite")
            }
        }
    }

    /// Resolves `ids`, applies `edit` in the catalog, and answers with the images as they are now.
    func editImages(
        _ ids: [String], _ edit: @escaping @Sendable (Catalog, [Int64]) throws -> Void,
        line: @escaping @Sendable (ImageDetails) -> String
    ) async throws -> ToolAnswer {
        let catalog = catalog
        let items = try await blocking {
            let resolved = try catalog.resolve(ids)
            try edit(catalog, resolved)
            return try catalog.details(resolved)
        }
        return ToolAnswer(
            text: items.map(line).joined(separator: "\n"),
            structured: .object([("images", .array(items.map(Self.imageJSON)))]))
    }

    // MARK: - Collections

    var collectionsTool: ToolSpec {
        let tool = Tool(
            name: "collections", title: "List collections",
            description:
                "Every collection and how many images it holds. Read gptimg://collection/{name} for its images.",
            inputSchema: ToolSchema.object([]), annotations: Self.readOnly)
        return ToolSpec(tool: tool) { [self] _ in
            let catalog = catalog
            let collections = try await blocking { try catalog.collections() }
            let lines = collections.isEmpty ? ["no collections"] : collections.map { "\($0.name)  (\($0.count))" }
            return ToolAnswer(
                text: lines.joined(separator: "\n"),
                structured: .object([("collections", .array(collections.map(Self.collectionJSON)))]))
        }
    }

    static func collectionJSON(_ collection: CollectionSummary) -> JSONOut {
        .object([
            ("id", .int(Int(collection.id))), ("name", .string(collection.name)), ("count", .int(collection.count)),
            ("created_at", .string(collection.createdAt)), ("resource", .string(collectionURI(collection.name))),
        ])
    }

    var collectionAddTool: ToolSpec {
        let tool = Tool(
            name: "collection_add", title: "Add to a collection",
            description: """
                Add images to the end of a collection (created when missing); images already in it stay where \
                they are.
                """,
            inputSchema: ToolSchema.object(
                [
                    ("collection", ToolSchema.string("The collection's name.", maxLength: 100)),
                    ("ids", ToolSchema.imageIDs()),
                ], required: ["collection", "ids"]),
            annotations: Self.edits)
        return ToolSpec(tool: tool) { [self] arguments in
            let name = try arguments.requiredString("collection", maxLength: 200)
            let ids = try arguments.ids("ids")
            let catalog = catalog
            let added = try await blocking { try catalog.addToCollection(name, try catalog.resolve(ids)) }
            return ToolAnswer(
                text: "added \(added) image(s) to '\(name)'",
                structured: .object([("collection", .string(name)), ("added", .int(added))]))
        }
    }

    var collectionRemoveTool: ToolSpec {
        let tool = Tool(
            name: "collection_remove", title: "Remove from a collection",
            description: "Remove images from a collection (they stay in the library).",
            inputSchema: ToolSchema.object(
                [
                    ("collection", ToolSchema.string("The collection's name.", maxLength: 100)),
                    ("ids", ToolSchema.imageIDs()),
                ], required: ["collection", "ids"]),
            annotations: Tool.Annotations(
                readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false))
        return ToolSpec(tool: tool) { [self] arguments in
            let name = try arguments.requiredString("collection", maxLength: 200)
            let ids = try arguments.ids("ids")
            let catalog = catalog
            let removed = try await blocking { try catalog.removeFromCollection(name, try catalog.resolve(ids)) }
            return ToolAnswer(
                text: "removed \(removed) image(s) from '\(name)'",
                structured: .object([("collection", .string(name)), ("removed", .int(removed))]))
        }
    }

    // MARK: - Credits and tasks

    var creditsTool: ToolSpec {
        let tool = Tool(
            name: "credits", title: "Credits spent",
            description: """
                Credits charged, refunded and net (in all, per month, the last 31 days), the last balance the API \
                reported, and this server's limits: the most one call may spend and the monthly budget.
                """,
            inputSchema: ToolSchema.object([]), annotations: Self.readOnly)
        return ToolSpec(tool: tool) { [self] _ in try await credits() }
    }

    func credits() async throws -> ToolAnswer {
        let catalog = catalog
        let summary = try await blocking { try catalog.creditSummary() }
        func json(_ totals: CreditTotals) -> JSONOut {
            .object([
                ("period", .string(totals.period)), ("charged", .int(totals.charged)),
                ("refunded", .int(totals.refunded)), ("net", .int(totals.net)),
            ])
        }
        let limits = try spendingLimits()
        var lines = [
            "charged \(summary.total.charged), refunded \(summary.total.refunded), net \(summary.total.net) credits"
        ]
        for month in summary.perMonth.prefix(12) {
            lines.append("  \(month.period)  charged \(month.charged)  refunded \(month.refunded)  net \(month.net)")
        }
        if let balance = summary.lastBalance {
            lines.append("last balance reported by the API: \(balance.credits) (\(balance.at))")
        }
        lines.append(limits.text)
        return ToolAnswer(
            text: lines.joined(separator: "\n"),
            structured: .object([
                ("total", json(summary.total)), ("per_month", .array(summary.perMonth.map(json))),
                ("per_day", .array(summary.perDay.prefix(31).map(json))),
                (
                    "last_balance",
                    summary.lastBalance.map { .object([("credits", .int($0.credits)), ("at", .string($0.at))]) }
                        ?? .null
                ),
                ("limits", limits.json),
            ]))
    }

    var tasksTool: ToolSpec {
        let tool = Tool(
            name: "tasks", title: "Generation tasks",
            description: "Unfinished generation tasks and their status; with all: true, the 100 most recent ones too.",
            inputSchema: ToolSchema.object([
                ("all", ToolSchema.boolean("Also list recent finished tasks.", default: false))
            ]),
            annotations: Self.readOnly)
        return ToolSpec(tool: tool) { [self] arguments in
            let all = try arguments.bool("all") ?? false
            let catalog = catalog
            let generations = try await blocking {
                all ? try catalog.recentGenerations(limit: 100) : try catalog.unfinishedGenerations()
            }
            let lines =
                generations.isEmpty
                ? [all ? "no tasks" : "no unfinished tasks"] : generations.map(Self.line)
            return ToolAnswer(
                text: lines.joined(separator: "\n"),
                structured: .object([("tasks", .array(generations.map { Self.generationJSON($0, images: nil) }))]))
        }
    }

    /// A generation as `gptimg tasks --json` writes it.
    static func generationJSON(_ generation: GenerationRecord, images: [ImageRecord]?) -> JSONOut {
        var members: [(String, JSONOut)] = [
            ("generation", .int(Int(generation.id))), ("task_id", .optional(generation.taskID)),
            ("status", .string(generation.status.rawValue)), ("prompt", .string(generation.prompt)),
            ("aspect_ratio", .string(generation.aspectRatio)), ("n", .int(generation.n)),
            ("type", .string(generation.type)), ("credits_charged", .int(generation.creditsCharged)),
            ("credits_refunded", .int(generation.creditsRefunded)), ("error", .optional(generation.errorMessage)),
        ]
        if let images {
            members.append(
                (
                    "images",
                    .array(
                        images.map {
                            .object([
                                ("id", .int(Int($0.id))), ("sha256", .string($0.sha256)),
                                ("resource", .string(imageURI($0.id))),
                            ])
                        })
                ))
        }
        return .object(members)
    }

    static func line(_ generation: GenerationRecord) -> String {
        "#\(generation.id)  \(generation.status.rawValue)  \(generation.taskID ?? "(no task id)")  "
            + "\(generation.aspectRatio) x\(generation.n)  \(generation.prompt.prefix(60))"
            + (generation.errorMessage.map { "  (\($0))" } ?? "")
    }
}

/// Where a `search` page starts. Opaque to the client: `o<offset>` for relevance (ranks move as
/// images come, an offset is what there is), `c<created_at>~<id>` for the date orders, which
/// page by position so that each page costs the same.
struct SearchCursor {
    var offset = 0
    var after: ImageCursor?

    /// Deeper than this is not paging but a scan.
    static let maxOffset = 1_000_000

    init(_ text: String?, sort: ImageSort) throws {
        guard let text, !text.isEmpty else { return }
        let invalid = ToolFailure(
            "cursor is not one this server gave for sort \(sort.rawValue): search again without it")
        if text.hasPrefix("o"), sort == .relevance {
            guard let offset = Int(text.dropFirst()), (0...Self.maxOffset).contains(offset) else { throw invalid }
            self.offset = offset
        } else if text.hasPrefix("c"), sort != .relevance, let tilde = text.lastIndex(of: "~"),
            let id = Int64(text[text.index(after: tilde)...])
        {
            let time = String(text[text.index(after: text.startIndex)..<tilde])
            guard Timestamp.normalize(time) != nil else { throw invalid }
            after = ImageCursor(createdAt: time, id: id)
        } else {
            throw invalid
        }
    }

    func next(after items: [ImageDetails], sort: ImageSort) -> String? {
        guard let last = items.last else { return nil }
        if sort == .relevance { return "o\(offset + items.count)" }
        return "c\(last.image.createdAt)~\(last.image.id)"
    }
}
