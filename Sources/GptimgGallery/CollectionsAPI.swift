import Foundation
import GptimgCatalog
import GptimgSupport
import HTTPTypes
import Hummingbird

/// `POST /api/collections/create|rename|delete|move`: managing collections from the
/// collections page and a collection's page, through the catalog's own collection calls (the
/// ones `gptimg collection create|rename|delete` make; `move` is `Catalog.moveInCollection`).
/// Bodies: create `{"name": "…", "query": "…"}` (query optional: a smart collection),
/// rename `{"name": "…", "to": "…"}`, delete `{"name": "…"}`, move `{"name": "…", "image": ID,
/// "to": PLACE}` (0 is the first). Guarded as every edit: token, same origin, Host.
enum CollectionsAPI {
    static let maxBody = 16 * 1024
    static let actions = ["create", "rename", "delete", "move"]

    enum Action: Equatable {
        case create(name: String, query: String?)
        case rename(name: String, to: String)
        case delete(name: String)
        case move(name: String, image: Int64, to: Int)
    }

    static func handle(_ request: Request, action name: String, gallery: GalleryContext) async throws -> Response {
        let data: [UInt8]
        switch await BulkAPI.guardedJSON(request, gallery: gallery, maxBody: maxBody) {
        case .failure(let refusal): return refusal.response
        case .success(let body): data = body
        }
        guard actions.contains(name) else {
            return EditAPI.error(
                .notFound, "no such collection action '\(name.prefix(40))': use \(actions.joined(separator: ", "))")
        }
        let action: Action
        do {
            action = try decode(name, data)
        } catch {
            return EditAPI.error(.badRequest, error.message)
        }
        let catalog = gallery.catalog
        do {
            let json = try await gallery.database.run { () throws -> JSONOut in
                switch action {
                case .create(let name, let query):
                    let made = try catalog.createCollection(name, query: query)
                    return summary(made.name, count: made.count, smart: made.isSmart)
                case .rename(let name, let to):
                    try catalog.renameCollection(name, to: to)
                    let renamed = try catalog.collections().first { $0.name.lowercased() == to.trimmed.lowercased() }
                    return summary(
                        renamed?.name ?? to.trimmed, count: renamed?.count ?? 0, smart: renamed?.isSmart ?? false)
                case .delete(let name):
                    try catalog.deleteCollection(name)
                    return .object([("deleted", .string(name.trimmed))])
                case .move(let name, let image, let to):
                    let order = try catalog.moveInCollection(name, image: image, to: to)
                    return .object([("name", .string(name.trimmed)), ("order", .array(order.map { .int(Int($0)) }))])
                }
            }
            return EditAPI.jsonResponse(json.rendered, status: .ok)
        } catch let error as CatalogError {
            if case .collectionExists = error { return EditAPI.error(.conflict, error.description) }
            return BulkAPI.catalogError(error)
        }
    }

    static func summary(_ name: String, count: Int, smart: Bool) -> JSONOut {
        .object([
            ("name", .string(name)), ("path", .string(Pages.collectionPath(name))), ("count", .int(count)),
            ("smart", .bool(smart)),
        ])
    }

    static func decode(_ name: String, _ data: [UInt8]) throws(BulkAPI.Invalid) -> Action {
        do {
            let json = try JSONReader(parsing: data)
            let collection = try json.string("name")
            switch name {
            case "create":
                let query = try json.optionalString("query").flatMap { $0.trimmed.isEmpty ? nil : $0 }
                return .create(name: collection, query: query)
            case "rename":
                return .rename(name: collection, to: try json.string("to"))
            case "delete":
                return .delete(name: collection)
            default:
                let image = try json.int("image")
                let to = try json.int("to")
                guard image > 0, to >= 0 else {
                    throw BulkAPI.Invalid(message: "\"image\" is an image id and \"to\" a place from 0 (the first)")
                }
                return .move(name: collection, image: Int64(image), to: to)
            }
        } catch let error as BulkAPI.Invalid {
            throw error
        } catch {
            let shape =
                switch name {
                case "create": #"{"name": "…", "query": "…" (optional)}"#
                case "rename": #"{"name": "…", "to": "…"}"#
                case "delete": #"{"name": "…"}"#
                default: #"{"name": "…", "image": ID, "to": PLACE}"#
                }
            throw BulkAPI.Invalid(message: "the body must be JSON of the form \(shape)")
        }
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespaces) }
}

/// The selection's and collections' routes (area S of the gallery), registered by `buildRouter`.
func addSelectionRoutes(_ router: Router<BasicRequestContext>, _ gallery: GalleryContext) {
    router.post("/api/bulk/:action") { request, context in
        try await BulkAPI.handle(request, action: context.parameters.get("action") ?? "", gallery: gallery)
    }
    router.post("/api/collections/:action") { request, context in
        try await CollectionsAPI.handle(request, action: context.parameters.get("action") ?? "", gallery: gallery)
    }
    router.post("/download") { request, _ in
        try await Download.handle(request, gallery: gallery)
    }
    router.get("/collection/:name/arrange") { _, context in
        let asked = QueryString.decode(Substring(context.parameters.get("name") ?? ""))
        return try await page(gallery) {
            let catalog = gallery.catalog
            // Names are case-insensitive (ASCII), as in the catalog: the stored spelling is shown.
            guard let summary = try catalog.collections().first(where: { $0.name.lowercased() == asked.lowercased() })
            else { throw CatalogError.noSuchCollection(asked) }
            let items = try catalog.collectionImages(summary.name, limit: CollectionsPage.arrangeLimit)
            return (
                CollectionsPage.arrange(
                    summary.name, items: items, total: summary.count, smart: summary.isSmart, token: gallery.token,
                    thumbs: gallery.thumbs), .ok
            )
        }
    }
}
