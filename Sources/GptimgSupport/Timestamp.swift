import Foundation

/// A moment as gptimg reads and writes it: a `Date`, with the text forms the project uses —
/// the catalog's and the files' ISO 8601 in whole seconds (`2026-11-21T10:15:30Z`, which sorts
/// as text), the API's ISO 8601 with milliseconds, RFC 1123 for PNG's `Creation Time`, and a
/// compact stamp for file names.
///
/// Times read from the API, a file or the catalog are untrusted text, so parsing is our own
/// strict byte-level reader (exactly one shape, real calendar dates only) rather than a
/// formatter: it decides what `ValueShape.isTimestamp` accepts, and costs nothing per image.
public struct Timestamp: Sendable, Hashable, Comparable {
    public var date: Date

    public init(_ date: Date) {
        self.date = date
    }

    /// The moment `epochSeconds` seconds after 1970-01-01T00:00:00Z.
    public init(epochSeconds: Double) {
        date = Date(timeIntervalSince1970: epochSeconds)
    }

    /// Reads ISO 8601 as the API and other tools write it: `2026-04-22T00:12:03.456Z`, with an
    /// offset such as `+02:00` instead of `Z`, with or without a fraction, a space allowed for the
    /// `T`. Nil for anything else, impossible dates (`2026-02-30`) included. The fraction is kept
    /// to the millisecond (the API's precision).
    public init?(iso8601 text: String) {
        guard let parsed = Self.parse(text) else { return nil }
        date = Date(timeIntervalSince1970: Double(parsed.seconds) + parsed.fraction)
    }

    public var epochSeconds: Double { date.timeIntervalSince1970 }

    /// Whole seconds since 1970, rounded down.
    public var wholeSeconds: Int { Int(epochSeconds.rounded(.down)) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.date < rhs.date }

    // MARK: - Text forms

    /// `2026-11-21T10:15:30Z`: UTC, whole seconds (rounded down). The catalog's form and the
    /// one written into the files.
    public var iso8601: String {
        Fields(epochSeconds: wholeSeconds).iso8601
    }

    /// `2026-04-22T00:12:03.456Z`: UTC, milliseconds (rounded down). The API's form.
    public var iso8601Milliseconds: String {
        let milliseconds = Int((epochSeconds * 1000).rounded(.down))
        let seconds = Int((Double(milliseconds) / 1000).rounded(.down))
        let whole = Fields(epochSeconds: seconds).iso8601 // "…T00:12:03Z"
        return whole.dropLast() + "." + String(milliseconds - seconds * 1000, zeroPaddedTo: 3) + "Z"
    }

    /// RFC 1123, as the PNG spec recommends for `Creation Time`: "Sat, 21 Nov 2026 10:15:30 GMT".
    public var rfc1123: String {
        let fields = self.fields
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"] // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let dayNumber = Fields.daysFromCivil(fields.year, fields.month, fields.day)
        let weekday = weekdays[((dayNumber % 7) + 7) % 7]
        let day = String(fields.day, zeroPaddedTo: 2)
        let year = String(fields.year, zeroPaddedTo: 4)
        return "\(weekday), \(day) \(months[fields.month - 1]) \(year) \(fields.clock) GMT"
    }

    /// `20261121T101530Z`: the time in a file name (backups).
    public var fileStamp: String {
        iso8601.filter { $0 != ":" && $0 != "-" }
    }

    /// The UTC calendar date and time, to the whole second (rounded down).
    public var fields: Fields { Fields(epochSeconds: wholeSeconds) }

    /// Any ISO 8601 instant `init(iso8601:)` reads, in the catalog's form (UTC, whole seconds,
    /// the fraction dropped); nil for anything else.
    public static func normalize(_ text: String) -> String? {
        parse(text).map { Fields(epochSeconds: $0.seconds).iso8601 }
    }

    // MARK: - Calendar fields

    /// A UTC date and time of day in the proleptic Gregorian calendar, years 0 to 9999.
    public struct Fields: Sendable, Hashable {
        public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            (self.year, self.month, self.day) = (year, month, day)
            (self.hour, self.minute, self.second) = (hour, minute, second)
        }

        /// The fields of the whole second `epochSeconds` seconds after 1970-01-01T00:00:00Z.
        public init(epochSeconds: Int) {
            let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
            let ofDay = epochSeconds - days * 86_400
            let (year, month, day) = Self.civilFromDays(days)
            self.init(
                year: year, month: month, day: day, hour: ofDay / 3600, minute: ofDay / 60 % 60, second: ofDay % 60)
        }

        /// Seconds since 1970-01-01T00:00:00Z.
        public var epochSeconds: Int {
            ((Self.daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
        }

        var iso8601: String {
            let date = [String(year, zeroPaddedTo: 4), String(month, zeroPaddedTo: 2), String(day, zeroPaddedTo: 2)]
            return date.joined(separator: "-") + "T" + clock + "Z"
        }

        var clock: String {
            "\(String(hour, zeroPaddedTo: 2)):\(String(minute, zeroPaddedTo: 2)):\(String(second, zeroPaddedTo: 2))"
        }

        static func daysIn(_ month: Int, _ year: Int) -> Int {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        }

        /// Days since 1970-01-01 (Howard Hinnant's algorithm, proleptic Gregorian): exact for
        /// every date, where a `Calendar` would cost an allocation per call.
        static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146097 + dayOfEra - 719468
        }

        static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
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

    // MARK: - Parsing

    /// Whole seconds since 1970 (UTC) and the fraction of the next second, to the millisecond.
    private static func parse(_ text: String) -> (seconds: Int, fraction: Double)? {
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
            (1...12).contains(month), (1...Fields.daysIn(month, year)).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var milliseconds = 0
        if bytes[index] == 0x2E {
            index += 1
            var digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                if digits < 3 { milliseconds = milliseconds * 10 + Int(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            for _ in min(digits, 3)..<3 { milliseconds *= 10 }
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
        // A leap second (":60") counts as the second before it.
        let local = Fields(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        return (local.epochSeconds - offsetMinutes * 60, Double(milliseconds) / 1000)
    }
}

extension String {
    /// `value` in decimal with zeros in front up to `width` digits: `String(7, zeroPaddedTo: 3)`
    /// is "007".
    public init(_ value: Int, zeroPaddedTo width: Int) {
        let digits = value.description
        let zeros = Swift.max(0, width - digits.count)
        self = String(repeating: "0", count: zeros) + digits
    }
}
