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

    @Test func theAPIsTypicalTasksAreSeenWithinAStepAtFewPolls() {
        let schedule = PollSchedule()
        var totalPolls = 0
        var count = 0
        for latency in stride(from: 35.0, through: 60.0, by: 0.5) {
            let (polls, lag) = Self.simulate(schedule, latency: latency)!
            #expect(lag <= 5.0 + 1e-9, "latency \(latency): seen \(lag) s late")
            #expect(polls <= 9, "latency \(latency): \(polls) polls")
            totalPolls += polls
            count += 1
        }
        #expect(Double(totalPolls) / Double(count) <= 6.2, "average \(Double(totalPolls) / Double(count))")
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
