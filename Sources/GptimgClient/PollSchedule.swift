/// When to poll a task: rarely while it cannot be done yet, every few seconds around when it
/// usually finishes, then less often, until a deadline leaves it for `gptimg resume`.
///
/// The seeds say a task takes 45–60 s and to poll every 5–10 s. Polling every 5 s from the
/// start would cost 9–12 requests a task; this schedule spends two on the first half of the
/// typical latency, then polls every `step` (5 s at the API's 45 s) through the window where
/// tasks finish, so a finished task is seen within one step, at about 6–8 polls a task.
/// Everything scales with `typicalLatency`, so a simulator that answers in 2 s is polled in
/// fractions of a second, and a history of real latencies can tune it.
public struct PollSchedule: Sendable, Hashable {
    /// Seconds a task usually takes (the API's 45 s by default).
    public var typicalLatency: Double
    /// Give up (the task stays resumable) after this many seconds since submission.
    public var deadline: Double

    public init(typicalLatency: Double = 45, deadline: Double? = nil) {
        self.typicalLatency = max(0.05, typicalLatency)
        self.deadline = deadline ?? max(600, self.typicalLatency * 8)
    }

    /// The poll interval in the window where tasks finish: a ninth of the typical latency (5 s at 45 s).
    public var step: Double { typicalLatency / 9 }

    /// Seconds to wait before the next poll, `elapsed` seconds after submission; nil once the
    /// deadline has passed.
    public func delay(afterElapsed elapsed: Double) -> Double? {
        guard elapsed < deadline else { return nil }
        let wait: Double
        if elapsed < typicalLatency * 0.35 {
            wait = typicalLatency * 0.35 - elapsed  // first look: a third of the way in
        } else if elapsed < typicalLatency * 0.65 {
            wait = typicalLatency * 0.65 - elapsed  // second look
        } else if elapsed < typicalLatency * 2.5 {
            wait = step  // where tasks finish: every step
        } else {
            wait = min(step * 4, max(step, elapsed * 0.25))  // a straggler: back off
        }
        return min(max(wait, 0.05), deadline - elapsed)
    }

    /// The wait after a failed poll (429, 5xx, a dropped connection): exponential from one step,
    /// capped at a minute, with jitter so many clients do not retry in step; a Retry-After
    /// from the server wins when it is longer.
    public func backoff(failures: Int, retryAfter: Double?, random: Double) -> Double {
        let base = min(60, step * Double(1 << min(failures, 6)))
        let jittered = base * (0.5 + random * 0.5)
        return max(jittered, retryAfter ?? 0)
    }
}
