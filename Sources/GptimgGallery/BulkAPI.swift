import Foundation
import GptimgCatalog
import GptimgExport
import GptimgSupport
import HTTPTypes
import Hummingbird

/// `POST /api/bulk/tag|collection|rate|favorite|pick|delete|restore`: the grid's selection
/// toolbar. The body names the images either by `"ids"` or by `"query"`, the grid's own query
/// string (`q=…&tag=…&in=…`, what the page's URL carries): the server runs that through the
/// same `GridRequest` and `Catalog.matchingIDs` the grid used, so "select all N matching" never
/// loads N ids into the page. Each action is one of the catalog's bulk calls (the ones
/// `gptimg tag/rate/fav/pick/reject/collection add|remove/delete --query` make), one transaction.
/// More than 20 images from a query are changed only with `"confirm": true`, as the CLI asks
/// before changing them. `restore` puts deleted images back from the trash (the toolbar's Undo).
///
/// `POST /download`: a zip of the selection (ids or query), of a collection or of a search,
/// streamed as it is made (`ZipStream`). Every route refuses a missing token, a foreign
/// Origin and (before any route runs) a foreign Host.
enum BulkAPI {
    /// A body holds at most `maxIDs` ids (about 8 bytes each).
    static let maxBody = 1 << 20
    static let maxIDs = 100_000
    static let actions = ["tag", "collection", "rate", "favorite", "pick", "delete", "restore"]

    /// The images a request names.
    enum Target: Sendable, Equatable {
        case ids([Int64])
        case query(String)
    }

    /// An action and its value.
    enum Action: Sendable, Equatable {
        case tag(add: [String], remove: [String])
        case collection(name: String, remove: Bool)
        case rate(Int)
        case favorite(Bool)
        case pick(ImagePick)
        case delete
        case restore

        /// The CLI's verb, for the confirmation question and the answer.
        var verb: String {
            switch self {
            case .tag: "tag"
            case .collection(_, let remove): remove ? "remove from the collection" : "add to the collection"
            case .rate: "rate"
            case .favorite(let favorite): favorite ? "mark as favourite" : "unmark as favourite"
            case .pick(let pick): pick == .rejected ? "reject" : pick == .picked ? "pick" : "clear the pick of"
            case .delete: "delete"
            case .restore: "restore"
            }
        }
    }

    struct Invalid: Error {
        let message: String
    }

    static func handle(_ request: Request, action name: String, gallery: GalleryContext) async throws -> Response {
        let data: [UInt8]
        switch await guardedJSON(request, gallery: gallery, maxBody: maxBody) {
        case .failure(let refusal): return refusal.response
        case .success(let body): data = body
        }
        guard actions.contains(name) else {
            return EditAPI.error(
                .notFound, "no such bulk action '\(name.prefix(40))': use \(actions.joined(separator: ", "))")
        }
        let parsed: (Target, Action, Bool)
        do {
            parsed = try decode(name, data)
        } catch {
            return EditAPI.error(.badRequest, error.message)
        }
        let (target, action, confirmed) = parsed
        let catalog = gallery.catalog
        do {
            let answer = try await gallery.database.run { () throws -> Response in
                if action == .restore, case .ids(let ids) = target {
                    let outcomes = try catalog.restoreFromTrash(ids)
                    let restored: [JSONOut] = outcomes.compactMap { outcome in
                        switch outcome {
                        case .restored(let id, _): .object([("id", .int(Int(id))), ("was", .int(Int(id)))])
                        case .restoredAs(let old, let id, _): .object([("id", .int(Int(id))), ("was", .int(Int(old)))])
                        case .alreadyThere(let old, let id): .object([("id", .int(Int(id))), ("was", .int(Int(old)))])
                        }
                    }
                    return EditAPI.jsonResponse(
                        JSONOut.object([
                            ("action", .string("restored")), ("count", .int(restored.count)),
                            ("images", .array(restored)),
                        ]).rendered, status: .ok)
                }
                let ids = try resolve(target, catalog: catalog)
                if case .query = target, ids.count > ImageSelection.confirmationThreshold, !confirmed {
                    return EditAPI.jsonResponse(
                        JSONOut.object([
                            ("error", .string("\(action.verb) \(ids.count) images? Send again with \"confirm\": true")),
                            ("confirm", .bool(true)), ("count", .int(ids.count)),
                        ]).rendered, status: .conflict)
                }
                if !ids.isEmpty { try perform(action, on: ids, catalog: catalog) }
                return EditAPI.jsonResponse(
                    JSONOut.object([
                        ("action", .string(action.verb)), ("count", .int(ids.count)),
                        ("ids", .array(ids.map { .int(Int($0)) })),
                    ]).rendered, status: .ok)
            }
            return answer
        } catch let error as CatalogError {
            return catalogError(error)
        } catch let error as Invalid {
            return EditAPI.error(.badRequest, error.message)
        }
    }

    /// The images `target` names: ids checked to exist (an unknown one is the catalog's error),
    /// or every image the grid's query matches, newest first.
    static func resolve(_ target: Target, catalog: Catalog) throws -> [Int64] {
        switch target {
        case .ids(let ids):
            var seen = Set<Int64>()
            return try catalog.resolve(ids.filter { seen.insert($0).inserted }.map(String.init))
        case .query(let text):
            return try catalog.matchingIDs(try GridRequest(QueryString(text)).imageQuery())
        }
    }

    /// One catalog call, one transaction.
    static func perform(_ action: Action, on ids: [Int64], catalog: Catalog) throws {
        switch action {
        case .tag(let add, let remove): try catalog.tag(ids, add: add, remove: remove)
        case .collection(let name, false): try catalog.addToCollection(name, ids)
        case .collection(let name, true): try catalog.removeFromCollection(name, ids)
        case .rate(let rating): try catalog.rate(ids, rating)
        case .favorite(let favorite): try catalog.setFavorite(ids, favorite)
        case .pick(let pick): try catalog.setPick(ids, pick)
        case .delete: try catalog.delete(ids)
        case .restore: break
        }
    }

    static func catalogError(_ error: CatalogError) -> Response {
        switch error {
        case .noSuchImage, .noSuchCollection: EditAPI.error(.notFound, error.description)
        case .database, .file: EditAPI.error(.internalServerError, error.description)
        default: EditAPI.error(.badRequest, error.description)
        }
    }

    /// The body: `{"ids": [1, 2]}` or `{"query": "q=…&tag=…"}`, `"confirm": true` to go past 20
    /// images from a query, and the action's own fields: tag `{"add": [names], "remove":
    /// [names]}`, collection `{"name": "…", "remove": false}`, rate `{"rating": 0-5}`, favorite
    /// `{"favorite": true}`, pick `{"pick": "picked|rejected|none"}`; restore takes ids only.
    static func decode(_ name: String, _ data: [UInt8]) throws(Invalid) -> (Target, Action, Bool) {
        let json: JSONReader
        do {
            json = try JSONReader(parsing: data)
        } catch {
            throw Invalid(message: "the body must be a JSON object: \(error.description)")
        }
        do {
            let target = try self.target(json)
            let confirm = try json.optional("confirm")?.asBool() ?? false
            let action: Action
            switch name {
            case "tag":
                func names(_ key: String) throws(JSONShapeError) -> [String] {
                    try json.optional(key)?.asArray().map { (name) throws(JSONShapeError) in try name.asString() } ?? []
                }
                let add = try names("add")
                let remove = try names("remove")
                guard !(add.isEmpty && remove.isEmpty), add.count + remove.count <= 50 else {
                    throw Invalid(message: "give 1 to 50 tag names in \"add\" or \"remove\"")
                }
                action = .tag(add: add, remove: remove)
            case "collection":
                action = .collection(
                    name: try json.string("name"), remove: try json.optional("remove")?.asBool() ?? false)
            case "rate":
                let rating = try json.int("rating")
                guard (0...5).contains(rating) else {
                    throw Invalid(message: "'\(rating)' is not a rating: use a whole number from 0 to 5")
                }
                action = .rate(rating)
            case "favorite":
                action = .favorite(try json.bool("favorite"))
            case "pick":
                let word = try json.string("pick")
                guard let pick = ImagePick.allCases.first(where: { $0.name == word }) else {
                    throw Invalid(message: "'\(word.prefix(40))' is not a pick: use picked, rejected or none")
                }
                action = .pick(pick)
            case "delete":
                action = .delete
            default:
                guard case .ids = target else { throw Invalid(message: "restore takes \"ids\", the images deleted") }
                action = .restore
            }
            return (target, action, confirm)
        } catch let error as Invalid {
            throw error
        } catch let error as JSONShapeError {
            throw Invalid(message: "the body does not fit \(name): \(error.description)")
        } catch {
            throw Invalid(message: "\(error)")
        }
    }

    static func target(_ json: JSONReader) throws -> Target {
        let ids = try json.optional("ids")
        let query = try json.optionalString("query")
        switch (ids, query) {
        case (let ids?, nil):
            let list = try ids.asArray().map { try $0.asInt() }
            guard !list.isEmpty, list.count <= maxIDs, list.allSatisfy({ $0 > 0 }) else {
                throw Invalid(message: "\"ids\" must hold 1 to \(maxIDs) image ids (positive whole numbers)")
            }
            return .ids(list.map(Int64.init))
        case (nil, let query?):
            guard query.utf8.count <= 8192 else { throw Invalid(message: "the query is longer than 8192 bytes") }
            return .query(query)
        default:
            throw Invalid(
                message: "give \"ids\" (a list of image ids) or \"query\" (the grid's query string), not both")
        }
    }

    // MARK: - Guard

    struct Refusal: Error {
        let response: Response
    }

    /// The checks every state-changing JSON route makes, in order: the token and the same-origin
    /// check (the Host was checked before any route), a JSON content type, a body within
    /// `maxBody`. Returns the body.
    static func guardedJSON(_ request: Request, gallery: GalleryContext, maxBody: Int) async -> Result<
        [UInt8], Refusal
    > {
        do {
            try EditGuard(token: gallery.token, policy: gallery.policy).check(request)
        } catch .missingToken {
            return .failure(
                Refusal(
                    response: EditAPI.error(
                        .forbidden,
                        "this request lacks the gallery's token (X-Gptimg-Token): reload the page, the gallery may "
                            + "have been restarted")))
        } catch {
            return .failure(
                Refusal(
                    response: EditAPI.error(
                        .forbidden, "changes are accepted only from the gallery's own pages (same origin)")))
        }
        guard (request.headers[.contentType]?.lowercased() ?? "").hasPrefix("application/json") else {
            return .failure(
                Refusal(response: EditAPI.error(.unsupportedMediaType, "send the body as application/json")))
        }
        do {
            return .success(Array(buffer: try await request.body.collect(upTo: maxBody)))
        } catch {
            return .failure(
                Refusal(response: EditAPI.error(.contentTooLarge, "the body is larger than \(maxBody) bytes")))
        }
    }
}
