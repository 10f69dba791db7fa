import Foundation
import GptimgCatalog
import HTTPTypes
import Hummingbird
import PNGMetadata

/// Everything a request handler needs, shared by all of them.
struct GalleryContext: Sendable {
    let catalog: Catalog
    let thumbs: ThumbnailStore
    let token: EditToken
    let port: BoundPort
    let pageSize: Int
    /// SQLite work (reads and edits): a few at once, as the catalog's pool has readers.
    let database: Offload
    /// Decoding and encoding thumbnails: one per core.
    let pixels: Offload
    let files = FileIO()
    /// Generating from the page; nil when the gallery was started without it.
    let generator: GalleryGenerator?

    var policy: HostPolicy { HostPolicy(port: port.value) }
}

/// The gallery's routes. Middleware comes first (a route captures the middleware present when
/// it is added, and the not-found answer gets all of it): security headers on everything, then
/// the Host check before anything else is looked at.
func buildRouter(_ gallery: GalleryContext) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: HostCheckMiddleware(port: gallery.port))

    router.get("/") { request, _ in
        try await gridResponse(GridRequest(QueryString(request.uri.query)), gallery: gallery)
    }

    router.get("/image/:id") { _, context in
        let key = context.parameters.get("id") ?? ""
        return try await page(gallery) {
            let id = try gallery.catalog.resolve(try ImageKey.parse(key))
            let show = try gallery.catalog.show(id)
            return (
                Pages.image(
                    show, token: gallery.token, thumbs: gallery.thumbs,
                    allCollections: try gallery.catalog.collectionNames(),
                    actions: gallery.generator == nil ? .empty : GeneratePages.imageActions(show.details)), .ok
            )
        }
    }

    router.get("/collections") { _, _ in
        try await page(gallery) {
            (
                Pages.collections(try gallery.catalog.collectionCovers(), token: gallery.token, thumbs: gallery.thumbs),
                .ok
            )
        }
    }

    router.get("/collection/:name") { request, context in
        let name = QueryString.decode(Substring(context.parameters.get("name") ?? ""))
        var grid = GridRequest(QueryString(request.uri.query))
        grid.collection = name
        return try await gridResponse(grid, gallery: gallery, collection: name)
    }

    router.get("/img/:file") { request, context in
        try await imageFile(
            context.parameters.get("file") ?? "", request: request, requestContext: context, gallery: gallery,
            thumbnail: false)
    }

    router.get("/thumb/:file") { request, context in
        try await imageFile(
            context.parameters.get("file") ?? "", request: request, requestContext: context, gallery: gallery,
            thumbnail: true)
    }

    router.get("/static/:name") { request, context in
        guard let asset = StaticAssets.named(context.parameters.get("name") ?? "") else {
            throw HTTPError(.notFound, message: "No such file.")
        }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.eTag] = "\"\(asset.hash)\""
        // The pages link to `?v=<hash>`: that URL's content never changes.
        headers[.cacheControl] =
            QueryString(request.uri.query)["v"] == asset.hash ? "public, max-age=31536000, immutable" : "no-cache"
        if request.headers[.ifNoneMatch] == "\"\(asset.hash)\"" {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }

    router.get("/compare") { request, _ in try await ComparePage.response(request, gallery: gallery) }

    router.post("/api/image/:id/:what") { request, context in
        try await EditAPI.handle(
            request, id: context.parameters.get("id") ?? "", what: context.parameters.get("what") ?? "",
            gallery: gallery)
    }
    addSelectionRoutes(router, gallery)

    router.get("/tasks") { _, _ in
        try await page(gallery) {
            let generator = gallery.generator
            return (
                GeneratePages.tasks(
                    try GeneratePages.listed(gallery.catalog), live: { generator?.task($0) },
                    resumable: generator != nil, token: gallery.token),
                .ok
            )
        }
    }
    GenerateAPI.register(router, gallery)

    return router
}

/// A grid page: the images matching the request in its order, one page from its cursor or offset.
/// Only the first page (no cursor) counts the matches and lists the tags and collections for the
/// filter controls: a later page is mostly fetched by app.js, which keeps only its tiles and its
/// pager, and read on its own it still carries the current filters.
func gridResponse(_ request: GridRequest, gallery: GalleryContext, collection: String? = nil) async throws -> Response {
    try await page(gallery) {
        let catalog = gallery.catalog
        let firstPage = !request.isLaterPage
        let collectionNames = firstPage || collection != nil ? try catalog.collectionNames() : []
        var grid = Pages.Grid(request: request, items: [], total: nil, next: nil, error: nil, tags: [], collections: [])
        if let asked = collection {
            // Names are case-insensitive (ASCII), as in the catalog: show the stored spelling.
            guard let collection = collectionNames.first(where: { $0.lowercased() == asked.lowercased() }) else {
                throw CatalogError.noSuchCollection(asked)
            }
            grid.path = Pages.collectionPath(collection)
            grid.title = collection
            let manage = CollectionsPage.controls(
                collection, smart: try catalog.collectionQuery(collection) != nil, token: gallery.token,
                place: "heading")
            grid.heading =
                """
                <h1 class="page-title">\(collection) <a class="all-collections" href="/collections">all \
                collections</a></h1>
                \(manage)
                """
        }
        do {
            let query = try request.imageQuery()
            let order = try request.order()
            // One way of paging per order: a cursor's or an offset's, never both.
            let byOffset = GridRequest.pagesByOffset(order)
            let cursor = byOffset ? nil : request.cursor
            let offset = byOffset ? request.offset : 0
            var rows: [ImageDetails]
            if request.stacks == "1" {
                let stacks = try catalog.stacks(
                    query, sort: order, limit: gallery.pageSize + 1, offset: offset, after: cursor,
                    promptExcerpt: Pages.tileExcerpt + 1)
                rows = stacks.map(\.cover)
                grid.stacks = Dictionary(stacks.map { ($0.cover.image.id, $0.size) }, uniquingKeysWith: { a, _ in a })
            } else {
                rows = try catalog.list(
                    query, sort: order, limit: gallery.pageSize + 1, offset: offset, after: cursor,
                    promptExcerpt: Pages.tileExcerpt + 1)
            }
            grid.items = Array(rows.prefix(gallery.pageSize))
            if rows.count > gallery.pageSize, let last = grid.items.last {
                grid.next = request.following(last, count: grid.items.count, order: order)
            }
            if firstPage { grid.total = try catalog.count(query) }
        } catch CatalogError.query(let message) {
            grid.error = message
        }
        if firstPage, let generator = gallery.generator {
            grid.promptBar = GeneratePages.promptBar(
                collection: collection.flatMap { _ in grid.title }, maxCredits: generator.settings.maxCreditsPerRequest)
        }
        if firstPage {
            grid.tags = try catalog.tagNames()
            grid.collections = collectionNames
        }
        return (Pages.grid(grid, token: gallery.token, thumbs: gallery.thumbs), grid.error == nil ? .ok : .badRequest)
    }
}

/// Renders a page off the cooperative pool; a catalog error becomes an error page (404 for an
/// image or collection that is not there, 400 for a malformed ID).
func page(_ gallery: GalleryContext, _ render: @escaping @Sendable () throws -> (HTML, HTTPResponse.Status))
    async throws -> Response
{
    let (html, code): (HTML, HTTPResponse.Status) = try await gallery.database.run {
        do {
            return try render()
        } catch let error as CatalogError {
            let code: HTTPResponse.Status
            switch error {
            case .noSuchImage, .noSuchCollection: code = .notFound
            case .invalidID, .ambiguousID, .query, .invalidName, .invalidRating, .invalidArgument: code = .badRequest
            default: code = .internalServerError
            }
            return (Pages.errorPage(code, error.description, token: gallery.token), code)
        } catch let error as ImageKey.Invalid {
            return (Pages.errorPage(.notFound, error.description, token: gallery.token), .notFound)
        }
    }
    return htmlResponse(html, status: code)
}

func htmlResponse(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/html; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.rendered)))
}

/// `/img/<key>.png` and `/thumb/<key>.png`: the image is looked up in the catalog by id or
/// SHA-256 (prefix), and its file is the one the catalog names, checked to lie inside the library.
/// Nothing from the URL ever becomes part of a path.
func imageFile(
    _ file: String, request: Request, requestContext: BasicRequestContext, gallery: GalleryContext, thumbnail: Bool
) async throws -> Response {
    let key: String
    do {
        key = try ImageKey.parse(file, suffix: ".png")
    } catch {
        throw HTTPError(.notFound, message: error.description)
    }
    let record: ImageRecord
    do {
        record = try await gallery.database.run { try gallery.catalog.imageRecord(key) }
    } catch let error as CatalogError {
        throw HTTPError(.notFound, message: error.description)
    }
    let etag = "\"\(record.sha256)\(thumbnail ? "-\(gallery.thumbs.size)" : "")\""
    var headers = HTTPFields()
    headers[.contentType] = "image/png"
    headers[.eTag] = etag
    // URLs by full hash name one content forever; by id, an id can be reused after a delete.
    headers[.cacheControl] = key == record.sha256 ? "private, max-age=31536000, immutable" : "private, no-cache"
    if thumbnail, let reason = gallery.thumbs.failure(sha256: record.sha256) {
        // Known not to decode: answered without touching the file again.
        return placeholderThumbnail(reason: reason)
    }
    if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
    let path: String
    do {
        if thumbnail {
            let thumbs = gallery.thumbs
            // A cached thumbnail is one stat away: no decoding slot is taken for it.
            let cached = thumbs.path(sha256: record.sha256)
            path =
                FileManager.default.fileExists(atPath: cached)
                ? cached : try await gallery.pixels.run { try thumbs.thumbnail(of: record) }
        } else {
            path = try gallery.catalog.location.file(of: record).path
        }
    } catch let error as ThumbnailStore.Unavailable {
        return placeholderThumbnail(reason: error.description)
    } catch let error as CatalogError {
        // A path leading out of the library, or a missing file.
        throw HTTPError(.notFound, message: error.description)
    } catch let error as GalleryError {
        throw HTTPError(.notFound, message: error.description)
    } catch {
        throw HTTPError(.internalServerError, message: "image \(record.id): \(error)")
    }
    let body = try await gallery.files.loadFile(path: path, context: requestContext)
    return Response(status: .ok, headers: headers, body: body)
}

/// The placeholder for an image whose file cannot be made into a thumbnail (damaged, too large,
/// a decompression bomb), with the reason in `X-Gptimg-Thumbnail-Error`. Never cached by the
/// browser: the image's URL would otherwise keep the placeholder for a year.
func placeholderThumbnail(reason: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "image/png"
    headers[.cacheControl] = "no-store"
    // Printable ASCII only: a header value cannot carry control characters.
    let printable = String(String(reason.unicodeScalars.filter { (0x20...0x7E).contains($0.value) }).prefix(300))
    headers[HTTPField.Name("X-Gptimg-Thumbnail-Error")!] = printable
    let body = ResponseBody(byteBuffer: ByteBuffer(bytes: ThumbnailStore.placeholder))
    return Response(status: .ok, headers: headers, body: body)
}

/// An image named in a URL: its integer id or 6-64 lowercase hex digits of its SHA-256, nothing
/// else (no dots, slashes or escapes survive this).
enum ImageKey {
    struct Invalid: Error, CustomStringConvertible {
        let text: String
        var description: String {
            "'\(text.prefix(80))' does not name an image: use its number or 6-64 hex digits of its SHA-256"
        }
    }

    static func parse(_ text: String, suffix: String = "") throws(Invalid) -> String {
        guard text.hasSuffix(suffix) else { throw Invalid(text: text) }
        let key = String(text.dropLast(suffix.count)).lowercased()
        guard !key.isEmpty, key.count <= 64,
            key.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw Invalid(text: text)
        }
        guard key.utf8.allSatisfy({ (0x30...0x39).contains($0) }) || key.count >= 6 else { throw Invalid(text: text) }
        return key
    }
}
