/// When to poll a task: once early (a task refused at once is seen early), not again until it
/// could be done, then every few seconds through the window where tasks finish, then less often,
/// until a deadline leaves it for `gptimg resume`.
///
/// The seeds say a task takes 45–60 s and to poll every 5–10 s: 9–12 requests for a 45–60 s
/// task. This schedule spends no more on average (a 60 s task takes 13, one over), but where
/// it is useful: one look at 45 % of
/// the typical latency, none while the task cannot be done, then one every `step` (2.5 s at
/// the API's 45 s) from 75 % of it. A finished task is seen 1.25 s late on average instead of
/// 2.5 s, at about 7–8 requests for a 35–55 s task and 9–10 for a 45–60 s one (the averages
/// `PollScheduleTests` pins). In a batch, every second saved per task is saved again for each
/// task that waits for its slot. Everything scales with `typicalLatency`, so a simulator that
/// answers in 2 s is polled in fractions of a second.
public struct PollSchedule: Sendable, Hashable {
    /// Seconds a task usually takes (the API's 45 s by default).
    public var typicalLatency: Double
    /// Give up (the task stays resumable) after this many seconds since submission.
    public var deadline: Double

    public init(typicalLatency: Double = 45, deadline: Double? = nil) {
        self.typicalLatency = max(0.05, typicalLatency)
        self.deadline = deadline ?? max(600, self.typicalLatency * 8)
    }

    /// The poll interval in the window where tasks finish: 2.5 s at the API's 45 s.
    public var step: Double { typicalLatency / 18 }

    /// Seconds to wait before the next poll, `elapsed` seconds after submission; nil once the
    /// deadline has passed.
    public func delay(afterElapsed elapsed: Double) -> Double? {
        guard elapsed < deadline else { return nil }
        let early = typicalLatency * 0.45
        let window = typicalLatency * 0.75
        let wait: Double
        if elapsed < early {
            wait = early - elapsed // one early look: a task refused at once is seen early
        } else if elapsed < window - 1e-9 {
            wait = window - elapsed // nothing finishes in between
        } else if elapsed < typicalLatency * 1.6 {
            wait = step // where tasks finish
        } else {
            wait = min(step * 8, max(step * 2, elapsed * 0.2)) // a straggler: back off
        }
        return min(max(wait, 0.05), deadline - elapsed)
    }

    /// The wait after a failed poll (429, 5xx, a dropped connection): exponential from two
    /// steps, capped at a minute, with jitter so many clients do not retry in step; a
    /// Retry-After from the server wins when it is longer.
    public func backoff(failures: Int, retryAfter: Double?, random: Double) -> Double {
        let base = min(60, step * 2 * Double(1 << min(failures, 6)))
        let jittered = base * (0.5 + random * 0.5)
        return max(jittered, retryAfter ?? 0)
    }
}
