import GptimgSupport

/// The shapes values must have before gptimg stores them, shows them or puts them in a command
/// line, whether they come from a file (our `gptimg` chunk, a foreign format's settings) or
/// from the API's answers. Every such value is untrusted: `1:1 $(touch pwned)` is a string like
/// any other until it is checked here. A value that does not fit is dropped with a warning
/// (files, see `GptimgMetadata.validated`) or a note on its generation (the API, see
/// `TaskData.checked` in GptimgAPI), never stored as it came.
///
/// This module sits below the API contract (GptimgAPI builds on it), so the contract's own
/// shapes that files carry (task ids, the 13 aspect ratios) are defined here and GptimgAPI
/// refers to them.
public enum ValueShape {
    // MARK: - Aspect ratios and counts

    /// The 13 aspect ratios the API accepts, in the seeds' order (GptimgAPI's `AspectRatio`
    /// lists the same; a test keeps them equal).
    public static let apiAspectRatios = [
        "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "2:1", "1:2", "21:9", "9:21",
    ]

    /// `W:H`: two positive whole numbers of 1–10 digits (a PNG side is at most 2^31-1), no sign,
    /// space or leading zero. The API's 13 ratios have this shape, and so do the reduced sizes
    /// of foreign images ("13:19" for 832×1216).
    public static func isAspectRatio(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        return parts.count == 2
            && parts.allSatisfy { digits in
                (1...10).contains(digits.count) && digits.first != UInt8(ascii: "0") && digits.allSatisfy(isDigit)
            }
    }

    /// One of the API's ratios when `width`×`height` is within 1% of it, else the reduced `W:H`.
    public static func aspectRatio(width: Int, height: Int) -> String {
        guard width > 0, height > 0 else { return "1:1" }
        let ratio = Double(width) / Double(height)
        for candidate in apiAspectRatios {
            let terms = candidate.split(separator: ":").compactMap { Double(String($0)) }
            if abs(ratio / (terms[0] / terms[1]) - 1) < 0.01 { return candidate }
        }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let divisor = gcd(width, height)
        return "\(width / divisor):\(height / divisor)"
    }

    /// How many images one task makes (`n`), as the API allows.
    public static let imageCounts = 1...4

    /// The most reference images one task takes.
    public static let maxReferenceImages = 4

    /// The two kinds of task, as the API names them.
    public static let taskTypes: Set<String> = ["text-to-image", "image-to-image"]

    // MARK: - Identifiers and names

    /// Every task id starts with this; the API's ids are `idLength` letters and digits.
    public static let taskIDPrefix = "gpt-image-2-"
    public static let idLength = 21

    /// The API's 21-character row ids (`kUtpnus8fXpDKkuEjayG3`).
    public static func isID(_ text: Substring.UTF8View) -> Bool {
        text.count == idLength && text.allSatisfy(isAlphanumeric)
    }

    public static func isID(_ text: String) -> Bool { isID(Substring(text).utf8) }

    /// A task id as the API gives them: `gpt-image-2-` and an id.
    public static func isTaskID(_ text: String) -> Bool {
        text.hasPrefix(taskIDPrefix) && isID(Substring(text).utf8.dropFirst(taskIDPrefix.utf8.count))
    }

    /// A task id as a file may carry it: `gpt-image-2-` and 1–64 letters or digits. In a file it
    /// only groups images and answers `task:` queries, so its length is the API's business and
    /// not checked exactly; its characters are the API's alphabet and nothing else.
    public static func isTaskIDInFile(_ text: String) -> Bool {
        let id = Substring(text).utf8.dropFirst(taskIDPrefix.utf8.count)
        return text.hasPrefix(taskIDPrefix) && (1...64).contains(id.count) && id.allSatisfy(isAlphanumeric)
    }

    /// The API's row id as a file may carry it: 1–64 letters, digits, `-` and `_` (kept, never
    /// used to ask the API anything).
    public static func isIDInFile(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// A name as the API reports a provider or model (`gpt-image-2`): 1–64 ASCII letters,
    /// digits and `. _ - : / +`.
    public static func isName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { isAlphanumeric($0) || Array("._-:/+".utf8).contains($0) }
    }

    /// A foreign tool's label for a setting stored in its own column (the model of an A1111 or
    /// ComfyUI file, such as `sdxl/juggernaut v9.safetensors`): 1–200 characters, none of them
    /// a control, format (bidirectional overrides, zero-width) or line-separating character.
    public static func isLabel(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.count <= 200 && text.unicodeScalars.allSatisfy(isPrintable)
    }

    /// A tag as the catalog takes it: 1–100 characters, not only spaces, no line break or
    /// control character (the catalog's own rule for names).
    public static func isTag(_ text: String) -> Bool {
        !text.allSatisfy { $0 == " " || $0 == "\t" } && text.count <= 100
            && !text.unicodeScalars.contains {
                $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}"
            }
    }

    // MARK: - Times and URLs

    /// An ISO 8601 instant as the API writes them (`2026-04-22T00:12:03.456Z`, or with an
    /// offset), at most 40 characters.
    public static func isTimestamp(_ text: String) -> Bool {
        text.utf8.count <= 40 && Timestamp(iso8601: text) != nil
    }

    /// The hosts plain `http://` is good enough for: nothing it carries leaves the machine.
    public static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "[::1]"]

    /// The longest URL kept.
    public static let maxURLBytes = 2048

    /// An image URL gptimg may fetch or record: `https://`, or `http://` to this machine (the
    /// simulator); a host of letters, digits, `.` and `-` (or a bracketed IPv6 address) with an
    /// optional port; no user name or password; at most 2048 bytes of printable ASCII without
    /// spaces, quotes, `<>`, `\`, `^`, backticks, `{|}`. What this refuses cannot be a URL a
    /// browser or an API would send, so nothing that fits needs escaping beyond what a shell or
    /// a page does anyway.
    public static func isWebURL(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxURLBytes, bytes.allSatisfy(isURLByte) else { return false }
        let lowered = text.lowercased()
        let secure = lowered.hasPrefix("https://")
        guard secure || lowered.hasPrefix("http://") else { return false }
        let rest = bytes.dropFirst(secure ? 8 : 7)
        let authority = rest.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        guard let host = host(of: authority) else { return false }
        return secure || loopbackHosts.contains(host.lowercased())
    }

    /// `url` without its query and fragment: what a file or an export keeps of a hosted URL,
    /// since a signed URL's query (`?token=…`) is a credential.
    public static func withoutQuery(_ url: String) -> String {
        guard let cut = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
        return String(url[..<cut])
    }

    // MARK: - Showing a refused value

    /// At most `limit` characters of `text` for a warning: control, format and separator
    /// characters written as `\u{…}`, so a refused value cannot move the terminal's cursor or
    /// reorder the line it is shown in.
    public static func excerpt(_ text: String, limit: Int = 40) -> String {
        var out = ""
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == limit {
                out += "…"
                break
            }
            if isPrintable(scalar) && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += scalar == "\\" ? "\\\\" : "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    // MARK: - Characters

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// Printable ASCII that may stand in a URL unescaped (RFC 3986's characters and `%`).
    static func isURLByte(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) && !Array(#""<>\^`{|}"#.utf8).contains(byte)
    }

    /// Not a control (C0, DEL, C1), format (bidirectional controls, zero-width characters),
    /// line or paragraph separator, surrogate or unassigned character.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
        default: true
        }
    }

    /// The host of a URL's authority (`host[:port]`), or nil when it has a user part, an empty
    /// or malformed host, or a port that is not 1–5 digits.
    static func host(of authority: ArraySlice<UInt8>) -> String? {
        guard !authority.contains(UInt8(ascii: "@")) else { return nil }
        var host = authority[...]
        var port: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = authority[...close]
            let inside = authority[(authority.startIndex + 1)..<close]
            guard !inside.isEmpty,
                inside.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return nil }
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return nil }
                port = after.dropFirst()
            }
        } else {
            if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
                host = authority[..<colon]
                port = authority[(colon + 1)...]
            }
            guard !host.isEmpty, host.count <= 253,
                host.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
            else { return nil }
        }
        if let port, !((1...5).contains(port.count) && port.allSatisfy(isDigit)) { return nil }
        return String(decoding: host, as: UTF8.self)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
