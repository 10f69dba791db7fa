import Foundation
import Synchronization
import TestSupport
import Testing

/// The harness's way off the cooperative pool (`offThread`) and its priority trait
/// (`.highPriority`): what the long-waiting and the browser tests rely on.
@Suite("test harness: blocking work and priority")
struct BlockingTests {
    @Test("offThread runs its work on a thread that is not the caller's, and returns or throws what it did")
    func offThreadReturnsAndThrows() async throws {
        let caller = pthread_self()
        let (value, elsewhere) = await offThread { (21 * 2, pthread_equal(pthread_self(), caller) == 0) }
        #expect(value == 42)
        #expect(elsewhere)
        struct Refused: Error, Equatable {}
        await #expect(throws: Refused()) { try await offThread { () throws -> Int in throw Refused() } }
    }

    @Test("two blocked waits at once leave the cooperative pool free: other tasks still run meanwhile")
    func blockedWaitsDoNotHoldThePool() async throws {
        // Two waits (as many as the pool has threads here) that end only when a task on the pool
        // has signalled them: waits that held the pool's threads would time out instead.
        let started = Started()
        let signalled = DispatchSemaphore(value: 0)
        async let first = offThread {
            started.count.withLock { $0 += 1 }
            return signalled.wait(timeout: .now() + 30) == .success
        }
        async let second = offThread {
            started.count.withLock { $0 += 1 }
            return signalled.wait(timeout: .now() + 30) == .success
        }
        let deadline = Date().addingTimeInterval(30)
        while started.count.withLock({ $0 }) < 2 {
            guard Date() < deadline else { throw Deadline() }
            try await Task.sleep(for: .milliseconds(5))
        }
        await Task.detached {
            signalled.signal()
            signalled.signal()
        }.value
        let (one, two) = await (first, second)
        #expect(one && two)
    }

    struct Deadline: Error {}

    final class Started: Sendable {
        let count = Mutex(0)
    }

    @Test("a child gets its three streams and nothing else that the test process has open")
    func childrenInheritNoDescriptors() async throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0) // inheritable, as a library might leave one
        defer { ends.forEach { close($0) } }
        let listed = try await ProcessRunner.run(["ls", "/proc/self/fd"])
        // ls's own reading of the folder is the fourth.
        #expect(listed.stdout.split(separator: "\n") == ["0", "1", "2", "3"], "\(listed.stdout)")
        let measured = try await MeasuredProcess.run(["/bin/ls", "/proc/self/fd"])
        #expect(measured.stdout.split(separator: "\n") == ["0", "1", "2", "3"], "\(measured.stdout)")
    }

    @Test("a test under .highPriority runs at high priority, and so does what it starts", .highPriority)
    func highPriority() async {
        #expect(Task.currentPriority == .high)
        async let child = Task.currentPriority
        let inherited = await child
        #expect(inherited == .high)
        // Still this test: the task-local values that route its issues came along.
        #expect(Test.current?.name.hasPrefix("highPriority") == true)
    }
}
