import Foundation

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
    /// The generation the chunks describe, or nil when none of them describes one.
    public static func parse(_ chunks: [TextChunk]) -> GenerationInfo? {
        if let info = parseGptimg(chunks) { return info }
        if let info = ComfyUIMetadata.parse(chunks) { return info }
        if let info = InvokeAIMetadata.parse(chunks) { return info }
        if let info = NovelAIMetadata.parse(chunks) { return info }
        if let info = FooocusMetadata.parse(chunks) { return info }
        if let info = A1111Infotext.parse(chunks) { return info }
        return StandardMetadata.parse(chunks)
    }

    /// Our own `gptimg` chunk; nil when it is missing or is not a valid `GptimgMetadata`
    /// (then the file's other chunks speak for it).
    public static func parseGptimg(_ chunks: [TextChunk]) -> GenerationInfo? {
        guard let text = chunks.text(for: "gptimg"),
            // Our bounded parser first: JSONDecoder is only handed a shallow object.
            JSONValue.parseObject(text) != nil,
            let metadata = try? JSONDecoder().decode(GptimgMetadata.self, from: Data(text.utf8))
        else { return nil }
        return GenerationInfo(
            generator: .gptimg,
            prompt: metadata.prompt.isEmpty ? nil : metadata.prompt,
            parameters: metadata.generationParameters(),
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
        if !referenceImages.isEmpty { parameters.append(Parameter("References", referenceImages.joined(separator: " "))) }
        if let parent { parameters.append(Parameter("Parent", "\(parent.taskID) image \(parent.index + 1)")) }
        if let provider, provider != model { parameters.append(Parameter("Provider", provider)) }
        if let createdAt { parameters.append(Parameter("Created", createdAt)) }
        if !tags.isEmpty { parameters.append(Parameter("Tags", tags.joined(separator: ", "))) }
        return parameters
    }
}
