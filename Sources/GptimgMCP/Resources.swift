import Foundation
import GptimgCatalog
import GptimgSupport
import MCP
import PNGRaster

extension GptimgMCPServer {
    /// The longest side of the thumbnail an image resource holds: large enough for an assistant
    /// to judge an image, small enough for its context.
    static let thumbnailSize = 512
    /// The most images a collection resource lists.
    static let collectionLimit = 1000

    static let resourceTemplates = [
        Resource.Template(
            uriTemplate: "gptimg://image/{id}", name: "image", title: "An image",
            description:
                "A \(thumbnailSize) px PNG thumbnail of the image, and its metadata as JSON (what `show` returns).",
            mimeType: "image/png"),
        Resource.Template(
            uriTemplate: "gptimg://collection/{name}", name: "collection", title: "A collection",
            description: "A collection's images in their order (up to \(collectionLimit)), as JSON.",
            mimeType: "application/json"),
    ]

    static func collectionURI(_ name: String) -> String {
        "gptimg://collection/" + (name.addingPercentEncoding(withAllowedCharacters: uriUnreserved) ?? name)
    }

    private static let uriUnreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    /// The collections, as resources (images are too many to list: search finds them).
    func listResources() async throws -> ListResources.Result {
        let catalog = catalog
        let collections = try await blocking { try catalog.collections() }
        return .init(
            resources: collections.map {
                Resource(
                    name: $0.name, uri: Self.collectionURI($0.name), title: "Collection \($0.name)",
                    description: "\($0.count) image\($0.count == 1 ? "" : "s")", mimeType: "application/json")
            }, nextCursor: nil)
    }

    /// Reads `uri`; a resource that is not there is MCP's "resource not found" (-32002), any
    /// other failure an internal error, both with the CLI's one line.
    func readResource(_ uri: String) async throws -> ReadResource.Result {
        do {
            return try await read(uri)
        } catch let error as MCPError {
            throw error
        } catch let error as CatalogError {
            switch error {
            case .noSuchImage, .noSuchCollection, .invalidID, .ambiguousID:
                throw MCPError.serverError(code: -32002, message: describeError(error))
            default: throw MCPError.internalError(describeError(error))
            }
        } catch {
            throw MCPError.internalError(describeError(error))
        }
    }

    private func read(_ uri: String) async throws -> ReadResource.Result {
        let catalog = catalog
        if let id = Self.suffix(of: uri, after: "gptimg://image/") {
            guard !id.isEmpty, id.count <= 64 else { throw Self.notFound(uri) }
            let (show, png) = try await blocking { () throws -> (ImageShow, [UInt8]) in
                let show = try catalog.show(try catalog.resolve(id))
                // The checked path: never a file outside the library, nor a FIFO or a device.
                let file = try catalog.location.file(of: show.details.image)
                let thumbnail = try RGBAImage(
                    thumbnailOfFile: file.path, fitting: Self.thumbnailSize, Self.thumbnailSize)
                return (show, try thumbnail.pngData())
            }
            return .init(contents: [
                .binary(Data(png), uri: uri, mimeType: "image/png"),
                .text(Self.showJSON(show).rendered, uri: uri, mimeType: "application/json"),
            ])
        }
        if let encoded = Self.suffix(of: uri, after: "gptimg://collection/") {
            guard let name = encoded.removingPercentEncoding, !name.isEmpty, name.count <= 200 else {
                throw Self.notFound(uri)
            }
            let limit = Self.collectionLimit
            let items = try await blocking { try catalog.collectionImages(name, limit: limit) }
            let json = JSONOut.object([
                ("collection", .string(name)), ("count", .int(items.count)),
                ("images", .array(items.map(Self.imageJSON))),
            ])
            return .init(contents: [.text(json.rendered, uri: uri, mimeType: "application/json")])
        }
        throw Self.notFound(uri)
    }

    static func suffix(of uri: String, after prefix: String) -> String? {
        uri.hasPrefix(prefix) ? String(uri.dropFirst(prefix.count)) : nil
    }

    /// MCP's "resource not found" error.
    static func notFound(_ uri: String) -> MCPError {
        .serverError(
            code: -32002,
            message: "no resource \(ToolArguments.clip(uri)): use gptimg://image/{id} or gptimg://collection/{name}")
    }
}
