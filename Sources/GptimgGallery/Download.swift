import Foundation
import GptimgCatalog
import GptimgExport
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /download`: a zip of images with its manifest, as `gptimg export --to x.zip` makes it,
/// streamed as the response body while it is made (never built in memory or in a file first).
///
/// A form POST, not a GET, on purpose: it changes nothing, but a GET could be started by any
/// site (a link or an `<img>` pointed at 127.0.0.1) and would make the browser download the
/// whole library to the user's disk, spending their CPU and disk on it. So it is guarded like
/// the edits: the per-start token (as the form field `token`: a download is a navigation, which
/// cannot carry our header), and the same-origin check (`Origin` / `Sec-Fetch-Site`); a foreign
/// Host is refused before any route runs. The form names what to download with one of: `ids`
/// (comma-separated image ids), `query` (the grid's query string: the search the page shows,
/// every page of it) or `collection` (a collection's name: its images in its order).
enum Download {
    static let maxBody = 1 << 20

    static func handle(_ request: Request, gallery: GalleryContext) async throws -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            return refuse(
                gallery, .unsupportedMediaType, "send the download's form as application/x-www-form-urlencoded")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBody)
        } catch {
            return refuse(gallery, .contentTooLarge, "the download's form is larger than \(maxBody) bytes")
        }
        let form = QueryString(String(buffer: body))
        do {
            try EditGuard(token: gallery.token, policy: gallery.policy).check(request, token: form["token"])
        } catch .missingToken {
            return refuse(
                gallery, .forbidden,
                "this download lacks the gallery's token: reload the page, the gallery may have been restarted"
            )
        } catch {
            return refuse(gallery, .forbidden, "downloads are made only from the gallery's own pages (same origin)")
        }
        let catalog = gallery.catalog
        let stream: ZipStream
        let fileName: String
        do {
            (stream, fileName) = try await gallery.database.run { () throws -> (ZipStream, String) in
                let selection = try selection(form, catalog: catalog)
                let stream = try ZipStream(catalog: catalog, selection: selection)
                var name = "gptimg-\(stream.count)-image\(stream.count == 1 ? "" : "s").zip"
                if case .collection(let collection) = selection {
                    let slug = collection.lowercased().unicodeScalars.map {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "-"
                    }
                    let stem = String(slug).split(separator: "-").joined(separator: "-").prefix(60)
                    if !stem.isEmpty { name = "gptimg-\(stem).zip" }
                }
                return (stream, name)
            }
        } catch let error as CatalogError {
            let code: HTTPResponse.Status =
                switch error {
                case .noSuchImage, .noSuchCollection: .notFound
                default: .badRequest
                }
            return refuse(gallery, code, error.description)
        } catch let error as ExportError {
            return refuse(gallery, .badRequest, error.description)
        } catch let error as BulkAPI.Invalid {
            return refuse(gallery, .badRequest, error.message)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        let database = gallery.database
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                // One entry at a time: the next is made only once this one is handed on, so a slow
                // reader holds the export back rather than filling memory.
                while let piece = try await database.run({ try stream.next() }) {
                    try await writer.write(ByteBuffer(bytes: piece))
                }
                try await writer.finish(nil)
            })
    }

    /// What the form asks for: exactly one of `ids`, `query` and `collection`.
    static func selection(_ form: QueryString, catalog: Catalog) throws -> ExportSelection {
        let ids = form["ids"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        switch (ids, form["query"], form["collection"]) {
        case (let ids?, nil, nil):
            guard !ids.isEmpty, ids.count <= BulkAPI.maxIDs, ids.allSatisfy({ Int64($0).map { $0 > 0 } ?? false })
            else {
                throw BulkAPI.Invalid(message: "\"ids\" must hold 1 to \(BulkAPI.maxIDs) image ids, comma-separated")
            }
            return .ids(ids)
        case (nil, let query?, nil):
            let matching = try catalog.matchingIDs(try GridRequest(QueryString(query)).imageQuery())
            guard !matching.isEmpty else { throw ExportError.nothingToExport("the search matches no image") }
            return .ids(matching.map(String.init))
        case (nil, nil, let name?):
            return .collection(name)
        default:
            throw BulkAPI.Invalid(message: "name the images to download with one of ids, query or collection")
        }
    }

    /// An error as a page: the download is a navigation, so this is what the browser shows.
    static func refuse(_ gallery: GalleryContext, _ status: HTTPResponse.Status, _ message: String) -> Response {
        htmlResponse(Pages.errorPage(status, message, token: gallery.token), status: status)
    }
}
