import GptimgSupport

/// A ComfyUI graph in either of the shapes it is saved in — the executed "API" graph of the
/// `prompt` chunk (`ComfyUIMetadata`) and the editor's graph of the `workflow` chunk
/// (`ComfyUIWorkflow`) — read as nodes with named inputs, and the one walk over it that finds
/// the generation: the sampler, the text it was conditioned on, its settings and its model.
///
/// The two shapes differ in how a node says what it takes: the API graph names every input
/// (`"seed": 5`, `"positive": ["6", 0]`); the editor's graph lists its links as typed inputs
/// (`{"name": "positive", "type": "CONDITIONING", "link": 4}`) and its settings as positional
/// widget values, whose layout is known only for the core nodes. Everything else — following
/// links, the bounds — is the same walk. Every walk is bounded (`maximumDepth` hops,
/// `maximumVisits` nodes) and never enters a node twice, so cycles and lattices cost nothing.
struct ComfyGraph {
    static let maximumDepth = 32
    static let maximumVisits = 512
    /// Samplers or encoders looked at per graph: real graphs have a handful, and each costs a
    /// walk of up to `maximumVisits` nodes.
    static let maximumCandidates = 64

    private var nodes: [String: ComfyNode] = [:]
    /// Node ids in numeric order ("4" before "10"), then the others as text.
    private(set) var nodeIDs: [String] = []

    /// The API graph: node id → `{"class_type", "inputs", "_meta": {"title"}}`; entries without
    /// a `class_type` are not nodes.
    init(apiGraph root: JSONObject) {
        for (id, value) in root.entries {
            guard let type = value["class_type"]?.string else { continue }
            let inputs = (value["inputs"]?.object?.entries ?? []).map { key, value in
                ComfyNode.Input(name: key, type: nil, value: ComfyLink(value).map { .link($0) } ?? .literal(value))
            }
            let title = value["_meta"]?["title"]?.string ?? ""
            nodes[id] = ComfyNode(type: type, title: title, inputs: inputs, widgets: [])
            nodeIDs.append(id)
        }
        nodeIDs.sort(by: ComfyNodeID.precedes)
    }

    /// The editor's graph: `nodes` (`{"id", "type", "title", "inputs": [{"name", "type",
    /// "link"}], "widgets_values"}`) and `links` (`[id, origin_id, origin_slot, target_id,
    /// target_slot, type]`, or the same as an object in newer saves).
    init(workflowNodes: [JSONValue], links: [JSONValue]) {
        var origins: [String: ComfyLink] = [:]
        for link in links {
            let id = link[0]?.scalarText ?? link["id"]?.scalarText
            let origin = link[1]?.scalarText ?? link["origin_id"]?.scalarText
            let slot = (link[2] ?? link["origin_slot"])?.scalarText.flatMap { Int($0) } ?? 0
            if let id, let origin {
                origins[id] = ComfyLink(node: origin, slot: slot)
            }
        }
        for node in workflowNodes {
            guard let id = node["id"]?.scalarText, let type = node["type"]?.string, nodes[id] == nil else { continue }
            var inputs: [ComfyNode.Input] = (node["inputs"]?.array ?? []).compactMap { input in
                guard let name = input["name"]?.string else { return nil }
                let origin = input["link"]?.scalarText.flatMap { origins[$0] }
                let value: ComfyNode.Value = origin.map { .link($0) } ?? .unconnected
                return ComfyNode.Input(name: name, type: input["type"]?.string, value: value)
            }
            // Widgets saved as an object (some custom nodes) are named settings, as in the API
            // graph; as a list they are positional.
            var widgets: [JSONValue] = []
            if let named = node["widgets_values"]?.object {
                inputs += named.entries.map { ComfyNode.Input(name: $0.key, type: nil, value: .literal($0.value)) }
            } else {
                widgets = node["widgets_values"]?.array ?? []
            }
            nodes[id] = ComfyNode(type: type, title: node["title"]?.string ?? "", inputs: inputs, widgets: widgets)
            nodeIDs.append(id)
        }
        nodeIDs.sort(by: ComfyNodeID.precedes)
    }

    /// The generation: every sampler's prompts (a two-pass graph's second prompt is as much the
    /// image's as the first), the settings and model of the first sampler (in node order)
    /// conditioned on text; without one, every text encoder's text. A graph whose sampler starts
    /// from an encoded image (LoadImage → VAEEncode → latent) is image-to-image.
    func generationInfo() -> GenerationInfo {
        var info = GenerationInfo(generator: .comfyui)
        let samplers = Array(nodeIDs.lazy.filter(isSampler).prefix(Self.maximumCandidates))
        // Several samplers (hires fix, refiner, a second pass): the first one conditioned on text
        // gives the settings; the prompts are all of theirs, each text once, in node order.
        var chosen = samplers.first
        var positives: [String] = []
        var negatives: [String] = []
        var conditioned = false
        for sampler in samplers {
            let found = self.prompts(ofSampler: sampler)
            guard found.positive != nil || found.negative != nil else { continue }
            if !conditioned { chosen = sampler }
            conditioned = true
            positives += found.positive.map { [$0] } ?? []
            negatives += found.negative.map { [$0] } ?? []
        }
        var prompts = (positive: ComfyText.join(positives), negative: ComfyText.join(negatives))
        // No sampler, or conditioning through nodes we do not know: every encoder's text.
        if prompts.positive == nil, prompts.negative == nil {
            prompts = promptsWithoutSampler()
        }
        info.prompt = prompts.positive
        info.negativePrompt = prompts.negative
        if let chosen {
            info.parameters = parameters(ofSampler: chosen)
            if startsFromAnImage(chosen) { info.imageToImage = true }
        }
        if info.parameter("model") == nil, let model = anyCheckpointName() {
            info.parameters.append(Parameter("model", model))
        }
        return info
    }

    private static let pictureInputs: Set<String> = ["latent_image", "latent", "samples", "pixels", "image", "images"]

    private static func carriesPicture(_ input: ComfyNode.Input) -> Bool {
        if let type = input.type { return type == "LATENT" || type == "IMAGE" }
        return pictureInputs.contains(input.name)
    }

    /// Whether the sampler's latent comes from an image the graph loaded (LoadImage and its
    /// kin, through VAEEncode, upscales, crops…), rather than from an empty latent.
    private func startsFromAnImage(_ id: String) -> Bool {
        guard let latent = nodes[id]?.link("latent_image") else { return false }
        var walk = ComfyWalk()
        var frontier = [latent]
        var depth = 0
        while !frontier.isEmpty, depth < Self.maximumDepth {
            var next: [ComfyLink] = []
            for link in frontier {
                guard walk.enter(link.node), let node = nodes[link.node] else { continue }
                if node.type.hasPrefix("LoadImage") || node.type == "ETN_LoadImageBase64" { return true }
                // An empty latent is text-to-image whatever follows it.
                if node.type.contains("EmptyLatent") || node.type.contains("EmptySD3Latent") { continue }
                // Only what carries the picture (latents, pixels): a ControlNet's image feeds
                // the conditioning, not the latent, and is not followed.
                for input in node.inputs where Self.carriesPicture(input) {
                    if case .link(let origin) = input.value { next.append(origin) }
                }
            }
            frontier = next
            depth += 1
        }
        return false
    }

    // MARK: - Kinds of nodes

    /// KSampler, KSamplerAdvanced, SamplerCustom(Advanced) and custom samplers: a sampler that
    /// takes conditioning or a guider (KSamplerSelect, which only names one, is not).
    private func isSampler(_ id: String) -> Bool {
        guard let node = nodes[id], node.type.lowercased().contains("sampler") else { return false }
        return node.declares("positive") || node.declares("guider")
    }

    private func isTextEncoder(_ id: String) -> Bool {
        guard let type = nodes[id]?.type else { return false }
        return type.contains("TextEncode") || type.contains("CLIPText")
    }

    private func isModelLoader(_ node: ComfyNode) -> Bool {
        node.type.contains("CheckpointLoader") || node.type == "UNETLoader"
    }

    // MARK: - Prompts

    private func prompts(ofSampler id: String) -> (positive: String?, negative: String?) {
        guard let node = nodes[id] else { return (nil, nil) }
        // SamplerCustomAdvanced takes its conditioning through a guider node.
        let guider = node.link("guider").flatMap { nodes[$0.node] }
        let positive = node.link("positive") ?? guider?.link("positive") ?? guider?.link("conditioning")
        let negative = node.link("negative") ?? guider?.link("negative")
        return (conditioningText(positive), conditioningText(negative))
    }

    /// Without a sampler: every text-encode node, in node order; those titled "negative" are
    /// the negative prompt.
    private func promptsWithoutSampler() -> (positive: String?, negative: String?) {
        var positive: [String] = []
        var negative: [String] = []
        for id in nodeIDs.lazy.filter(isTextEncoder).prefix(Self.maximumCandidates) {
            var walk = ComfyWalk()
            guard let text = encoderText(id, walk: &walk, depth: 0) else { continue }
            if nodes[id]?.title.lowercased().contains("negative") == true {
                negative.append(text)
            } else {
                positive.append(text)
            }
        }
        return (ComfyText.join(positive), ComfyText.join(negative))
    }

    private func conditioningText(_ link: ComfyLink?) -> String? {
        guard let link else { return nil }
        var walk = ComfyWalk()
        return ComfyText.join(conditioningTexts(link, walk: &walk, depth: 0))
    }

    /// The texts that conditioning coming out of `link` was encoded from.
    private func conditioningTexts(_ link: ComfyLink, walk: inout ComfyWalk, depth: Int) -> [String] {
        guard depth < Self.maximumDepth, walk.enter(link.node) else { return [] }
        if isTextEncoder(link.node) {
            return encoderText(link.node, walk: &walk, depth: depth + 1).map { [$0] } ?? []
        }
        guard let node = nodes[link.node] else { return [] }
        // Nodes that pass both conditionings through (ControlNetApplyAdvanced…): output slot 0
        // is the positive one, slot 1 the negative one.
        if let positive = node.link("positive") {
            let next = link.slot == 1 ? node.link("negative") : positive
            return next.map { conditioningTexts($0, walk: &walk, depth: depth + 1) } ?? []
        }
        // Combine, concat, average…: every conditioning input, by its type where the graph
        // gives types (the editor's), else by its name.
        var texts: [String] = []
        for input in node.inputs
        where input.type == "CONDITIONING" || input.name.lowercased().contains("conditioning") {
            if case .link(let next) = input.value {
                texts += conditioningTexts(next, walk: &walk, depth: depth + 1)
            }
        }
        return texts
    }

    /// An encoder's text: `text`, or SDXL's `text_g`/`text_l`, or Flux's `clip_l`/`t5xxl`, each
    /// a string or a link to the node that makes it; else (the editor's graph) its string
    /// widgets. A link comes first: a widget turned into an input keeps its old value.
    private func encoderText(_ id: String, walk: inout ComfyWalk, depth: Int) -> String? {
        guard let node = nodes[id] else { return nil }
        for keys in [["text"], ["text_g", "text_l"], ["clip_l", "t5xxl"], ["prompt"]] {
            let parts = keys.compactMap { key in
                node.input(key).flatMap { stringValue($0, walk: &walk, depth: depth) }
            }
            if let text = ComfyText.join(parts) { return text }
        }
        return ComfyText.join(node.widgets.compactMap(\.string))
    }

    private func stringValue(_ value: ComfyNode.Value, walk: inout ComfyWalk, depth: Int) -> String? {
        switch value {
        case .literal(let value): value.string
        case .link(let link): linkedText(link, walk: &walk, depth: depth)
        case .unconnected: nil
        }
    }

    /// The text the node at the other end of `link` outputs on that slot: a primitive, a string
    /// node, a prompt styler, a concatenation.
    private func linkedText(_ link: ComfyLink, walk: inout ComfyWalk, depth: Int) -> String? {
        guard depth < Self.maximumDepth, walk.enter(link.node), let node = nodes[link.node] else { return nil }
        // Prompt stylers output the positive text on slot 0 and the negative one on slot 1.
        let keys =
            link.slot == 1
            ? ["text_negative", "negative", "negative_prompt"]
            : ["text", "string", "value", "prompt", "text_positive", "positive", "positive_prompt", "Text", "STRING"]
        for key in keys {
            if let next = node.input(key), let text = stringValue(next, walk: &walk, depth: depth + 1) {
                return text
            }
        }
        // StringConcatenate and friends.
        for (a, b) in [("string_a", "string_b"), ("text_a", "text_b"), ("text1", "text2")] {
            guard let first = node.input(a), let second = node.input(b) else { continue }
            let delimiter = node.literal("delimiter")?.string ?? node.literal("separator")?.string ?? ""
            let parts = [first, second].compactMap { stringValue($0, walk: &walk, depth: depth + 1) }
            return parts.joined(separator: delimiter)
        }
        // The editor's graph: the node's string widgets (a styler's negative text second), or
        // the text linked into one of its string inputs.
        let strings = node.widgets.compactMap(\.string)
        if link.slot == 1, strings.count >= 2 { return strings[1] }
        if let text = strings.first(where: { !PythonText.strip($0).isEmpty }) { return text }
        for input in node.inputs where input.type == "STRING" {
            if case .link(let next) = input.value, let text = linkedText(next, walk: &walk, depth: depth + 1) {
                return text
            }
        }
        return nil
    }

    // MARK: - Settings

    /// Seed, steps, cfg, sampler, scheduler, denoise, model, width and height, where the graph
    /// has them.
    private func parameters(ofSampler id: String) -> [Parameter] {
        guard let node = nodes[id] else { return [] }
        let positional = positionalSettings(of: node)
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
            let holders = [node] + item.via.compactMap { node.link($0).flatMap { nodes[$0.node] } }
            let named = holders.lazy.compactMap { firstScalar(in: $0, keys: item.keys) }.first
            if let value = named ?? positional[item.name] {
                parameters.append(Parameter(item.name, value))
            }
        }
        let guider = node.link("guider").flatMap { nodes[$0.node] }
        if let model = checkpointName(following: node.link("model") ?? guider?.link("model")) {
            parameters.append(Parameter("model", model))
        }
        if let latent = node.link("latent_image").flatMap({ nodes[$0.node] }) {
            for key in ["width", "height"] {
                if let value = firstScalar(in: latent, keys: [key]) { parameters.append(Parameter(key, value)) }
            }
        }
        return parameters
    }

    /// A KSampler's settings from its positional widgets, `[seed, control, steps, cfg, sampler,
    /// scheduler, denoise]`, or a KSamplerAdvanced's, `[add_noise, noise_seed, control, steps,
    /// cfg, sampler, scheduler, start, end, return]` (the editor's graph).
    private func positionalSettings(of node: ComfyNode) -> [String: String] {
        guard node.type.contains("KSampler") else { return [:] }
        let advanced = node.type.contains("Advanced")
        var values = node.widgets
        if advanced, values.first?.string != nil {
            values.removeFirst() // add_noise
        }
        // The "control after generate" widget follows the seed in saved graphs, but not in
        // every version of the editor.
        let controls: Set<String> = ["fixed", "increment", "decrement", "randomize"]
        if values.count > 1, let control = values[1].string, controls.contains(control) {
            values.remove(at: 1)
        }
        guard values.count >= 5 else { return [:] }
        var settings: [String: String] = [:]
        for (index, name) in ["seed", "steps", "cfg", "sampler", "scheduler", "denoise"].enumerated()
        where index < values.count {
            // KSamplerAdvanced has start/end steps where KSampler has denoise.
            if name == "denoise", advanced { break }
            settings[name] = values[index].scalarText
        }
        return settings
    }

    /// The first of `keys` with a scalar value, following a link to a primitive node.
    private func firstScalar(in node: ComfyNode, keys: [String]) -> String? {
        for key in keys {
            guard let value = node.input(key) else { continue }
            var walk = ComfyWalk()
            if let text = scalar(value, keys: keys, walk: &walk, depth: 0) { return text }
        }
        return nil
    }

    private func scalar(_ value: ComfyNode.Value, keys: [String], walk: inout ComfyWalk, depth: Int) -> String? {
        guard case .link(let link) = value else {
            if case .literal(let literal) = value { return literal.scalarText }
            return nil
        }
        guard depth < Self.maximumDepth, walk.enter(link.node), let node = nodes[link.node] else { return nil }
        for key in keys + ["value", "seed", "noise_seed", "int", "float", "number", "string"] {
            if let next = node.input(key), let text = scalar(next, keys: keys, walk: &walk, depth: depth + 1) {
                return text
            }
        }
        // The editor's primitive nodes hold their value as their first widget.
        return node.widgets.first?.scalarText
    }

    /// Follows a `model` link back through LoRA loaders, patches and samplings to the loader
    /// that names the checkpoint.
    private func checkpointName(following start: ComfyLink?) -> String? {
        var walk = ComfyWalk()
        var link = start
        var depth = 0
        while let current = link, depth < Self.maximumDepth, walk.enter(current.node) {
            guard let node = nodes[current.node] else { return nil }
            if let name = checkpointName(of: node) { return name }
            link = node.link("model")
            depth += 1
        }
        return nil
    }

    /// Any checkpoint loader's checkpoint, for graphs whose sampler does not lead to one.
    private func anyCheckpointName() -> String? {
        for id in nodeIDs {
            guard let node = nodes[id] else { continue }
            if let name = node.literal("ckpt_name")?.string { return name }
            if isModelLoader(node), let name = node.widgets.first?.string { return name }
        }
        return nil
    }

    /// The model a loader names: by its input (the API graph) or its first widget (the editor's).
    private func checkpointName(of node: ComfyNode) -> String? {
        for key in ["ckpt_name", "unet_name", "model_name", "base_ckpt_name"] {
            if let name = node.literal(key)?.string { return name }
        }
        return isModelLoader(node) ? node.widgets.first?.string : nil
    }
}

// MARK: - Shared pieces

/// A node of either shape: its named inputs (literal values or links) and, from the editor's
/// graph, its positional widget values.
struct ComfyNode {
    enum Value {
        case literal(JSONValue)
        case link(ComfyLink)
        /// An input the editor's graph declares with nothing linked to it.
        case unconnected
    }

    struct Input {
        var name: String
        /// The link's type in the editor's graph (`CONDITIONING`, `STRING`…); nil in the API graph.
        var type: String?
        var value: Value
    }

    var type: String
    var title: String
    var inputs: [Input]
    var widgets: [JSONValue]

    /// The value of input `name`, unless it is declared with nothing linked to it.
    func input(_ name: String) -> Value? {
        for input in inputs where input.name == name {
            if case .unconnected = input.value { continue }
            return input.value
        }
        return nil
    }

    func link(_ name: String) -> ComfyLink? {
        guard case .link(let link)? = input(name) else { return nil }
        return link
    }

    func literal(_ name: String) -> JSONValue? {
        guard case .literal(let value)? = input(name) else { return nil }
        return value
    }

    /// Whether the node has input `name`, linked or not.
    func declares(_ name: String) -> Bool {
        inputs.contains { $0.name == name }
    }
}

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
        guard visited.count < ComfyGraph.maximumVisits else { return false }
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
