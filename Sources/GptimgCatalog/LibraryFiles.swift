import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LibraryLocation {
    /// The file behind a catalog row, checked to lie inside the library: the row's path must be
    /// relative, without `.` or `..` components, and must not lead out through a symbolic link.
    /// A tampered catalog (`../secret.png`, `/etc/passwd`, a link in `images/`) would otherwise
    /// make the gallery serve, or an export share, a file that is not the library's. Returns the
    /// resolved path; throws `CatalogError.file` when the path leaves the library or the file is
    /// missing.
    public func file(of image: ImageRecord) throws -> URL {
        let relative = image.path
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0"),
            !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else {
            throw Self.outside(image)
        }
        guard let resolved = Self.realpath(root.path + "/" + relative), let library = Self.realpath(root.path) else {
            throw CatalogError.file(path: relative, reason: "image \(image.id)'s file is missing (run `gptimg doctor` to check the library)")
        }
        guard resolved.hasPrefix(library + "/") else { throw Self.outside(image) }
        return URL(fileURLWithPath: resolved)
    }

    static func outside(_ image: ImageRecord) -> CatalogError {
        .file(path: image.path, reason: "image \(image.id)'s path leads outside the library, so it is not opened (a damaged or tampered catalog: run `gptimg doctor`)")
    }

    static func realpath(_ path: String) -> String? {
        #if canImport(Glibc)
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        #else
        guard let resolved = Darwin.realpath(path, nil) else { return nil }
        #endif
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension Catalog {
    /// The `images` row an ID names (its integer id, or a unique prefix of its SHA-256, as
    /// `resolve` takes), looked up and read in one read transaction: what serving a file needs,
    /// without the generation, tags and collections of `details`.
    public func imageRecord(_ id: String) throws -> ImageRecord {
        try read("read an image") { db in
            let resolved = try Self.resolve(id, db: db)
            guard let row = try Row.fetchOne(db, sql: "SELECT \(ImageRecord.columns) FROM images i WHERE i.id = ?", arguments: [resolved]) else {
                throw CatalogError.noSuchImage(id)
            }
            return ImageRecord(row: row)
        }
    }

    /// Every collection (as `collections()` lists them, by name) with its cover: the `images`
    /// row of its first image in order, nil when it is empty. One statement, where reading each
    /// collection's first image (with its generation, tags and collections) took four apiece.
    public func collectionCovers() throws -> [(summary: CollectionSummary, cover: ImageRecord?)] {
        try read("list collections") { db in
            try Row.fetchAll(db, sql: """
                SELECT c.id, c.name, c.created_at, (SELECT count(*) FROM collection_images n WHERE n.collection_id = c.id), \(ImageRecord.columns)
                FROM collections c LEFT JOIN images i
                ON i.id = (SELECT ci.image_id FROM collection_images ci WHERE ci.collection_id = c.id ORDER BY ci.position LIMIT 1)
                ORDER BY c.name
                """
            ).map { row in
                let summary = CollectionSummary(id: row[0], name: row[1], count: row[3], createdAt: row[2])
                let hasCover = (row[4] as Int64?) != nil
                return (summary, hasCover ? ImageRecord(row: row, offset: 4) : nil)
            }
        }
    }
}
