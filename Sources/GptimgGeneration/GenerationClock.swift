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
