import MCP

extension GptimgMCPServer {
    static let prompts = [
        Prompt(
            name: "cull-collection", title: "Cull this collection",
            description: "Look at every image of a collection, rate them, and mark the weak ones and near-duplicates.",
            arguments: [.init(name: "collection", description: "The collection's name.", required: true)]),
        Prompt(
            name: "make-variants", title: "Make variants of",
            description:
                "Propose image-to-image variants of an image, state their cost, and make them once the user agrees.",
            arguments: [
                .init(
                    name: "image", description: "The image: its number or 6+ hex digits of its SHA-256.", required: true
                ),
                .init(
                    name: "direction", description: "What to change, e.g. \"in winter\" (optional).", required: false),
            ]),
    ]

    func prompt(_ parameters: GetPrompt.Parameters) throws -> GetPrompt.Result {
        let arguments = parameters.arguments ?? [:]
        func argument(_ name: String, required: Bool) throws -> String? {
            let value = arguments[name]?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let value, !value.isEmpty else {
                if required { throw MCPError.invalidParams("prompt \(parameters.name) needs the argument '\(name)'") }
                return nil
            }
            guard value.count <= 500 else { throw MCPError.invalidParams("'\(name)' is longer than 500 characters") }
            return value
        }
        switch parameters.name {
        case "cull-collection":
            let name = try argument("collection", required: true)!
            let text = """
                Cull my gptimg collection "\(name)". Read the resource \(Self.collectionURI(name)) for its images, \
                then look at each one by reading its resource (gptimg://image/{id}). For each image:
                - rate it 1–5 with the `rate` tool (5: a keeper; 1: unusable), judging composition, how well it \
                matches its prompt, and artefacts (hands, text, faces);
                - when several images are near-duplicates, keep the best and tag the others "duplicate" with `tag`;
                - tag clear failures "reject".
                Do not remove anything from the collection. Finish with a short table: id, rating, tags, one line why.
                """
            return .init(description: "Cull the collection \(name)", messages: [.user(.text(text: text))])
        case "make-variants":
            let image = try argument("image", required: true)!
            let direction = try argument("direction", required: false)
            var text = """
                Make variants of image \(image) of my gptimg library. First call `show` with id \(image) and read its \
                resource to see it. Then propose three variant prompts (each the original prompt with a change\
                \(direction.map { " towards: \($0)" } ?? "")) and say what they cost: each `variant` call costs 2 \
                credits an image.
                """
            if configuration.allowGenerate {
                text += """
                     Call `variant` without confirm first: it answers with the exact cost and what the budget \
                    allows. Ask me before spending; only when I agree, call it again with confirm: true.
                    """
            } else {
                text += " Generating is off on this server, so give me the prompts to run with `gptimg variant`."
            }
            return .init(description: "Variants of image \(image)", messages: [.user(.text(text: text))])
        default:
            throw MCPError.invalidParams(
                "no prompt named '\(ToolArguments.clip(parameters.name))' (prompts: cull-collection, make-variants)")
        }
    }
}
