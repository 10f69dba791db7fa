import GptimgSupport

/// Turns a PNG's text chunks into one `GenerationInfo`, whichever tool wrote them.
///
/// Formats are tried from the most specific to the most generic, and the first that
/// recognises its chunks wins: ours (`gptimg`), ComfyUI, InvokeAI, NovelAI, Fooocus,
/// A1111-style `parameters` (A1111, Forge, SD.Next), then the standard keywords and XMP.
/// A file re-saved by several tools keeps the richest description.
///
/// Every parser is total: malformed or hostile text yields nil (the next format is tried) or a
/// partial result, never a crash or an error. Values are data: nothing found in them (paths,
/// URLs, commands) is ever opened, fetched or run.
public enum GenerationInfoParser {
    /// The generation the chunks describe, or nil when none of them describes one. The image's
    /// size, when known, completes our own settings (`Size`), as the infotext we write has it.
    /// Values that do not have their type's shape are dropped (see the overload with warnings).
    public static func parse(_ chunks: [TextChunk], width: Int? = nil, height: Int? = nil) -> GenerationInfo? {
        var ignored: [PNGWarning] = []
        return parse(chunks, width: width, height: height, warnings: &ignored)
    }

    /// The generation the chunks describe, its typed values checked (`ValueShape`): ours with
    /// `GptimgMetadata.validated`, and a foreign format's model (the one setting the catalog
    /// keeps in a column of its own). Each value dropped adds a warning to `warnings`.
    public static func parse(
        _ chunks: [TextChunk], width: Int? = nil, height: Int? = nil, warnings: inout [PNGWarning]
    ) -> GenerationInfo? {
        if let info = parseGptimg(chunks, width: width, height: height, warnings: &warnings) { return info }
        guard
            var info = ComfyUIMetadata.parse(chunks) ?? InvokeAIMetadata.parse(chunks) ?? NovelAIMetadata.parse(chunks)
                ?? FooocusMetadata.parse(chunks) ?? A1111Infotext.parse(chunks) ?? StandardMetadata.parse(chunks)
        else { return nil }
        info.parameters.removeAll { parameter in
            guard parameter.key == "Model" || parameter.key == "model", !ValueShape.isLabel(parameter.value) else {
                return false
            }
            warnings.append(
                .invalidValue(
                    field: "\(info.generator.rawValue) \(parameter.key)", value: ValueShape.excerpt(parameter.value),
                    expected: "a model name (1-200 characters, no control character)"))
            return true
        }
        return info
    }

    /// Our own `gptimg` chunk; nil when it is missing or is not a valid `GptimgMetadata`
    /// (then the file's other chunks speak for it). Values are validated (dropped values are
    /// not reported; see the overload with warnings).
    public static func parseGptimg(_ chunks: [TextChunk], width: Int? = nil, height: Int? = nil) -> GenerationInfo? {
        var ignored: [PNGWarning] = []
        return parseGptimg(chunks, width: width, height: height, warnings: &ignored)
    }

    /// Our own `gptimg` chunk with every value checked (`GptimgMetadata.validated`), a warning
    /// added to `warnings` for each value dropped.
    public static func parseGptimg(
        _ chunks: [TextChunk], width: Int? = nil, height: Int? = nil, warnings: inout [PNGWarning]
    ) -> GenerationInfo? {
        guard let text = chunks.text(for: "gptimg"),
            let json = JSONValue.parse(text), // bounded depth: hostile nesting is refused
            let decoded = GptimgMetadata(json: json)
        else { return nil }
        let (metadata, dropped) = decoded.validated(width: width, height: height)
        warnings += dropped
        return GenerationInfo(
            generator: .gptimg,
            prompt: metadata.prompt.isEmpty ? nil : metadata.prompt,
            parameters: metadata.generationParameters(width: width, height: height),
            gptimg: metadata
        )
    }
}

extension A1111Infotext {
    /// The generation an A1111-style `parameters` chunk describes (A1111, Forge, SD.Next;
    /// `Version` is kept as a parameter). Nil when there is no such chunk, it is blank, or it
    /// is a JSON object (some other tool's settings, not infotext).
    public static func parse(_ chunks: [TextChunk]) -> GenerationInfo? {
        guard let text = chunks.text(for: "parameters"), JSONValue.parseObject(text) == nil,
            let parsed = parse(text)
        else { return nil }
        return GenerationInfo(
            generator: .a1111,
            prompt: parsed.prompt.isEmpty ? nil : parsed.prompt,
            negativePrompt: parsed.negativePrompt,
            parameters: parsed.parameters
        )
    }
}

extension GptimgMetadata {
    /// Our metadata from a parsed `gptimg` chunk, as strict as its `Decodable` conformance: the
    /// prompt is required, other keys may be missing or null, and a key of the wrong type
    /// makes the whole chunk invalid.
    init?(json: JSONValue) {
        guard let object = json.object, let prompt = object["prompt"]?.string else { return nil }
        func string(_ key: String) -> String?? {
            switch object[key] {
            case nil, .null?: .some(nil)
            case .string(let value)?: .some(value)
            default: nil
            }
        }
        func int(_ key: String) -> Int?? {
            switch object[key] {
            case nil, .null?: .some(nil)
            case .number(let literal)?:
                Int(literal).map { .some($0) }
                    ?? Double(literal).flatMap { $0 == $0.rounded() && abs($0) < 1e15 ? .some(Int($0)) : nil }
            default: nil
            }
        }
        func strings(_ key: String) -> [String]? {
            switch object[key] {
            case nil, .null?: []
            case .array(let values)?:
                values.allSatisfy { $0.string != nil } ? values.compactMap(\.string) : nil
            default: nil
            }
        }
        guard let schema = int("schema"), let aspectRatio = string("aspect_ratio"), let n = int("n"),
            let index = int("index"),
            let type = string("type"), let references = strings("reference_images"), let taskID = string("task_id"),
            let rowID = string("row_id"), let provider = string("provider"), let model = string("model"),
            let createdAt = string("created_at"), let completedAt = string("completed_at"),
            let remoteURL = string("remote_url"), let tags = strings("tags")
        else { return nil }
        var parent: Parent?
        switch object["parent"] {
        case nil, .null?: parent = nil
        case .object(let value)?:
            guard let taskID = value["task_id"]?.string, case .number(let literal)? = value["index"],
                let index = Int(literal)
            else { return nil }
            parent = Parent(taskID: taskID, index: index)
        default: return nil
        }
        self.init(
            prompt: prompt, aspectRatio: aspectRatio ?? "1:1", n: n ?? 1, index: index ?? 0,
            type: type ?? "text-to-image",
            referenceImages: references, taskID: taskID, rowID: rowID, provider: provider, model: model,
            createdAt: createdAt, completedAt: completedAt, parent: parent, remoteURL: remoteURL, tags: tags)
        self.schema = schema ?? Self.currentSchema
    }

    /// The settings shown for one of our images, in the order the `parameters` infotext lists
    /// them: Model, Aspect ratio, Size (when known), Type, Task, Image ("2 of 4"), then
    /// References, Parent, Provider (when it differs from the model), Created and Tags where
    /// present. The one list behind both what we write and what we show.
    public func generationParameters(width: Int? = nil, height: Int? = nil) -> [Parameter] {
        var parameters: [Parameter] = []
        if let model = model ?? provider { parameters.append(Parameter("Model", model)) }
        parameters.append(Parameter("Aspect ratio", aspectRatio))
        if let width, let height { parameters.append(Parameter("Size", "\(width)x\(height)")) }
        parameters.append(Parameter("Type", type))
        if let taskID { parameters.append(Parameter("Task", taskID)) }
        parameters.append(Parameter("Image", "\(index + 1) of \(n)"))
        if !referenceImages.isEmpty {
            parameters.append(Parameter("References", referenceImages.joined(separator: " ")))
        }
        if let parent { parameters.append(Parameter("Parent", "\(parent.taskID) image \(parent.index + 1)")) }
        if let provider, provider != model { parameters.append(Parameter("Provider", provider)) }
        if let createdAt { parameters.append(Parameter("Created", createdAt)) }
        if !tags.isEmpty { parameters.append(Parameter("Tags", tags.joined(separator: ", "))) }
        return parameters
    }
}
