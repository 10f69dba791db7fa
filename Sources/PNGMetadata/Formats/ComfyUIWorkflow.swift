import GptimgSupport

/// ComfyUI's editor graph, the `workflow` chunk:
/// `{"nodes": [{"id": 6, "type": "CLIPTextEncode", "inputs": [{"name": "clip", "link": 3}],
/// "widgets_values": ["a prompt"]}…], "links": [[4, 6, 0, 3, 1, "CONDITIONING"]…]}`.
///
/// Read when a file has no `prompt` chunk, or to complete it. Widget values are positional,
/// so settings are read from the layouts of the core nodes (KSampler, KSamplerAdvanced,
/// checkpoint loaders); links are followed as in `ComfyUIMetadata`, equally bounded.
public enum ComfyUIWorkflow {
    /// The generation an editor graph describes; nil when `text` is not one.
    /// Parameters: seed, steps, cfg, sampler, scheduler, denoise, model, where present.
    public static func parse(_ text: String) -> GenerationInfo? {
        guard let root = JSONValue.parseObject(text), let nodes = root["nodes"]?.array else { return nil }
        let graph = WorkflowGraph(nodes: nodes, links: root["links"]?.array ?? [])
        var info = GenerationInfo(generator: .comfyui)

        let samplers = graph.nodeIDs.lazy.filter { graph.type($0).contains("KSampler") }
            .prefix(ComfyUIMetadata.maximumCandidates)
        var chosen = samplers.first
        for sampler in samplers {
            let positive = graph.conditioningText(of: sampler, input: "positive")
            let negative = graph.conditioningText(of: sampler, input: "negative")
            if positive != nil || negative != nil {
                chosen = sampler
                info.prompt = positive
                info.negativePrompt = negative
                break
            }
        }
        // No sampler, or conditioning through nodes we do not know: every encoder's text.
        if info.prompt == nil, info.negativePrompt == nil {
            var positive: [String] = []
            var negative: [String] = []
            for id in graph.nodeIDs.lazy.filter(graph.isTextEncoder).prefix(ComfyUIMetadata.maximumCandidates) {
                var walk = ComfyWalk()
                guard let text = graph.encoderText(id, walk: &walk, depth: 0) else { continue }
                if graph.title(id).lowercased().contains("negative") {
                    negative.append(text)
                } else {
                    positive.append(text)
                }
            }
            info.prompt = ComfyText.join(positive)
            info.negativePrompt = ComfyText.join(negative)
        }
        if let chosen {
            info.parameters = graph.samplerParameters(chosen)
        }
        if let model = chosen.flatMap(graph.checkpointName(forSampler:)) ?? graph.anyCheckpointName() {
            info.parameters.append(Parameter("model", model))
        }
        return info
    }
}

/// Read-only helpers over an editor graph.
struct WorkflowGraph {
    private var nodesByID: [String: JSONValue] = [:]
    /// Node ids in numeric order.
    private(set) var nodeIDs: [String] = []
    /// Link id → (source node id, source slot).
    private var origins: [String: ComfyLink] = [:]

    init(nodes: [JSONValue], links: [JSONValue]) {
        for node in nodes {
            guard let id = node["id"]?.scalarText, node["type"]?.string != nil, nodesByID[id] == nil else { continue }
            nodesByID[id] = node
            nodeIDs.append(id)
        }
        nodeIDs.sort(by: ComfyNodeID.precedes)
        for link in links {
            // [id, origin_id, origin_slot, target_id, target_slot, type], or the same as an
            // object in newer saves.
            let id = link[0]?.scalarText ?? link["id"]?.scalarText
            let origin = link[1]?.scalarText ?? link["origin_id"]?.scalarText
            let slot = (link[2] ?? link["origin_slot"])?.scalarText.flatMap { Int($0) } ?? 0
            if let id, let origin {
                origins[id] = ComfyLink(node: origin, slot: slot)
            }
        }
    }

    func type(_ id: String) -> String {
        nodesByID[id]?["type"]?.string ?? ""
    }

    func title(_ id: String) -> String {
        nodesByID[id]?["title"]?.string ?? ""
    }

    func isTextEncoder(_ id: String) -> Bool {
        let type = type(id)
        return type.contains("TextEncode") || type.contains("CLIPText")
    }

    /// The widget values as a list; an object (some custom nodes) gives its values in order.
    private func widgets(_ id: String) -> [JSONValue] {
        guard let widgets = nodesByID[id]?["widgets_values"] else { return [] }
        return widgets.array ?? widgets.object?.entries.map(\.value) ?? []
    }

    private func widget(_ id: String, named name: String) -> JSONValue? {
        nodesByID[id]?["widgets_values"]?[name]
    }

    /// Where the link into `id`'s input `name` comes from.
    private func source(of id: String, input name: String) -> ComfyLink? {
        guard let inputs = nodesByID[id]?["inputs"]?.array else { return nil }
        for input in inputs where input["name"]?.string == name {
            guard let link = input["link"]?.scalarText else { return nil }
            return origins[link]
        }
        return nil
    }

    private func inputNames(_ id: String) -> [(name: String, type: String)] {
        (nodesByID[id]?["inputs"]?.array ?? []).compactMap { input in
            input["name"]?.string.map { ($0, input["type"]?.string ?? "") }
        }
    }

    // MARK: Prompts

    func conditioningText(of sampler: String, input: String) -> String? {
        guard let link = source(of: sampler, input: input) else { return nil }
        var walk = ComfyWalk()
        return ComfyText.join(conditioningTexts(link, walk: &walk, depth: 0))
    }

    private func conditioningTexts(_ link: ComfyLink, walk: inout ComfyWalk, depth: Int) -> [String] {
        guard depth < ComfyUIMetadata.maximumDepth, walk.enter(link.node) else { return [] }
        if isTextEncoder(link.node) {
            return encoderText(link.node, walk: &walk, depth: depth + 1).map { [$0] } ?? []
        }
        // ControlNetApplyAdvanced and the like: slot 0 passes the positive conditioning on,
        // slot 1 the negative one.
        if let positive = source(of: link.node, input: "positive") {
            let next = link.slot == 1 ? source(of: link.node, input: "negative") : positive
            return next.map { conditioningTexts($0, walk: &walk, depth: depth + 1) } ?? []
        }
        var texts: [String] = []
        for input in inputNames(link.node)
        where input.type == "CONDITIONING" || input.name.lowercased().contains("conditioning") {
            if let next = source(of: link.node, input: input.name) {
                texts += conditioningTexts(next, walk: &walk, depth: depth + 1)
            }
        }
        return texts
    }

    /// An encoder's text: its string widgets (CLIPTextEncode has one, SDXL's has text_g and
    /// text_l), or, when the text was turned into an input, the linked node's text.
    func encoderText(_ id: String, walk: inout ComfyWalk, depth: Int) -> String? {
        if let text = ComfyText.join(widgets(id).compactMap(\.string)) { return text }
        for name in ["text", "text_g", "text_l", "clip_l", "t5xxl"] {
            if let link = source(of: id, input: name), let text = linkedText(link, walk: &walk, depth: depth + 1) {
                return text
            }
        }
        return nil
    }

    /// The text a primitive or string node outputs: its first string widget, or its own
    /// linked text input.
    private func linkedText(_ link: ComfyLink, walk: inout ComfyWalk, depth: Int) -> String? {
        guard depth < ComfyUIMetadata.maximumDepth, walk.enter(link.node) else { return nil }
        let strings = widgets(link.node).compactMap(\.string)
        // Prompt stylers put the positive text first and the negative one second.
        if link.slot == 1, strings.count >= 2 { return strings[1] }
        if let text = strings.first(where: { !PythonText.strip($0).isEmpty }) { return text }
        for input in inputNames(link.node) where input.type == "STRING" || input.name == "text" {
            if let next = source(of: link.node, input: input.name),
                let text = linkedText(next, walk: &walk, depth: depth + 1)
            {
                return text
            }
        }
        return nil
    }

    // MARK: Parameters

    /// Seed, steps, cfg, sampler, scheduler and denoise from a KSampler's widgets,
    /// `[seed, control, steps, cfg, sampler, scheduler, denoise]`, or a KSamplerAdvanced's,
    /// `[add_noise, noise_seed, control, steps, cfg, sampler, scheduler, start, end, return]`.
    func samplerParameters(_ id: String) -> [Parameter] {
        let names = ["seed", "steps", "cfg", "sampler", "scheduler", "denoise"]
        if nodesByID[id]?["widgets_values"]?.object != nil {
            let keys = ["seed": ["seed", "noise_seed"], "sampler": ["sampler_name"]]
            return names.compactMap { name in
                (keys[name] ?? [name]).lazy.compactMap { widget(id, named: $0)?.scalarText }.first
                    .map { Parameter(name, $0) }
            }
        }
        var values = widgets(id)
        if type(id).contains("Advanced"), values.first?.string != nil {
            values.removeFirst()  // add_noise
        }
        // The "control after generate" widget follows the seed in saved graphs, but not in
        // every version of the editor.
        let controls: Set<String> = ["fixed", "increment", "decrement", "randomize"]
        if values.count > 1, let control = values[1].string, controls.contains(control) {
            values.remove(at: 1)
        }
        guard values.count >= 5 else { return [] }
        var parameters: [Parameter] = []
        for (index, name) in names.enumerated() where index < values.count {
            // KSamplerAdvanced has start/end steps where KSampler has denoise.
            if name == "denoise", type(id).contains("Advanced") { break }
            if let value = values[index].scalarText { parameters.append(Parameter(name, value)) }
        }
        return parameters
    }

    /// The checkpoint the sampler's model input leads back to.
    func checkpointName(forSampler id: String) -> String? {
        var walk = ComfyWalk()
        var link = source(of: id, input: "model")
        var depth = 0
        while let current = link, depth < ComfyUIMetadata.maximumDepth, walk.enter(current.node) {
            if isModelLoader(current.node), let name = widgets(current.node).first?.string {
                return name
            }
            link = source(of: current.node, input: "model")
            depth += 1
        }
        return nil
    }

    func anyCheckpointName() -> String? {
        for id in nodeIDs where isModelLoader(id) {
            if let name = widgets(id).first?.string { return name }
        }
        return nil
    }

    private func isModelLoader(_ id: String) -> Bool {
        let type = type(id)
        return type.contains("CheckpointLoader") || type == "UNETLoader"
    }
}
