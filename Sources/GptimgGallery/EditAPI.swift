import Foundation
import GptimgCatalog
import GptimgSupport
import HTTPTypes
import Hummingbird
import PNGMetadata

/// `POST /api/image/{id}/rating|favorite|pick|tags|collections`: the image page's and the lightbox's
/// edits. Each takes a small JSON body, goes through the catalog's own organising calls (the same as
/// `gptimg rate`, `fav`, `pick`/`reject`, `tag` and `collection add|remove`), and answers with the
/// image in cli.md's JSON shape, from which the page redraws its controls. Refused (403) without
/// the per-start token or from another origin.
enum EditAPI {
    /// The largest body an edit needs (a handful of names of at most 100 characters).
    static let maxBody = 16 * 1024

    static func handle(_ request: Request, id: String, what: String, gallery: GalleryContext) async throws -> Response {
        do {
            try EditGuard(token: gallery.token, policy: gallery.policy).check(request)
        } catch .missingToken {
            return error(
                .forbidden,
                """
                this edit lacks the gallery's token (X-Gptimg-Token): reload the page, the gallery may have been \
                restarted
                """
            )
        } catch {
            return Self.error(.forbidden, "edits are accepted only from the gallery's own pages (same origin)")
        }
        guard ["rating", "favorite", "pick", "tags", "collections"].contains(what) else {
            return error(
                .notFound, "no such edit '\(what.prefix(40))': use rating, favorite, pick, tags or collections")
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            return error(.unsupportedMediaType, "send the edit as application/json")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBody)
        } catch {
            return Self.error(.contentTooLarge, "the edit is larger than \(maxBody) bytes")
        }
        let data = Array(buffer: body)
        let key: String
        do {
            key = try ImageKey.parse(id)
        } catch {
            return Self.error(.notFound, error.description)
        }
        let catalog = gallery.catalog
        do {
            let edit = try decode(what, data)
            let json = try await gallery.database.run { () throws -> String in
                let imageID = try catalog.resolve(key)
                switch edit {
                case .rating(let value): try catalog.rate([imageID], value)
                case .favorite(let value): try catalog.setFavorite([imageID], value)
                case .pick(let value): try catalog.setPick([imageID], value)
                case .tags(let add, let remove): try catalog.tag([imageID], add: add, remove: remove)
                case .collections(let add, let remove):
                    for name in add { try catalog.addToCollection(name, [imageID]) }
                    for name in remove { try catalog.removeFromCollection(name, [imageID]) }
                }
                return try catalog.details([imageID])[0].json.rendered
            }
            return jsonResponse(json, status: .ok)
        } catch let error as CatalogError {
            switch error {
            case .noSuchImage, .noSuchCollection: return Self.error(.notFound, error.description)
            case .database: return Self.error(.internalServerError, error.description)
            default: return Self.error(.badRequest, error.description)
            }
        } catch let error as Invalid {
            return Self.error(.badRequest, error.message)
        }
    }

    enum Edit: Sendable {
        case rating(Int)
        case favorite(Bool)
        case pick(ImagePick)
        case tags(add: [String], remove: [String])
        case collections(add: [String], remove: [String])
    }

    struct Invalid: Error {
        let message: String
    }

    /// The edit a body asks for: `{"rating": 0-5}`, `{"favorite": true|false}`,
    /// `{"pick": "picked"|"rejected"|"none"}`, or
    /// `{"add": [names], "remove": [names]}` (either may be left out or null).
    static func decode(_ what: String, _ data: [UInt8]) throws(Invalid) -> Edit {
        do {
            let json = try JSONReader(parsing: data)
            switch what {
            case "rating":
                let rating = try json.int("rating")
                guard (0...5).contains(rating) else {
                    throw Invalid(message: "'\(rating)' is not a rating: use a whole number from 0 to 5")
                }
                return .rating(rating)
            case "favorite":
                return .favorite(try json.bool("favorite"))
            case "pick":
                let name = try json.string("pick")
                guard let pick = ImagePick.allCases.first(where: { $0.name == name }) else {
                    throw Invalid(message: "'\(name.prefix(40))' is not a pick: use picked, rejected or none")
                }
                return .pick(pick)
            default:
                func names(_ key: String) throws(JSONShapeError) -> [String] {
                    try json.optional(key)?.asArray().map { (name) throws(JSONShapeError) in try name.asString() } ?? []
                }
                let add = try names("add")
                let remove = try names("remove")
                guard !(add.isEmpty && remove.isEmpty), add.count + remove.count <= 50 else {
                    throw Invalid(message: "give 1 to 50 names in \"add\" or \"remove\"")
                }
                return what == "tags" ? .tags(add: add, remove: remove) : .collections(add: add, remove: remove)
            }
        } catch let error as Invalid {
            throw error
        } catch {
            let shape =
                switch what {
                case "rating": #"{"rating": 0-5}"#
                case "favorite": #"{"favorite": true|false}"#
                case "pick": #"{"pick": "picked"|"rejected"|"none"}"#
                default: #"{"add": ["name"], "remove": ["name"]}"#
                }
            throw Invalid(message: "the body must be JSON of the form \(shape)")
        }
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        jsonResponse(JSONOut.object([("error", .string(message))]).rendered, status: status)
    }

    static func jsonResponse(_ json: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
