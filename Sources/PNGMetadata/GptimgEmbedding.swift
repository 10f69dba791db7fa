import GptimgSupport

/// What gptimg writes into every image it lands (metadata.md, "What we write"): our versioned
/// JSON, and the same facts in the shapes other tools read — A1111 `parameters` infotext, the
/// PNG spec's `Description`, `Software`, `Creation Time` and `Source`, and an XMP packet.
/// Never an API key, an Authorization value or a local path: only the fields of
/// `GptimgMetadata` are written.
public enum GptimgEmbedding {
    public static let keyword = "gptimg"

    /// Every keyword we write: re-embedding replaces these instead of adding duplicates.
    public static let ownKeywords: Set<String> = [
        keyword, "parameters", "Description", "Software", "Creation Time", "Source", XMPPacket.keyword,
    ]

    /// The `Software` value: "gptimg VERSION".
    public static let software = "gptimg \(GptimgBuild.version)"

    /// The chunks for an image of `width` x `height`, in the order they are written.
    public static func chunks(for metadata: GptimgMetadata, width: Int, height: Int) -> [TextChunk] {
        var chunks = [
            TextChunk(kind: .iTXt, keyword: keyword, text: json(metadata)),
            // tEXt when the text is Latin-1; the encoder falls back to iTXt otherwise.
            TextChunk(kind: .tEXt, keyword: "parameters", text: infotext(metadata, width: width, height: height)),
            TextChunk(kind: .iTXt, keyword: "Description", text: metadata.prompt),
            TextChunk(kind: .tEXt, keyword: "Software", text: software),
        ]
        let created = metadata.createdAt.flatMap(Timestamp.init(iso8601:))
        if let created {
            chunks.append(TextChunk(kind: .tEXt, keyword: "Creation Time", text: created.rfc1123))
        }
        chunks.append(TextChunk(kind: .tEXt, keyword: "Source", text: metadata.model ?? "gpt-image-2"))
        let xmp = XMPPacket.make(
            description: metadata.prompt, createDate: created.map(\.iso8601) ?? metadata.createdAt ?? "",
            properties: XMPPacket.provenance(model: metadata.model ?? "gpt-image-2"))
        chunks.append(TextChunk(kind: .iTXt, keyword: XMPPacket.keyword, text: xmp))
        return chunks
    }

    /// `png` with our chunks before its first IDAT (replacing any earlier ones); every other
    /// byte is kept. Damaged files (including a bad IDAT CRC) are refused; without
    /// `verifyImageData`, for a caller that checks the result itself, the IDAT CRCs are not read.
    public static func embed(
        _ metadata: GptimgMetadata, into png: [UInt8], verifyImageData: Bool = true
    ) throws -> [UInt8] {
        try PNGEditor.splice(png, removingKeywords: ownKeywords, verifyImageData: verifyImageData) { header in
            chunks(for: metadata, width: header.width, height: header.height)
        }
    }

    /// Embeds into the file at `path`, replacing it atomically (fsynced when `durable`). The
    /// image data is copied, not read: check a file you do not trust first (its pixels with
    /// `PNGRaster`, or `verifyImageData`, which reads every IDAT to check its CRC).
    public static func embedFile(
        _ metadata: GptimgMetadata, at path: String, durable: Bool, verifyImageData: Bool = false
    ) throws {
        try embedFile(metadata, from: path, to: path, durable: durable, verifyImageData: verifyImageData)
    }

    /// Writes a copy of `source` with our metadata to `destination` (atomically).
    public static func embedFile(
        _ metadata: GptimgMetadata, from source: String, to destination: String, durable: Bool,
        verifyImageData: Bool = false
    ) throws {
        try PNGEditor.spliceFile(
            at: source, to: destination, removingKeywords: ownKeywords, verifyImageData: verifyImageData,
            durable: durable
        ) { header in
            chunks(for: metadata, width: header.width, height: header.height)
        }
    }

    // MARK: - Shapes

    static func json(_ metadata: GptimgMetadata) -> String {
        metadata.json.rendered
    }

    /// The A1111 infotext: the prompt, then a settings line of at least three `Key: value` pairs.
    static func infotext(_ metadata: GptimgMetadata, width: Int, height: Int) -> String {
        let parameters = metadata.generationParameters(width: width, height: height) + [Parameter("Version", software)]
        return A1111Infotext.format(prompt: guardedPrompt(metadata.prompt), parameters: parameters)
    }

    /// A1111 readers take any prompt line that starts with "Negative prompt:" as the start of the
    /// negative prompt. Such a line gets a zero-width space in front, so it stays in the prompt
    /// for every reader (the `gptimg` chunk and `Description` keep the prompt exactly).
    static func guardedPrompt(_ prompt: String) -> String {
        prompt.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.drop { $0 == " " || $0 == "\t" }.hasPrefix("Negative prompt:") ? "\u{200B}" + line : String(line)
        }.joined(separator: "\n")
    }
}
