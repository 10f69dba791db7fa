import Foundation
import GRDB
import GptimgAPI
import GptimgSupport
import PNGMetadata

/// cli.md's query language, parsed: words for the full-text index (FTS5) and filters.
///
/// - words must all match the prompt or tags; `"a phrase"` (a quoted `"4:5"` is a phrase, never a
///   filter); `-word` or `NOT word` excludes; `word*` is a prefix; `a OR b` (binds tighter than
///   the implicit AND, which may be written `AND`: `red OR blue car` is `(red OR blue) AND car`);
///   parentheses group (`(red car) OR boat`); `OR`, `AND` and `NOT` join filters as well as words
///   (`tag:"night sky" OR in:Favourites`, `-tag:draft`).
/// - filters: see `validFilters`; a value with spaces is quoted (`in:"Summer trip"`).
/// - `sort:newest|oldest|relevance|rating` orders the results (the command's `--sort` otherwise).
/// - rejected images (`is:rejected`) are left out unless the query names `is:rejected`.
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
        /// From this instant on (catalog form).
        case after(String)
        /// Before this instant (catalog form).
        case before(String)
        case source(GenerationSource)
        case generator(String)
        case task(String)
        case size(width: Int, height: Int)
        case parent(String)
        /// From this time on, read against the catalog's clock when the query runs.
        case since(QueryTime)
        /// Before this time, likewise.
        case until(QueryTime)
        case pick(ImagePick)
        /// Credits the generation cost (charged less refunded).
        case credits(op: String, value: Int)
        case count(op: String, value: Int)
        case hasParent(Bool)
        case hasChildren(Bool)
        case hasReferences(Bool)
        /// `similar:ID` or `similar:ID~N`: images within N bits (default 10) of ID's perceptual hash.
        case similar(id: String, distance: Int)
        /// `stack:ID`: the images of ID's stack (its task and its variant chain).
        case stack(String)
        /// From the first time on, before the second (`date:`: a day or a month).
        case during(QueryTime, QueryTime)
    }

    /// A time a query names: an instant, or one relative to now (`7d`, `yesterday`).
    public enum QueryTime: Sendable, Hashable {
        case instant(String)
        /// `seconds` before now.
        case ago(seconds: Int)
        /// Midnight (UTC) `days` days before today's.
        case startOfDay(daysAgo: Int)

        /// The instant in the catalog's form, given now.
        func resolved(now: Date) -> String {
            switch self {
            case .instant(let text): return text
            case .ago(let seconds): return Timestamp(now.addingTimeInterval(-Double(seconds))).iso8601
            case .startOfDay(let days):
                let today = Timestamp(now).wholeSeconds
                let midnight = (today >= 0 ? today / 86_400 : (today - 86_399) / 86_400) - days
                return Timestamp(epochSeconds: Double(midnight * 86_400)).iso8601
            }
        }
    }

    /// A condition the simple form (`groups`, `excluded`, `filters`, all joined by AND) cannot
    /// hold: an OR or a NOT over filters or groups. Words here are membership tests on the index.
    public indirect enum Condition: Sendable, Hashable {
        case word(Term)
        case filter(Filter)
        case all([Condition])
        case any([Condition])
        case not(Condition)
    }

    /// Groups that must all match; the terms within a group are alternatives (OR).
    public var groups: [[Term]] = []
    public var excluded: [Term] = []
    public var filters: [Filter] = []
    /// Conditions that must also all match (ORs and NOTs that involve filters or parentheses).
    public var conditions: [Condition] = []
    /// The order the query asks for (`sort:`), or nil for the command's.
    public var sort: ImageSort?

    public static let filterNames = [
        "aspect", "type", "status", "tag", "in", "rating", "fav", "after", "before", "source", "generator", "task",
        "size", "parent", "date", "is", "credits", "n", "has", "ref", "sort",
        "similar", "stack",
    ]
    /// Every filter with an example value or the values it takes: for help and error messages.
    public static let validFilters =
        """
        aspect:16:9 type:t2i|i2i status:\(GenerationStatus.allCases.map(\.rawValue).joined(separator: "|")) tag:NAME \
        in:COLLECTION rating:>=4 fav:yes|no is:picked|rejected|unrated|fav after:DATE before:DATE date:DAY|MONTH \
        source:api|import|simulator generator:\(generatorNames.joined(separator: "|")) task:TASK_ID size:1536x864 \
        parent:ID credits:>=4 n:4 has:parent|children|refs ref:yes|no sort:\(sortNames) similar:ID stack:ID
        """
    /// The forms `after:`, `before:` and `date:` take, for their error message.
    public static let validDates =
        "2026-12-06, 2026-12 (a month), 2026-12-06T18:30, 2026-12-06T18:30:00Z, today, yesterday, 7d, 12h, 2w"
    static let generatorNames = Generator.allCases.map(\.rawValue) + ["none"]
    static let sortNames = ImageSort.allCases.map(\.rawValue).joined(separator: "|")

    public init() {}

    /// Whether the query names `is:rejected` anywhere (then rejected images are not left out).
    public var asksForRejected: Bool { hasFilter { $0 == .pick(.rejected) } }

    /// Whether the query has a `similar:` filter anywhere (it compares perceptual hashes: images
    /// without one are not compared).
    public var comparesLooks: Bool {
        hasFilter { if case .similar = $0 { true } else { false } }
    }

    /// Whether any filter of the query, in the simple form or anywhere in its condition tree, is
    /// one `matches` accepts.
    func hasFilter(_ matches: (Filter) -> Bool) -> Bool {
        func names(_ condition: Condition) -> Bool {
            switch condition {
            case .word: false
            case .filter(let filter): matches(filter)
            case .all(let list), .any(let list): list.contains(where: names)
            case .not(let inner): names(inner)
            }
        }
        return filters.contains(where: matches) || conditions.contains(where: names)
    }

    /// Parses `text`; an unknown filter or a malformed value throws `CatalogError.query` with
    /// the list of valid filters.
    public init(parsing text: String) throws {
        var parser = Parser(tokens: try Self.tokenize(text))
        let top = try parser.conjunction()
        if parser.index < parser.tokens.count {
            // Only a `)` stops a conjunction early.
            throw CatalogError.query("a ')' has no '(' before it: \(text)")
        }
        for node in top {
            try add(node)
        }
        sort = parser.sort
    }

    /// One part of the top-level AND, placed in the simple form when it fits there.
    private mutating func add(_ node: Condition) throws {
        switch node {
        case .word(let term): groups.append([term])
        case .filter(let filter): filters.append(filter)
        case .not(.word(let term)): excluded.append(term)
        case .all(let list): for inner in list { try add(inner) }
        case .any(let list):
            let words = list.compactMap { if case .word(let term) = $0 { term } else { nil } }
            if words.count == list.count { groups.append(words) } else { conditions.append(node) }
        case .not: conditions.append(node)
        }
    }

    enum Token: Equatable {
        case term(Term, negated: Bool)
        case or, and, not, open(negated: Bool), close
        case filter(String, String, negated: Bool)
    }

    /// Recursive descent over the tokens: a conjunction of disjunctions of (possibly negated)
    /// words, filters and parenthesised conjunctions.
    struct Parser {
        let tokens: [Token]
        var index = 0
        var sort: ImageSort?
        var depth = 0

        /// Parts joined by AND (written or implied), up to the end or a `)`.
        mutating func conjunction() throws -> [Condition] {
            var parts: [Condition] = []
            while index < tokens.count {
                switch tokens[index] {
                case .close: return parts
                case .and:
                    guard !parts.isEmpty, index + 1 < tokens.count, tokens[index + 1] != .close else {
                        throw CatalogError.query("AND must stand between two words or filters, as in `red AND blue`")
                    }
                    index += 1
                case .or: throw CatalogError.query("OR must stand between two words, as in `red OR blue`")
                default: break
                }
                if let part = try disjunction() { parts.append(part) }
            }
            return parts
        }

        /// Parts joined by OR; nil for a `sort:` (which is no condition).
        mutating func disjunction() throws -> Condition? {
            guard let first = try unary() else {
                if index < tokens.count, tokens[index] == .or {
                    throw CatalogError.query("sort: cannot be part of an OR: give it on its own")
                }
                return nil
            }
            var alternatives: [Condition] = []
            while index < tokens.count, tokens[index] == .or {
                index += 1
                guard index < tokens.count, ![.close, .or, .and].contains(tokens[index]) else {
                    throw CatalogError.query("OR must stand between two words, as in `red OR blue`")
                }
                guard let next = try unary() else {
                    throw CatalogError.query("sort: cannot be part of an OR: give it on its own")
                }
                alternatives.append(next)
            }
            if alternatives.isEmpty { return first }
            return .any([first] + alternatives)
        }

        /// A word, a filter, `NOT x`, `-x` or `( … )`; nil for `sort:`.
        mutating func unary() throws -> Condition? {
            guard index < tokens.count else {
                throw CatalogError.query("NOT must come before a word, filter or group, as in `NOT storm`")
            }
            let token = tokens[index]
            index += 1
            switch token {
            case .not:
                guard index < tokens.count, ![.close, .or, .and, .not].contains(tokens[index]) else {
                    throw CatalogError.query("NOT must come before a word, filter or group, as in `NOT storm`")
                }
                guard let inner = try unary() else { throw CatalogError.query("sort: cannot be negated") }
                return .not(inner)
            case .term(let term, let negated):
                return negated ? .not(.word(term)) : .word(term)
            case .filter("sort", let value, let negated):
                guard !negated, depth == 0 else {
                    throw CatalogError.query("sort:\(value) applies to the whole query: give it outside ( ), NOT and -")
                }
                guard let order = ImageSort(rawValue: value.lowercased()) else {
                    throw CatalogError.query("sort:\(value) is not valid: sort: wants \(ImageQuery.sortNames)")
                }
                sort = order
                return nil
            case .filter(let name, let value, let negated):
                let filter = Condition.filter(try ImageQuery.filter(name, value))
                return negated ? .not(filter) : filter
            case .open(let negated):
                depth += 1
                let parts = try conjunction()
                depth -= 1
                guard index < tokens.count, tokens[index] == .close else {
                    throw CatalogError.query("a '(' is not closed: add ')'")
                }
                index += 1
                guard !parts.isEmpty else { throw CatalogError.query("( ) holds nothing: put words or filters in it") }
                let group = parts.count == 1 ? parts[0] : .all(parts)
                return negated ? .not(group) : group
            case .close: throw CatalogError.query("a ')' has no '(' before it")
            case .or, .and: throw CatalogError.query("OR and AND must stand between two words, as in `red OR blue`")
            }
        }
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
            if characters[i] == ")" {
                tokens.append(.close)
                i += 1
                continue
            }
            var negated = false
            if characters[i] == "-", i + 1 < characters.count, !characters[i + 1].isWhitespace {
                negated = true
                i += 1
            }
            if characters[i] == "(" {
                tokens.append(.open(negated: negated))
                i += 1
                continue
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
                // Within a group, a `)` ends a word or a filter's value: `(red OR tag:sky)`.
                if characters[i] == ")", tokens.openGroups > 0 { break }
                word.append(characters[i])
                i += 1
            }
            if !negated, ["OR", "AND", "NOT"].contains(word) {
                tokens.append(word == "OR" ? .or : word == "AND" ? .and : .not)
                continue
            }
            if let colon = word.firstIndex(of: ":"), colon != word.startIndex {
                let name = String(word[..<colon])
                if name.allSatisfy({ $0.isLetter }) {
                    guard filterNames.contains(name.lowercased()) else {
                        throw CatalogError.query("unknown filter '\(name):'; valid filters: \(validFilters)")
                    }
                    tokens.append(
                        .filter(name.lowercased(), String(word[word.index(after: colon)...]), negated: negated))
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

    /// `>=4`, `<2`, `=3` or `3`: the comparison and the number.
    static func comparison(_ value: String) -> (op: String, number: Int)? {
        var op = "="
        var rest = Substring(value)
        for candidate in [">=", "<=", ">", "<", "="] where rest.hasPrefix(candidate) {
            op = candidate
            rest = rest.dropFirst(candidate.count)
            break
        }
        guard let number = Int(rest), number >= 0 else { return nil }
        return (op, number)
    }

    public static func filter(_ name: String, _ value: String) throws -> Filter {
        func bad(_ wanted: String) -> CatalogError {
            .query("\(name):\(value) is not valid: \(name): wants \(wanted); valid filters: \(validFilters)")
        }
        try refuseNUL(value)
        guard !value.isEmpty else {
            throw ["after", "before", "date"].contains(name) ? dateError(name, value) : bad("a value")
        }
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
            guard let (op, number) = comparison(value), (0...5).contains(number) else {
                throw bad("0-5, optionally after >=, <=, >, < or =")
            }
            return .rating(op: op, value: number)
        case "credits", "n":
            guard let (op, number) = comparison(value) else {
                throw bad("a whole number, optionally after >=, <=, >, < or = (\(name):>=4)")
            }
            return name == "n" ? .count(op: op, value: number) : .credits(op: op, value: number)
        case "fav":
            guard let yes = yesNo(value) else { throw bad("yes or no") }
            return .favorite(yes)
        case "ref":
            guard let yes = yesNo(value) else { throw bad("yes or no (whether it has reference images)") }
            return .hasReferences(yes)
        case "is":
            switch value.lowercased() {
            case "picked", "pick": return .pick(.picked)
            case "rejected", "reject": return .pick(.rejected)
            case "unrated": return .rating(op: "=", value: 0)
            case "fav", "favorite", "favourite": return .favorite(true)
            default: throw bad("picked, rejected, unrated or fav")
            }
        case "similar":
            let parts = value.split(separator: "~", maxSplits: 1, omittingEmptySubsequences: false)
            let distance = parts.count == 2 ? Int(parts[1]) : 10
            guard !parts[0].isEmpty, let distance, (0...32).contains(distance) else {
                throw bad("an image ID, optionally ~ and a distance of 0-32 bits (similar:42, similar:42~4)")
            }
            return .similar(id: String(parts[0]), distance: distance)
        case "stack": return .stack(value)
        case "has":
            switch value.lowercased() {
            case "parent": return .hasParent(true)
            case "children", "child": return .hasChildren(true)
            case "refs", "ref", "references": return .hasReferences(true)
            default: throw bad("parent, children or refs")
            }
        case "after", "before":
            guard let (start, _) = Self.period(value) else { throw dateError(name, value) }
            if name == "after" {
                if case .instant(let text) = start { return .after(text) }
                return .since(start)
            }
            if case .instant(let text) = start { return .before(text) }
            return .until(start)
        case "date":
            guard let (start, end) = Self.period(value), let end else { throw dateError(name, value) }
            return .during(start, end)
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

    static func dateError(_ name: String, _ value: String) -> CatalogError {
        .query(
            "\(name):\(value) is not a date: \(name): takes \(validDates) (times are UTC); valid filters: "
                + validFilters)
    }

    static func yesNo(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "yes", "true", "1", "y": true
        case "no", "false", "0", "n": false
        default: nil
        }
    }

    /// A date's start and, for a day or month (not a moment), its end: `2026-12-06` (that day,
    /// UTC), `2026-12` (that month), an ISO 8601 time (seconds and `Z` optional), `today`,
    /// `yesterday`, or a span back from now (`7d`, `12h`, `2w`). Nil for anything else,
    /// impossible dates (`2026-02-31`) included.
    static func period(_ value: String) -> (start: QueryTime, end: QueryTime?)? {
        let lower = value.lowercased()
        switch lower {
        case "today": return (.startOfDay(daysAgo: 0), .startOfDay(daysAgo: -1))
        case "yesterday": return (.startOfDay(daysAgo: 1), .startOfDay(daysAgo: 0))
        default: break
        }
        let units: [Character: Int] = ["h": 3600, "d": 86_400, "w": 604_800]
        if let unit = lower.last, let seconds = units[unit],
            let count = Int(lower.dropLast()), count >= 0, count <= 100_000
        {
            return (.ago(seconds: count * seconds), nil)
        }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m) {
            let start = Timestamp.Fields(year: y, month: m, day: 1, hour: 0, minute: 0, second: 0)
            let next = Timestamp.Fields(
                year: m == 12 ? y + 1 : y, month: m == 12 ? 1 : m + 1, day: 1, hour: 0, minute: 0, second: 0)
            return (.instant(start.isoText), .instant(next.isoText))
        }
        if parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) {
            let date = [String(y, zeroPaddedTo: 4), String(m, zeroPaddedTo: 2), String(d, zeroPaddedTo: 2)]
            guard let start = Timestamp.normalize(date.joined(separator: "-") + "T00:00:00Z"),
                let seconds = Timestamp(iso8601: start)?.wholeSeconds
            else { return nil }
            return (.instant(start), .instant(Timestamp(epochSeconds: Double(seconds + 86_400)).iso8601))
        }
        // A time without seconds or zone (`2026-12-06T18:30`) is UTC.
        var text = value
        if text.count == 16 { text += ":00" }
        if text.count == 19 { text += "Z" }
        return Timestamp.normalize(text).map { (.instant($0), nil) }
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

extension Timestamp.Fields {
    /// `2026-12-01T00:00:00Z`.
    fileprivate var isoText: String { Timestamp(epochSeconds: Double(epochSeconds)).iso8601 }
}

extension [ImageQuery.Token] {
    /// How many `(` are open after these tokens.
    fileprivate var openGroups: Int {
        reduce(0) { open, token in
            switch token {
            case .open: open + 1
            case .close: open - 1
            default: open
            }
        }
    }
}

/// How `list` orders its results.
public enum ImageSort: String, Sendable, CaseIterable {
    /// `rating`: the best-rated first, then the newest.
    case newest, oldest, relevance, rating
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
    /// ignored for `relevance` and `rating`, which page by `offset`). `now` is the time relative
    /// dates (`after:7d`) count from. `resolve` turns a `parent:` ID into
    /// an image id. With `promptExcerpt`, prompts are cut to that many characters (for tiles).
    static func list(
        _ query: ImageQuery, sort: ImageSort, limit: Int, offset: Int, after cursor: ImageCursor?,
        promptExcerpt: Int? = nil, now: Date, db: Database, resolve: (String) throws -> Int64
    ) throws -> [ImageDetails] {
        let sort = query.sort ?? sort
        let rows = limit.addingReportingOverflow(offset)
        // Relevance needs the index's rank, and a rating order reads every match anyway; the
        // dates can come from the cheaper way.
        let words =
            sort == .relevance || sort == .rating
            ? .index : try wordSource(query, rows: rows.overflow ? .max : rows.partialValue, db: db)
        if case .ids(let ids) = words, ids.isEmpty { return [] }
        var sql = try SearchSQL(query, words: words, now: now, smart: SmartCollections(db: db), resolve: resolve)
        var order: String
        switch sort {
        case .newest, .relevance: order = "i.created_at DESC, i.id DESC"
        case .oldest: order = "i.created_at, i.id"
        case .rating: order = "i.rating DESC, i.created_at DESC, i.id DESC"
        }
        let byRank = sort == .relevance && sql.usesIndex
        if byRank { order = "s.rank, i.id DESC" }
        if let cursor, sort == .newest || sort == .oldest {
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

    /// The condition that keeps rejected images out of sight unless a query asks for them.
    static let notRejected = "i.pick >= 0"

    /// How many images this matches. With no filter but the default one (every image not
    /// rejected: the gallery's first page, `list` without a query) that is every image less the
    /// rejected, two index counts (`images_by_pick` holds only picked and rejected images; its
    /// `pick <> 0` is repeated so SQLite may use it) instead of reading every row's `pick`.
    var countSQL: String {
        if conditions == [Self.notRejected], !usesIndex, !needsGeneration {
            return "SELECT (SELECT count(*) FROM images) - (SELECT count(*) FROM images WHERE pick <> 0 AND pick < 0)"
        }
        return "SELECT count(*) FROM \(from) \(whereClause)"
    }

    /// `words`: where the images the words match come from (see `Browse.wordSource`); `now`:
    /// what relative dates count from; `resolve` turns a `parent:` ID into an image id.
    /// `smart` gives a smart collection's stored query by name (nil for a regular one): an
    /// `in:` naming one is its query's condition.
    init(
        _ query: ImageQuery, words: WordSource = .index, now: Date, smart: SmartCollections? = nil,
        resolve: (String) throws -> Int64
    ) throws {
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
            let (condition, values, generation) = try Self.sql(filter, now: now, resolve: resolve, smart: smart)
            add(condition, values, generation: generation)
        }
        for condition in query.conditions {
            var values: [any DatabaseValueConvertible] = []
            var generation = false
            let text = try Self.sql(
                condition, now: now, resolve: resolve, smart: smart, values: &values, generation: &generation)
            add(text, values, generation: generation)
        }
        // Rejected images are out of sight unless the query (or a smart collection it names)
        // asks for them. (No argument: its place among the conditions does not matter.)
        if !query.asksForRejected && !(smart?.asksForRejected ?? false) { conditions.append(Self.notRejected) }
    }

    /// A condition of ORs, ANDs and NOTs as SQL: words test the index, filters as in `sql(_:)`.
    /// A NOT counts an unknown (NULL) as false, so `-task:X` keeps the images without a task.
    static func sql(
        _ condition: ImageQuery.Condition, now: Date, resolve: (String) throws -> Int64, smart: SmartCollections?,
        values: inout [any DatabaseValueConvertible], generation: inout Bool
    ) throws -> String {
        switch condition {
        case .all([]): return "1"
        case .any([]): return "0"
        case .word(let term):
            values.append(ImageQuery.ftsTerm(term))
            return "i.id IN (SELECT rowid FROM image_search WHERE image_search MATCH ?)"
        case .filter(let filter):
            let (text, more, needs) = try sql(filter, now: now, resolve: resolve, smart: smart)
            values += more
            generation = generation || needs
            return "(" + text + ")"
        case .all(let list), .any(let list):
            let joiner: String
            if case .all = condition { joiner = " AND " } else { joiner = " OR " }
            let parts = try list.map {
                try sql($0, now: now, resolve: resolve, smart: smart, values: &values, generation: &generation)
            }
            return "(" + parts.joined(separator: joiner) + ")"
        case .not(let inner):
            return "NOT coalesce("
                + (try sql(inner, now: now, resolve: resolve, smart: smart, values: &values, generation: &generation))
                + ", 0)"
        }
    }

    /// One filter's condition, its arguments, and whether it reads `generations` (g).
    static func sql(
        _ filter: ImageQuery.Filter, now: Date, resolve: (String) throws -> Int64, smart: SmartCollections? = nil
    ) throws -> (String, [any DatabaseValueConvertible], Bool) {
        switch filter {
        case .aspect(let value): return ("g.aspect_ratio = ?", [value], true)
        case .type(let value): return ("g.type = ?", [value], true)
        case .status(let value): return ("g.status = ?", [value.rawValue], true)
        case .tag(let name):
            return (
                "EXISTS (SELECT 1 FROM image_tags it JOIN tags t ON t.id = it.tag_id "
                    + "WHERE it.image_id = i.id AND t.name = ?)", [name], false
            )
        case .collection(let name):
            if let smart, let stored = try smart.lookup(name) {
                return try smart.condition(name, stored, now: now, resolve: resolve)
            }
            return (
                "EXISTS (SELECT 1 FROM collection_images ci JOIN collections c ON c.id = ci.collection_id "
                    + "WHERE ci.image_id = i.id AND c.name = ?)", [name], false
            )
        case .rating(let op, let value): return ("i.rating \(op) ?", [value], false)
        case .favorite(let value): return ("i.favorite = ?", [value], false)
        case .after(let instant): return ("i.created_at >= ?", [instant], false)
        case .before(let instant): return ("i.created_at < ?", [instant], false)
        case .since(let time): return ("i.created_at >= ?", [time.resolved(now: now)], false)
        case .until(let time): return ("i.created_at < ?", [time.resolved(now: now)], false)
        case .during(let start, let end):
            return (
                "i.created_at >= ? AND i.created_at < ?", [start.resolved(now: now), end.resolved(now: now)], false
            )
        case .source(let value): return ("g.source = ?", [value.rawValue], true)
        case .generator(let value): return ("i.generator = ?", [value], false)
        case .task(let value): return ("g.task_id = ?", [value], true)
        case .size(let width, let height): return ("i.width = ? AND i.height = ?", [width, height], false)
        case .parent(let id): return ("g.parent_image_id = ?", [try resolve(id)], true)
        case .pick(let pick): return ("i.pick = ?", [pick.rawValue], false)
        case .credits(let op, let value):
            return ("g.credits_charged - g.credits_refunded \(op) ?", [value], true)
        case .count(let op, let value): return ("g.n \(op) ?", [value], true)
        case .hasParent(let yes):
            return (
                (yes ? "" : "NOT ") + "(g.parent_image_id IS NOT NULL OR g.parent_task_id IS NOT NULL)", [], true
            )
        case .hasChildren(let yes):
            return (
                (yes ? "" : "NOT ") + "EXISTS (SELECT 1 FROM generations c WHERE c.parent_image_id = i.id)", [], false
            )
        case .hasReferences(let yes):
            return ("json_array_length(g.reference_images) " + (yes ? "> 0" : "= 0"), [], true)
        case .stack(let id):
            return ("i.stack_id = (SELECT stack_id FROM images WHERE id = ?)", [try resolve(id)], false)
        case .similar(let id, let distance):
            let image = try resolve(id)
            return (
                "i.id <> ? AND gptimg_hamming(i.phash, (SELECT phash FROM images WHERE id = ?)) <= ?",
                [image, image, distance], false
            )
        }
    }

    private mutating func add(
        _ condition: String, _ values: [any DatabaseValueConvertible], generation: Bool = false
    ) {
        needsGeneration = needsGeneration || generation
        conditions.append(condition)
        arguments += values
    }
}

extension ImageQuery {
    /// The whole query (its sort aside) as one condition: what membership of a smart collection
    /// whose query this is tests.
    public var condition: Condition {
        .all(
            groups.map { $0.count == 1 ? .word($0[0]) : .any($0.map(Condition.word)) }
                + excluded.map { .not(.word($0)) } + filters.map(Condition.filter) + conditions)
    }
}

/// The smart collections a query names, turned into conditions as the query becomes SQL: each
/// `in:NAME` naming one is its stored query's condition (rejected images left out unless that
/// query asks for them). A smart collection whose query leads back to itself, directly or
/// through others, is an error naming the loop, as is nesting deeper than `maximumDepth`.
final class SmartCollections {
    /// A smart collection's stored query by name (without regard to case), nil for a regular
    /// collection or none.
    let lookup: (String) throws -> String?
    /// The names being expanded, outermost first.
    private var expanding: [String] = []
    /// Whether a smart collection met asks for rejected images (`is:rejected`).
    private(set) var asksForRejected = false

    /// Smart collections within smart collections, at most this deep.
    static let maximumDepth = 8

    init(_ lookup: @escaping (String) throws -> String?) {
        self.lookup = lookup
    }

    /// The catalog's smart collections, read in `db`.
    convenience init(db: Database) {
        self.init { name in try Catalog.smartQuery(name, db: db) }
    }

    func condition(
        _ name: String, _ stored: String, now: Date, resolve: (String) throws -> Int64
    ) throws -> (String, [any DatabaseValueConvertible], Bool) {
        let key = name.lowercased()
        if expanding.contains(key) || expanding.count >= Self.maximumDepth {
            let path = (expanding + [key]).map { "in:\($0)" }.joined(separator: " → ")
            throw CatalogError.query(
                "smart collection '\(name)' leads back to itself or nests too deep (\(path)): "
                    + "a smart collection's query may name regular collections and other smart ones, never in a loop")
        }
        expanding.append(key)
        defer { expanding.removeLast() }
        let query: ImageQuery
        do {
            query = try ImageQuery(parsing: stored)
        } catch {
            throw CatalogError.query(
                "smart collection '\(name)' has a query that no longer parses (\(error)): "
                    + "delete it and create it again")
        }
        if query.asksForRejected { asksForRejected = true }
        var values: [any DatabaseValueConvertible] = []
        var generation = false
        var text = try SearchSQL.sql(
            query.condition, now: now, resolve: resolve, smart: self, values: &values, generation: &generation)
        if !query.asksForRejected { text = "(" + text + " AND " + SearchSQL.notRejected + ")" }
        return (text, values, generation)
    }
}
