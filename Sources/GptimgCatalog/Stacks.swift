import Foundation
import GRDB
import GptimgSupport

/// A stack: the images of one task and of its variant chain (an image and everything made from
/// it), shown as one. `cover` is the one shown for it: the best-rated, then picked, then newest.
public struct ImageStack: Sendable {
    /// The stack's key (`images.stack_id`: the generation at the root of the chain).
    public var id: Int64
    public var cover: ImageDetails
    /// How many images of the stack the query matched (rejected ones only when it asks for them).
    public var size: Int

    /// The cover's JSON with `stack` and `stack_size` added.
    public var json: JSONOut {
        guard case .object(var members) = cover.json else { return cover.json }
        members.append(("stack", .int(Int(id))))
        members.append(("stack_size", .int(size)))
        return .object(members)
    }
}

/// Stacks: `list --stacks`, `gptimg stack ID` and the gallery's stack tiles, over `images.stack_id`
/// (kept by the v5 triggers as images land and variants are recorded).
extension Catalog {
    /// The order of images within a stack, best kept first: the cover is the first (the order of
    /// the images_by_stack index, and of the row values compared in `stacks`).
    static let stackOrder = "i.rating DESC, i.pick DESC, i.created_at DESC, i.id DESC"

    /// The stacks `query` matches, one per stack, each with its cover and how many of its images
    /// match; in `sort`'s order of their covers (relevance counts as newest), paged by `offset`,
    /// or for the date orders from just past the cover `after` (the gallery's keyset paging).
    public func stacks(
        _ query: ImageQuery, sort: ImageSort = .newest, limit: Int = 50, offset: Int = 0,
        after cursor: ImageCursor? = nil, promptExcerpt: Int? = nil
    ) throws -> [ImageStack] {
        try read("list the catalog's stacks") { db in
            var sql = try SearchSQL(query, now: clock()) { try Self.resolve($0, db: db) }
            let order: String
            let sort = query.sort ?? sort
            switch sort {
            case .newest, .relevance: order = "i.created_at DESC, i.id DESC"
            case .oldest: order = "i.created_at, i.id"
            case .rating: order = "i.rating DESC, i.created_at DESC, i.id DESC"
            }
            // An image is its stack's cover when no better member of the stack matches: one seek
            // of images_by_stack per image. Walked in the page's order (images_newest for a date
            // order), the walk stops once the page is full, so a page costs about its size, not
            // the library's. Members are the images the query matches: without words or filters,
            // every image not rejected; else the matches, found once.
            let plain =
                query.groups.isEmpty && query.excluded.isEmpty && query.filters.isEmpty
                && query.conditions.isEmpty
            let matches = "SELECT i.id FROM \(sql.from) \(sql.whereClause)"
            let matchArguments = sql.arguments
            func member(_ alias: String) -> (String, [any DatabaseValueConvertible]) {
                plain ? ("\(alias).pick >= 0", []) : ("\(alias).id IN (\(matches))", matchArguments)
            }
            if let cursor, sort != .rating {
                sql.conditions.append(
                    sort == .oldest ? "(i.created_at, i.id) > (?, ?)" : "(i.created_at, i.id) < (?, ?)")
                sql.arguments += [cursor.createdAt, cursor.id]
            }
            let (better, betterArguments) = member("j")
            sql.conditions.append(
                """
                NOT EXISTS (SELECT 1 FROM images j WHERE j.stack_id = i.stack_id AND \(better)
                    AND (j.rating, j.pick, j.created_at, j.id) > (i.rating, i.pick, i.created_at, i.id))
                """)
            sql.arguments += betterArguments
            let (counted, countArguments) = member("k")
            let page = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.id, i.stack_id,
                        (SELECT count(*) FROM images k WHERE k.stack_id = i.stack_id AND \(counted))
                    FROM \(sql.from) \(sql.whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
                    """,
                arguments: StatementArguments(countArguments + sql.arguments + [max(0, limit), max(0, offset)]))
            let ids = page.map { $0[0] as Int64 }
            let covers = try Browse.details(
                from: """
                    images i JOIN generations g ON g.id = i.generation_id \
                    WHERE i.id IN (\(ids.map(String.init).joined(separator: ",")))
                    """,
                promptExcerpt: promptExcerpt, db: db)
            let byID = Dictionary(covers.map { ($0.image.id, $0) }, uniquingKeysWith: { first, _ in first })
            return page.compactMap { row in
                byID[row[0]].map { ImageStack(id: row[1] as Int64? ?? 0, cover: $0, size: row[2]) }
            }
        }
    }

    /// The images of `id`'s stack that `query` also matches (rejected ones only if it asks),
    /// best kept first: the cover, then the rest by rating, pick and date.
    public func stack(of id: String, query: ImageQuery = ImageQuery()) throws -> [ImageDetails] {
        let imageID = try resolve(id)
        var query = query
        query.filters.append(.stack(String(imageID)))
        return try read("list a stack") { db in
            let sql = try SearchSQL(query, now: clock()) { try Self.resolve($0, db: db) }
            let ids = try Int64.fetchAll(
                db, sql: "SELECT i.id FROM \(sql.from) \(sql.whereClause) ORDER BY \(Self.stackOrder)",
                arguments: StatementArguments(sql.arguments))
            return try Self.details(ids: ids, db: db)
        }
    }
}
