import Foundation

/// The Bearer key. It prints as `<redacted>` wherever it is interpolated, so a log line, an
/// error or a debug dump cannot carry it by accident; only the transport reads `secret`.
public struct APIKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    let secret: String

    public init?(_ secret: String) {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        self.secret = trimmed
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// Whether `text` contains the key (for scrubbing text that came from elsewhere).
    public func occurs(in text: String) -> Bool { text.contains(secret) }

    /// `text` with every occurrence of the key replaced by `<redacted>`, and nothing else
    /// changed: a server that echoes the key loses the key, not the rest of its message.
    public func redacting(_ text: String) -> String {
        occurs(in: text) ? text.replacingOccurrences(of: secret, with: "<redacted>") : text
    }
}
