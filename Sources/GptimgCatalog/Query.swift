import GRDB
import GptimgAPI
import GptimgSupport
import PNGMetadata

/// cli.md's query language, parsed: words for the full-text index (FTS5) and filters.
///
/// - words must all match the prompt or tags; `"a phrase"`; `-word` excludes; `word*` is a
///   prefix; `a OR b` (binds tighter than the implicit AND: `red OR blue car` is
///   `(red OR blue) AND car`).
/// - filters: `aspect:16:9 type:t2i|i2i status:… tag:NAME in:COLLECTION rating:>=4 fav:yes
///   after:2026-11-01 before:2026-12-01 source:api|import|simulator generator:… task:ID
///   size:1536x864 parent:ID`; a value with spaces is quoted (`in:"Summer trip"`).
public struct ImageQuery: Sendable, Hashable {
    public struct Term: Sendable, Hashable {
        public var text: String
        public var isPhrase: Bool
        public var isPrefix: Bool
    }

    public enum Filter: Sendable, Hashable {
        case aspect(String)
        case type(String)
        case status(GenerationStatus)
        case tag(String)
        case collection(String)
        case rating(op: String, value: Int)
        case favorite(Bool)
        case after(String)
        case before(String)
        case source(GenerationSource)
        case generator(String)
        case task(String)
        case size(width: Int, height: Int)
        case parent(String)
    }

    /// Groups that must all match; the terms within a group are alternatives (OR).
    public var groups: [[Term]] = []
    public var excluded: [Term] = []
    public var filters: [Filter] = []

    public static let filterNames = [
        "aspect", "type", "status", "tag", "in", "rating", "fav", "after", "before", "source", "generator", "task",
        "size", "parent",
    ]
    /// Every filter with an example value or the values it takes: for help and error messages.
    public static let validFilters =
        """
        aspect:16:9 type:t2i|i2i status:\(GenerationStatus.allCases.map(\.rawValue).joined(separator: "|")) tag:NAME \
        in:COLLECTION rating:>=4 fav:yes|no after:2026-11-01 before:2026-12-01 source:api|import|simulator \
        generator:\(generatorNames.joined(separator: "|")) task:TASK_ID size:1536x864 parent:ID
        """
    static let generatorNames = Generator.allCases.map(\.rawValue) + ["none"]

    public init() {}

    /// Parses `text`; an unknown filter or a malformed value throws `CatalogError.query` with
    /// the list of valid filters.
    public init(parsing text: String) throws {
        let tokens = try Self.tokenize(text)
        var joinNext = false
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .or:
                guard !groups.isEmpty, !joinNext, index < tokens.count else {
                    throw CatalogError.query("OR must stand between two words, as in `red OR blue`")
                }
                joinNext = true
            case .filter(let name, let value):
                try filters.append(Self.filter(name, value))
                joinNext = false
            case .term(let term, let negated):
                if negated {
                    if joinNext {
                        throw CatalogError.query("-\(term.text) cannot be part of an OR: exclude it on its own")
                    }
                    excluded.append(term)
                } else if joinNext {
                    groups[groups.count - 1].append(term)
                } else {
                    groups.append([term])
                }
                joinNext = false
            }
        }
    }

    enum Token {
        case term(Term, negated: Bool)
        case or
        case filter(String, String)
    }

    static func tokenize(_ text: String) throws -> [Token] {
        try refuseNUL(text)
        var tokens: [Token] = []
        let characters = Array(text)
        var i = 0
        func readQuoted() throws -> String {
            // characters[i] is the opening quote
            i += 1
            var value = ""
            while i < characters.count, characters[i] != "\"" {
                value.append(characters[i])
                i += 1
            }
            guard i < characters.count else { throw CatalogError.query("a quote is not closed: \(text)") }
            i += 1
            return value
        }
        while i < characters.count {
            if characters[i].isWhitespace {
                i += 1
                continue
            }
            var negated = false
            if characters[i] == "-", i + 1 < characters.count, !characters[i + 1].isWhitespace {
                negated = true
                i += 1
            }
            if characters[i] == "\"" {
                let phrase = try readQuoted()
                var prefix = false
                if i < characters.count, characters[i] == "*" {
                    prefix = true
                    i += 1
                }
                if Self.hasWordCharacters(phrase) {
                    tokens.append(.term(Term(text: phrase, isPhrase: true, isPrefix: prefix), negated: negated))
                }
                continue
            }
            var word = ""
            while i < characters.count, !characters[i].isWhitespace {
                if characters[i] == "\"", let colon = word.firstIndex(of: ":"),
                    word.index(after: colon) == word.endIndex
                {
                    word += try readQuoted()
                    break
                }
                word.append(characters[i])
                i += 1
            }
            if !negated, word == "OR" {
                tokens.append(.or)
                continue
            }
            if let colon = word.firstIndex(of: ":"), colon != word.startIndex {
                let name = String(word[..<colon])
                if name.allSatisfy({ $0.isLetter }) {
                    if negated {
                        throw CatalogError.query("filters cannot be negated (-\(word)); valid filters: \(validFilters)")
                    }
                    guard filterNames.contains(name.lowercased()) else {
                        throw CatalogError.query("unknown filter '\(name):'; valid filters: \(validFilters)")
                    }
                    tokens.append(.filter(name.lowercased(), String(word[word.index(after: colon)...])))
                    continue
                }
            }
            var prefix = false
            if word.hasSuffix("*") {
                prefix = true
                word = String(word.dropLast())
            }
            if Self.hasWordCharacters(word) {
                tokens.append(.term(Term(text: word, isPhrase: false, isPrefix: prefix), negated: negated))
            }
        }
        return tokens
    }

    static func hasWordCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    }

    /// A NUL is no character of any prompt, tag or name, and SQLite ends an FTS5 expression at
    /// one (a syntax error, once answered as a database failure): it is the query's error.
    package static func refuseNUL(_ text: String) throws {
        guard text.utf8.contains(0) else { return }
        throw CatalogError.query(
            "the query contains a NUL character (\\0), which no prompt, tag or name holds: remove it")
    }

    public static func filter(_ name: String, _ value: String) throws -> Filter {
        func bad(_ wanted: String) -> CatalogError {
            .query("\(name):\(value) is not valid: \(name): wants \(wanted); valid filters: \(validFilters)")
        }
        try refuseNUL(value)
        guard !value.isEmpty else { throw bad("a value") }
        switch name {
        case "aspect":
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a > 0, b > 0 else {
                throw bad("a ratio such as 16:9 (the API's: \(AspectRatio.listed))")
            }
            return .aspect("\(a):\(b)")
        case "type":
            switch value.lowercased() {
            case "t2i", "text-to-image", "text": return .type(TaskType.textToImage.rawValue)
            case "i2i", "image-to-image", "image", "variant": return .type(TaskType.imageToImage.rawValue)
            default: throw bad("t2i or i2i")
            }
        case "status":
            guard let status = GenerationStatus(rawValue: value.lowercased()) else {
                throw bad(GenerationStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return .status(status)
        case "tag": return .tag(value)
        case "in": return .collection(value)
        case "rating":
            var op = "="
            var rest = Substring(value)
            for candidate in [">=", "<=", ">", "<", "="] where rest.hasPrefix(candidate) {
                op = candidate
                rest = rest.dropFirst(candidate.count)
                break
            }
            guard let number = Int(rest), (0...5).contains(number) else {
                throw bad("0-5, optionally after >=, <=, >, < or =")
            }
            return .rating(op: op, value: number)
        case "fav":
            switch value.lowercased() {
            case "yes", "true", "1", "y": return .favorite(true)
            case "no", "false", "0", "n": return .favorite(false)
            default: throw bad("yes or no")
            }
        case "after", "before":
            guard let instant = Self.instant(value) else { throw bad("a date (2026-11-01) or an ISO 8601 time") }
            return name == "after" ? .after(instant) : .before(instant)
        case "source":
            guard let source = GenerationSource(rawValue: value.lowercased()) else {
                throw bad("api, import or simulator")
            }
            return .source(source)
        case "generator":
            guard generatorNames.contains(value.lowercased()) else { throw bad(generatorNames.joined(separator: ", ")) }
            return .generator(value.lowercased())
        case "task": return .task(value)
        case "size":
            let parts = value.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else {
                throw bad("WIDTHxHEIGHT such as 1536x864")
            }
            return .size(width: w, height: h)
        case "parent": return .parent(value)
        default: throw CatalogError.query("unknown filter '\(name):'; valid filters: \(validFilters)")
        }
    }

    /// `2026-11-01` (midnight UTC) or an ISO 8601 time, as the catalog stores times; nil for
    /// anything else, impossible dates (`2026-02-31`) included.
    static func instant(_ value: String) -> String? {
        let parts = value.split(separator: "-")
        if parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) {
            let date = [String(y, zeroPaddedTo: 4), String(m, zeroPaddedTo: 2), String(d, zeroPaddedTo: 2)]
            return Timestamp.normalize(date.joined(separator: "-") + "T00:00:00Z")
        }
        return Timestamp.normalize(value)
    }

    // MARK: - SQL

    static func ftsTerm(_ term: Term) -> String {
        var quoted = "\""
        for scalar in term.text.unicodeScalars {
            quoted.unicodeScalars.append(scalar)
            if scalar == "\"" { quoted.unicodeScalars.append(scalar) } // FTS5 doubles a quote within a string
        }
        return quoted + "\"" + (term.isPrefix ? "*" : "")
    }

    /// The FTS5 expression for the words that must match, or nil when there are none.
    package var matchExpression: String? {
        guard !groups.isEmpty else { return nil }
        let positive = groups.map { group in
            group.count == 1 ? Self.ftsTerm(group[0]) : "(" + group.map(Self.ftsTerm).joined(separator: " OR ") + ")"
        }.joined(separator: " AND ")
        guard !excluded.isEmpty else { return positive }
        return "(" + positive + ") NOT (" + excluded.map(Self.ftsTerm).joined(separator: " OR ") + ")"
    }
}

/// How `list` orders its results.
public enum ImageSort: String, Sendable, CaseIterable {
    case newest, oldest, relevance
}

/// A place in the newest-first (or oldest-first) order of images: the last image of a page.
/// Paging by cursor ("the images after this one") costs the same on every page, where an
/// OFFSET makes SQLite step over every earlier row; the web gallery pages this way.
public struct ImageCursor: Sendable, Hashable {
    public var createdAt: String
    public var id: Int64

    public init(createdAt: String, id: Int64) {
        self.createdAt = createdAt
        self.id = id
    }

    /// The cursor just past `item`.
    public init(after item: ImageDetails) {
        self.init(createdAt: item.image.createdAt, id: item.image.id)
    }
}

/// `list` and `search` on a read transaction of the catalog.
enum Browse {
    /// The images matching `query`, as full details (tags, collections, parent), sorted and
    /// paged. `relevance` sorts by FTS5's bm25 when there are words (newest otherwise).
    /// `after` starts the page just past an image in the `newest` or `oldest` order (it is
    /// ignored for `relevance`, which pages by `offset`). `resolve` turns a `parent:` ID into
    /// an image id. With `promptExcerpt`, prompts are cut to that many characters (for tiles).
    static func list(
        _ query: ImageQuery, sort: ImageSort, limit: Int, offset: Int, after cursor: ImageCursor?,
        promptExcerpt: Int? = nil, db: Database, resolve: (String) throws -> Int64
    ) throws -> [ImageDetails] {
        let rows = limit.addingReportingOverflow(offset)
        // Relevance needs the index's rank; the dates can come from the cheaper way.
        let words =
            sort == .relevance ? .index : try wordSource(query, rows: rows.overflow ? .max : rows.partialValue, db: db)
        if case .ids(let ids) = words, ids.isEmpty { return [] }
        var sql = try SearchSQL(query, words: words, resolve: resolve)
        var order: String
        switch sort {
        case .newest, .relevance: order = "i.created_at DESC, i.id DESC"
        case .oldest: order = "i.created_at, i.id"
        }
        let byRank = sort == .relevance && sql.usesIndex
        if byRank { order = "s.rank, i.id DESC" }
        if let cursor, sort != .relevance {
            sql.conditions.append(sort == .oldest ? "(i.created_at, i.id) > (?, ?)" : "(i.created_at, i.id) < (?, ?)")
            sql.arguments += [cursor.createdAt, cursor.id]
        }
        // Two steps: the page's ids first, from the index and `images` alone (generations
        // are joined there only when a filter needs them), then the full rows of those ids.
        // A common word matches thousands of images; reading each one's generation (its
        // prompt and all) only to sort them and keep 100 was most of a search's time.
        let page =
            "SELECT i.id AS id\(byRank ? ", s.rank AS rank" : "") FROM \(sql.from) \(sql.whereClause) "
            + "ORDER BY \(order) LIMIT ? OFFSET ?"
        return try details(
            from: """
                (\(page)) page CROSS JOIN images i ON i.id = page.id CROSS JOIN generations g ON g.id = i.generation_id
                ORDER BY \(byRank ? "page.rank, i.id DESC" : order)
                """,
            StatementArguments(sql.arguments + [max(0, limit), max(0, offset)]), promptExcerpt: promptExcerpt, db: db)
    }

    /// The images of `SELECT <image columns>, <generation columns> FROM source` (which joins
    /// `images i` and `generations g`), with their tags and collections: what `list`, `show`,
    /// `details` and a collection's listing all read.
    static func details(
        from source: String, _ arguments: StatementArguments = [], promptExcerpt: Int? = nil, db: Database
    ) throws -> [ImageDetails] {
        let columns = "\(ImageRecord.selection("i")), \(GenerationRecord.selection("g", promptExcerpt: promptExcerpt))"
        let items = try ImageDetails.fetchAll(
            db, sql: "SELECT \(columns) FROM \(source)", arguments: arguments, adapter: ImageDetails.adapter)
        return try withTagsAndCollections(items, db: db)
    }

    /// Where a page of `query`'s words, newest (or oldest) first, is found fastest: its
    /// matches' ids when there are few, or a walk of the `images_newest` index that keeps the
    /// images the words match.
    ///
    /// Walking reads about rows × images / matches index entries; sorting the matches looks up
    /// every match's row, about four index entries each, so walking wins beyond
    /// √(rows × images / 4) matches. One pass of the FTS5 index takes the ids up to that bound
    /// and stops there: a rare phrase's page then needs no second pass, and a common word's
    /// costs only the bound. (A common word, 1 image in 30, is 10 times faster walked; a rare
    /// phrase 10 times faster sorted.)
    static func wordSource(_ query: ImageQuery, rows: Int, db: Database) throws -> WordSource {
        guard let match = query.matchExpression else { return .index }
        // About the count, without counting.
        let images = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM images") ?? 0
        let bound = Int((Double(max(1, rows)) * Double(images) / 4).squareRoot())
        let ids = try Int64.fetchAll(
            db, sql: "SELECT rowid FROM image_search WHERE image_search MATCH ? LIMIT ?", arguments: [match, bound + 1])
        return ids.count > bound ? .walk : .ids(ids)
    }

    /// `items` with their tags and collections, read in one query each for all of them.
    private static func withTagsAndCollections(_ items: [ImageDetails], db: Database) throws -> [ImageDetails] {
        guard !items.isEmpty else { return [] }
        // Integers: safe to write into the statement, and no cap on bound variables.
        let ids = items.map { String($0.image.id) }.joined(separator: ",")
        func names(_ sql: String) throws -> [Int64: [String]] {
            var names: [Int64: [String]] = [:]
            let rows = try Row.fetchCursor(db, sql: sql)
            while let row = try rows.next() {
                let image = row.lenientInt64(Column("image_id")) ?? 0
                names[image, default: []].append(row.lenientText(Column("name")) ?? "")
            }
            return names
        }
        let tags = try names(
            """
            SELECT it.image_id, t.name FROM image_tags it JOIN tags t ON t.id = it.tag_id
            WHERE it.image_id IN (\(ids)) ORDER BY t.name
            """)
        let collections = try names(
            """
            SELECT ci.image_id, c.name FROM collection_images ci JOIN collections c ON c.id = ci.collection_id
            WHERE ci.image_id IN (\(ids)) ORDER BY c.name
            """)
        return items.map { item in
            var item = item
            item.tags = tags[item.image.id] ?? []
            item.collections = collections[item.image.id] ?? []
            return item
        }
    }
}

/// Where the images a query's words match come from.
enum WordSource: Equatable {
    /// The FTS5 index itself (`s`), which can rank them.
    case index
    /// These ids, already taken from the index.
    case ids([Int64])
    /// A walk of the `images_newest` index, the words a membership test on each image.
    case walk
}

/// The FROM and WHERE of a query, shared by `list` and `count`: the FTS5 match when there are
/// words, then one condition per filter, with their arguments.
struct SearchSQL {
    var conditions: [String] = []
    var arguments: [any DatabaseValueConvertible] = []
    /// Whether the rows come from the FTS5 index (`s`), so that `s.rank` can sort them.
    var usesIndex = false
    /// Whether the rows come from walking `images_newest`, the words a membership test.
    var walking = false
    /// Whether a filter reads `generations` (g); every image has one, so it is joined only then.
    var needsGeneration = false

    /// The FTS5 index (words), `images` and, when a filter needs it, `generations`.
    var from: String {
        (usesIndex
            ? "image_search s CROSS JOIN images i ON i.id = s.rowid"
            : walking ? "images i INDEXED BY images_newest" : "images i")
            + (needsGeneration ? " CROSS JOIN generations g ON g.id = i.generation_id" : "")
    }

    var whereClause: String { conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") }

    /// `words`: where the images the words match come from (see `Browse.wordSource`);
    /// `resolve` turns a `parent:` ID into an image id.
    init(_ query: ImageQuery, words: WordSource = .index, resolve: (String) throws -> Int64) throws {
        if let match = query.matchExpression {
            switch words {
            case .index:
                usesIndex = true
                conditions.append("image_search MATCH ?")
                arguments.append(match)
            case .ids(let ids):
                // Integers the index gave: safe to write into the statement.
                conditions.append("i.id IN (" + ids.map(String.init).joined(separator: ",") + ")")
            case .walk:
                walking = true
                conditions.append("i.id IN (SELECT rowid FROM image_search WHERE image_search MATCH ?)")
                arguments.append(match)
            }
        } else if !query.excluded.isEmpty {
            conditions.append("i.id NOT IN (SELECT rowid FROM image_search WHERE image_search MATCH ?)")
            arguments.append(query.excluded.map(ImageQuery.ftsTerm).joined(separator: " OR "))
        }
        for filter in query.filters {
            switch filter {
            case .aspect(let value):
                add("g.aspect_ratio = ?", value, generation: true)
            case .type(let value):
                add("g.type = ?", value, generation: true)
            case .status(let value):
                add("g.status = ?", value.rawValue, generation: true)
            case .tag(let name):
                add(
                    "EXISTS (SELECT 1 FROM image_tags it JOIN tags t ON t.id = it.tag_id "
                        + "WHERE it.image_id = i.id AND t.name = ?)", name)
            case .collection(let name):
                add(
                    "EXISTS (SELECT 1 FROM collection_images ci JOIN collections c ON c.id = ci.collection_id "
                        + "WHERE ci.image_id = i.id AND c.name = ?)", name)
            case .rating(let op, let value):
                add("i.rating \(op) ?", value)
            case .favorite(let value):
                add("i.favorite = ?", value)
            case .after(let instant):
                add("i.created_at >= ?", instant)
            case .before(let instant):
                add("i.created_at < ?", instant)
            case .source(let value):
                add("g.source = ?", value.rawValue, generation: true)
            case .generator(let value):
                add("i.generator = ?", value)
            case .task(let value):
                add("g.task_id = ?", value, generation: true)
            case .size(let width, let height):
                add("i.width = ? AND i.height = ?", width, height)
            case .parent(let id):
                add("g.parent_image_id = ?", try resolve(id), generation: true)
            }
        }
    }

    private mutating func add(
        _ condition: String, _ values: any DatabaseValueConvertible..., generation: Bool = false
    ) {
        needsGeneration = needsGeneration || generation
        conditions.append(condition)
        arguments += values
    }
}
