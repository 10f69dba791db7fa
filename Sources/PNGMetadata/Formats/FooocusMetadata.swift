import GptimgSupport

/// Fooocus's metadata, in the `parameters` chunk, with the scheme named by a `fooocus_scheme`
/// chunk:
/// - "fooocus": JSON with sorted snake_case keys (`prompt`, `negative_prompt`, `styles`,
///   `performance`, `resolution`, `guidance_scale`, `sharpness`, `base_model`, `seed`…,
///   `version` "Fooocus v2.5.5"); logs of older versions use the Title Case labels
///   ("Prompt", "Negative Prompt", "Guidance Scale"…), which Fooocus still reads;
/// - "a1111": A1111 infotext whose `Version` is "Fooocus v…".
public enum FooocusMetadata {
    /// The generation Fooocus's chunks describe; nil when `parameters` is not Fooocus's.
    public static func parse(_ chunks: [TextChunk]) -> GenerationInfo? {
        guard let text = chunks.text(for: "parameters") else { return nil }
        let scheme = chunks.text(for: "fooocus_scheme").map { PythonText.strip($0).lowercased() }
        if let json = JSONValue.parseObject(text) {
            guard scheme != nil || isFooocus(json) else { return nil }
            return parseJSON(json)
        }
        guard let infotext = A1111Infotext.parse(text) else { return nil }
        let version = infotext.parameters.first { $0.key == "Version" }?.value ?? ""
        guard scheme == "a1111" || version.hasPrefix("Fooocus") else { return nil }
        // Fooocus writes the styled, expanded prompt as the infotext's prompt and what the
        // user typed as "Raw prompt"; its own reader takes the raw one, and so do we.
        let raw = { (key: String) in infotext.parameters.first { $0.key == key }?.value }
        return GenerationInfo(
            generator: .fooocus,
            prompt: raw("Raw prompt") ?? nonEmpty(infotext.prompt),
            negativePrompt: raw("Raw negative prompt") ?? infotext.negativePrompt,
            parameters: infotext.parameters.filter { $0.key != "Raw prompt" && $0.key != "Raw negative prompt" }
        )
    }

    /// The settings in the order Fooocus shows them, each under its snake_case name or its
    /// older Title Case label.
    private static let settings: [(String, String)] = [
        ("styles", "Styles"), ("performance", "Performance"), ("steps", "Steps"),
        ("resolution", "Resolution"), ("guidance_scale", "Guidance Scale"), ("sharpness", "Sharpness"),
        ("adm_guidance", "ADM Guidance"), ("base_model", "Base Model"), ("refiner_model", "Refiner Model"),
        ("refiner_switch", "Refiner Switch"), ("sampler", "Sampler"), ("scheduler", "Scheduler"),
        ("vae", "VAE"), ("seed", "Seed"), ("loras", "LoRAs"), ("prompt_expansion", "Fooocus V2 Expansion"),
        ("metadata_scheme", "Metadata Scheme"), ("version", "Version"),
    ]

    static func parseJSON(_ json: JSONObject) -> GenerationInfo {
        var info = GenerationInfo(generator: .fooocus)
        info.prompt =
            json.firstString("prompt", "Prompt")
            ?? json["full_prompt"]?.array.flatMap { nonEmpty($0.compactMap(\.string).joined(separator: ", ")) }
        info.negativePrompt =
            json.firstString("negative_prompt", "Negative Prompt")
            ?? json["full_negative_prompt"]?.array.flatMap { nonEmpty($0.compactMap(\.string).joined(separator: ", ")) }
        for (key, label) in settings {
            for name in [key, label] {
                if let value = json[name]?.displayText, !value.isEmpty, value != "None" {
                    info.parameters.append(Parameter(name, value))
                    break
                }
            }
        }
        // LoRAs one by one, as the UI saves them ("lora_combined_1": "name.safetensors : 0.5").
        for (key, value) in json.entries where key.hasPrefix("lora_combined_") || key.hasPrefix("LoRA ") {
            if let text = value.scalarText, !text.isEmpty, text != "None" {
                info.parameters.append(Parameter(key, text))
            }
        }
        return info
    }

    /// Fooocus's JSON names its scheme or version, or has settings only Fooocus has.
    private static func isFooocus(_ json: JSONObject) -> Bool {
        if json["fooocus_scheme"] != nil || json["metadata_scheme"] != nil || json["Metadata Scheme"] != nil {
            return true
        }
        if let version = json.firstString("version", "Version"), version.hasPrefix("Fooocus") { return true }
        if json["prompt_expansion"] != nil || json["Fooocus V2 Expansion"] != nil { return true }
        let hasPerformance = json["performance"] != nil || json["Performance"] != nil
        let hasSharpness = json["sharpness"] != nil || json["Sharpness"] != nil
        return hasPerformance && hasSharpness
    }

    private static func nonEmpty(_ text: String) -> String? {
        PythonText.strip(text).isEmpty ? nil : text
    }
}
