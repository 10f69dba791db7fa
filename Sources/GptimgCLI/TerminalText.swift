/// Text from files, archives, the catalog and the API as it may be written to a terminal. A file
/// name, a zip entry name, a prompt or a tag can hold characters that act on the terminal
/// (escape sequences, a carriage return that overwrites the line) or that reorder what it shows
/// (bidirectional overrides and isolates, which make `txt.exe` look like `exe.txt`); every line
/// the CLI prints goes through `escape`, and its JSON through `escapeJSON`.
package enum TerminalText {
    /// `text` with every control character but newline and tab (C0, DEL, C1), every
    /// bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the
    /// line and paragraph separators written as `\u{…}`, so that they show and do nothing.
    package static func escape(_ text: String) -> String {
        guard needsEscaping(text.utf8) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if isInert(scalar) {
                escaped.unicodeScalars.append(scalar)
            } else {
                escaped += "\\u{" + hex(scalar.value, minimumDigits: 1, uppercase: true) + "}"
            }
        }
        return escaped
    }

    /// JSON text, whose encoder already writes C0 controls as escapes, with DEL, the C1 controls,
    /// the bidirectional controls and the line and paragraph separators written as `\uXXXX`
    /// too: the same string to a JSON reader, and nothing a terminal acts on. They can only
    /// occur inside strings, so escaping them keeps the JSON valid.
    package static func escapeJSON(_ bytes: [UInt8]) -> [UInt8] {
        guard needsEscaping(bytes) else { return bytes }
        let text = String(decoding: bytes, as: UTF8.self)
        var escaped: [UInt8] = []
        escaped.reserveCapacity(bytes.count + 16)
        for scalar in text.unicodeScalars {
            if isInert(scalar) || scalar.value < 0x20 {
                escaped += String(scalar).utf8 // C0 controls here are the encoder's own newlines and tabs
            } else {
                escaped += ("\\u" + hex(scalar.value, minimumDigits: 4, uppercase: false)).utf8
            }
        }
        return escaped
    }

    /// Whether a scalar can be written as it is.
    static func isInert(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return true
        case 0..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: return false
        default: return true
        }
    }

    /// A quick look at the bytes: only text holding a byte below 0x20 (but newline and tab),
    /// DEL, or the first byte of a two- or three-byte sequence that may be one of the escaped
    /// characters (0xC2, 0xD8, 0xE2) needs the scalar-by-scalar pass.
    static func needsEscaping(_ utf8: some Sequence<UInt8>) -> Bool {
        utf8.contains { byte in
            (byte < 0x20 && byte != 0x0A && byte != 0x09) || byte == 0x7F
                || byte == 0xC2 || byte == 0xD8 || byte == 0xE2
        }
    }

    static func hex(_ value: UInt32, minimumDigits: Int, uppercase: Bool) -> String {
        let digits = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, minimumDigits - digits.count)) + digits
    }
}
