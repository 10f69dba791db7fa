import Foundation
import GptimgAPI

/// How a generation (one task: a request and what became of it) is named to users, so that it is
/// never taken for an image: `g17` for the catalog's generation 17, or the API's task id
/// (`gpt-image-2-…`). Images are named by their number (`17`) or 6+ hex digits of their SHA-256.
/// Commands that take an image refuse a generation's name with a pointer to `gptimg tasks`, and
/// `gptimg tasks` refuses an image's number with a pointer to `gptimg show`.
public enum GenerationReference {
    /// "g17".
    public static func text(_ id: Int64) -> String { "g\(id)" }

    /// The generation id of "g17" (or "G17"), or nil when `text` is not of that form.
    public static func id(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, let first = trimmed.first, first == "g" || first == "G" else { return nil }
        let digits = trimmed.dropFirst()
        guard digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(digits) else {
            return nil
        }
        return id
    }

    /// Whether `text` names a generation rather than an image: `g17` or a task id.
    public static func names(_ text: String) -> Bool {
        id(text) != nil || text.trimmingCharacters(in: .whitespaces).hasPrefix(APIContract.taskIDPrefix)
    }
}
