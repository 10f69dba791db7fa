import GptimgSupport

/// ComfyUI's editor graph, the `workflow` chunk:
/// `{"nodes": [{"id": 6, "type": "CLIPTextEncode", "inputs": [{"name": "clip", "link": 3}],
/// "widgets_values": ["a prompt"]}…], "links": [[4, 6, 0, 3, 1, "CONDITIONING"]…]}`.
///
/// Read when a file has no `prompt` chunk, or to complete it, by the same walk as the `prompt`
/// chunk (`ComfyGraph`). Widget values are positional, so settings are read from the layouts of
/// the core nodes (KSampler, KSamplerAdvanced, checkpoint loaders) where no input names them.
public enum ComfyUIWorkflow {
    /// The generation an editor graph describes; nil when `text` is not one.
    /// Parameters: seed, steps, cfg, sampler, scheduler, denoise, model, where present.
    public static func parse(_ text: String) -> GenerationInfo? {
        guard let root = JSONValue.parseObject(text), let nodes = root["nodes"]?.array else { return nil }
        return ComfyGraph(workflowNodes: nodes, links: root["links"]?.array ?? []).generationInfo()
    }
}
