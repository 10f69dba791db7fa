import GptimgSupport

/// ComfyUI's metadata: `SaveImage` writes the executed graph as the `prompt` chunk (the "API"
/// format: node id → `{"class_type", "inputs"}`, links as `["6", 0]`) and the editor's graph as
/// the `workflow` chunk (see `ComfyUIWorkflow`). Both are read by the one walk of `ComfyGraph`.
///
/// The prompt is what the sampler was conditioned on, so it is found by following the
/// sampler's `positive`/`negative` links back to the text-encode nodes, through conditioning
/// nodes (combine, ControlNet…) and through links that feed the text itself (primitive and
/// string nodes).
public enum ComfyUIMetadata {
    /// The generation described by the `prompt` chunk, completed from the `workflow` chunk, or
    /// by the `workflow` chunk alone. Nil when neither is a ComfyUI graph.
    public static func parse(_ chunks: [TextChunk]) -> GenerationInfo? {
        let api = chunks.text(for: "prompt").flatMap(parseAPIGraph)
        let workflow = chunks.text(for: "workflow").flatMap(ComfyUIWorkflow.parse)
        guard var info = api ?? workflow else { return nil }
        if api != nil, let workflow {
            info.prompt = info.prompt ?? workflow.prompt
            info.negativePrompt = info.negativePrompt ?? workflow.negativePrompt
            for parameter in workflow.parameters where info.parameter(parameter.key) == nil {
                info.parameters.append(parameter)
            }
        }
        return info
    }

    /// The generation described by an API-format graph (the `prompt` chunk); nil when the text
    /// is not one. Parameters: seed, steps, cfg, sampler, scheduler, denoise, model, width,
    /// height, where the graph has them.
    public static func parseAPIGraph(_ text: String) -> GenerationInfo? {
        guard let root = JSONValue.parseObject(text) else { return nil }
        let graph = ComfyGraph(apiGraph: root)
        guard !graph.nodeIDs.isEmpty else { return nil }
        return graph.generationInfo()
    }
}
