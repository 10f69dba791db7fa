import GptimgSupport

/// Why a file could not be read or rewritten as a PNG. Each message names the problem and,
/// where there is one, the fix; it does not repeat the path (callers put it in front).
public enum PNGError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptyFile
    case notPNG(looksLike: String?)
    case truncated(String)
    case chunkTooLong(type: String, offset: Int, length: UInt32)
    case invalidChunkType(offset: Int)
    case badHeader(String)
    case badCriticalCRC(type: String, offset: Int)
    case missingImageData
    case unreadable(path: String, reason: String)
    case notRegularFile(path: String)
    case invalidKeyword(String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .emptyFile:
            "empty file (0 bytes): not a PNG"
        case .notPNG(let looksLike?):
            "not a PNG file (it looks like \(looksLike))"
        case .notPNG(nil):
            "not a PNG file (bad signature)"
        case .truncated(let detail):
            "truncated PNG: \(detail); the file is incomplete, download or copy it again"
        case .chunkTooLong(let type, let offset, let length):
            "damaged PNG: chunk \(type) at byte \(offset) declares \(length) bytes, over the PNG limit of 2^31-1"
        case .invalidChunkType(let offset):
            "damaged PNG: the chunk at byte \(offset) has an invalid type (not four ASCII letters)"
        case .badHeader(let detail):
            "damaged PNG: \(detail)"
        case .badCriticalCRC(let type, let offset):
            "damaged PNG: CRC mismatch in critical chunk \(type) at byte \(offset)"
        case .missingImageData:
            "damaged PNG: no IDAT chunk (the file holds no image data)"
        case .unreadable(_, let reason):
            "cannot read the file: \(reason)"
        case .notRegularFile:
            "not a regular file (a folder, device or pipe)"
        case .invalidKeyword(let keyword):
            """
            invalid PNG text keyword "\(keyword)": it must be 1-79 Latin-1 characters without leading, trailing or \
            double spaces
            """
        case .writeFailed(_, let reason):
            "cannot write the file: \(reason); the original is unchanged"
        }
    }
}

/// Something wrong with one part of a file that did not stop the rest from being read.
public enum PNGWarning: Sendable, Hashable, Codable, CustomStringConvertible {
    case badAncillaryCRC(type: String, offset: Int)
    case malformedTextChunk(type: String, offset: Int, reason: String)
    case textChunkTooLarge(type: String, offset: Int, keyword: String?, limit: Int)
    case tooManyTextChunks(skipped: Int, limit: Int)
    case textBytesLimit(skipped: Int, limit: Int)
    case invalidUTF8(keyword: String)
    case nulInText(keyword: String, count: Int)
    case dataAfterEnd(bytes: Int)
    /// A generation value that does not have its type's shape (`ValueShape`): not stored or
    /// shown. `value` is an excerpt, already escaped (`ValueShape.excerpt`).
    case invalidValue(field: String, value: String, expected: String)
    /// A text cut to fit a store's limits (`StoredTextLimits`); the file keeps it whole.
    case textShortened(what: String, bytes: Int, kept: Int)
    case listShortened(what: String, count: Int, kept: Int)

    public var description: String {
        switch self {
        case .badAncillaryCRC(let type, let offset):
            "CRC mismatch in \(type) chunk at byte \(offset): chunk ignored"
        case .malformedTextChunk(let type, let offset, let reason):
            "malformed \(type) chunk at byte \(offset) (\(reason)): chunk ignored"
        case .textChunkTooLarge(let type, let offset, let keyword, let limit):
            "\(type) chunk\(keyword.map { " \"\($0)\"" } ?? "") at byte \(offset) is over \(limit) bytes: chunk skipped"
        case .tooManyTextChunks(let skipped, let limit):
            "\(skipped) text chunks past the limit of \(limit) per file were skipped"
        case .textBytesLimit(let skipped, let limit):
            "\(skipped) text chunks past the limit of \(limit) bytes of text per file were skipped"
        case .invalidUTF8(let keyword):
            "iTXt chunk \"\(keyword)\" is not valid UTF-8: undecodable bytes replaced"
        case .nulInText(let keyword, let count):
            "text chunk \"\(keyword)\" held \(count) NUL byte(s), which are not text: removed"
        case .dataAfterEnd(let bytes):
            "\(bytes) bytes after the IEND chunk ignored"
        case .invalidValue(let field, let value, let expected):
            "\(field) \"\(value)\" is not \(expected): value dropped"
        case .textShortened(let what, let bytes, let kept):
            "\(what) (\(bytes) bytes) is kept shortened to its first \(kept) bytes; the file holds it whole"
        case .listShortened(let what, let count, let kept):
            "\(what) (\(count) items) is kept shortened to its first \(kept); the file holds it whole"
        }
    }
}

/// The bounds that keep a hostile file from costing unbounded memory or time (metadata.md).
public struct PNGLimits: Sendable, Hashable {
    /// The most bytes one text chunk may decompress to, or be stored as.
    public var maxTextChunkBytes: Int
    /// The most text chunks read from one file: every one met counts, whatever becomes of it
    /// (a bad CRC, malformed, too large).
    public var maxTextChunks: Int
    /// The most bytes spent on text per file: every text chunk's data read from the file plus
    /// every byte inflated from it, kept or not. Twice the per-chunk cap: more text than any
    /// generator writes, and little enough that any command's output and memory stay small.
    public var maxTotalTextBytes: Int

    public init(maxTextChunkBytes: Int = 8 << 20, maxTextChunks: Int = 1000, maxTotalTextBytes: Int = 16 << 20) {
        self.maxTextChunkBytes = maxTextChunkBytes
        self.maxTextChunks = maxTextChunks
        self.maxTotalTextBytes = maxTotalTextBytes
    }

    public static let standard = PNGLimits()
}

extension PNGError {
    /// A file error met while reading or rewriting a PNG, as the PNG error that says the same.
    init(_ error: FileError) {
        switch error {
        case .unreadable(let path, let reason): self = .unreadable(path: path, reason: reason)
        case .notRegularFile(let path): self = .notRegularFile(path: path)
        case .tooLarge(let path, let limit): self = .unreadable(path: path, reason: "file is over \(limit) bytes")
        case .shrank: self = .truncated("the file shrank while it was being copied")
        case .writeFailed(let path, let reason): self = .writeFailed(path: path, reason: reason)
        }
    }
}
