/// Text made safe inside XML and HTML: for the XMP packets we embed and the export's index page.
public enum MarkupText {
    /// `text` as character data or a quoted attribute value, in XML 1.0 and in HTML: `& < > " '`
    /// escaped, `\r` as `&#xD;` (so it survives line-end normalisation), and the characters XML
    /// cannot hold at all (most C0 controls, U+FFFE, U+FFFF) left out.
    public static func escaped(_ text: String) -> String {
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
                continue  // not an XML 1.0 character, not even as a reference
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
