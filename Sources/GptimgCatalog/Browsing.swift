import GRDB
import GptimgSupport

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
                now: clock(), db: db
            ) {
                try Self.resolve($0, db: db)
            }
        }
    }

    /// `list` with the query given as text.
    public func list(_ text: String, sort: ImageSort = .newest, limit: Int = 50, offset: Int = 0) throws
        -> [ImageDetails]
    {
        try list(try ImageQuery(parsing: text), sort: sort, limit: limit, offset: offset)
    }

    /// How many images match `query` (`SearchSQL.countSQL`; no rows are read back).
    public func count(_ query: ImageQuery = ImageQuery()) throws -> Int {
        try read("count images") { db in
            let sql = try SearchSQL(query, now: clock(), smart: SmartCollections(db: db)) {
                try Self.resolve($0, db: db)
            }
            return try Int.fetchOne(db, sql: sql.countSQL, arguments: StatementArguments(sql.arguments)) ?? 0
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
        let rows = try Browse.details(
            from: "images i JOIN generations g ON g.id = i.generation_id WHERE i.id IN (\(list))", db: db)
        let found = Dictionary(rows.map { ($0.image.id, $0) }, uniquingKeysWith: { first, _ in first })
        return try imageIDs.map { id in
            guard let item = found[id] else { throw CatalogError.noSuchImage(String(id)) }
            return item
        }
    }

    /// The `images` row an ID names (its integer id, or a unique prefix of its SHA-256, as
    /// `resolve` takes), looked up and read in one read transaction: what serving a file needs,
    /// without the generation, tags and collections of `details`.
    public func imageRecord(_ id: String) throws -> ImageRecord {
        try read("read an image") { db in
            let resolved = try Self.resolve(id, db: db)
            guard let image = try ImageRecord.fetchOne(db, key: resolved) else { throw CatalogError.noSuchImage(id) }
            return image
        }
    }

    /// Every collection (as `collections()` lists them, by name) with its cover: the `images`
    /// row of its first image in order, nil when it is empty. One statement, where reading each
    /// collection's first image (with its generation, tags and collections) took four apiece.
    public func collectionCovers() throws -> [(summary: CollectionSummary, cover: ImageRecord?)] {
        try read("list collections") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.name, c.created_at,
                        (SELECT count(*) FROM collection_images n WHERE n.collection_id = c.id) AS count, c.query,
                        \(ImageRecord.selection("i"))
                    FROM collections c LEFT JOIN images i
                    ON i.id = (SELECT ci.image_id FROM collection_images ci WHERE ci.collection_id = c.id
                               ORDER BY ci.position LIMIT 1)
                    ORDER BY c.name
                    """,
                adapter: ScopeAdapter(["cover": SuffixRowAdapter(fromIndex: 5)]))
            return try rows.map { row in
                let collection = CollectionRecord(row: row)
                var summary = CollectionSummary(
                    id: collection.id, name: collection.name, count: row.lenientInt(Column("count")) ?? 0,
                    createdAt: collection.createdAt, query: row.lenientText(Column("query")))
                var cover = row.scopes["cover"].flatMap { scope in
                    scope.lenientInt64(ImageRecord.Columns.id) == nil ? nil : ImageRecord(row: scope)
                }
                // What a smart one's query matches now: the count, and the newest match as the
                // cover (a query that fails, a loop written by hand, lists as empty; its page says why).
                if summary.isSmart {
                    summary.count = 0
                    cover = nil
                }
                if summary.isSmart, let sql = try? Self.collectionSQL(collection.name, now: clock(), db: db) {
                    summary.count = try Self.smartCount(collection.name, now: clock(), db: db)
                    cover = try ImageRecord.fetchOne(
                        db,
                        sql: "SELECT i.* FROM \(sql.from) \(sql.whereClause) "
                            + "ORDER BY i.created_at DESC, i.id DESC LIMIT 1",
                        arguments: StatementArguments(sql.arguments))
                }
                return (summary, cover)
            }
        }
    }
}
