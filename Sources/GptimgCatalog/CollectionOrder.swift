import GRDB

extension Catalog {
    /// The images of regular collection `name` in their order (by place; images with the same
    /// place, as a restore can leave, by when they were added, then by id).
    public func collectionOrder(_ name: String) throws -> [Int64] {
        try read("list a collection") { db in
            try Self.order(of: try Self.collectionID(name, db: db), db: db)
        }
    }

    /// A smart collection's query, nil for a regular one; throws `noSuchCollection`.
    public func collectionQuery(_ name: String) throws -> String? {
        try read("read a collection") { db in
            _ = try Self.collectionID(name, db: db)
            return try Self.smartQuery(name, db: db)
        }
    }

    static func order(of collection: Int64, db: Database) throws -> [Int64] {
        try Int64.fetchAll(
            db,
            sql: """
                SELECT image_id FROM collection_images WHERE collection_id = ?
                ORDER BY position, added_at, image_id
                """,
            arguments: [collection])
    }

    /// Moves image `imageID` to place `index` (0 is the first; past the end is the last) of
    /// regular collection `name`, the others keeping their order, in one transaction. Places are
    /// renumbered 0…n-1 and only the images whose place changed are written (with their
    /// sidecars). A smart collection has no order of its own (its query's) and refuses, as does an
    /// image that is not in the collection. Returns the new order.
    @discardableResult
    public func moveInCollection(_ name: String, image imageID: Int64, to index: Int) throws -> [Int64] {
        try curate("reorder a collection") { db in
            let id = try Self.collectionID(name, db: db)
            if let query = try Self.smartQuery(name, db: db) {
                throw Self.smartRefusal(name, query: query, action: "reordered")
            }
            var order = try Self.order(of: id, db: db)
            guard let from = order.firstIndex(of: imageID) else {
                throw CatalogError.selection("image \(imageID) is not in collection '\(name)'")
            }
            let positions = Dictionary(
                try Row.fetchAll(
                    db, sql: "SELECT image_id, position FROM collection_images WHERE collection_id = ?",
                    arguments: [id]
                ).map { ($0[0] as Int64, $0[1] as Int) }, uniquingKeysWith: { first, _ in first })
            order.remove(at: from)
            order.insert(imageID, at: min(max(index, 0), order.count))
            var changed: [Int64] = []
            for (place, image) in order.enumerated() where positions[image] != place {
                try db.execute(
                    sql: "UPDATE collection_images SET position = ? WHERE collection_id = ? AND image_id = ?",
                    arguments: [place, id, image])
                changed.append(image)
            }
            return (order, changed)
        }
    }
}
