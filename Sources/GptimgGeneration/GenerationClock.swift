import Foundation

/// Time for the pipeline: what time it is, and waiting. The live clock is the only code that
/// sleeps; tests pass one that moves when told, so schedules are checked without sleeping.
public protocol GenerationClock: Sendable {
    func now() -> Date
    func sleep(seconds: Double) async throws
}

public struct LiveClock: GenerationClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}

/// Time that passes only when somebody waits: `sleep(seconds:)` moves the clock on by that wait
/// and returns at once. Given to the simulator as its clock too, a 45-second task completes
/// after the polls that wait for it, without waiting: a whole run, its poll schedule and its
/// deadlines, in milliseconds. Waits of concurrent tasks add up (the clock cannot tell that
/// they overlap), so in a run of many tasks time passes faster than it would: order is kept,
/// durations are not.
public final class SimulatedClock: GenerationClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(start: Date = Date()) {
        current = start
    }

    public func now() -> Date {
        lock.withLock { current }
    }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        advance(by: seconds)
        await Task.yield()
    }

    /// Moves the clock on by `seconds` (what a test does between two steps).
    public func advance(by seconds: Double) {
        lock.withLock { current = current.addingTimeInterval(max(0, seconds)) }
    }
}
