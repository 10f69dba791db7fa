import GptimgSupport

/// InvokeAI's three generations of metadata, newest first:
/// - `invokeai_metadata` (3.x and later): flat JSON, `positive_prompt`, `negative_prompt`,
///   `model` as `{"name"}` (4.x+) or `{"model_name"}` (3.x), `seed`, `steps`, `cfg_scale`…;
/// - `sd-metadata` (2.x): `{"model_weights", "app_version", "image": {"prompt", "seed"…}}`,
///   the prompt a string or `[{"prompt", "weight"}]`, negatives in `[brackets]` inside it;
/// - `Dream` (1.x): a command line, `"a prompt [negative]" -s 50 -S 1234 -W 512 -H 512 -C 7.5 -A k_lms`.
public enum InvokeAIMetadata {
    /// The generation described by the newest InvokeAI chunk that parses; nil when none does.
    public static func parse(_ chunks: [TextChunk]) -> GenerationInfo? {
        if let info = chunks.text(for: "invokeai_metadata").flatMap(parseMetadata) { return info }
        if let info = chunks.text(for: "sd-metadata").flatMap(parseSDMetadata) { return info }
        if let info = chunks.text(for: "Dream").flatMap(parseDream) { return info }
        return nil
    }

    // MARK: - invokeai_metadata

    /// The `invokeai_metadata` JSON. Parameters keep InvokeAI's names; `model` and `vae` are
    /// the models' names.
    public static func parseMetadata(_ text: String) -> GenerationInfo? {
        guard let json = JSONValue.parseObject(text) else { return nil }
        var info = GenerationInfo(generator: .invokeai)
        info.prompt = json.firstString("positive_prompt")
        info.negativePrompt = json.firstString("negative_prompt")
        for key in [
            "generation_mode", "model", "seed", "steps", "cfg_scale", "cfg_rescale_multiplier", "scheduler",
            "width", "height", "clip_skip", "strength", "vae", "positive_style_prompt",
            "negative_style_prompt", "app_version",
        ] {
            guard let value = json[key] else { continue }
            if key == "model" || key == "vae" {
                if let name = modelName(value) { info.parameters.append(Parameter(key, name)) }
            } else if let text = value.scalarText, !text.isEmpty {
                info.parameters.append(Parameter(key, text))
            }
        }
        guard info.prompt != nil || info.negativePrompt != nil || !info.parameters.isEmpty else { return nil }
        // "img2img", "sdxl_img2img", "inpaint", "outpaint": made from an image.
        if let mode = info.parameter("generation_mode")?.lowercased(),
            ["img2img", "inpaint", "outpaint"].contains(where: mode.contains)
        {
            info.imageToImage = true
        }
        return info
    }

    private static func modelName(_ value: JSONValue) -> String? {
        if let name = value.string { return name }
        return value.object?.firstString("name", "model_name", "key")
    }

    // MARK: - sd-metadata

    /// The `sd-metadata` JSON of InvokeAI 2.x.
    public static func parseSDMetadata(_ text: String) -> GenerationInfo? {
        guard let json = JSONValue.parseObject(text) else { return nil }
        // Grids of older versions carry `images`, a list, instead of `image`.
        guard let image = json["image"]?.object ?? json["images"]?[0]?.object else { return nil }
        var info = GenerationInfo(generator: .invokeai)
        let prompt: String? =
            if let list = image["prompt"]?.array {
                list.compactMap { $0["prompt"]?.string ?? $0.string }.joined(separator: " ")
            } else {
                image["prompt"]?.string
            }
        if let prompt {
            (info.prompt, info.negativePrompt) = splitBracketedNegatives(prompt)
        }
        if let weights = json.firstString("model_weights") {
            info.parameters.append(Parameter("model", weights))
        }
        for key in ["seed", "steps", "cfg_scale", "sampler", "width", "height", "strength", "type"] {
            if let value = image[key]?.scalarText, !value.isEmpty {
                info.parameters.append(Parameter(key, value))
            }
        }
        if let version = json.firstString("app_version") {
            info.parameters.append(Parameter("app_version", version))
        }
        return info
    }

    /// InvokeAI 2.x prompt syntax: `[bracketed]` parts are negative prompts. Returns the
    /// prompt without them and the bracketed parts joined by ", ".
    static func splitBracketedNegatives(_ prompt: String) -> (String?, String?) {
        var positive = ""
        var negatives: [String] = []
        var current = ""
        var depth = 0
        for character in prompt {
            switch character {
            case "[":
                if depth > 0 { current.append(character) }
                depth += 1
            case "]" where depth > 0:
                depth -= 1
                if depth == 0 {
                    negatives.append(PythonText.strip(current))
                    current = ""
                } else {
                    current.append(character)
                }
            default:
                if depth > 0 { current.append(character) } else { positive.append(character) }
            }
        }
        // An unclosed bracket is not a negative prompt: keep it as written.
        if depth > 0 { positive += "[" + current }
        if negatives.isEmpty {
            let text = PythonText.strip(positive)
            return (text.isEmpty ? nil : text, nil)
        }
        // Taking the brackets out leaves double spaces behind.
        let positiveText = PythonText.strip(
            positive.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "))
        let negativeText = negatives.filter { !$0.isEmpty }.joined(separator: ", ")
        return (positiveText.isEmpty ? nil : positiveText, negativeText.isEmpty ? nil : negativeText)
    }

    // MARK: - Dream

    /// The `Dream` command line of InvokeAI 1.x (lstein/stable-diffusion). Parameters: steps,
    /// seed, width, height, cfg_scale, sampler, strength.
    public static func parseDream(_ text: String) -> GenerationInfo? {
        let dream = PythonText.strip(text)
        guard dream.first == "\"" else { return nil }
        // The prompt ends at the quote that is followed by the end or by " -": a prompt may
        // contain quotes of its own.
        let body = dream.dropFirst()
        var promptEnd = body.lastIndex(of: "\"") ?? body.endIndex
        var index = body.startIndex
        while index < body.endIndex {
            if body[index] == "\"" {
                let rest = body[body.index(after: index)...].drop(while: \.isWhitespace)
                if rest.isEmpty || rest.first == "-" {
                    promptEnd = index
                    break
                }
            }
            index = body.index(after: index)
        }
        var info = GenerationInfo(generator: .invokeai)
        (info.prompt, info.negativePrompt) = splitBracketedNegatives(String(body[..<promptEnd]))

        let switches: [String: String] = [
            "-s": "steps", "--steps": "steps", "-S": "seed", "--seed": "seed", "-W": "width",
            "--width": "width", "-H": "height", "--height": "height", "-C": "cfg_scale",
            "--cfg_scale": "cfg_scale", "-A": "sampler", "--sampler": "sampler", "-f": "strength",
            "--strength": "strength",
        ]
        let rest = promptEnd < body.endIndex ? body[body.index(after: promptEnd)...] : ""
        var tokens = rest.split(whereSeparator: \.isWhitespace).map(String.init)[...]
        while let token = tokens.popFirst() {
            // Both "-s 50" and "-s50".
            if let name = switches[token], let value = tokens.first, !value.hasPrefix("-") || Double(value) != nil {
                info.parameters.append(Parameter(name, value))
                tokens.removeFirst()
            } else if token.count > 2, let name = switches[String(token.prefix(2))] {
                info.parameters.append(Parameter(name, String(token.dropFirst(2))))
            }
        }
        return info
    }
}
