import PNGMetadata

/// The API's timestamps: ISO 8601 in UTC with milliseconds, `2026-04-22T00:12:03.456Z`.
/// Times are seconds since 1970 (`Date.timeIntervalSince1970`), so this module needs no
/// Foundation and the read-only `gptimg` front links none.
public enum APITimestamp {
    public static func string(epochSeconds: Double) -> String {
        let milliseconds = Int((epochSeconds * 1000).rounded(.down))
        let days = Int((Double(milliseconds) / 86_400_000).rounded(.down))
        let ofDay = milliseconds - days * 86_400_000
        let (year, month, day) = GptimgEmbedding.civilFromDays(days)
        let pad = GptimgEmbedding.pad
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(ofDay / 3_600_000, 2)):"
            + "\(pad(ofDay / 60_000 % 60, 2)):\(pad(ofDay / 1000 % 60, 2)).\(pad(ofDay % 1000, 3))Z"
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
