/// The word-level difference between two texts (prompts): the longest common subsequence of
/// their words, the rest as removed and added runs. `gptimg diff`, `gptimg lineage` and the
/// gallery's compare view read it. Words are split on whitespace, and a word's trailing
/// punctuation (`,` `.` `;` `:` `!` `?`) is a word of its own, so "pond" → "pond, in autumn" adds
/// ", in autumn" rather than replacing "pond"; words compare exactly (case counts). The kept and
/// removed pieces are the old text's words in order, the kept and added ones the new text's.
public enum WordDiff {
    /// A run of words that both texts share, only the old one has, or only the new one has.
    public struct Piece: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case same, removed, added
        }

        public var kind: Kind
        public var words: [String]

        public init(_ kind: Kind, _ words: [String]) {
            self.kind = kind
            self.words = words
        }

        /// The words with single spaces, punctuation against the word before it.
        public var text: String {
            var text = ""
            for word in words {
                if !text.isEmpty, !WordDiff.isPunctuation(word) { text += " " }
                text += word
            }
            return text
        }
    }

    /// The longest middle (words left once the shared start and end are set aside) compared word
    /// by word: the table is its two lengths multiplied. Beyond it the middle is one removed and
    /// one added run: still a correct difference, only not the smallest.
    public static let maximumTable = 4_000_000

    /// The pieces that turn `old` into `new`, in order; adjacent pieces never share a kind, and
    /// a removed run comes before the added run that replaces it.
    public static func diff(_ old: String, _ new: String) -> [Piece] {
        diff(words: words(old), words(new))
    }

    /// `diff` over words already split.
    public static func diff(words old: [String], _ new: [String]) -> [Piece] {
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        let a = Array(old[prefix..<(old.count - suffix)])
        let b = Array(new[prefix..<(new.count - suffix)])
        var steps: [(Piece.Kind, String)] = old[..<prefix].map { (.same, $0) }
        steps += middle(a, b)
        steps += old[(old.count - suffix)...].map { (.same, $0) }
        var pieces: [Piece] = []
        for (kind, word) in steps {
            if let last = pieces.last, last.kind == kind {
                pieces[pieces.count - 1].words.append(word)
            } else {
                pieces.append(Piece(kind, [word]))
            }
        }
        return ordered(pieces)
    }

    /// The words of `text`: split on any whitespace, trailing punctuation split off.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        for chunk in text.split(whereSeparator: \.isWhitespace) {
            var core = Substring(chunk)
            var trailing: [String] = []
            while let last = core.last, trailingPunctuation.contains(last), core.count > 1 {
                trailing.insert(String(last), at: 0)
                core = core.dropLast()
            }
            words.append(String(core))
            words += trailing
        }
        return words
    }

    static let trailingPunctuation: Set<Character> = [",", ".", ";", ":", "!", "?"]

    /// Whether `word` is punctuation split off the word before it.
    static func isPunctuation(_ word: String) -> Bool {
        word.count == 1 && word.first.map(trailingPunctuation.contains) == true
    }

    /// Whether the two texts have the same words (whitespace aside).
    public static func same(_ old: String, _ new: String) -> Bool { words(old) == words(new) }

    /// The LCS of `a` and `b` by dynamic programming (`table[i][j]`: the LCS of `a[i...]` and
    /// `b[j...]`), walked forwards; removals are taken before additions at each tie.
    static func middle(_ a: [String], _ b: [String]) -> [(Piece.Kind, String)] {
        if a.isEmpty { return b.map { (.added, $0) } }
        if b.isEmpty { return a.map { (.removed, $0) } }
        let (rows, columns) = (a.count + 1, b.count + 1)
        guard a.count.multipliedReportingOverflow(by: b.count).partialValue <= maximumTable,
            a.count <= maximumTable, b.count <= maximumTable
        else {
            return a.map { (.removed, $0) } + b.map { (.added, $0) }
        }
        var table = [Int32](repeating: 0, count: rows * columns)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i * columns + j] =
                    a[i] == b[j]
                    ? table[(i + 1) * columns + j + 1] + 1
                    : max(table[(i + 1) * columns + j], table[i * columns + j + 1])
            }
        }
        var steps: [(Piece.Kind, String)] = []
        var (i, j) = (0, 0)
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                steps.append((.same, a[i]))
                i += 1
                j += 1
            } else if table[(i + 1) * columns + j] >= table[i * columns + j + 1] {
                steps.append((.removed, a[i]))
                i += 1
            } else {
                steps.append((.added, b[j]))
                j += 1
            }
        }
        steps += a[i...].map { (.removed, $0) }
        steps += b[j...].map { (.added, $0) }
        return steps
    }

    /// Between two shared runs, all removed words first and then all added ones (a walk can
    /// interleave them: `-a +x -b +y` reads better as `-a b +x y`).
    static func ordered(_ pieces: [Piece]) -> [Piece] {
        var result: [Piece] = []
        var removed: [String] = []
        var added: [String] = []
        func flush() {
            if !removed.isEmpty { result.append(Piece(.removed, removed)) }
            if !added.isEmpty { result.append(Piece(.added, added)) }
            removed = []
            added = []
        }
        for piece in pieces {
            switch piece.kind {
            case .same:
                flush()
                result.append(piece)
            case .removed: removed += piece.words
            case .added: added += piece.words
            }
        }
        flush()
        return result
    }

    /// The difference as one line: shared words as they are, removed runs as `[-…-]` and added
    /// ones as `{+…+}` (as `git diff --word-diff=plain`).
    public static func plain(_ pieces: [Piece]) -> String {
        pieces.map { piece in
            switch piece.kind {
            case .same: piece.text
            case .removed: "[-" + piece.text + "-]"
            case .added: "{+" + piece.text + "+}"
            }
        }.joined(separator: " ")
    }

    /// The difference as JSON: `[{"op": "same"|"removed"|"added", "text": …}, …]`.
    public static func json(_ pieces: [Piece]) -> JSONOut {
        .array(pieces.map { .object([("op", .string($0.kind.rawValue)), ("text", .string($0.text))]) })
    }
}
