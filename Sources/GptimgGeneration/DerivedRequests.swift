import GptimgAPI
import GptimgCatalog

/// The requests `rerun` and `variant` make from what the library holds, for every surface that
/// offers them (the MCP server; the CLI's commands make the same ones).
public enum DerivedRequest {
    /// The generation an ID names: an image's (its number or SHA-256 prefix), or a task id's.
    public static func source(_ id: String, in catalog: Catalog) throws -> (
        generation: GenerationRecord, image: ImageDetails?
    ) {
        if id.hasPrefix(APIContract.taskIDPrefix) {
            guard let generation = try catalog.generation(taskID: id) else {
                throw PipelineError("no task \(id) in the library: `gptimg tasks --all` lists them")
            }
            return (generation, nil)
        }
        guard let image = try catalog.details([try catalog.resolve(id)]).first else {
            throw CatalogError.noSuchImage(id)
        }
        return (image.generation, image)
    }

    /// The same prompt and parameters again, as a new task (`n` and `aspect` default to the source's).
    public static func rerun(of source: GenerationRecord, n: Int? = nil, aspect: String? = nil) -> GenerateRequest {
        GenerateRequest(
            prompt: source.prompt, aspectRatio: aspect ?? source.aspectRatio, n: n ?? source.n,
            referenceImages: source.referenceImages)
    }

    /// Image-to-image from `image`, its hosted URL as the reference: the prompt is the source's,
    /// replaced by `prompt` or extended with `append`.
    public static func variant(
        of image: ImageDetails, prompt: String? = nil, append: String? = nil, aspect: String? = nil, n: Int = 1
    ) throws -> GenerateRequest {
        guard prompt == nil || append == nil else {
            throw PipelineError("give a new prompt or text to append, not both")
        }
        guard let url = image.image.remoteURL, url.lowercased().hasPrefix("http") else {
            throw PipelineError(
                "image \(image.image.id) has no hosted URL (it was imported, not generated here), "
                    + "so the API cannot use it as a reference")
        }
        let text = prompt ?? (append.map { image.generation.prompt + ", " + $0 } ?? image.generation.prompt)
        return GenerateRequest(
            prompt: text, aspectRatio: aspect ?? image.generation.aspectRatio, n: n, referenceImages: [url])
    }
}
