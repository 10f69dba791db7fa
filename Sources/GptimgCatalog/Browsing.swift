import GRDB

extension Catalog {
    /// The images matching `query`, as full details (tags, collections, parent), sorted and
    /// paged: `Browse.list` in one read transaction. With `promptExcerpt`, each prompt and
    /// negative prompt is only its first that many characters (SQLite cuts them), for views that
    /// show the start of a prompt: the gallery's tiles.
    public func list(
        _ query: ImageQuery, sort: ImageSort = .newest, limit: Int = 50, offset: Int = 0,
        after cursor: ImageCursor? = nil, promptExcerpt: Int? = nil
    ) throws -> [ImageDetails] {
        try read("search the catalog") { db in
            try Browse.list(
                query, sort: sort, limit: limit, offset: offset, after: cursor, promptExcerpt: promptExcerpt,
                reader: SQLiteReader(db)
            ) {
                try Self.resolve($0, db: db)
            }
        }
    }

    /// `list` with the query given as text.
    public func list(_ text: String, sort: ImageSort = .newest, limit: Int = 50, offset: Int = 0) throws -> [ImageDetails] {
        try list(try ImageQuery(parsing: text), sort: sort, limit: limit, offset: offset)
    }

    /// How many images match `query` (one `count(*)`; no rows are read back).
    public func count(_ query: ImageQuery = ImageQuery()) throws -> Int {
        try read("count images") { db in
            let sql = try SearchSQL(query) { try Self.resolve($0, db: db) }
            // Words alone: the index has one row per image (its triggers keep it so), and
            // counting there skips a lookup in `images` for every match.
            let from = sql.usesIndex && sql.conditions.count == 1 ? "image_search s" : sql.from
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from) \(sql.whereClause)", arguments: StatementArguments(sql.arguments)) ?? 0
        }
    }

    /// Details of the given images, in the order given; `CatalogError.noSuchImage` names the
    /// first one missing.
    public func details(_ imageIDs: [Int64]) throws -> [ImageDetails] {
        try read("read images") { try Self.details(ids: imageIDs, db: $0) }
    }

    /// `details(_:)` within a read: one query for the rows, one each for tags and collections.
    static func details(ids imageIDs: [Int64], db: Database) throws -> [ImageDetails] {
        guard !imageIDs.isEmpty else { return [] }
        // Integers: safe to write into the statement, and no cap on bound variables.
        let list = Set(imageIDs).map(String.init).joined(separator: ",")
        let rows = try Browse.details(from: "images i JOIN generations g ON g.id = i.generation_id WHERE i.id IN (\(list))", reader: SQLiteReader(db))
        let found = Dictionary(uniqueKeysWithValues: rows.map { ($0.image.id, $0) })
        return try imageIDs.map { id in
            guard let item = found[id] else { throw CatalogError.noSuchImage(String(id)) }
            return item
        }
    }
}
