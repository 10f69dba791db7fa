import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// `--name`: a file-name template such as `{index}-{slug}` or `{date}_{task}_{id}`. Fields are
/// filled from each image, then the whole name is made safe (`FileNames.safeStem`): a template
/// can never name a path outside the export, whatever the prompt says.
public struct NameTemplate: Sendable, Hashable {
    /// The fields (docs/export.md says what each holds; `export --help` lists them).
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case index, id, date, time, slug, prompt, collection, task, sha8, aspect, rating, name
    }

    enum Piece: Sendable, Hashable {
        case literal(String)
        case field(Field)
    }

    /// The default: the export's order, then what the prompt is about.
    public static let standard = "{index}-{slug}"

    public let text: String
    let pieces: [Piece]

    /// Parses `text`: `{field}` is replaced, `{{` and `}}` are literal braces, anything else is
    /// copied. An unknown field or an unclosed brace throws, listing the valid fields.
    public init(parsing text: String) throws(ExportError) {
        let valid = Field.allCases.map { "{\($0.rawValue)}" }.joined(separator: " ")
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "{" || character == "}", next < text.endIndex, text[next] == character {
                literal.append(character)
                index = text.index(after: next)
                continue
            }
            if character == "}" {
                throw .template("--name: a '}' without its '{' in '\(text)' (write }} for a brace); fields: \(valid)")
            }
            guard character == "{" else {
                literal.append(character)
                index = next
                continue
            }
            guard let close = text[next...].firstIndex(of: "}") else {
                throw .template("--name: '{' is not closed in '\(text)' (write {{ for a brace); fields: \(valid)")
            }
            let name = String(text[next..<close])
            guard let field = Field(rawValue: name.lowercased()) else {
                throw .template("--name: unknown field {\(name)}; fields: \(valid)")
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
            pieces.append(.field(field))
            index = text.index(after: close)
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        guard pieces.contains(where: { if case .field = $0 { true } else { false } }) else {
            throw .template("--name: '\(text)' has no field, so every image would get the same name; fields: \(valid)")
        }
        self.text = text
        self.pieces = pieces
    }

    /// The name for one image, before it is made safe.
    func render(_ item: ImageDetails, position: Int, count: Int, collection: String?) -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): output += text
            case .field(let field):
                output += Self.value(field, item, position: position, count: count, collection: collection)
            }
        }
        return output
    }

    static func value(_ field: Field, _ item: ImageDetails, position: Int, count: Int, collection: String?) -> String {
        let created = item.image.createdAt
        switch field {
        case .index: return String(position, zeroPaddedTo: max(3, String(count).count))
        case .id: return String(item.image.id)
        case .date: return String(created.prefix(10))
        case .time: return String(created.dropFirst(11).prefix(8).filter { $0 != ":" })
        case .slug: return item.slug
        case .prompt: return item.generation.prompt
        case .collection: return collection ?? item.collections.first ?? ""
        case .task: return item.generation.taskID ?? ""
        case .sha8: return String(item.image.sha256.prefix(8))
        case .aspect: return item.generation.aspectRatio.replacingOccurrences(of: ":", with: "x")
        case .rating: return String(item.image.rating)
        case .name:
            let file = item.image.path.split(separator: "/").last.map(String.init) ?? ""
            return file.hasSuffix(".png") ? String(file.dropLast(4)) : file
        }
    }
}

/// File names that are safe on every common file system and archive tool.
public enum FileNames {
    /// The longest stem, in UTF-8 bytes (leaves room for a `-NN` suffix, `.png` and a folder
    /// within common 255-byte name limits).
    public static let maxStemBytes = 120

    /// Characters Windows forbids in names (`/` and `\` also separate paths everywhere).
    static let forbidden: Set<Unicode.Scalar> = ["<", ">", ":", "\"", "/", "\\", "|", "?", "*"]

    /// Names Windows reserves for devices, whatever the extension or case.
    static let reservedOnWindows: Set<String> = {
        var names: Set<String> = ["con", "prn", "aux", "nul", "conin$", "conout$"]
        for suffix in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"] {
            names.insert("com" + suffix)
            names.insert("lpt" + suffix)
        }
        return names
    }()

    /// `raw` as a safe file-name stem: NFC; control and bidirectional-override characters
    /// removed (line breaks and tabs become spaces); `<>:"/\|?*` replaced by `_`; runs of spaces
    /// collapsed; spaces, dots, hyphens and underscores trimmed from both ends (no hidden files,
    /// no `..`, nothing Windows would trim); at most `maxStemBytes` bytes of UTF-8, cut between
    /// characters; a Windows device name (`CON`, `com1.tar`…) gets a leading `_`. Never empty.
    public static func safeStem(_ raw: String) -> String {
        var scalars = String.UnicodeScalarView()
        var lastWasSpace = false
        for scalar in raw.precomposedStringWithCanonicalMapping.unicodeScalars {
            var replacement: Unicode.Scalar? = scalar
            if scalar.properties.generalCategory == .control {
                replacement = scalar.properties.isWhitespace ? " " : nil
            } else if isInvisibleFormatting(scalar) {
                replacement = nil
            } else if forbidden.contains(scalar) {
                replacement = "_"
            } else if scalar.properties.isWhitespace {
                replacement = " "
            }
            guard let replacement else { continue }
            if replacement == " " {
                if lastWasSpace { continue }
                lastWasSpace = true
            } else {
                lastWasSpace = false
            }
            scalars.append(replacement)
        }
        var stem = trimmed(String(scalars).precomposedStringWithCanonicalMapping)
        if stem.utf8.count > maxStemBytes { stem = trimmed(truncated(stem, toBytes: maxStemBytes)) }
        if stem.isEmpty { stem = "image" }
        let device =
            stem.split(separator: ".", omittingEmptySubsequences: false).first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        if reservedOnWindows.contains(device) { stem = "_" + stem }
        return stem
    }

    /// Bidirectional overrides and other invisible formatting that can make a name read as
    /// something it is not (`gpj.exe` shown as `exe.jpg`). Zero-width joiners stay: emoji use them.
    static func isInvisibleFormatting(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200B, 0x200E, 0x200F, 0x202A...0x202E, 0x2060, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    static func trimmed(_ text: String) -> String {
        let edges: Set<Character> = [" ", ".", "-", "_"]
        guard let first = text.firstIndex(where: { !edges.contains($0) }),
            let last = text.lastIndex(where: { !edges.contains($0) })
        else { return "" }
        return String(text[first...last])
    }

    /// The longest prefix of whole characters (grapheme clusters) within `limit` UTF-8 bytes.
    static func truncated(_ text: String, toBytes limit: Int) -> String {
        var result = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            if bytes + size > limit { break }
            result.append(character)
            bytes += size
        }
        return result
    }

    /// The key two names collide on when a file system ignores case (`ß` and `SS` included).
    static func caseKey(_ name: String) -> String { name.uppercased().lowercased() }
}

/// Hands out names that are unique without regard to case: a second `sunset.png` becomes
/// `sunset-2.png` (the stem cut shorter when needed to stay within `FileNames.maxStemBytes`).
struct UniqueFileNames {
    private var taken: Set<String> = []
    /// Where the search for a stem's next free number starts. A stem's candidates are always the
    /// same names, and each one below this number was taken when the search passed it (names are
    /// never given back), so starting here finds the name a search from 1 would: a template
    /// without a unique field (`{date}` over a thousand images) costs one look-up per name, not
    /// one per earlier namesake. Keyed by the exact stem and extension rather than by their case
    /// key: two spellings of one case key can be cut at different lengths, so have different
    /// candidates.
    private var nextNumber: [String: Int] = [:]

    /// Reserves names the export writes besides the images (manifest, index, contact sheets).
    mutating func reserve(_ name: String) {
        taken.insert(FileNames.caseKey(name))
    }

    /// A unique `stem.ext` (stem already safe).
    mutating func claim(stem: String, extension ext: String) -> String {
        let key = stem + "." + ext
        var number = nextNumber[key] ?? 1
        var candidate = Self.name(stem, ext, number)
        while taken.contains(FileNames.caseKey(candidate)) {
            number += 1
            candidate = Self.name(stem, ext, number)
        }
        taken.insert(FileNames.caseKey(candidate))
        nextNumber[key] = number + 1
        return candidate
    }

    /// `stem.ext` for 1, else `stem-N.ext`, the stem cut to leave room for the suffix.
    static func name(_ stem: String, _ ext: String, _ number: Int) -> String {
        guard number > 1 else { return stem + "." + ext }
        let suffix = "-\(number)"
        return FileNames.truncated(stem, toBytes: FileNames.maxStemBytes - suffix.utf8.count) + suffix + "." + ext
    }
}
