import GptimgAPI
import Testing

@Suite("API timestamps")
struct APITimestampTests {
    @Test("seconds since 1970 to the API's ISO 8601 with milliseconds, and back")
    func roundTrip() {
        let cases: [(Double, String)] = [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_776_816_723.456, "2026-04-22T00:12:03.456Z"),
            (-0.5, "1969-12-31T23:59:59.500Z"),
            (951_782_400.999, "2000-02-29T00:00:00.999Z"),
        ]
        for (seconds, text) in cases {
            #expect(APITimestamp.string(epochSeconds: seconds) == text)
            #expect(abs(APITimestamp.epochSeconds(from: text)! - seconds) < 0.0005)
        }
        #expect(APITimestamp.epochSeconds(from: "2026-04-22T02:12:03+02:00") == 1_776_816_723)
        #expect(APITimestamp.epochSeconds(from: "yesterday") == nil)
    }
}
