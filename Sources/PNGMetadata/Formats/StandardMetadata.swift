import GptimgSupport

/// What the PNG specification's own keywords and XMP say about an image from a tool with no
/// generation format of its own: `Description` (or XMP `dc:description`, or a plain-text
/// `Comment`) as the prompt, `Title`, `Author`, `Software`, `Source`, `Creation Time` and a
/// comment that is not the prompt as parameters.
public enum StandardMetadata {
    /// The prompt-like text the standard chunks carry, generator `.unknown`; nil when there is
    /// no `Title`, `Description`, plain-text `Comment` or XMP description (a `Software` or
    /// `Creation Time` alone describes no generation).
    public static func parse(_ chunks: [TextChunk]) -> GenerationInfo? {
        let title = chunks.text(for: "Title").flatMap(nonEmpty)
        let description = chunks.text(for: "Description").flatMap(nonEmpty)
        let xmpDescription = chunks.text(for: XMPPacket.keyword).flatMap(XMPPacket.description).flatMap(nonEmpty)
        // A JSON comment is some tool's settings, not words for people.
        let comment = chunks.text(for: "Comment").flatMap(nonEmpty).flatMap { JSONValue.parse($0) == nil ? $0 : nil }
        guard title != nil || description != nil || xmpDescription != nil || comment != nil else { return nil }

        var info = GenerationInfo(generator: .unknown)
        info.prompt = description ?? xmpDescription ?? comment
        if let title { info.parameters.append(Parameter("Title", title)) }
        if let comment, info.prompt != comment { info.parameters.append(Parameter("Comment", comment)) }
        for key in ["Author", "Software", "Source", "Creation Time"] {
            if let value = chunks.text(for: key).flatMap(nonEmpty) {
                info.parameters.append(Parameter(key, value))
            }
        }
        return info
    }

    private static func nonEmpty(_ text: String) -> String? {
        PythonText.strip(text).isEmpty ? nil : text
    }
}
