/// One decoded PNG text chunk (tEXt, zTXt or iTXt): what a file says, as it says it.
public struct TextChunk: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case tEXt, zTXt, iTXt
    }

    /// How the chunk's bytes were decoded. tEXt and zTXt are Latin-1 by the PNG spec, but many
    /// generators write UTF-8 into them; bytes that are valid UTF-8 with multi-byte sequences
    /// are read as UTF-8 (the other way round is almost never intended).
    public enum Encoding: String, Sendable, Hashable, Codable {
        case latin1 = "latin-1"
        case utf8 = "utf-8"
    }

    public var kind: Kind
    public var keyword: String
    public var text: String
    /// Whether the stored text was zlib-compressed (always for zTXt, a flag for iTXt).
    public var compressed: Bool
    public var encoding: Encoding
    /// iTXt only: the language tag and translated keyword (empty otherwise).
    public var languageTag: String
    public var translatedKeyword: String
    /// Whether the chunk stood after the first IDAT (text is allowed anywhere).
    public var afterImageData: Bool

    public init(
        kind: Kind, keyword: String, text: String, compressed: Bool = false,
        encoding: Encoding = .utf8, languageTag: String = "", translatedKeyword: String = "",
        afterImageData: Bool = false
    ) {
        self.kind = kind
        self.keyword = keyword
        self.text = text
        self.compressed = compressed
        self.encoding = encoding
        self.languageTag = languageTag
        self.translatedKeyword = translatedKeyword
        self.afterImageData = afterImageData
    }
}

extension Array where Element == TextChunk {
    /// The text of the first chunk with this keyword (keywords are case-sensitive in PNG).
    public func text(for keyword: String) -> String? {
        first { $0.keyword == keyword }?.text
    }
}
