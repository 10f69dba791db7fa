import Foundation
import GptimgSupport
import Synchronization
import Testing

/// The one sliding-window scheduler: import, `meta read`/`strip` and generation run on it.
@Suite("Ordered concurrent map")
struct ConcurrentMapTests {
    /// How many works run at once, and the most that ever did.
    final class Gauge: Sendable {
        private let state = Mutex((now: 0, peak: 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.peak = max($0.peak, $0.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
    }

    /// What the callbacks saw, for a helper task to wait on.
    final class Log: Sendable {
        let items = Mutex<[Int]>([])
    }

    /// Resolves each item's work only when the test says so, so the order in which works end
    /// is the test's, not the scheduler's.
    final class Gates: Sendable {
        private let state = Mutex((waiting: [Int: CheckedContinuation<Void, Never>](), opened: Set<Int>()))

        func wait(_ item: Int) async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    if state.opened.contains(item) { return true }
                    state.waiting[item] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }

        func open(_ item: Int) {
            let continuation = state.withLock { state in
                state.opened.insert(item)
                return state.waiting.removeValue(forKey: item)
            }
            continuation?.resume()
        }

        /// Lets every item through, now and later: when a test's waiting times out, the map
        /// still ends and the test fails instead of hanging the whole run.
        func openAll() {
            let continuations = state.withLock { state in
                state.opened.formUnion(0..<1000)
                defer { state.waiting.removeAll() }
                return Array(state.waiting.values)
            }
            for continuation in continuations { continuation.resume() }
        }

        var blocked: Set<Int> { state.withLock { Set($0.waiting.keys) } }
    }

    @Test("results come back in the items' order, at most `window` works at once")
    func orderAndWindow() async {
        let gauge = Gauge()
        var seen: [Int] = []
        await forEachConcurrently(Array(0..<200), window: 5) { item in
            gauge.enter()
            defer { gauge.leave() }
            // Items take different times: the order must not come from the timing.
            for _ in 0..<(item % 7 == 0 ? 50 : 0) { await Task.yield() }
            return item * 2
        } emit: { item, doubled in
            #expect(doubled == item * 2)
            seen.append(item)
        }
        #expect(seen == Array(0..<200))
        #expect(gauge.peak <= 5)
        #expect(gauge.peak >= 2)
    }

    @Test("a slow first item holds back emitting, not starting: the window slides past it")
    func slidingPastASlowItem() async throws {
        let gates = Gates()
        var emitted: [Int] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { gates.openAll() }
                // Items 1…5 are let through as they arrive while item 0 still waits: each can
                // only start once one before it has finished. Then item 0.
                try await waitUntil { gates.blocked.isSuperset(of: [0, 1]) }
                for item in 1...5 {
                    try await waitUntil { gates.blocked.contains(item) }
                    gates.open(item)
                }
                gates.open(0)
            }
            var items = Array(0..<6).makeIterator()
            await forEachConcurrently(
                next: { () throws(Never) -> Int? in items.next() }, window: 2,
                work: { item in
                    await gates.wait(item)
                    return item
                },
                emit: { (item, _) throws(Never) in emitted.append(item) })
            try await group.waitForAll()
        }
        #expect(emitted == Array(0..<6))
    }

    @Test("in completion order, each result comes as its work ends")
    func completionOrder() async throws {
        let gates = Gates()
        let emitted = Log()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { gates.openAll() }
                try await waitUntil { gates.blocked == [0, 1, 2] }
                for item in [2, 0, 1] {
                    gates.open(item)
                    try await waitUntil { emitted.items.withLock { $0.contains(item) } }
                }
            }
            var items = Array(0..<3).makeIterator()
            await forEachConcurrently(
                next: { () throws(Never) -> Int? in items.next() }, window: 3, order: .completion,
                work: { item in
                    await gates.wait(item)
                    return item
                },
                emit: { (item, _) throws(Never) in emitted.items.withLock { $0.append(item) } })
            try await group.waitForAll()
        }
        #expect(emitted.items.withLock { $0 } == [2, 0, 1])
    }

    @Test("when `mayStart` refuses and nothing runs, the rest is never started")
    func stopping() async {
        var items = Array(0..<100).makeIterator()
        var handed = 0
        var stop = false
        let startedCount = Mutex(0)
        await forEachConcurrently(
            next: { () throws(Never) -> Int? in
                handed += 1
                return items.next()
            },
            window: 4, order: .completion, mayStart: { !stop },
            work: { item in
                startedCount.withLock { $0 += 1 }
                return item
            },
            emit: { (item, _) throws(Never) in
                if item == 10 { stop = true } // a 402: submit nothing more
            })
        // Items already in flight when the stop came still ran; nothing after them.
        #expect(handed == startedCount.withLock { $0 })
        #expect(handed >= 11 && handed <= 15)
    }

    @Test("side jobs run beside the window and report on the caller's side; afterEach sees the run")
    func sideJobs() async {
        var items = Array(0..<20).makeIterator()
        var batch: [Int] = []
        var landed: [[Int]] = []
        var landing = false
        let gauge = Gauge()
        await forEachConcurrently(
            next: { () throws(Never) -> Int? in items.next() }, window: 3,
            mayStart: { batch.count < 10 },
            work: { item in
                gauge.enter()
                defer { gauge.leave() }
                return item
            },
            emit: { (item, _, _: inout ConcurrentRun<[Int]>) throws(Never) in batch.append(item) },
            sideFinished: { (landedBatch, run) throws(Never) in
                landing = false
                landed.append(landedBatch)
                #expect(run.sideJobs == 0)
            },
            afterEach: { (run) throws(Never) in
                let due = batch.count >= 4 || (run.exhausted && run.running == 0)
                guard !landing, !batch.isEmpty, due else { return }
                let toLand = batch
                batch.removeAll()
                landing = true
                run.startSide {
                    for _ in 0..<20 { await Task.yield() } // a landing takes a while
                    return toLand
                }
            })
        #expect(landed.flatMap { $0 } == Array(0..<20))
        #expect(landed.allSatisfy { !$0.isEmpty })
        #expect(gauge.peak <= 3)
    }

    struct Refused: Error, Equatable {}

    @Test("a callback that throws ends the run: running works are cancelled and awaited, the error comes back")
    func throwingCallback() async {
        let finished = Mutex(0)
        let cancelled = Mutex(0)
        var items = Array(0..<50).makeIterator()
        await #expect(throws: Refused()) {
            try await forEachConcurrently(
                next: { () throws(Refused) -> Int? in items.next() }, window: 4,
                work: { item in
                    if item > 0 {
                        // Ends early only when cancelled (a sleep is cut short by cancellation).
                        do {
                            try await Task.sleep(for: .seconds(60))
                        } catch {
                            cancelled.withLock { $0 += 1 }
                        }
                    }
                    finished.withLock { $0 += 1 }
                    return item
                },
                emit: { (item, _) throws(Refused) in
                    if item == 0 { throw Refused() }
                })
        }
        // Every work started was over by the time the error came back.
        #expect(finished.withLock { $0 } == 4)
        #expect(cancelled.withLock { $0 } == 3)
    }

    @Test("an empty list emits nothing")
    func empty() async {
        var count = 0
        await forEachConcurrently([Int](), window: 3) {
            $0
        } emit: { _, _ in
            count += 1
        }
        #expect(count == 0)
    }
}

/// Waits until `condition` holds (checking every millisecond), failing after 10 seconds.
func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    // Generous: the cooperative pool has as many threads as cores, shared with every other suite.
    let deadline = ContinuousClock.now + .seconds(60)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut() }
        try await Task.sleep(for: .milliseconds(1))
    }
}
