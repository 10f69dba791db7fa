import GptimgSupport

extension A1111Infotext {
    /// Problems that make `text` less than a clean, unambiguous infotext; empty when it is one.
    ///
    /// Stricter than A1111's reader, which accepts nearly anything: this is what we hold our
    /// own output to. Checks that the text opens with the prompt; that the last line is a
    /// settings line of at least three `Key: value` pairs with nothing else in it (an unquoted
    /// value with a comma leaves text that is no pair); that every value containing `,`, `:` or
    /// a newline is quoted, every quoted value decodes, and every value reads back unchanged
    /// when written again; that no value is empty, no key repeats, and at most one line starts
    /// with `Negative prompt:`.
    public static func validateStrict(_ text: String) -> [String] {
        let stripped = PythonText.strip(text)
        guard !stripped.isEmpty else { return ["the text is empty"] }
        var problems: [String] = []
        let lines = PythonText.lines(stripped)
        let settingsLine = lines[lines.count - 1]
        let pairs = A1111ParamScanner.matches(in: settingsLine)

        // The prompt comes first.
        if lines.count < 2 {
            problems.append("there is no prompt line before the settings line")
        } else if lines[0].unicodeScalars.starts(with: negativePromptLabel.unicodeScalars) {
            problems.append("the text starts with the negative prompt, not the prompt")
        }
        let negativeLines = lines.dropLast().filter {
            PythonText.strip($0).unicodeScalars.starts(with: negativePromptLabel.unicodeScalars)
        }
        if negativeLines.count > 1 {
            problems.append(
                """
                \(negativeLines.count) lines start with "Negative prompt:"; readers take all but the first as part of \
                the negative prompt
                """
            )
        }

        // The settings line: enough pairs, and nothing but pairs.
        if pairs.count < 3 {
            problems.append(
                "the last line has \(pairs.count) Key: value pair(s); readers need at least 3 to take it as settings")
            return problems
        }
        let scalars = Array(settingsLine.unicodeScalars)
        var covered = 0
        for pair in pairs {
            if pair.range.lowerBound > covered {
                problems.append(
                    """
                    the settings line has text that is no Key: value pair (an unquoted value with a comma?): \
                    \(excerpt(scalars[covered..<pair.range.lowerBound]))
                    """
                )
            }
            covered = pair.range.upperBound
        }
        if covered < scalars.count {
            problems.append(
                "the settings line ends in text that is no Key: value pair: \(excerpt(scalars[covered...]))")
        }

        // Each value: quoted when it must be, decodable, and stable when written again.
        var seen: Set<String> = []
        for pair in pairs {
            if !seen.insert(pair.key).inserted {
                problems.append("the key \"\(pair.key)\" appears more than once")
            }
            let raw = pair.value
            if raw.isEmpty {
                problems.append("\"\(pair.key)\" has an empty value, which readers drop")
                continue
            }
            let value: String
            if raw.unicodeScalars.first == "\"" {
                // `""` is the empty string: the quoted alternative needs a character inside, but
                // readers unquote it all the same.
                guard let decoded = JSONText.unquote(raw) else {
                    problems.append("the value of \"\(pair.key)\" starts with a quote but is no valid quoted string")
                    continue
                }
                value = decoded
            } else {
                if raw.unicodeScalars.contains(where: { $0 == ":" || $0 == "\n" }) {
                    problems.append("the value of \"\(pair.key)\" contains ':' but is not quoted")
                }
                value = raw
            }
            let rewritten = "\(pair.key): \(quoteForWriting(value))"
            let reread = A1111ParamScanner.matches(in: rewritten)
            if reread.count != 1 || reread[0].key != pair.key || unquote(reread[0].value) != value {
                problems.append("the value of \"\(pair.key)\" does not read back unchanged")
            }
        }
        return problems
    }

    private static func excerpt(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        let text = PythonText.string(scalars.prefix(40))
        return "\"\(text)\(scalars.count > 40 ? "…" : "")\""
    }
}
