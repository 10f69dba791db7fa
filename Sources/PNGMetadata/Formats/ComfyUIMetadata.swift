import GptimgSupport

/// ComfyUI's metadata: `SaveImage` writes the executed graph as the `prompt` chunk (the "API"
/// format: node id → `{"class_type", "inputs"}`, links as `["6", 0]`) and the editor's graph as
/// the `workflow` chunk (see `ComfyUIWorkflow`).
///
/// The prompt is what the sampler was conditioned on, so it is found by following the
/// sampler's `positive`/`negative` links back to the text-encode nodes, through conditioning
/// nodes (combine, ControlNet…) and through links that feed the text itself (primitive and
/// string nodes). Every walk is bounded (`maximumDepth` hops, `maximumVisits` nodes) and never
/// enters a node twice, so link cycles and lattices cost nothing.
public enum ComfyUIMetadata {
    static let maximumDepth = 32
    static let maximumVisits = 512
    /// Samplers or encoders looked at per graph: real graphs have a handful, and each costs
    /// a walk of up to `maximumVisits` nodes.
    static let maximumCandidates = 64

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
        let graph = APIGraph(root)
        guard !graph.nodeIDs.isEmpty else { return nil }
        var info = GenerationInfo(generator: .comfyui)

        let samplers = graph.nodeIDs.lazy.filter(graph.isSampler).prefix(maximumCandidates)
        // Several samplers (hires fix, refiner): the first one, in node order, that is
        // conditioned on text.
        var chosen = samplers.first
        var prompts: (positive: String?, negative: String?) = (nil, nil)
        for sampler in samplers {
            let found = graph.prompts(ofSampler: sampler)
            if found.positive != nil || found.negative != nil {
                chosen = sampler
                prompts = found
                break
            }
        }
        // No sampler, or conditioning through nodes we do not know: every encoder's text.
        if prompts.positive == nil, prompts.negative == nil {
            prompts = graph.promptsWithoutSampler()
        }
        info.prompt = prompts.positive
        info.negativePrompt = prompts.negative
        if let chosen {
            info.parameters = graph.parameters(ofSampler: chosen)
        }
        if info.parameter("model") == nil, let model = graph.anyCheckpointName() {
            info.parameters.append(Parameter("model", model))
        }
        return info
    }
}

// MARK: - The API graph

/// Read-only helpers over an API-format graph.
struct APIGraph {
    let nodes: JSONObject
    /// Ids of the entries that are nodes (objects with a `class_type`), in numeric id order.
    let nodeIDs: [String]

    init(_ root: JSONObject) {
        nodes = root
        nodeIDs = root.entries
            .filter { $0.value["class_type"]?.string != nil }
            .map(\.key)
            .sorted(by: ComfyNodeID.precedes)
    }

    func classType(_ id: String) -> String {
        nodes[id]?["class_type"]?.string ?? ""
    }

    func inputs(_ id: String) -> JSONObject {
        nodes[id]?["inputs"]?.object ?? JSONObject()
    }

    func title(_ id: String) -> String {
        nodes[id]?["_meta"]?["title"]?.string ?? ""
    }

    /// KSampler, KSamplerAdvanced, SamplerCustom(Advanced) and custom samplers that take
    /// conditioning or a guider.
    func isSampler(_ id: String) -> Bool {
        let type = classType(id)
        guard type.lowercased().contains("sampler") else { return false }
        let inputs = inputs(id)
        return ComfyLink(inputs["positive"]) != nil || ComfyLink(inputs["guider"]) != nil
    }

    // MARK: Prompts

    func prompts(ofSampler id: String) -> (positive: String?, negative: String?) {
        let inputs = inputs(id)
        // SamplerCustomAdvanced takes its conditioning through a guider node.
        let guider = ComfyLink(inputs["guider"]).map { self.inputs($0.node) } ?? JSONObject()
        let positive = inputs["positive"] ?? guider["positive"] ?? guider["conditioning"]
        let negative = inputs["negative"] ?? guider["negative"]
        return (conditioningText(positive), conditioningText(negative))
    }

    /// Without a sampler: every text-encode node, in node order; those titled "negative" are
    /// the negative prompt.
    func promptsWithoutSampler() -> (positive: String?, negative: String?) {
        var positive: [String] = []
        var negative: [String] = []
        for id in nodeIDs.lazy.filter(isTextEncoder).prefix(ComfyUIMetadata.maximumCandidates) {
            var walk = ComfyWalk()
            guard let text = encoderText(id, walk: &walk, depth: 0) else { continue }
            if title(id).lowercased().contains("negative") {
                negative.append(text)
            } else {
                positive.append(text)
            }
        }
        return (ComfyText.join(positive), ComfyText.join(negative))
    }

    private func conditioningText(_ value: JSONValue?) -> String? {
        guard let link = ComfyLink(value) else { return nil }
        var walk = ComfyWalk()
        return ComfyText.join(conditioningTexts(link, walk: &walk, depth: 0))
    }

    /// The texts that conditioning coming out of `link` was encoded from.
    private func conditioningTexts(_ link: ComfyLink, walk: inout ComfyWalk, depth: Int) -> [String] {
        guard depth < ComfyUIMetadata.maximumDepth, walk.enter(link.node) else { return [] }
        if isTextEncoder(link.node) {
            return encoderText(link.node, walk: &walk, depth: depth + 1).map { [$0] } ?? []
        }
        let inputs = inputs(link.node)
        // Nodes that pass both conditionings through (ControlNetApplyAdvanced…): output slot 0
        // is the positive one, slot 1 the negative one.
        if let positive = ComfyLink(inputs["positive"]) {
            let next = link.slot == 1 ? ComfyLink(inputs["negative"]) : positive
            return next.map { conditioningTexts($0, walk: &walk, depth: depth + 1) } ?? []
        }
        var texts: [String] = []
        for (key, value) in inputs.entries where key.lowercased().contains("conditioning") {
            if let next = ComfyLink(value) {
                texts += conditioningTexts(next, walk: &walk, depth: depth + 1)
            }
        }
        return texts
    }

    func isTextEncoder(_ id: String) -> Bool {
        let type = classType(id)
        return type.contains("TextEncode") || type.contains("CLIPText")
    }

    /// An encoder's text: `text`, or SDXL's `text_g`/`text_l`, or Flux's `clip_l`/`t5xxl`;
    /// each may be a string or a link to the node that makes it.
    private func encoderText(_ id: String, walk: inout ComfyWalk, depth: Int) -> String? {
        let inputs = inputs(id)
        for keys in [["text"], ["text_g", "text_l"], ["clip_l", "t5xxl"], ["prompt"]] {
            let parts = keys.compactMap { key in
                inputs[key].flatMap { stringValue($0, walk: &walk, depth: depth) }
            }
            if let text = ComfyText.join(parts) { return text }
        }
        return nil
    }

    /// A string input: the string itself, or what the linked node outputs on that slot.
    private func stringValue(_ value: JSONValue, walk: inout ComfyWalk, depth: Int) -> String? {
        if let string = value.string { return string }
        guard let link = ComfyLink(value), depth < ComfyUIMetadata.maximumDepth, walk.enter(link.node) else {
            return nil
        }
        let inputs = inputs(link.node)
        // Prompt stylers output the positive text on slot 0 and the negative one on slot 1.
        let keys =
            link.slot == 1
            ? ["text_negative", "negative", "negative_prompt"]
            : ["text", "string", "value", "prompt", "text_positive", "positive", "positive_prompt", "Text", "STRING"]
        for key in keys {
            if let next = inputs[key], let text = stringValue(next, walk: &walk, depth: depth + 1) {
                return text
            }
        }
        // StringConcatenate and friends.
        for (a, b) in [("string_a", "string_b"), ("text_a", "text_b"), ("text1", "text2")] {
            guard let first = inputs[a], let second = inputs[b] else { continue }
            let delimiter = inputs["delimiter"]?.string ?? inputs["separator"]?.string ?? ""
            let parts = [first, second].compactMap { stringValue($0, walk: &walk, depth: depth + 1) }
            return parts.joined(separator: delimiter)
        }
        return nil
    }

    // MARK: Parameters

    func parameters(ofSampler id: String) -> [Parameter] {
        let inputs = inputs(id)
        var parameters: [Parameter] = []
        // name, the input keys that hold it, and the linked nodes that hold it for
        // SamplerCustomAdvanced (RandomNoise, BasicScheduler, CFGGuider, KSamplerSelect).
        let wanted: [(name: String, keys: [String], via: [String])] = [
            ("seed", ["seed", "noise_seed"], ["noise"]),
            ("steps", ["steps"], ["sigmas"]),
            ("cfg", ["cfg"], ["guider"]),
            ("sampler", ["sampler_name"], ["sampler"]),
            ("scheduler", ["scheduler"], ["sigmas"]),
            ("denoise", ["denoise"], ["sigmas"]),
        ]
        for item in wanted {
            let holders = [inputs] + item.via.compactMap { ComfyLink(inputs[$0]).map { self.inputs($0.node) } }
            for holder in holders {
                if let value = firstScalar(in: holder, keys: item.keys) {
                    parameters.append(Parameter(item.name, value))
                    break
                }
            }
        }
        let guider = ComfyLink(inputs["guider"]).map { self.inputs($0.node) } ?? JSONObject()
        if let model = checkpointName(following: inputs["model"] ?? guider["model"]) {
            parameters.append(Parameter("model", model))
        }
        if let latent = ComfyLink(inputs["latent_image"]) {
            let size = self.inputs(latent.node)
            for key in ["width", "height"] {
                if let value = firstScalar(in: size, keys: [key]) { parameters.append(Parameter(key, value)) }
            }
        }
        return parameters
    }

    /// The first of `keys` with a scalar value, following a link to a primitive node.
    private func firstScalar(in inputs: JSONObject, keys: [String]) -> String? {
        for key in keys {
            guard let value = inputs[key] else { continue }
            var walk = ComfyWalk()
            if let text = scalar(value, keys: keys, walk: &walk, depth: 0) { return text }
        }
        return nil
    }

    private func scalar(_ value: JSONValue, keys: [String], walk: inout ComfyWalk, depth: Int) -> String? {
        if let text = value.scalarText { return text }
        guard let link = ComfyLink(value), depth < ComfyUIMetadata.maximumDepth, walk.enter(link.node) else {
            return nil
        }
        let inputs = inputs(link.node)
        for key in keys + ["value", "seed", "noise_seed", "int", "float", "number", "string"] {
            if let next = inputs[key], let text = scalar(next, keys: keys, walk: &walk, depth: depth + 1) {
                return text
            }
        }
        return nil
    }

    /// Follows a `model` link back through LoRA loaders, patches and samplings to the loader
    /// that names the checkpoint.
    private func checkpointName(following value: JSONValue?) -> String? {
        var walk = ComfyWalk()
        var link = ComfyLink(value)
        var depth = 0
        while let current = link, depth < ComfyUIMetadata.maximumDepth, walk.enter(current.node) {
            let inputs = inputs(current.node)
            for key in ["ckpt_name", "unet_name", "model_name", "base_ckpt_name"] {
                if let name = inputs[key]?.string { return name }
            }
            link = ComfyLink(inputs["model"])
            depth += 1
        }
        return nil
    }

    /// Any checkpoint loader's checkpoint, for graphs whose sampler does not lead to one.
    func anyCheckpointName() -> String? {
        for id in nodeIDs {
            if let name = inputs(id)["ckpt_name"]?.string { return name }
        }
        return nil
    }
}

// MARK: - Shared pieces

/// A link input, `["6", 0]`: the source node's id and output slot.
struct ComfyLink {
    var node: String
    var slot: Int

    init(node: String, slot: Int) {
        self.node = node
        self.slot = slot
    }

    init?(_ value: JSONValue?) {
        guard let array = value?.array, array.count == 2,
            let node = array[0].scalarText, case .number(let slotText) = array[1], let slot = Int(slotText)
        else { return nil }
        if case .bool = array[0] { return nil }
        self.node = node
        self.slot = slot
    }
}

/// The nodes one walk has entered: each at most once, and at most `maximumVisits` in all.
struct ComfyWalk {
    private var visited: Set<String> = []

    mutating func enter(_ node: String) -> Bool {
        guard visited.count < ComfyUIMetadata.maximumVisits else { return false }
        return visited.insert(node).inserted
    }
}

enum ComfyNodeID {
    /// Numeric ids in numeric order ("4" before "10"), then the rest ("12:5") as text.
    static func precedes(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case (let x?, let y?): x < y
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): a < b
        }
    }
}

enum ComfyText {
    /// Distinct non-empty texts, one per line (SDXL's two encoders often hold the same text).
    static func join(_ texts: [String]) -> String? {
        var seen: Set<String> = []
        let distinct = texts.filter { !PythonText.strip($0).isEmpty && seen.insert($0).inserted }
        return distinct.isEmpty ? nil : distinct.joined(separator: "\n")
    }
}
