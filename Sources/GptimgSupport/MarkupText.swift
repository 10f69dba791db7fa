/// Text made safe to stand in XML or HTML, as character data or inside a quoted attribute value:
/// the XMP packets we embed and the web gallery's pages escape through this one function.
public enum MarkupText {
    /// `&`, `<`, `>`, `"` and `'` become references, `\r` too (so it survives XML's line-end
    /// normalisation); other control characters, and U+FFFE and U+FFFF, are dropped: they are
    /// not XML 1.0 characters, not even as references, and have no business in a page.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#xD;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
