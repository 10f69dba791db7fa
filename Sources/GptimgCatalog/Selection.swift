import GRDB
import GptimgSupport

/// The images a changing command (`tag`, `rate`, `fav`, `pick`, `reject`, `collection add|remove`,
/// `delete`) acts on: the IDs given, or every image a query matches (`--query`).
public struct ImageSelection: Sendable, Hashable {
    /// The images, newest first for a query, in the order given for IDs.
    public var ids: [Int64]
    /// The query they match, when they came from one.
    public var query: String?

    /// Above this many images from a query, a command asks before changing them (`--yes` skips).
    public static let confirmationThreshold = 20

    /// Whether the command should ask first: a query matched more than `confirmationThreshold`.
    /// IDs typed one by one are what the user asked for, however many.
    public var needsConfirmation: Bool { query != nil && ids.count > Self.confirmationThreshold }
}

extension Catalog {
    /// The images `ids` name, or every image `query` matches (rejected ones only when the query
    /// names `is:rejected`, as `list` shows them). Exactly one of the two is given: both or
    /// neither is an error naming the fix. A query matching nothing is an empty selection.
    public func select(ids: [String], query: String?) throws -> ImageSelection {
        switch (ids.isEmpty, query) {
        case (false, nil): return ImageSelection(ids: try resolve(ids), query: nil)
        case (true, let text?): return ImageSelection(ids: try matchingIDs(try ImageQuery(parsing: text)), query: text)
        case (false, _?): throw CatalogError.selection("give image IDs or --query QUERY, not both")
        case (true, nil): throw CatalogError.selection("give image IDs, or --query QUERY for every image it matches")
        }
    }

    /// Every image `query` matches, newest first, without paging: what a bulk action changes.
    public func matchingIDs(_ query: ImageQuery) throws -> [Int64] {
        try read("search the catalog") { db in
            let sql = try SearchSQL(query, now: clock(), smart: SmartCollections(db: db)) {
                try Self.resolve($0, db: db)
            }
            return try Int64.fetchAll(
                db, sql: "SELECT i.id FROM \(sql.from) \(sql.whereClause) ORDER BY i.created_at DESC, i.id DESC",
                arguments: StatementArguments(sql.arguments))
        }
    }
}
