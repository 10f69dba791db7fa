import Foundation

/// The order in which `forEachConcurrently` hands results back.
public enum ResultOrder: Sendable {
    /// In the items' order, each as soon as it and every item before it are done (output that
    /// reads as if it were sequential: `meta read`, `import`).
    case itemOrder
    /// As each finishes (generation: a task's result is shown when it ends).
    case completion
}

/// What the callbacks of `forEachConcurrently` see of the run, and how they start side jobs.
public struct ConcurrentRun<Side: Sendable> {
    /// Items whose work has started and not finished.
    public fileprivate(set) var running = 0
    /// Side jobs started and not finished.
    public fileprivate(set) var sideJobs = 0
    /// Whether `next` has said there are no more items.
    public fileprivate(set) var exhausted = false
    fileprivate var starting: [@Sendable () async -> Side] = []

    /// Starts `job` beside the window: it takes none of the window's slots, and its result goes
    /// to `sideFinished` (a finished generation's images land while the next task is submitted;
    /// an import's batch lands while the next files are read).
    public mutating func startSide(_ job: @escaping @Sendable () async -> Side) {
        starting.append(job)
    }
}

/// Runs `work` over the items `next` hands out, at most `window` at once, and hands each result
/// to `emit` in `order`: a sliding window, so a new item starts as soon as one finishes.
///
/// The callbacks (`next`, `mayStart`, `emit`, `sideFinished`, `afterEach`) run one at a time
/// on the caller's isolation, never concurrently, so they may share plain mutable state; only
/// `work` and side jobs run in child tasks. After every event (and once at the start) items are
/// started while fewer than `window` run, `next` has more and `mayStart` agrees, then `afterEach`
/// runs. The run ends when nothing is running: when `mayStart` refuses and nothing is in
/// flight, the items left are never started (the caller counts them).
///
/// Work is never cancelled by the run itself, so `work` may hold what must not be cancelled (a
/// POST that may already have reached the API): only a callback that throws cancels the child
/// tasks (the run then waits for them and rethrows).
public func forEachConcurrently<Item: Sendable, Output: Sendable, Side: Sendable, Failure: Error>(
    next: () throws(Failure) -> Item?,
    window: Int,
    order: ResultOrder = .itemOrder,
    mayStart: () -> Bool = { true },
    isolation: isolated (any Actor)? = #isolation,
    work: @escaping @Sendable (Item) async -> Output,
    emit: (Item, Output, inout ConcurrentRun<Side>) throws(Failure) -> Void,
    sideFinished: (Side, inout ConcurrentRun<Side>) throws(Failure) -> Void,
    afterEach: (inout ConcurrentRun<Side>) throws(Failure) -> Void
) async throws(Failure) {
    let window = max(1, window)
    let failure = await withTaskGroup(
        of: ConcurrentEvent<Item, Output, Side>.self, returning: Failure?.self, isolation: isolation
    ) { group in
        var run = ConcurrentRun<Side>()
        var waiting: [Int: (Item, Output)] = [:]
        var nextToEmit = 0
        var started = 0

        func startSideJobs() {
            for job in run.starting {
                group.addTask { .side(await job()) }
            }
            run.sideJobs += run.starting.count
            run.starting.removeAll()
        }
        func refill() throws(Failure) {
            while run.running < window, !run.exhausted, mayStart() {
                guard let item = try next() else {
                    run.exhausted = true
                    break
                }
                let index = started
                started += 1
                run.running += 1
                group.addTask { .done(index, item, await work(item)) }
            }
            try afterEach(&run)
            startSideJobs()
        }

        do throws(Failure) {
            try refill()
            while let event = await group.next() {
                switch event {
                case .done(let index, let item, let output):
                    run.running -= 1
                    switch order {
                    case .completion:
                        try emit(item, output, &run)
                    case .itemOrder:
                        waiting[index] = (item, output)
                        while let (item, output) = waiting.removeValue(forKey: nextToEmit) {
                            nextToEmit += 1
                            try emit(item, output, &run)
                        }
                    }
                case .side(let result):
                    run.sideJobs -= 1
                    try sideFinished(result, &run)
                }
                startSideJobs()
                try refill()
            }
            return nil
        } catch {
            group.cancelAll()
            return error
        }
    }
    if let failure { throw failure }
}

/// `forEachConcurrently` with nothing to do after each event.
public func forEachConcurrently<Item: Sendable, Output: Sendable, Side: Sendable, Failure: Error>(
    next: () throws(Failure) -> Item?,
    window: Int,
    order: ResultOrder = .itemOrder,
    mayStart: () -> Bool = { true },
    isolation: isolated (any Actor)? = #isolation,
    work: @escaping @Sendable (Item) async -> Output,
    emit: (Item, Output, inout ConcurrentRun<Side>) throws(Failure) -> Void,
    sideFinished: (Side, inout ConcurrentRun<Side>) throws(Failure) -> Void
) async throws(Failure) {
    // An overload rather than a default closure: the compiler (6.3) crashes on a defaulted
    // closure parameter with a typed throw.
    try await forEachConcurrently(
        next: next, window: window, order: order, mayStart: mayStart, isolation: isolation, work: work, emit: emit,
        sideFinished: sideFinished, afterEach: { (_: inout ConcurrentRun<Side>) throws(Failure) in })
}

/// `forEachConcurrently` without side jobs.
public func forEachConcurrently<Item: Sendable, Output: Sendable, Failure: Error>(
    next: () throws(Failure) -> Item?,
    window: Int,
    order: ResultOrder = .itemOrder,
    mayStart: () -> Bool = { true },
    isolation: isolated (any Actor)? = #isolation,
    work: @escaping @Sendable (Item) async -> Output,
    emit: (Item, Output) throws(Failure) -> Void
) async throws(Failure) {
    try await forEachConcurrently(
        next: next, window: window, order: order, mayStart: mayStart, isolation: isolation, work: work,
        emit: { (item, output, _: inout ConcurrentRun<Never>) throws(Failure) in try emit(item, output) },
        sideFinished: { (_: Never, _: inout ConcurrentRun<Never>) throws(Failure) in },
        afterEach: { (_: inout ConcurrentRun<Never>) throws(Failure) in })
}

/// `forEachConcurrently` over an array, without side jobs: each result goes to `emit` in the
/// items' order.
public func forEachConcurrently<Item: Sendable, Output: Sendable>(
    _ items: [Item], window: Int = max(2, ProcessInfo.processInfo.activeProcessorCount * 4),
    isolation: isolated (any Actor)? = #isolation,
    work: @escaping @Sendable (Item) async -> Output,
    emit: (Item, Output) -> Void
) async {
    var iterator = items.makeIterator()
    await forEachConcurrently(
        next: { () throws(Never) -> Item? in iterator.next() }, window: window, isolation: isolation, work: work,
        emit: { (item, output) throws(Never) in emit(item, output) })
}

/// What a child task of `forEachConcurrently` finished.
private enum ConcurrentEvent<Item: Sendable, Output: Sendable, Side: Sendable>: Sendable {
    case done(Int, Item, Output)
    case side(Side)
}
