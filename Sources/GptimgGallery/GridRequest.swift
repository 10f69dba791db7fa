import Foundation
import GptimgAPI
import GptimgCatalog

/// A URL's query string as name/value pairs, decoded as browsers encode forms (`+` is a space,
/// then percent-escapes). Malformed escapes keep their text.
struct QueryString: Sendable {
    var pairs: [(name: String, value: String)]

    init(_ query: String?) {
        pairs = (query ?? "").split(separator: "&").map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(pieces[0]), pieces.count > 1 ? Self.decode(pieces[1]) : "")
        }
    }

    subscript(name: String) -> String? { pairs.last { $0.name == name }?.value }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `?a=1&b=2` from pairs (empty values left out), or "" when there are none.
    static func build(_ pairs: [(String, String)]) -> String {
        let parts = pairs.filter { !$0.1.isEmpty }.map { encode($0.0) + "=" + encode($0.1) }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}

/// What a grid page shows: the search box's query, the filter controls, and where the page
/// starts. Filters are the query language's own (`aspect:`, `type:`, `tag:`, `in:`, `rating:`,
/// `fav:`), added to the typed query, so a search box and the controls never disagree and a
/// URL is a shareable search.
struct GridRequest: Sendable, Hashable {
    var text = ""
    var aspect = ""
    var type = ""
    var tag = ""
    var collection = ""
    var rating = ""
    var favorite = ""
    /// "1": one tile per stack (a task and its variants), its cover, with a count that opens it.
    var stacks = ""
    /// The sort control: newest, oldest, rating or relevance; empty for the query's own `sort:`
    /// (or newest).
    var sort = ""
    /// The last image of the previous page (keyset paging, in the newest or oldest order).
    var cursor: ImageCursor?
    /// How many images earlier pages held, for the orders a cursor cannot page (rating, relevance).
    var offset = 0

    /// The filter controls: each one's URL parameter, which is also its filter's name in the
    /// query language, and the field that holds its value.
    static var controls: [(parameter: String, field: WritableKeyPath<GridRequest, String>)] {
        [
            ("aspect", \.aspect), ("type", \.type), ("tag", \.tag), ("in", \.collection), ("rating", \.rating),
            ("fav", \.favorite), ("stacks", \.stacks),
        ]
    }

    init(_ query: QueryString) {
        text = query["q"] ?? ""
        for control in Self.controls { self[keyPath: control.field] = query[control.parameter] ?? "" }
        cursor = query["before"].flatMap(Self.cursor)
        sort = query["sort"] ?? ""
        offset = query["from"].flatMap { Int($0) }.map { min(max(0, $0), Self.maxOffset) } ?? 0
    }

    /// The deepest page an offset reaches (a rating or relevance order reads every match anyway).
    static let maxOffset = 1_000_000

    /// The order the page is in: the control's, else the typed query's `sort:`, else newest. A
    /// control value that names no order is the query's error.
    func order() throws -> ImageSort {
        if sort.isEmpty { return (try? ImageQuery(parsing: text))?.sort ?? .newest }
        guard let order = ImageSort(rawValue: sort.lowercased()) else {
            let choices = Self.sortChoices.joined(separator: ", ")
            throw CatalogError.query("sort=\(sort.prefix(40)) is not valid: use one of \(choices)")
        }
        return order
    }

    /// Whether pages of `order` go by offset (`from=`) rather than by cursor (`before=`).
    static func pagesByOffset(_ order: ImageSort) -> Bool { order == .rating || order == .relevance }

    static let sortChoices = ImageSort.allCases.map(\.rawValue)

    /// The request for the page after this one, whose last image is `last` (`count` images).
    func following(_ last: ImageDetails, count: Int, order: ImageSort) -> GridRequest {
        var next = self
        if Self.pagesByOffset(order) {
            next.offset = offset + count
            next.cursor = nil
        } else {
            next.cursor = ImageCursor(after: last)
            next.offset = 0
        }
        return next
    }

    /// Whether this is a later page (it neither counts the matches nor lists the filter choices).
    var isLaterPage: Bool { cursor != nil || offset > 0 }

    var hasFilters: Bool { Self.controls.contains { !self[keyPath: $0.field].isEmpty } }

    /// The typed query with the controls' filters added. A malformed query or control value
    /// throws the CLI's own error (`CatalogError.query`), which names what is valid.
    func imageQuery() throws -> ImageQuery {
        var query = try ImageQuery(parsing: text)
        // The order is `order()`'s (the control's, else this `sort:`), given to the catalog apart.
        query.sort = nil
        // A control's value is one filter's value, never re-parsed as query text.
        for (name, value) in [("aspect", aspect), ("type", type), ("rating", rating), ("fav", favorite)]
        where !value.isEmpty {
            query.filters.append(try ImageQuery.filter(name, value))
        }
        // Names are free text (spaces, quotes): added as filters, never re-parsed.
        try ImageQuery.refuseNUL(tag + collection)
        if !tag.isEmpty { query.filters.append(.tag(tag.trimmingCharacters(in: .whitespaces))) }
        if !collection.isEmpty { query.filters.append(.collection(collection.trimmingCharacters(in: .whitespaces))) }
        return query
    }

    /// The query string of this search, its sort and its place (cursor or offset) included.
    func link(path: String = "/") -> String {
        var pairs = [("q", text)] + Self.controls.map { ($0.parameter, self[keyPath: $0.field]) }
        pairs.append(("sort", sort))
        if let cursor { pairs.append(("before", Self.text(cursor))) }
        if offset > 0 { pairs.append(("from", String(offset))) }
        return path + QueryString.build(pairs)
    }

    /// This search from its first page.
    var first: GridRequest {
        var first = self
        first.cursor = nil
        first.offset = 0
        return first
    }

    /// A cursor as URL text: `<created_at>~<id>`.
    static func text(_ cursor: ImageCursor) -> String { cursor.createdAt + "~" + String(cursor.id) }

    static func cursor(_ text: String) -> ImageCursor? {
        guard let tilde = text.lastIndex(of: "~"), let id = Int64(text[text.index(after: tilde)...]) else { return nil }
        let time = String(text[..<tilde])
        guard !time.isEmpty, time.count <= 40 else { return nil }
        return ImageCursor(createdAt: time, id: id)
    }

    /// The choices the aspect control offers: the API's ratios.
    static let aspectChoices = AspectRatio.allCases.map(\.rawValue)
}
