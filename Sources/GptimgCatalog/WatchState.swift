import Foundation
import GRDB
import GptimgSupport

/// A file the catalog says was imported from a path: what a watch folder's scan at start need
/// not read and hash again.
public struct ImportedFile: Sendable, Hashable {
    public var bytes: Int
    /// When its row was added (the catalog keeps whole seconds).
    public var addedAt: Date
}

extension Catalog {
    /// The images imported from paths under `folder` (by `original_name`, the path given to
    /// `import`), with their size and when they were added. A file still at such a path, of
    /// that size and not written since, is that image: `import --watch` skips it without
    /// reading it at start. Anything else is read and hashed as usual, so this can only save
    /// work, never import twice.
    public func importedFiles(under folder: String) throws -> [String: ImportedFile] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return try read("look up imported files") { db in
            // A range on the text finds the prefix without LIKE's wildcards (`_`, `%` in names).
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT original_name, bytes, added_at FROM images
                    WHERE original_name >= ? AND original_name < ?
                    """,
                arguments: [prefix, prefix + "\u{10FFFF}"])
            var found: [String: ImportedFile] = [:]
            for row in rows {
                guard let name = row["original_name"] as String?, let bytes = row["bytes"] as Int?,
                    let added = (row["added_at"] as String?).flatMap(Timestamp.init(iso8601:))
                else { continue }
                found[name] = ImportedFile(bytes: bytes, addedAt: added.date)
            }
            return found
        }
    }
}
