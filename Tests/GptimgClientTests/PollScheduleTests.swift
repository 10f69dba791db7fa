import GptimgClient
import Testing

/// The schedule is checked by walking its clock by hand, never by sleeping.
@Suite struct PollScheduleTests {
    /// Polls the schedule would make until a task that finishes at `latency` is seen; returns
    /// the number of polls and how late the finish was seen.
    static func simulate(_ schedule: PollSchedule, latency: Double) -> (polls: Int, lag: Double)? {
        var elapsed = 0.0
        var polls = 0
        while let wait = schedule.delay(afterElapsed: elapsed) {
            elapsed += wait
            polls += 1
            if elapsed >= latency { return (polls, elapsed - latency) }
        }
        return nil
    }

    /// (average polls, largest poll count, average lag, largest lag) for latencies in `range`.
    static func sweep(_ schedule: PollSchedule, _ range: ClosedRange<Double>) -> (
        average: Double, most: Int, lag: Double, worst: Double
    ) {
        var polls: [Int] = []
        var lags: [Double] = []
        for latency in stride(from: range.lowerBound, through: range.upperBound, by: 0.25) {
            let (count, lag) = simulate(schedule, latency: latency)!
            polls.append(count)
            lags.append(lag)
        }
        return (
            Double(polls.reduce(0, +)) / Double(polls.count), polls.max()!, lags.reduce(0, +) / Double(lags.count),
            lags.max()!
        )
    }

    @Test func tasksOfTheBenchmarksSpreadAreSeenQuicklyAtFewPolls() {
        // The simulator's 45 s ± 10 s.
        let result = Self.sweep(PollSchedule(), 35...55)
        #expect(result.average <= 7.6, "average \(result.average) polls")
        #expect(result.most <= 11)
        #expect(result.lag <= 1.3, "average lag \(result.lag) s")
        #expect(result.worst <= 2.5 + 1e-9)
    }

    @Test func theAPIsTypicalTasksCostNoMoreRequestsThanPollingEveryFiveSeconds() {
        // The seeds' 45–60 s at one poll every 5 s costs 9–12 requests.
        let result = Self.sweep(PollSchedule(), 45...60)
        #expect(result.average <= 10, "average \(result.average) polls")
        #expect(result.most <= 13)
        #expect(result.worst <= 2.5 + 1e-9)
    }

    @Test func aFastSimulatorIsPolledInFractionsOfASecond() {
        let schedule = PollSchedule(typicalLatency: 2)
        let (_, lag) = Self.simulate(schedule, latency: 2.1)!
        #expect(lag < 0.25)
    }

    @Test func theDeadlineEndsPolling() {
        let schedule = PollSchedule(typicalLatency: 45, deadline: 300)
        #expect(Self.simulate(schedule, latency: 10_000) == nil)
        var elapsed = 0.0
        var polls = 0
        while let wait = schedule.delay(afterElapsed: elapsed) {
            #expect(wait > 0)
            elapsed += wait
            polls += 1
        }
        #expect(elapsed <= 300 + 1e-9)
        #expect(polls < 40, "stragglers are polled less often: \(polls)")
    }

    @Test func backoffGrowsIsCappedAndHonoursRetryAfter() {
        let schedule = PollSchedule()
        #expect(schedule.backoff(failures: 0, retryAfter: nil, random: 1) == 5)
        #expect(schedule.backoff(failures: 2, retryAfter: nil, random: 1) == 20)
        #expect(schedule.backoff(failures: 20, retryAfter: nil, random: 1) == 60)
        #expect(schedule.backoff(failures: 1, retryAfter: nil, random: 0) == 5)
        #expect(schedule.backoff(failures: 0, retryAfter: 30, random: 0.5) == 30)
    }
}
