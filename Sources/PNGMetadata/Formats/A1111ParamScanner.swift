/// AUTOMATIC1111's `re_param` as a hand-written scanner:
///
///     \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
///
/// `re.findall` with that pattern backtracks quadratically on a long run of word characters
/// without a colon; this scanner gives the same matches in one pass, so a hostile 8 MB settings
/// line costs milliseconds. Character classes follow Python 3 `str` patterns (Unicode `\w`, `\s`).
struct A1111ParamScanner {
    /// One `Key: value` match; `value` is the raw text, quotes included, and `range` the
    /// scalar offsets the whole match (separator included) covered.
    struct Match: Equatable {
        var key: String
        var value: String
        /// Whether the value matched the quoted alternative (`"…"` followed by `,` or the end).
        var quoted: Bool
        var range: Range<Int>
    }

    /// Every match in `line`, in order, as `re_param.findall(line)` finds them.
    static func matches(in line: String) -> [Match] {
        let s = Array(line.unicodeScalars)
        let n = s.count
        var found: [Match] = []
        var i = 0
        while i < n {
            // \s* — greedy; giving whitespace back never helps, as \w cannot match it.
            var j = i
            while j < n, PythonText.isSpace(s[j]) { j += 1 }
            guard j < n else { break }
            guard PythonText.isWord(s[j]) else {
                i = j + 1
                continue
            }
            // (\w[\w \-/]+): — the run of key characters must end in ':' and be ≥ 2 long. Any
            // start inside the same run ends at the same place, so on failure skip past it.
            var r = j + 1
            while r < n, isKeyCharacter(s[r]) { r += 1 }
            guard r < n, s[r] == ":", r - j >= 2 else {
                i = r
                continue
            }
            let key = PythonText.string(s[j..<r])
            var k = r + 1
            while k < n, PythonText.isSpace(s[k]) { k += 1 }
            // "(?:\\.|[^\\"])+" followed by , or the end of the line…
            if k < n, s[k] == "\"", let end = quotedEnd(s, from: k) {
                let value = PythonText.string(s[k..<end])
                let next = end < n ? end + 1 : n
                found.append(Match(key: key, value: value, quoted: true, range: i..<next))
                i = next
                continue
            }
            // …or else [^,]* up to the next comma (this alternative always matches).
            var m = k
            while m < n, s[m] != "," { m += 1 }
            let value = PythonText.string(s[k..<m])
            let next = m < n ? m + 1 : n
            found.append(Match(key: key, value: value, quoted: false, range: i..<next))
            i = next
        }
        return found
    }

    /// Whether `key` as a whole matches `\w[\w \-/]+`.
    static func isValidKey(_ key: String) -> Bool {
        let scalars = Array(key.unicodeScalars)
        guard scalars.count >= 2, PythonText.isWord(scalars[0]) else { return false }
        return scalars.dropFirst().allSatisfy(isKeyCharacter)
    }

    static func isKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        PythonText.isWord(scalar) || scalar == " " || scalar == "-" || scalar == "/"
    }

    /// The end (exclusive) of a quoted value starting at `start`, or nil when the quoted
    /// alternative does not match there. The group is deterministic: a backslash always takes
    /// the next character (`.`, so not a newline), any other non-quote one character.
    private static func quotedEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        let n = s.count
        var m = start + 1
        while m < n {
            if s[m] == "\\" {
                guard m + 1 < n, s[m + 1] != "\n" else { break }
                m += 2
            } else if s[m] == "\"" {
                break
            } else {
                m += 1
            }
        }
        // At least one character inside, a closing quote, then a comma or the end ($ also
        // matches before a final newline, which a split line never has).
        guard m > start + 1, m < n, s[m] == "\"" else { return nil }
        let end = m + 1
        guard end == n || s[end] == "," || (end == n - 1 && s[end] == "\n") else { return nil }
        return end
    }
}

/// Python 3 `str` semantics that the infotext format depends on.
enum PythonText {
    /// `str.isspace()`, which is also what `\s` and `str.strip()` use.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029,
            0x202F, 0x205F, 0x3000:
            true
        default: false
        }
    }

    /// `\w` for `str` patterns: alphanumeric in the Unicode database, or `_`.
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        if scalar.isASCII {
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return scalar.properties.numericType != nil
        }
    }

    /// `str.strip()`.
    static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return string(scalars[first...last])
    }

    /// `str.split("\n")`: on U+000A only. Swift's Character view would treat "\r\n" as one
    /// character and not split it.
    static func lines(_ text: String) -> [String] {
        // Splitting the UTF-8 at 0x0A is splitting at U+000A (it never occurs inside a character).
        text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A string made of these scalars, as Python slices strings: by code point.
    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        String(String.UnicodeScalarView(scalars))
    }
}
