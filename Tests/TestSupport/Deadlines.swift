import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A FIFO for tests that must never open it. Should the code under test open it for reading
/// anyway (and block, waiting for a writer), `release()` — called at the test's deadline —
/// opens it for writing and closes it, so the reader sees end-of-file and the test can fail
/// instead of hanging forever.
public final class TrapFIFO: Sendable {
    public let path: String

    public init(at path: String) throws {
        guard mkfifo(path, 0o644) == 0 else { throw CannotMake(path: path, reason: String(cString: strerror(errno))) }
        self.path = path
    }

    public struct CannotMake: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "mkfifo \(path): \(reason)" }
    }

    /// Unblocks whoever opened the FIFO for reading (no reader: nothing happens). Returns
    /// whether somebody had.
    @discardableResult
    public func release() -> Bool {
        let descriptor = open(path, O_WRONLY | O_NONBLOCK)
        guard descriptor >= 0 else { return false } // ENXIO: no reader waiting
        close(descriptor)
        return true
    }
}

/// A watch over FIFOs during an async test: after `seconds`, it releases them every 50 ms until
/// `finish()`, which says whether it had to (somebody opened one and waited).
public final class FIFOWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = false
    private var released = false

    public init(_ fifos: [TrapFIFO], after seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        detachThread { [self] in
            while true {
                usleep(50_000)
                lock.lock()
                defer { lock.unlock() }
                if finished { return }
                if Date() > end, fifos.map({ $0.release() }).contains(true) { released = true }
            }
        }
    }

    /// Stops the watch; true when a FIFO had to be released (a reader was stuck on it).
    public func finish() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        finished = true
        return released
    }
}

/// Runs `body` on a thread of its own, and `onDeadline` if it has not returned after `seconds`
/// (then waits for it). Returns the seconds it took and whether the deadline passed. When it
/// returns, `body` has returned and has been let go of: what it captured (a catalog) is no longer
/// held by the thread.
public func withDeadline(
    _ seconds: Double, onDeadline: @escaping @Sendable () -> Void, _ body: @escaping @Sendable () -> Void
) -> (seconds: Double, late: Bool) {
    let done = DispatchSemaphore(value: 0)
    let started = Date()
    let job = OneShot(body)
    detachThread {
        job.run()
        done.signal()
    }
    if done.wait(timeout: .now() + seconds) == .success { return (Date().timeIntervalSince(started), false) }
    // Keep rescuing until it returns (a reader may open the FIFO more than once).
    while done.wait(timeout: .now() + 0.05) == .timedOut { onDeadline() }
    return (Date().timeIntervalSince(started), true)
}

/// Runs `body` on a new thread (not one of Dispatch's or Swift concurrency's, which a body stuck
/// on a FIFO must not hold) and lets go of it there as soon as it returns. Every test thread
/// starts here, never with `Thread.detachNewThread` or `Thread(block:)` directly.
///
/// Foundation keeps a thread's block until the thread's TLS destructors run, and libdispatch's own
/// destructor has freed that thread's continuation cache by then (without forgetting it). Anything
/// whose last reference went with the block was deinitialised there: a `Catalog`, whose GRDB
/// connections are closed through dispatch queues, made libdispatch hand out freed memory and
/// write into it, corrupting the heap (the test process aborted now and then, in `free` or
/// `malloc`, far from the cause). Here the block holds only an empty `OneShot` by then.
public func detachThread(_ body: @escaping @Sendable () -> Void) {
    let job = OneShot(body)
    Thread.detachNewThread { job.run() }
}

/// A closure run once and released right after, on the thread that ran it.
final class OneShot: @unchecked Sendable {
    // Written only by `run`, on the one thread that calls it.
    private var body: (@Sendable () -> Void)?

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func run() {
        let body = self.body
        self.body = nil
        body?()
    }
}
