import GptimgSupport

/// How much of a file's text a store (the catalog) keeps. The file itself keeps everything; what
/// is kept beside it, searched and shown, is bounded, so that a file of 1 MB cannot grow a
/// catalog by hundreds. Sizes are counted as stored in JSON: a control character costs the six
/// bytes of its `\u00XX` escape.
public struct StoredTextLimits: Sendable, Hashable {
    /// All text chunks of one file together.
    public var maxTextChunkBytes: Int
    /// The prompt and the negative prompt, each.
    public var maxPromptBytes: Int
    /// The generation settings (keys and values) together.
    public var maxParameterBytes: Int
    /// The longest setting name (A1111 keys), and how many tags and reference images of our
    /// own metadata are kept.
    public var maxFieldBytes: Int
    public var maxListItems: Int

    public init(
        maxTextChunkBytes: Int = 4 << 20, maxPromptBytes: Int = 64 << 10, maxParameterBytes: Int = 64 << 10,
        maxFieldBytes: Int = 4 << 10, maxListItems: Int = 64
    ) {
        self.maxTextChunkBytes = maxTextChunkBytes
        self.maxPromptBytes = maxPromptBytes
        self.maxParameterBytes = maxParameterBytes
        self.maxFieldBytes = maxFieldBytes
        self.maxListItems = maxListItems
    }

    /// What the catalog keeps of an imported file (docs/catalog.md).
    public static let catalog = StoredTextLimits()
}

extension PNGMetadataReport {
    /// This report with its texts cut to fit `limits`, and a warning for each text cut (named,
    /// with its size and what was kept). Texts within the limits are untouched.
    public func bounded(_ limits: StoredTextLimits) -> PNGMetadataReport {
        var report = self
        var notes: [PNGWarning] = []
        var budget = limits.maxTextChunkBytes
        for index in report.textChunks.indices {
            let chunk = report.textChunks[index]
            let (kept, cost) = StoredText.prefix(chunk.text, fitting: budget)
            budget -= cost
            if kept.utf8.count < chunk.text.utf8.count {
                report.textChunks[index].text = kept
                notes.append(
                    .textShortened(
                        what: "text chunk \"\(chunk.keyword)\"", bytes: chunk.text.utf8.count, kept: kept.utf8.count))
            }
        }
        if var generation = report.generation {
            func cut(_ text: String?, _ limit: Int, _ name: String) -> String? {
                guard let text else { return nil }
                let kept = StoredText.prefix(text, fitting: limit).text
                let note = PNGWarning.textShortened(what: name, bytes: text.utf8.count, kept: kept.utf8.count)
                if kept.utf8.count < text.utf8.count, !notes.contains(note) { notes.append(note) }
                return kept
            }
            generation.prompt = cut(generation.prompt, limits.maxPromptBytes, "the prompt")
            generation.negativePrompt = cut(generation.negativePrompt, limits.maxPromptBytes, "the negative prompt")
            var parameterBudget = limits.maxParameterBytes
            var parameters: [Parameter] = []
            for parameter in generation.parameters {
                let (key, keyCost) = StoredText.prefix(
                    parameter.key, fitting: min(parameterBudget, limits.maxFieldBytes))
                let (value, valueCost) = StoredText.prefix(parameter.value, fitting: parameterBudget - keyCost)
                let whole = key.utf8.count == parameter.key.utf8.count && value.utf8.count == parameter.value.utf8.count
                if !whole && key.isEmpty { break }
                parameterBudget -= keyCost + valueCost
                parameters.append(Parameter(key, value))
                if !whole { break }
            }
            if parameters != generation.parameters {
                let size = generation.parameters.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
                let kept = parameters.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
                notes.append(.textShortened(what: "the generation settings", bytes: size, kept: kept))
                generation.parameters = parameters
            }
            if var ours = generation.gptimg {
                // The other fields have shapes of bounded length, checked where they are read;
                // the prompt and the lists do not.
                ours.prompt = cut(ours.prompt, limits.maxPromptBytes, "the prompt") ?? ""
                func list(_ items: [String], _ name: String) -> [String] {
                    guard items.count > limits.maxListItems else { return items }
                    notes.append(.listShortened(what: name, count: items.count, kept: limits.maxListItems))
                    return Array(items.prefix(limits.maxListItems))
                }
                ours.tags = list(ours.tags, "tags")
                ours.referenceImages = list(ours.referenceImages, "reference_images")
                generation.gptimg = ours
            }
            report.generation = generation
        }
        report.warnings += notes
        return report
    }
}

enum StoredText {
    /// The longest prefix of `text` (whole Unicode scalars) whose JSON-escaped size is at most
    /// `limit` bytes, and that size.
    static func prefix(_ text: String, fitting limit: Int) -> (text: String, cost: Int) {
        guard limit > 0 else { return ("", 0) }
        // Fast path: at most 6 bytes of JSON per UTF-8 byte.
        if text.utf8.count * 6 <= limit { return (text, cost(of: text.utf8)) }
        var total = 0
        var end = text.utf8.startIndex
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            total += cost(of: byte)
            if total > limit { break }
            index = utf8.index(after: index)
            // A scalar ends where the next byte is not a continuation byte.
            if index == utf8.endIndex || utf8[index] & 0xC0 != 0x80 { end = index }
        }
        if index == utf8.endIndex { return (text, total) }
        let kept = String(text.utf8[utf8.startIndex..<end]) ?? ""
        return (kept, cost(of: kept.utf8))
    }

    static func cost(of utf8: String.UTF8View) -> Int {
        utf8.reduce(0) { $0 + cost(of: $1) }
    }

    /// What one UTF-8 byte costs in a JSON string (`JSONText.appendQuoted`).
    static func cost(of byte: UInt8) -> Int {
        switch byte {
        case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: 2
        case 0..<0x20: 6
        default: 1
        }
    }
}
