import Foundation
import Testing

/// Runs blocking `work` (waiting for a child process, reading a pipe to its end) on a thread of its
/// own and awaits its result. Swift's cooperative pool has one thread per core (two here), shared
/// by every test running in parallel and by the servers those tests start in this process: a test
/// that blocked one of them in `waitpid` or `read` stalled all the others, and two such tests left
/// the machine idle. Not `DispatchQueue.global()`: on Linux its pool is as narrow, and only widens
/// after a while. A fresh thread per call costs far less than the process it waits for.
public func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        detachThread { continuation.resume(with: Result(catching: work)) }
    }
}

/// `offThread` for work that cannot throw.
public func offThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        detachThread { continuation.resume(returning: work()) }
    }
}

/// Runs a test (or each test of a suite) at high task priority, with everything it starts in this
/// process: the gallery and simulator servers' request handling inherits it. For the browser
/// tests, which go one Chromium at a time (`DevTools.gate`) and so form the longest chain of the
/// run: at the default priority each of their steps queued behind hundreds of other tests' jobs
/// on the cooperative pool, and the chain ended long after everything else. Nothing else changes:
/// the test runs as it would, only sooner.
public struct HighPriorityTrait: TestTrait, SuiteTrait, TestScoping {
    /// Every test of a suite, and the cases of a parameterised test, each in its own scope.
    public var isRecursive: Bool { true }

    /// A suite (whose own task runs its tests one after another when it is serialized), and each test
    /// case.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase != nil || test.isSuite ? self : nil
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // An unstructured task is the only way to raise a task's base priority. It copies the task-local
        // values (the test's identity, where its issues go) and is awaited here, so `function` is done
        // with, and its context released, before this returns: it does not actually escape. A
        // cancelled run (a time limit) cancels it too.
        try await withoutActuallyEscaping(function) { function in
            let task = Task(priority: .high) { try await function() }
            try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
        }
    }
}

extension Trait where Self == HighPriorityTrait {
    /// See `HighPriorityTrait`.
    public static var highPriority: Self { Self() }
}
