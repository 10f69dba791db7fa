import GptimgSupport

/// AUTOMATIC1111's "infotext", the `parameters` text that A1111, Forge, SD.Next, Fooocus (in its
/// a1111 scheme) and gptimg itself write:
///
///     a prompt, possibly
///     over several lines
///     Negative prompt: a negative prompt
///     Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512
///
/// `format` writes what A1111's `create_infotext` writes; `parse` is a port of its
/// `parse_generation_parameters` (modules/infotext_utils.py), minus the UI's defaults and style
/// extraction, so both sides read every file the same way.
public enum A1111Infotext {
    // MARK: - Writing

    /// The infotext for a prompt, an optional negative prompt and settings.
    ///
    /// Like A1111: the negative prompt line is left out when it is empty, the settings are
    /// `Key: value` joined by ", ", and the whole text is stripped of surrounding whitespace.
    /// Values go through `quote(_:)`, plus three cases A1111 would write verbatim but then read
    /// back differently (empty, starting with `"`, or with surrounding whitespace): those are
    /// JSON-quoted too, which A1111's reader decodes to the same value.
    /// Keys are written only if they match A1111's key pattern `\w[\w \-/]+` once characters
    /// it cannot hold are replaced (see `sanitizedKey(_:)`); unwritable keys are skipped.
    /// A1111 reads the last line as settings only when it has at least three pairs.
    public static func format(prompt: String, negativePrompt: String? = nil, parameters: [Parameter]) -> String {
        let settings = parameters.compactMap { parameter -> String? in
            guard let key = sanitizedKey(parameter.key) else { return nil }
            return "\(key): \(quoteForWriting(parameter.value))"
        }
        let negative = negativePrompt.flatMap { $0.isEmpty ? nil : "\nNegative prompt: \($0)" } ?? ""
        return PythonText.strip("\(prompt)\(negative)\n\(settings.joined(separator: ", "))")
    }

    /// A1111's `quote()`: the value verbatim, unless it contains `,`, `:` or a newline, then
    /// `json.dumps(value, ensure_ascii=False)`.
    public static func quote(_ value: String) -> String {
        let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == ":" || $0 == "\n" }
        return needsQuotes ? JSONText.quote(value) : value
    }

    /// A1111's `unquote()`: a value in double quotes is decoded as a JSON string; anything
    /// else, or a quoted value that does not decode, is returned as it is.
    public static func unquote(_ text: String) -> String {
        guard text.unicodeScalars.first == "\"", text.unicodeScalars.last == "\"" else { return text }
        return JSONText.unquote(text) ?? text
    }

    /// `key` made writable: characters outside `[\w \-/]` become `_`, leading spaces, dashes
    /// and slashes and trailing spaces are dropped. Nil when fewer than two characters remain.
    public static func sanitizedKey(_ key: String) -> String? {
        var scalars = key.unicodeScalars.map { A1111ParamScanner.isKeyCharacter($0) ? $0 : "_" }
        while let first = scalars.first, !PythonText.isWord(first) { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        let result = PythonText.string(scalars)
        return A1111ParamScanner.isValidKey(result) ? result : nil
    }

    /// `quote(_:)`, widened to the values A1111's own reader would not give back verbatim.
    static func quoteForWriting(_ value: String) -> String {
        let scalars = value.unicodeScalars
        if let first = scalars.first, let last = scalars.last,
            first == "\"" || PythonText.isSpace(first) || PythonText.isSpace(last)
        {
            return JSONText.quote(value)
        }
        return value.isEmpty ? "\"\"" : quote(value)
    }

    // MARK: - Reading

    /// Splits an infotext into prompt, negative prompt and settings, as A1111 does:
    /// the last line holds the settings only if `re_param` finds at least three `Key: value`
    /// pairs in it; lines before are the prompt (each stripped) until one starts with
    /// `Negative prompt:`, which with every later line is the negative prompt. Quoted values are
    /// JSON-decoded. A repeated key keeps its first position and its last value, and a pair
    /// with an empty value is dropped (A1111 fails on it and skips it).
    ///
    /// Nil only for empty or whitespace-only text; any other text yields at least a prompt.
    public static func parse(_ text: String) -> (prompt: String, negativePrompt: String?, parameters: [Parameter])? {
        let stripped = PythonText.strip(text)
        guard !stripped.isEmpty else { return nil }
        var lines = PythonText.lines(stripped)
        var settingsLine = lines.removeLast()
        var pairs = A1111ParamScanner.matches(in: settingsLine)
        if pairs.count < 3 {
            lines.append(settingsLine)
            settingsLine = ""
            pairs = []
        }

        var prompt = ""
        var negative = ""
        var doneWithPrompt = false
        for rawLine in lines {
            var line = PythonText.strip(rawLine)
            if line.unicodeScalars.starts(with: negativePromptLabel.unicodeScalars) {
                doneWithPrompt = true
                let label = negativePromptLabel.unicodeScalars.count
                line = PythonText.strip(PythonText.string(line.unicodeScalars.dropFirst(label)))
            }
            if doneWithPrompt {
                negative += (negative.isEmpty ? "" : "\n") + line
            } else {
                prompt += (prompt.isEmpty ? "" : "\n") + line
            }
        }

        var parameters: [Parameter] = []
        var positions: [String: Int] = [:]
        for pair in pairs where !pair.value.isEmpty {
            var value = pair.value
            if value.unicodeScalars.first == "\"", value.unicodeScalars.last == "\"" {
                value = unquote(value)
            }
            if let index = positions[pair.key] {
                parameters[index].value = value
            } else {
                positions[pair.key] = parameters.count
                parameters.append(Parameter(pair.key, value))
            }
        }
        return (prompt, negative.isEmpty ? nil : negative, parameters)
    }

    static let negativePromptLabel = "Negative prompt:"
}
