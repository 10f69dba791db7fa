import GptimgSupport

/// NovelAI's metadata: `Software` is "NovelAI", `Description` holds the prompt, `Source` the
/// model ("NovelAI Diffusion V4.5 1229B44F"), and `Comment` the request as JSON: `prompt`,
/// `uc` (the negative prompt), `steps`, `scale`, `seed`, `sampler`, `width`, `height`,
/// `strength`, `noise`, `cfg_rescale`…; V4 and later add `v4_prompt` and
/// `v4_negative_prompt`, `{"caption": {"base_caption", "char_captions": [{"char_caption"}]}}`.
public enum NovelAIMetadata {
    /// The generation NovelAI's chunks describe; nil unless `Software` says NovelAI.
    public static func parse(_ chunks: [TextChunk]) -> GenerationInfo? {
        guard let software = chunks.text(for: "Software"), PythonText.strip(software) == "NovelAI" else {
            return nil
        }
        var info = GenerationInfo(generator: .novelai)
        let comment = chunks.text(for: "Comment").flatMap(JSONValue.parseObject) ?? JSONObject()
        let v4Prompt = comment["v4_prompt"]?["caption"]
        let v4Negative = comment["v4_negative_prompt"]?["caption"]

        info.prompt =
            chunks.text(for: "Description").flatMap(nonEmpty) ?? comment.firstString("prompt")
            ?? v4Prompt?["base_caption"]?.string.flatMap(nonEmpty)
        info.negativePrompt =
            comment.firstString("uc", "negative_prompt") ?? v4Negative?["base_caption"]?.string.flatMap(nonEmpty)

        if let source = chunks.text(for: "Source").flatMap(nonEmpty) {
            info.parameters.append(Parameter("Source", source))
        }
        for key in [
            "steps", "scale", "seed", "sampler", "noise_schedule", "width", "height", "strength", "noise",
            "cfg_rescale", "uncond_scale",
        ] {
            if let value = comment[key]?.scalarText, !value.isEmpty {
                info.parameters.append(Parameter(key, value))
            }
        }
        // V4 character prompts, each with its own negative.
        let characters = v4Prompt?["char_captions"]?.array ?? []
        let characterNegatives = v4Negative?["char_captions"]?.array ?? []
        for (index, character) in characters.enumerated() {
            if let caption = character["char_caption"]?.string.flatMap(nonEmpty) {
                info.parameters.append(Parameter("character \(index + 1)", caption))
            }
            if index < characterNegatives.count,
                let caption = characterNegatives[index]["char_caption"]?.string.flatMap(nonEmpty)
            {
                info.parameters.append(Parameter("character \(index + 1) uc", caption))
            }
        }
        return info
    }

    private static func nonEmpty(_ text: String) -> String? {
        PythonText.strip(text).isEmpty ? nil : text
    }
}
