import Foundation
import GptimgAPI
import GptimgCatalog
import HTTPTypes
import Hummingbird
import PNGMetadata

/// The gallery's pages, rendered on the server. Every piece of data reaches the page through
/// `HTML`'s interpolation, which escapes it; there is no inline script or style (the CSP forbids
/// them), only `/static/app.css` and `/static/app.js`.
enum Pages {
    // MARK: - Layout

    /// A whole page: the header with the search form (and `controls` inside it), then `body`.
    static func layout(
        title: String, token: EditToken, search: String = "", action: String = "/", controls: HTML = .empty, body: HTML
    ) -> HTML {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="gptimg-token" content="\(token.value)">
        <title>\(title) · gptimg</title>
        <link rel="icon" href="\(StaticAssets.icon.path)">
        \(StaticAssets.styles.map { "<link rel=\"stylesheet\" href=\"\($0.path)\">\n" as HTML })
        \(StaticAssets.scripts.map { "<script src=\"\($0.path)\" defer></script>\n" as HTML })
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/">gptimg</a>
        <form class="search" action="\(action)" method="get" role="search">
        <input type="search" name="q" value="\(search)" placeholder="Search prompts and tags: lighthouse -storm \
        aspect:16:9 rating:&gt;=4" aria-label="Search" autocomplete="off" spellcheck="false">
        <button type="submit">Search</button>
        \(controls)
        </form>
        <nav><a href="/">Images</a><a href="/collections">Collections</a><a href="/tasks">Tasks</a></nav>
        </header>
        <main>
        \(body)
        </main>
        </body>
        </html>
        """
    }

    // MARK: - Grid

    /// What a grid page needs from the catalog.
    struct Grid {
        var request: GridRequest
        var items: [ImageDetails]
        /// How many images match: counted for the first page only.
        var total: Int?
        /// The next page, when there is one.
        var next: GridRequest?
        /// The query's error (the CLI's message), shown instead of results.
        var error: String?
        var tags: [String]
        var collections: [String]
        /// The page's own path ("/" or a collection's) and heading.
        var path: String = "/"
        var heading: HTML = .empty
        var title: String = "Images"
        /// In stacks mode (`stacks=1`): each cover's stack size, by the cover's image id.
        var stacks: [Int64: Int]?
        /// The prompt bar (`GeneratePages.promptBar`) when the gallery can generate.
        var promptBar: HTML = .empty
    }

    static func grid(_ grid: Grid, token: EditToken, thumbs: ThumbnailStore) -> HTML {
        let request = grid.request
        let controls = filterControls(request, tags: grid.tags, collections: grid.collections, path: grid.path)
        var body: [HTML] = [grid.promptBar, grid.heading]
        if let error = grid.error {
            body.append("<p class=\"error\" role=\"alert\"><strong>This search cannot run:</strong> \(error)</p>")
        } else {
            let searching = !request.text.isEmpty || request.hasFilters
            if let total = grid.total {
                let noun = total == 1 ? "image" : "images"
                body.append(
                    """
                    <p class="summary"><span id="total">\(total.formatted())</span> \
                    \(noun)\(searching ? " match" : "")</p>
                    """
                )
            } else {
                let order = (try? request.order()) ?? .newest
                let later = order == .newest ? "Older" : order == .oldest ? "Newer" : "More"
                body.append("<p class=\"summary\">\(later) images\(searching ? " that match" : "")</p>")
            }
            if grid.items.isEmpty {
                body.append(
                    searching
                        ? "<p class=\"empty\">Nothing matches. <a href=\"\(grid.path)\">Show everything</a>.</p>"
                        : """
                        <p class="empty">No images yet: <code>gptimg import FOLDER</code> or <code>gptimg demo</code> \
                        adds some.</p>
                        """
                )
            }
            let tiles = grid.items.map { tile($0, thumbs: thumbs, stackSize: grid.stacks?[$0.image.id]) }
            body.append("<ul class=\"grid\" id=\"grid\">\(tiles)</ul>")
            body.append(pager(grid))
        }
        return layout(
            title: grid.title, token: token, search: request.text, action: grid.path, controls: controls,
            body: body.joined())
    }

    static func pager(_ grid: Grid) -> HTML {
        var links: [HTML] = []
        let order = (try? grid.request.order()) ?? .newest
        if grid.request.isLaterPage {
            let first = order == .newest ? "Newest" : order == .oldest ? "Oldest" : "First"
            links.append("<a class=\"newest\" href=\"\(grid.request.first.link(path: grid.path))\">↑ \(first)</a>")
        }
        if let next = grid.next {
            let more = order == .newest ? "Older" : order == .oldest ? "Newer" : "More"
            links.append(
                "<a class=\"next\" id=\"next\" href=\"\(next.link(path: grid.path))\" rel=\"next\">\(more) →</a>")
        }
        return "<nav class=\"pager\" id=\"pager\">\(links)</nav>"
    }

    /// The characters (Unicode scalars, as SQLite counts them) of prompt a grid tile shows at
    /// most; the catalog is asked for one more, to tell a prompt it cut from one of that length.
    static let tileExcerpt = 320

    /// One thumbnail: links to the image page; the prompt is its caption and alternative text.
    /// A stack's cover (`stackSize` over 1) carries its count, a link to the grid of its images.
    static func tile(_ item: ImageDetails, thumbs: ThumbnailStore, stackSize: Int? = nil) -> HTML {
        let image = item.image
        let size = thumbs.fittedSize(width: image.width, height: image.height)
        var prompt = item.generation.prompt.isEmpty ? "(no prompt)" : item.generation.prompt
        if prompt.unicodeScalars.count > tileExcerpt {
            prompt = String(String.UnicodeScalarView(prompt.unicodeScalars.prefix(tileExcerpt))) + "…"
        }
        var badges: [HTML] = []
        if image.rating > 0 {
            badges.append(
                """
                <span class="stars" title="rating \(image.rating)">\(String(repeating: "★", count: image.rating))</span>
                """
            )
        }
        if image.favorite { badges.append("<span class=\"fav\" title=\"favourite\">♥</span>") }
        switch image.pickState {
        case .picked: badges.append("<span class=\"pick\" title=\"picked\">✓</span>")
        case .rejected: badges.append("<span class=\"pick\" title=\"rejected\">✗</span>")
        case .none: break
        }
        let stack: HTML =
            (stackSize ?? 0) > 1
            ? """
            <a class="stack-count" href="/?q=\(QueryString.encode("stack:\(image.id)"))" title="open the stack \
            (\(stackSize ?? 0) images)">×\(stackSize ?? 0)</a>
            """ : .empty
        return """
            <li class="tile" data-id="\(image.id)" data-sha="\(image.sha256)" data-rating="\(image.rating)" \
            data-fav="\(image.favorite ? 1 : 0)" data-pick="\(image.pickState.name)" data-width="\(image.width)" \
            data-height="\(image.height)"><a href="/image/\(image.id)"><img src="/thumb/\(image.sha256).png" \
            width="\(size.width)" height="\(size.height)" loading="lazy" decoding="async" \
            alt="\(truncated(prompt, 300))"><span class="caption">\(truncated(prompt, 160))</span></a>\
            \(badges.isEmpty ? HTML.empty : "<span class=\"badges\">\(badges)</span>")\(stack)</li>
            """
    }

    /// The filter controls: selects and datalist inputs that submit with the search box.
    /// On a collection's page (`path` other than "/") the collection is fixed, so there is no
    /// collection control.
    static func filterControls(_ request: GridRequest, tags: [String], collections: [String], path: String) -> HTML {
        let fixedCollection = path != "/"
        func select(_ name: String, _ label: String, _ options: [(String, String)], _ current: String) -> HTML {
            var known = options
            if !current.isEmpty, !options.contains(where: { $0.0 == current }) { known.append((current, current)) }
            let rendered: [HTML] = known.map { value, text in
                "<option value=\"\(value)\"\(value == current ? HTML(trusted: " selected") : .empty)>\(text)</option>"
            }
            return "<label class=\"filter\"><span>\(label)</span><select name=\"\(name)\">\(rendered)</select></label>"
        }
        var parts: [HTML] = []
        parts.append(
            select("aspect", "Aspect", [("", "any")] + GridRequest.aspectChoices.map { ($0, $0) }, request.aspect))
        parts.append(
            select("type", "Type", [("", "any"), ("t2i", "text to image"), ("i2i", "image to image")], request.type))
        parts.append(
            select(
                "rating", "Rating",
                [("", "any")] + (1...5).map { (">=\($0)", String(repeating: "★", count: $0) + ($0 < 5 ? "+" : "")) },
                request.rating))
        parts.append(select("fav", "Favourites", [("", "any"), ("yes", "only ♥"), ("no", "not ♥")], request.favorite))
        parts.append(select("tag", "Tag", [("", "any")] + tags.map { ($0, $0) }, request.tag))
        parts.append(select("stacks", "Show", [("", "every image"), ("1", "stacks")], request.stacks))
        if !fixedCollection {
            parts.append(select("in", "Collection", [("", "any")] + collections.map { ($0, $0) }, request.collection))
        }
        parts.append(sortControl(request, select: select))
        parts.append("<button type=\"submit\" class=\"apply\">Apply</button>")
        if !request.text.isEmpty || request.hasFilters {
            parts.append("<a class=\"clear\" href=\"\(path)\">Clear</a>")
        }
        // On a phone the filters fold behind this toggle (app.css, no script): the grid starts on the first
        // screen. A checkbox without a name, so it never goes into the URL; the label counts what is set.
        let active = GridRequest.controls.filter { !request[keyPath: $0.field].isEmpty }.count
        let toggle: HTML = """
            <input type="checkbox" id="show-filters" class="filters-toggle"><label for="show-filters" \
            class="filters-label">Filters\(active > 0 ? HTML(trusted: " · \(active)") : .empty)</label>
            """
        return "\(toggle)<div class=\"filters\">\(parts)</div>"
    }

    /// The sort control (newest is the empty value: the URL of a plain search stays short), and
    /// the toggle that shows ids and sizes on the tiles (lightbox.js keeps it in localStorage; it
    /// has no name, so it never goes into the URL).
    static func sortControl(_ request: GridRequest, select: (String, String, [(String, String)], String) -> HTML)
        -> HTML
    {
        let order = (try? request.order()) ?? .newest
        let current =
            request.sort.isEmpty || ImageSort(rawValue: request.sort.lowercased()) != nil
            ? (order == .newest ? "" : order.rawValue) : request.sort
        let choices = [("", "newest")] + GridRequest.sortChoices.filter { $0 != "newest" }.map { ($0, $0) }
        return """
            \(select("sort", "Sort", choices, current))<label class="filter info-toggle"><input type="checkbox" \
            id="show-info"><span>ids and sizes</span></label>
            """
    }

    // MARK: - Image page

    static func image(
        _ show: ImageShow, token: EditToken, thumbs: ThumbnailStore, allCollections: [String], actions: HTML = .empty
    ) -> HTML {
        let item = show.details
        let image = item.image
        let generation = item.generation
        let prompt = generation.prompt
        var facts: [(String, HTML)] = [
            ("ID", "\(image.id)"),
            ("SHA-256", "<code>\(image.sha256)</code>"),
            ("File", "<code>\(image.path)</code>"),
            ("Size", "\(image.width) × \(image.height) · \(byteCount(image.bytes))"),
            ("Aspect ratio", "\(generation.aspectRatio)"),
            ("Type", "\(generation.type)"),
            ("Task id", generation.taskID.map { "<code>\($0)</code>" } ?? "—"),
            ("Image", "\(image.index + 1) of \(generation.n)"),
            ("Status", "\(generation.status.rawValue)"),
            ("Credits", "\(credits(generation))"),
            ("Created", "\(image.createdAt)"),
            ("Source", "\(generation.source.rawValue)"),
            ("Generator", "\(image.generator)"),
        ]
        if let model = generation.model { facts.append(("Model", "\(model)")) }
        if let provider = generation.provider { facts.append(("Provider", "\(provider)")) }
        if !generation.referenceImages.isEmpty {
            // Shown as text, never as links or images: they are another site's URLs.
            facts.append(
                ("References", "\(generation.referenceImages.map { "<code class=\"url\">\($0)</code>" as HTML })"))
        }
        if let remote = image.remoteURL {
            // The API's URL without its query: a signed URL's query (`?token=…`) is a credential,
            // and nothing on this page needs it (references stay whole: the command needs them).
            let shown = ValueShape.withoutQuery(remote)
            let note: HTML = shown == remote ? .empty : " (query not shown)"
            facts.append(("Hosted at", "<code class=\"url\">\(shown)</code>\(note)"))
        }
        if let original = image.originalName { facts.append(("Imported from", "<code>\(original)</code>")) }
        if let code = generation.errorCode { facts.append(("Error", "\(code): \(generation.errorMessage ?? "")")) }

        let factRows: [HTML] = facts.map { "<tr><th scope=\"row\">\($0.0)</th><td>\($0.1)</td></tr>" }
        let parameterRows: [HTML] = show.parameters.map {
            "<tr><th scope=\"row\">\($0.key)</th><td>\($0.value)</td></tr>"
        }

        let negative: HTML =
            show.negativePrompt.map { "<p class=\"negative\"><span>Negative prompt</span>\($0)</p>" as HTML } ?? .empty
        let tagChips = chips(kind: "tags", label: "Tags", values: item.tags, placeholder: "add a tag", suggestions: [])
        let collectionChips = chips(
            kind: "collections", label: "Collections", values: item.collections, placeholder: "add to a collection",
            suggestions: allCollections)

        let body: HTML = """
            <article class="image-page" id="image" data-id="\(image.id)">
            <figure class="full"><a href="/img/\(image.sha256).png"><img src="/img/\(image.sha256).png" \
            width="\(image.width)" height="\(image.height)" \
            alt="\(truncated(prompt.isEmpty ? "(no prompt)" : prompt, 300))"></a></figure>
            <section class="details">
            <h1 class="prompt" id="prompt">\(prompt.isEmpty ? "(no prompt)" : prompt)</h1>
            \(negative)
            <div class="edits">
            \(ratingControl(image.rating))
            <button type="button" class="fav-toggle\(image.favorite ? HTML(trusted: " on") : .empty)" id="fav" \
            aria-pressed="\(image.favorite ? "true" : "false")">\
            \(image.favorite ? "♥ Favourite" : "♡ Favourite")</button>
            <span class="pick" id="pick">\(Self.pickText(image.pickState))</span>
            </div>
            \(tagChips)
            \(collectionChips)
            <p class="status" id="status" role="status" aria-live="polite"></p>
            <h2>Run it again</h2>
            <div class="command"><pre><code id="command">\(rerunCommand(generation))</code></pre><button type="button" \
            id="copy">Copy</button></div>
            \(actions)
            \(lineage(show, thumbs: thumbs))
            <h2>Details</h2>
            <table class="facts">\(factRows)</table>
            \(parameterRows.isEmpty ? HTML.empty : "<h2>Parameters</h2><table class=\"facts\">\(parameterRows)</table>")
            </section>
            </article>
            """
        return layout(title: truncated(prompt.isEmpty ? "Image \(image.id)" : prompt, 80), token: token, body: body)
    }

    /// The image page's pick line (set with `gptimg pick` and `gptimg reject`).
    static func pickText(_ pick: ImagePick) -> HTML {
        switch pick {
        case .picked: "✓ Picked"
        case .rejected: "✗ Rejected"
        case .none: "Not picked"
        }
    }

    static func ratingControl(_ rating: Int) -> HTML {
        let stars: [HTML] = (1...5).map { value in
            """
            <button type="button" class="star\(value <= rating ? HTML(trusted: " on") : .empty)" \
            data-rating="\(value)" aria-label="rate \(value)">★</button>
            """
        }
        return
            """
            <div class="rating" id="rating" data-rating="\(rating)" role="group" aria-label="Rating">\(stars)<button \
            type="button" class="clear-rating" data-rating="0">clear</button></div>
            """
    }

    /// Tags or collections: a chip per value with a remove button, and an input to add one.
    static func chips(kind: String, label: String, values: [String], placeholder: String, suggestions: [String]) -> HTML
    {
        let chips: [HTML] = values.map { value in
            let link = kind == "tags" ? "/" + QueryString.build([("tag", value)]) : collectionPath(value)
            return
                """
                <li class="chip"><a href="\(link)">\(value)</a><button type="button" class="remove" \
                data-value="\(value)" aria-label="remove \(value)">×</button></li>
                """
        }
        let options: [HTML] = suggestions.map { "<option value=\"\($0)\"></option>" }
        let list = suggestions.isEmpty ? HTML.empty : "<datalist id=\"\(kind)-choices\">\(options)</datalist>"
        let listAttribute = suggestions.isEmpty ? HTML.empty : " list=\"\(kind)-choices\""
        return """
            <div class="chips" id="\(kind)" data-kind="\(kind)"><h2>\(label)</h2><ul>\(chips)</ul>
            <form class="add" data-kind="\(kind)"><input name="value" placeholder="\(placeholder)" maxlength="100" \
            autocomplete="off"\(listAttribute)><button type="submit">Add</button></form>\(list)</div>
            """
    }

    /// Parent, children and the other images of the task, as thumbnails.
    static func lineage(_ show: ImageShow, thumbs: ThumbnailStore) -> HTML {
        let generation = show.details.generation
        var sections: [HTML] = []
        if let parent = show.parent {
            sections.append("<h3>Made from</h3><ul class=\"grid small\">\(tile(parent, thumbs: thumbs))</ul>")
            sections.append(ComparePage.parentLink(parent: parent.image.id, child: show.details.image.id))
        } else if let task = generation.parentTaskID {
            sections.append(
                """
                <h3>Made from</h3><p>image \((generation.parentIndex ?? 0) + 1) of task <code>\(task)</code> (not in \
                this library)</p>
                """
            )
        }
        if !show.children.isEmpty {
            sections.append(
                """
                <h3>Variants made from it</h3><ul class="grid \
                small">\(show.children.map { tile($0, thumbs: thumbs) })</ul>
                """
            )
        }
        if !show.siblings.isEmpty {
            sections.append(
                "<h3>Same task</h3><ul class=\"grid small\">\(show.siblings.map { tile($0, thumbs: thumbs) })</ul>")
        }
        return sections.isEmpty ? .empty : "<h2>Lineage</h2><div class=\"lineage\">\(sections)</div>"
    }

    /// The command that makes this image's generation again: its prompt, aspect ratio, count and
    /// references, every word quoted for a POSIX shell (`ShellCommand`).
    static func rerunCommand(_ generation: GenerationRecord) -> String {
        ShellCommand.generate(
            prompt: generation.prompt, aspectRatio: generation.aspectRatio, n: generation.n,
            referenceImages: generation.referenceImages
        ).line
    }

    static func credits(_ generation: GenerationRecord) -> String {
        let net = generation.creditsCharged - generation.creditsRefunded
        if generation.creditsCharged == 0 && generation.creditsRefunded == 0 { return "none recorded" }
        return "\(net) (charged \(generation.creditsCharged), refunded \(generation.creditsRefunded))"
    }

    // MARK: - Collections

    static func collections(
        _ summaries: [(summary: CollectionSummary, cover: ImageRecord?)], token: EditToken, thumbs: ThumbnailStore
    ) -> HTML {
        let cards: [HTML] = summaries.map { summary, cover in
            let image: HTML =
                cover.map { cover in
                    let size = thumbs.fittedSize(width: cover.width, height: cover.height)
                    return
                        """
                        <img src=\"/thumb/\(cover.sha256).png\" width=\"\(size.width)\" height=\"\(size.height)\" \
                        loading=\"lazy\" alt=\"\">
                        """
                } ?? "<span class=\"no-cover\"></span>"
            // A smart collection (a saved search) says so, its query as the tooltip.
            let smart: HTML = summary.query.map { " · <span class=\"smart\" title=\"\($0)\">smart</span>" } ?? .empty
            return """
                <li class="tile collection"><a href="\(collectionPath(summary.name))">\(image)<span \
                class="caption"><strong>\(summary.name)</strong> · \(summary.count) \
                \(summary.count == 1 ? "image" : "images")\(smart)</span></a>\
                \(CollectionsPage.controls(summary.name, smart: summary.isSmart, token: token, place: "card"))</li>
                """
        }
        let emptyNote: HTML =
            summaries.isEmpty
            ? """
            <p class="empty">No collections yet: add an image to one from its page, or <code>gptimg collection add \
            NAME ID…</code>.</p>
            """
            : .empty
        let body: HTML = """
            <h1 class="page-title">Collections</h1>
            \(CollectionsPage.createForm)
            \(emptyNote)
            <ul class="grid">\(cards)</ul>
            """
        return layout(title: "Collections", token: token, body: body)
    }

    static func collectionPath(_ name: String) -> String { "/collection/" + QueryString.encode(name) }

    // MARK: - Errors

    static func errorPage(_ status: HTTPResponse.Status, _ message: String, token: EditToken) -> HTML {
        layout(
            title: status.reasonPhrase, token: token,
            body:
                """
                <h1 class="page-title">\(status.reasonPhrase)</h1><p class="error">\(message)</p><p><a href="/">Back \
                to the gallery</a></p>
                """
        )
    }

    /// A plain-text error, for answers given before we know the request is ours (wrong Host).
    static func plainError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    // MARK: - Helpers

    static func truncated(_ text: String, _ limit: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= limit ? line : String(line.prefix(limit - 1)) + "…"
    }

    static func byteCount(_ bytes: Int) -> String {
        if bytes >= 1_000_000 { return String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        if bytes >= 1_000 { return String(format: "%.0f kB", Double(bytes) / 1_000) }
        return "\(bytes) bytes"
    }
}
