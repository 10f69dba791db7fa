/// The tool that wrote a file's generation metadata, as far as its chunks tell.
public enum Generator: String, Sendable, Hashable, Codable, CaseIterable {
    case gptimg
    case a1111 // AUTOMATIC1111, Forge and SD.Next share the infotext shape
    case comfyui
    case invokeai
    case novelai
    case fooocus
    /// Only standard chunks (Title, Description, Comment, XMP dc:description) said anything.
    case unknown
}

/// One generation setting, in the order the file gave it.
public struct Parameter: Sendable, Hashable, Codable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A file's generation metadata normalised across formats: what every reader needs
/// (prompt, negative prompt, settings) whichever tool wrote it.
public struct GenerationInfo: Sendable, Hashable, Codable {
    public var generator: Generator
    public var prompt: String?
    public var negativePrompt: String?
    /// The settings the format carries (seed, steps, sampler, model, size…), keys as the
    /// format names them.
    public var parameters: [Parameter]
    /// Ours, in full, when the file carries a `gptimg` chunk.
    public var gptimg: GptimgMetadata?
    /// True when the file says it was made from another image (a ComfyUI graph whose sampler
    /// starts from a loaded image): recorded as image-to-image. Nil when it does not say.
    public var imageToImage: Bool?

    public init(
        generator: Generator, prompt: String? = nil, negativePrompt: String? = nil,
        parameters: [Parameter] = [], gptimg: GptimgMetadata? = nil
    ) {
        self.generator = generator
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.parameters = parameters
        self.gptimg = gptimg
    }

    /// The value of the first parameter with this key.
    public func parameter(_ key: String) -> String? {
        parameters.first { $0.key == key }?.value
    }
}
