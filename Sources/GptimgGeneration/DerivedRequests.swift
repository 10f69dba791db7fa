import GptimgAPI
import GptimgCatalog

/// The requests `rerun` and `variant` make from what the library holds, for every surface that
/// offers them (the MCP server; the CLI's commands make the same ones).
public enum DerivedRequest {
    /// The generation an ID names: an image's (its number or SHA-256 prefix), or a generation's
    /// (`g17` or its task id).
    public static func source(_ id: String, in catalog: Catalog) throws -> (
        generation: GenerationRecord, image: ImageDetails?
    ) {
        if GenerationReference.names(id) {
            return (try catalog.generation(reference: id), nil)
        }
        guard let image = try catalog.details([try catalog.resolve(id)]).first else {
            throw CatalogError.noSuchImage(id)
        }
        return (image.generation, image)
    }

    /// The same prompt and parameters again, as a new task (`n` and `aspect` default to the
    /// source's). A source whose shape is not one of the API's ratios (an imported 832×1216 is
    /// "13:19") takes the nearest one; `rerunNotice` says so.
    public static func rerun(of source: GenerationRecord, n: Int? = nil, aspect: String? = nil) -> GenerateRequest {
        GenerateRequest(
            prompt: source.prompt, aspectRatio: aspect ?? supportedAspect(of: source).ratio, n: n ?? source.n,
            referenceImages: source.referenceImages)
    }

    /// The line to show when `rerun` (without `aspect`) does not keep the source's ratio, or nil.
    public static func rerunNotice(of source: GenerationRecord, aspect: String? = nil) -> String? {
        guard aspect == nil else { return nil }
        let chosen = supportedAspect(of: source)
        guard chosen.ratio != source.aspectRatio else { return nil }
        return "\(source.aspectRatio) is not one of the API's aspect ratios: using the nearest, \(chosen.ratio) "
            + "(--aspect chooses another)"
    }

    /// The source's ratio when the API supports it, else the nearest one it does.
    private static func supportedAspect(of source: GenerationRecord) -> (ratio: String, changed: Bool) {
        if AspectRatio(rawValue: source.aspectRatio) != nil { return (source.aspectRatio, false) }
        guard let nearest = AspectRatio.nearest(to: source.aspectRatio) else { return (source.aspectRatio, false) }
        return (nearest.rawValue, true)
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
            prompt: text, aspectRatio: aspect ?? supportedAspect(of: image.generation).ratio, n: n,
            referenceImages: [url])
    }
}
