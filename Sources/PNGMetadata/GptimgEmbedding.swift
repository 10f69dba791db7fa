/// What gptimg writes into every image it lands (metadata.md, "What we write"): our versioned
/// JSON, and the same facts in the shapes other tools read — A1111 `parameters` infotext, the
/// PNG spec's `Description`, `Software`, `Creation Time` and `Source`, and an XMP packet.
/// Never an API key, an Authorization value or a local path: only the fields of
/// `GptimgMetadata` are written.
public enum GptimgEmbedding {
    public static let keyword = "gptimg"

    /// Every keyword we write: re-embedding replaces these instead of adding duplicates.
    public static let ownKeywords: Set<String> = [
        keyword, "parameters", "Description", "Software", "Creation Time", "Source", XMPPacket.keyword,
    ]

    /// The `Software` value: "gptimg VERSION".
    public static let software = "gptimg \(GptimgBuild.version)"

    /// The chunks for an image of `width` x `height`, in the order they are written.
    public static func chunks(for metadata: GptimgMetadata, width: Int, height: Int) -> [TextChunk] {
        var chunks = [
            TextChunk(kind: .iTXt, keyword: keyword, text: json(metadata)),
            // tEXt when the text is Latin-1; the encoder falls back to iTXt otherwise.
            TextChunk(kind: .tEXt, keyword: "parameters", text: infotext(metadata, width: width, height: height)),
            TextChunk(kind: .iTXt, keyword: "Description", text: metadata.prompt),
            TextChunk(kind: .tEXt, keyword: "Software", text: software),
        ]
        let created = metadata.createdAt.flatMap(parseISO8601)
        if let created {
            chunks.append(TextChunk(kind: .tEXt, keyword: "Creation Time", text: rfc1123(created)))
        }
        chunks.append(TextChunk(kind: .tEXt, keyword: "Source", text: metadata.model ?? "gpt-image-2"))
        let xmp = XMPPacket.make(
            description: metadata.prompt, creatorTool: software,
            createDate: created.map(iso8601) ?? metadata.createdAt ?? "")
        chunks.append(TextChunk(kind: .iTXt, keyword: XMPPacket.keyword, text: xmp))
        return chunks
    }

    /// `png` with our chunks before its first IDAT (replacing any earlier ones); every other
    /// byte is kept. Damaged files (including a bad IDAT CRC) are refused; without
    /// `verifyImageData`, for a caller that checks the result itself, the IDAT CRCs are not read.
    public static func embed(
        _ metadata: GptimgMetadata, into png: [UInt8], verifyImageData: Bool = true
    ) throws -> [UInt8] {
        try PNGEditor.splice(png, removingKeywords: ownKeywords, verifyImageData: verifyImageData) { header in
            chunks(for: metadata, width: header.width, height: header.height)
        }
    }

    /// Embeds into the file at `path`, replacing it atomically (fsynced when `durable`). The
    /// image data is copied, not read: check a file you do not trust first (its pixels with
    /// `PNGRaster`, or `verifyImageData`, which reads every IDAT to check its CRC).
    public static func embedFile(_ metadata: GptimgMetadata, at path: String, durable: Bool, verifyImageData: Bool = false) throws {
        try embedFile(metadata, from: path, to: path, durable: durable, verifyImageData: verifyImageData)
    }

    /// Writes a copy of `source` with our metadata to `destination` (atomically).
    public static func embedFile(_ metadata: GptimgMetadata, from source: String, to destination: String, durable: Bool, verifyImageData: Bool = false) throws {
        try PNGEditor.spliceFile(at: source, to: destination, removingKeywords: ownKeywords, verifyImageData: verifyImageData, durable: durable) { header in
            chunks(for: metadata, width: header.width, height: header.height)
        }
    }

    // MARK: - Shapes

    static func json(_ metadata: GptimgMetadata) -> String {
        metadata.json.rendered
    }

    /// The A1111 infotext: the prompt, then a settings line of at least three `Key: value` pairs.
    static func infotext(_ metadata: GptimgMetadata, width: Int, height: Int) -> String {
        let parameters = metadata.generationParameters(width: width, height: height) + [Parameter("Version", software)]
        return A1111Infotext.format(prompt: guardedPrompt(metadata.prompt), parameters: parameters)
    }

    /// A1111 readers take any prompt line that starts with "Negative prompt:" as the start of the
    /// negative prompt. Such a line gets a zero-width space in front, so it stays in the prompt
    /// for every reader (the `gptimg` chunk and `Description` keep the prompt exactly).
    static func guardedPrompt(_ prompt: String) -> String {
        prompt.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.drop { $0 == " " || $0 == "\t" }.hasPrefix("Negative prompt:") ? "\u{200B}" + line : String(line)
        }.joined(separator: "\n")
    }

    // MARK: - Dates

    /// A UTC instant read from the API's ISO 8601 (`2026-04-22T00:12:03.456Z`, also with an
    /// offset such as `+02:00`, or without fractional seconds).
    public struct Instant: Equatable, Sendable {
        public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
        }

        /// The instant `epochSeconds` seconds after 1970-01-01T00:00:00Z.
        public init(epochSeconds: Int) {
            let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
            let ofDay = epochSeconds - days * 86_400
            let (year, month, day) = GptimgEmbedding.civilFromDays(days)
            self.init(year: year, month: month, day: day, hour: ofDay / 3600, minute: ofDay / 60 % 60, second: ofDay % 60)
        }

        /// Seconds since 1970-01-01T00:00:00Z.
        public var epochSeconds: Int {
            ((GptimgEmbedding.daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
        }
    }

    public static func parseISO8601(_ text: String) -> Instant? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x20,
            bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...daysIn(month, year)).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        if bytes[index] == 0x2E {  // fraction: ignored (RFC 1123 has whole seconds)
            index += 1
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        }
        guard index < bytes.count else { return nil }
        var offsetMinutes = 0
        if bytes[index] == 0x5A || bytes[index] == 0x7A {
            guard index + 1 == bytes.count else { return nil }
        } else if bytes[index] == 0x2B || bytes[index] == 0x2D, index + 6 == bytes.count, bytes[index + 3] == 0x3A,
            let hours = number((index + 1)..<(index + 3)), let minutes = number((index + 4)..<(index + 6))
        {
            offsetMinutes = (hours * 60 + minutes) * (bytes[index] == 0x2B ? 1 : -1)
        } else {
            return nil
        }
        // To UTC through a day count, so an offset may move the date.
        let total = (daysFromCivil(year, month, day) * 1440 + hour * 60 + minute - offsetMinutes)
        let days = Int((Double(total) / 1440).rounded(.down))
        let minutesOfDay = total - days * 1440
        let (y, m, d) = civilFromDays(days)
        return Instant(year: y, month: m, day: d, hour: minutesOfDay / 60, minute: minutesOfDay % 60, second: min(second, 59))
    }

    /// `2026-11-21T10:15:30Z`: ISO 8601, UTC, whole seconds.
    public static func iso8601(_ instant: Instant) -> String {
        "\(pad(instant.year, 4))-\(pad(instant.month))-\(pad(instant.day))T\(pad(instant.hour)):\(pad(instant.minute)):\(pad(instant.second))Z"
    }

    /// RFC 1123, as the PNG spec recommends for `Creation Time`: "Sat, 21 Nov 2026 10:15:30 GMT".
    static func rfc1123(_ instant: Instant) -> String {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let dayNumber = daysFromCivil(instant.year, instant.month, instant.day)
        let weekday = days[((dayNumber % 7) + 7) % 7]
        return "\(weekday), \(pad(instant.day)) \(months[instant.month - 1]) \(pad(instant.year, 4)) \(pad(instant.hour)):\(pad(instant.minute)):\(pad(instant.second)) GMT"
    }

    public static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm, proleptic Gregorian).
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    public static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// The version gptimg writes into `Software` and reports with `--version`.
public enum GptimgBuild {
    public static let version = "0.1.0"
}
