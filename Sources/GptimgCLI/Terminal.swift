import Foundation

/// Colour on a terminal: statuses (completed, landed, imported) and errors. None when the
/// stream is not a terminal, when `NO_COLOR` is set to anything but the empty string
/// (no-color.org) or when `TERM` is `dumb`.
struct TerminalStyle: Sendable {
    enum Colour: String, Sendable {
        case red = "31"
        case green = "32"
        case yellow = "33"
        case dim = "2"
    }

    let enabled: Bool

    /// `text` (already escaped: `TerminalText.escape`) between the colour's codes.
    func paint(_ text: String, _ colour: Colour?) -> String {
        guard enabled, let colour, !text.isEmpty else { return text }
        return "\u{1B}[" + colour.rawValue + "m" + text + "\u{1B}[0m"
    }
}

/// A piece of a line and its colour (none: plain).
struct Styled: Sendable {
    var text: String
    var colour: TerminalStyle.Colour?

    init(_ text: String, _ colour: TerminalStyle.Colour? = nil) {
        self.text = text
        self.colour = colour
    }

    /// The pieces escaped (`TerminalText.escape`), then painted: escaping after painting would
    /// show the colour codes as text.
    static func render(_ pieces: [Styled], _ style: TerminalStyle) -> String {
        pieces.map { style.paint(TerminalText.escape($0.text), $0.colour) }.joined()
    }
}

extension GptimgContext {
    /// Whether `stream` gets colour: a terminal, `NO_COLOR` unset or empty, `TERM` not `dumb`.
    func style(_ stream: StandardStream) -> TerminalStyle {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        return TerminalStyle(enabled: !noColour && streams.isTerminal(stream))
    }

    /// The width of the terminal on `stream`: `COLUMNS` when it is a positive number, else the
    /// terminal's own (TIOCGWINSZ), else 80.
    func columns(_ stream: StandardStream) -> Int {
        if let text = environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        return streams.columns(stream) ?? 80
    }
}

extension TerminalText {
    /// `text` (escaped, without colour codes) cut to at most `columns` terminal cells, ending in
    /// "…" when cut: a line longer than the terminal wraps, and a wrapped progress line cannot be
    /// redrawn in place.
    static func fit(_ text: String, columns: Int) -> String {
        guard columns > 0 else { return "" }
        if text.unicodeScalars.reduce(0, { $0 + cellWidth($1) }) <= columns { return text }
        var width = 0
        var fitted = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let cells = cellWidth(scalar)
            if width + cells > columns - 1 { break }
            width += cells
            fitted.append(scalar)
        }
        return String(fitted) + "…"
    }

    /// Terminal cells a scalar takes: 0 for combining marks and zero-width characters, 2 for East
    /// Asian wide and full-width characters and most emoji, else 1.
    static func cellWidth(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }
}
