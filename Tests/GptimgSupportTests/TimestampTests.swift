import Foundation
import GptimgSupport
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("ISO 8601 in, RFC 1123 and the catalog's form out, agreeing with Foundation over 400 years")
    func agreesWithFoundation() throws {
        #expect(Timestamp(iso8601: "2026-04-22T00:12:03.456Z")?.rfc1123 == "Wed, 22 Apr 2026 00:12:03 GMT")
        #expect(Timestamp(iso8601: "2026-01-01T01:30:00+02:00")?.iso8601 == "2025-12-31T23:30:00Z")
        #expect(Timestamp(iso8601: "2024-02-29T23:59:59-00:30")?.iso8601 == "2024-03-01T00:29:59Z")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var random = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let seconds = Double(random.next() % 12_623_040_000) - 3_155_760_000 // 1870 to 2270
            let date = Date(timeIntervalSince1970: seconds.rounded())
            let iso = ISO8601DateFormatter().string(from: date)
            let timestamp = try #require(Timestamp(iso8601: iso), "\(iso)")
            #expect(timestamp.rfc1123 == formatter.string(from: date))
            #expect(timestamp.iso8601 == iso)
            #expect(Timestamp(date).iso8601 == iso)
            #expect(timestamp.date == date)
            #expect(Timestamp.Fields(epochSeconds: Int(seconds.rounded())).epochSeconds == Int(seconds.rounded()))
        }
    }

    @Test(
        "only real instants in the one shape are read",
        arguments: [
            "", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01", "2026-01-01T00:00:00",
            "2026-01-01T00:00:00Zjunk", "yyyy-01-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+0200",
            "yesterday",
        ])
    func refused(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
        #expect(Timestamp.normalize(text) == nil)
    }

    @Test("the API's form: seconds since 1970 to ISO 8601 with milliseconds, and back")
    func milliseconds() throws {
        let cases: [(Double, String)] = [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_776_816_723.456, "2026-04-22T00:12:03.456Z"),
            (-0.5, "1969-12-31T23:59:59.500Z"),
            (951_782_400.999, "2000-02-29T00:00:00.999Z"),
        ]
        for (seconds, text) in cases {
            #expect(Timestamp(epochSeconds: seconds).iso8601Milliseconds == text)
            #expect(abs(try #require(Timestamp(iso8601: text)).epochSeconds - seconds) < 0.0005)
        }
        #expect(Timestamp(iso8601: "2026-04-22T02:12:03+02:00")?.epochSeconds == 1_776_816_723)
        #expect(Timestamp(iso8601: "2026-04-22 02:12:03.5-00:00")?.epochSeconds == 1_776_823_923.5)
        // As the project always read them: a fraction may be empty.
        #expect(Timestamp(iso8601: "2026-01-01T00:00:00.Z")?.iso8601 == "2026-01-01T00:00:00Z")
    }

    @Test("the catalog's form drops the fraction, never rounds it up into the next second")
    func normalize() {
        #expect(Timestamp.normalize("2026-04-22T00:12:03.999999999Z") == "2026-04-22T00:12:03Z")
        #expect(Timestamp(iso8601: "2026-04-22T00:12:03.999999999Z")?.iso8601 == "2026-04-22T00:12:03Z")
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59.999Z")?.iso8601 == "9999-12-31T23:59:59Z")
        #expect(Timestamp.normalize("2026-06-30T23:59:60Z") == "2026-06-30T23:59:59Z") // a leap second
        #expect(Timestamp.normalize("2026-04-22t00:12:03z") == nil)
        #expect(Timestamp(iso8601: "2026-11-21T10:15:30Z")?.fileStamp == "20261121T101530Z")
    }

    @Test func zeroPadding() {
        #expect(String(7, zeroPaddedTo: 3) == "007")
        #expect(String(1234, zeroPaddedTo: 2) == "1234")
        #expect(String(0, zeroPaddedTo: 4) == "0000")
    }
}

/// A small deterministic generator (the tests' random values are the same on every run).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
