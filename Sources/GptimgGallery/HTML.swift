import GptimgSupport
import PNGMetadata

/// A piece of HTML that is safe to send: the only way text gets into one is through
/// `HTML.escape`, which every interpolated `String` (and number) goes through. Prompts, tags,
/// collection names and file names are untrusted (an imported file carries anyone's prompt), so
/// a page is written as `"<p>\(prompt)</p>" as HTML` and the prompt can never become markup.
/// Only another `HTML` value, or `HTML(trusted:)` on a literal we wrote, is inserted unescaped.
public struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var rendered: String

    /// Markup we wrote ourselves (never data).
    init(trusted markup: String) { rendered = markup }

    public init(stringLiteral value: String) { rendered = value }

    public init(stringInterpolation: Interpolation) { rendered = stringInterpolation.rendered }

    public var description: String { rendered }

    static let empty = HTML(trusted: "")

    /// The one escaping function (shared with the XMP we embed): `&`, `<`, `>`, `"` and `'`
    /// become character references, so the result is inert both as text and inside a quoted
    /// attribute value; control characters other than tab and line breaks are dropped.
    public static func escape(_ text: String) -> String { MarkupText.escape(text) }

    public struct Interpolation: StringInterpolationProtocol {
        var rendered = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            rendered.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: String) { rendered += literal }

        /// Text: always escaped.
        public mutating func appendInterpolation(_ text: String) { rendered += HTML.escape(text) }

        public mutating func appendInterpolation(_ text: Substring) { rendered += HTML.escape(String(text)) }

        public mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) { rendered += String(number) }

        /// Markup already made safe.
        public mutating func appendInterpolation(_ html: HTML) { rendered += html.rendered }

        public mutating func appendInterpolation(_ parts: [HTML]) {
            for part in parts { rendered += part.rendered }
        }
    }
}

extension Array where Element == HTML {
    /// The parts one after another.
    func joined() -> HTML { HTML(trusted: map(\.rendered).joined()) }
}
