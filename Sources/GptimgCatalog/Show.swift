import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

/// Everything `gptimg show` says about one image: its details, where its file is, its
/// generation's settings and embedded text, and its lineage.
public struct ImageShow: Sendable {
    public var details: ImageDetails
    /// The file's absolute path (links resolved); nil when the containment check refuses the
    /// row's path (`fileProblem` says why), so that nothing invites opening what it names.
    public var file: String?
    /// Why the row's path is refused (it leads outside the library, names a FIFO…), or nil.
    public var fileProblem: String?
    /// The settings its metadata carried (seed, steps, model… or ours), in the file's order.
    public var parameters: [Parameter]
    public var negativePrompt: String?
    /// The image it was made from, when in the library.
    public var parent: ImageDetails?
    /// Images made from it (variants), oldest first.
    public var children: [ImageDetails]
    /// The other images of the same task.
    public var siblings: [ImageDetails]
    /// What was wrong with the file's metadata when it was read (chunks skipped, values that
    /// did not have their type's shape and were dropped), as stored at import.
    public var warnings: [String] = []
    /// The size of the C2PA manifest (`caBX` chunk) the file carries, read from the file; nil
    /// when it has none or cannot be read.
    public var c2paManifestBytes: Int?

    /// `show --json`: the image's JSON, plus `file`, `parameters`, `negative_prompt`, `parent`
    /// and `children` (summaries: id, sha256, path, prompt) and sibling ids.
    public var json: JSONOut {
        guard case .object(var members) = details.json else { return details.json }
        func summary(_ item: ImageDetails) -> JSONOut {
            .object([
                ("id", .int(Int(item.image.id))), ("sha256", .string(item.image.sha256)),
                ("path", .string(item.image.path)), ("prompt", .string(item.generation.prompt)),
            ])
        }
        members.append(("file", .optional(file)))
        if let fileProblem { members.append(("file_problem", .string(fileProblem))) }
        members.append(("negative_prompt", .optional(negativePrompt)))
        members.append(("parameters", .object(parameters.map { ($0.key, .string($0.value)) })))
        members.append(("parent", parent.map(summary) ?? .null))
        members.append(("children", .array(children.map(summary))))
        members.append(("siblings", .array(siblings.map { .int(Int($0.image.id)) })))
        members.append(("warnings", .array(warnings.map(JSONOut.string))))
        members.append(("c2pa_manifest_bytes", c2paManifestBytes.map(JSONOut.int) ?? .null))
        return .object(members)
    }
}

extension Catalog {
    /// The image `id` with its lineage (see `ImageShow`).
    public func show(_ id: Int64) throws -> ImageShow {
        try read("read an image") { db in
            var details = try Self.details(ids: [id], db: db)[0]
            // The smart collections it is in now (a query each: there are few).
            let smart = try Self.smartCollections(of: id, now: clock(), db: db)
            if !smart.isEmpty {
                details.collections = (details.collections + smart).sorted { $0.lowercased() < $1.lowercased() }
            }
            let metadata = try ImageMetadataRecord.fetchOne(db, key: id)
            func images(_ condition: String, _ arguments: StatementArguments) throws -> [ImageDetails] {
                try Browse.details(
                    from: "images i JOIN generations g ON g.id = i.generation_id WHERE \(condition)", arguments, db: db)
            }
            let parent = try details.parentID.flatMap { try images("i.id = ?", [$0]).first }
            let children = try images("g.parent_image_id = ? ORDER BY i.created_at, i.id", [id])
            let siblings = try images(
                "i.generation_id = ? AND i.id <> ? ORDER BY i.index_in_task", [details.image.generationID, id])
            // Shown, not opened: a missing file still has its place; a refused one has none.
            var file: String?
            var fileProblem: String?
            var c2paBytes: Int?
            switch location.checkedFile(atCatalogPath: details.image.path) {
            case .success(let url):
                file = url.path
                // The chunk headers only: the manifest is noted, never parsed.
                c2paBytes = (try? PNGMetadataReader.read(contentsOf: url.path))?.c2paManifestBytes
            case .failure(let problem) where problem.isUnsafe: fileProblem = problem.description
            case .failure: file = location.root.appendingPathComponent(details.image.path).path
            }
            return ImageShow(
                details: details, file: file, fileProblem: fileProblem, parameters: metadata?.parameterList ?? [],
                negativePrompt: details.generation.negativePrompt, parent: parent, children: children,
                siblings: siblings, warnings: metadata?.warningList ?? [], c2paManifestBytes: c2paBytes)
        }
    }
}

extension Catalog {
    /// The settings each image's metadata carried (seed, steps, model… or ours), in the file's
    /// order; images without any are absent. One query for all of them.
    public func parameters(_ imageIDs: [Int64]) throws -> [Int64: [Parameter]] {
        try read("read image parameters") { try Self.parameters(imageIDs, db: $0) }
    }

    static func parameters(_ imageIDs: [Int64], db: Database) throws -> [Int64: [Parameter]] {
        var result: [Int64: [Parameter]] = [:]
        // SQLite caps the variables of one statement: a batch at a time.
        for batch in stride(from: 0, to: imageIDs.count, by: 500) {
            let ids = Array(imageIDs[batch..<min(batch + 500, imageIDs.count)])
            for metadata in try ImageMetadataRecord.fetchAll(db, keys: ids) {
                let parameters = metadata.parameterList
                if !parameters.isEmpty { result[metadata.imageID] = parameters }
            }
        }
        return result
    }
}
