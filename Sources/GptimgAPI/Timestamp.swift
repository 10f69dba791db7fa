import PNGMetadata

/// The API's timestamps: ISO 8601 in UTC with milliseconds, `2026-04-22T00:12:03.456Z`.
/// Times are seconds since 1970 (`Date.timeIntervalSince1970`), so this module needs no
/// Foundation and the read-only `gptimg` front links none.
public enum APITimestamp {
    public static func string(epochSeconds: Double) -> String {
        let milliseconds = Int((epochSeconds * 1000).rounded(.down))
        let seconds = Int((Double(milliseconds) / 1000).rounded(.down))
        let whole = GptimgEmbedding.iso8601(GptimgEmbedding.Instant(epochSeconds: seconds))  // "…T00:12:03Z"
        return whole.dropLast() + "." + GptimgEmbedding.pad(milliseconds - seconds * 1000, 3) + "Z"
    }

    /// Seconds since 1970 from the API's ISO 8601 (with or without fraction or offset), or nil.
    public static func epochSeconds(from text: String) -> Double? {
        guard let instant = GptimgEmbedding.parseISO8601(text) else { return nil }
        var fraction = 0.0
        if let dot = text.firstIndex(of: "."), text.distance(from: text.startIndex, to: dot) == 19 {
            let digits = text[text.index(after: dot)...].prefix(while: \.isNumber)
            fraction = Double("0." + digits) ?? 0
        }
        return Double(instant.epochSeconds) + fraction
    }
}
