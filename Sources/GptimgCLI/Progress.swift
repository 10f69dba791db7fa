import Foundation
import GptimgCatalog
import GptimgGeneration
import GptimgSupport

/// The progress of a long command on stderr. On a terminal: one line redrawn in place (carriage
/// return, erase to the end of the line; at most ten times a second, fitted to the terminal's
/// width so it never wraps). Elsewhere (a pipe, a log file, `TERM=dumb`): plain `gptimg: …`
/// lines with no escape codes, one each tenth of the work. Off with `--quiet` and `--json`.
///
/// Safe to use from several tasks: generation events arrive from the tasks that run them.
/// Results written on stdout meanwhile go through `hidden`, which takes the line away while
/// they are written and puts it back after, so the two never share a row of the terminal.
final class ProgressLine: @unchecked Sendable {
    enum Mode: Sendable {
        case off
        case redraw
        case plain
    }

    let mode: Mode
    private let context: GptimgContext
    private let lock = NSLock()
    /// The text on the terminal now (redraw mode), nil when none is.
    private var shown: String?
    private var lastDraw: Date?
    private var lastTenth = -1
    /// When the work began (the context's clock): elapsed time, rate and ETA count from here.
    let started: Date

    init(_ context: GptimgContext, wanted: Bool = true) {
        self.context = context
        // A `dumb` terminal cannot erase a line: it gets the plain lines.
        let redraws = context.streams.isTerminal(.error) && context.environment["TERM"] != "dumb"
        mode = !wanted ? .off : redraws ? .redraw : .plain
        started = context.clock.now()
    }

    /// Whether the line is redrawn in place (a terminal).
    var redraws: Bool { mode == .redraw }

    /// Seconds since the work began.
    var elapsed: Double { max(0, context.clock.now().timeIntervalSince(started)) }

    /// `done` of `total` with the rate, the elapsed time and an estimate of the time left, then
    /// `detail`: redrawn (terminal), or a plain line each tenth of the work (elsewhere).
    func update(_ label: String, done: Int, of total: Int, detail: String = "") {
        guard mode != .off else { return }
        let text = ProgressText.counts(label, done: done, total: total, elapsed: elapsed, detail: detail)
        switch mode {
        case .off: return
        case .redraw: draw(text, final: done >= total)
        case .plain:
            let tenth = total > 0 ? min(10, done * 10 / total) : 10
            let due: Bool = lock.withLock {
                guard done > 0, tenth > lastTenth else { return false }
                lastTenth = tenth
                return true
            }
            if due { context.diagnostic(text) }
        }
    }

    /// Redraws the line with `text` (terminal only), at most ten times a second unless `final`.
    func draw(_ text: String, final: Bool = false) {
        guard mode == .redraw else { return }
        let now = context.clock.now()
        lock.withLock {
            if !final, let lastDraw, now.timeIntervalSince(lastDraw) < 0.1 { return }
            lastDraw = now
            let fitted = TerminalText.fit(TerminalText.escape(text), columns: context.columns(.error))
            shown = fitted
            context.streams.write(Array(("\r\u{1B}[K" + fitted).utf8), to: .error)
        }
    }

    /// A plain `gptimg: …` line on stderr (a step that stays): above the redrawn line on a
    /// terminal, which is put back after it.
    func note(_ pieces: [Styled]) {
        guard mode != .off else { return }
        let line = "gptimg: " + Styled.render(pieces, context.style(.error)) + "\n"
        hidden { context.streams.write(Array(line.utf8), to: .error) }
    }

    /// Runs `write` with the line taken off the terminal, and puts it back after.
    func hidden<T>(_ write: () -> T) -> T {
        guard mode == .redraw else { return write() }
        return lock.withLock {
            if shown != nil { context.streams.write(Array("\r\u{1B}[K".utf8), to: .error) }
            let result = write()
            if let shown { context.streams.write(Array(("\r\u{1B}[K" + shown).utf8), to: .error) }
            return result
        }
    }

    /// Takes the line off the terminal for good (the work is over).
    func clear() {
        guard mode == .redraw else { return }
        lock.withLock {
            if shown != nil { context.streams.write(Array("\r\u{1B}[K".utf8), to: .error) }
            shown = nil
        }
    }
}

/// The words and numbers of progress lines.
enum ProgressText {
    /// "import 120/1,200 10% · 35/s · 0:03 elapsed · ETA 0:31 · detail".
    static func counts(_ label: String, done: Int, total: Int, elapsed: Double, detail: String = "") -> String {
        var parts = ["\(label) \(number(done))/\(number(total))"]
        if total > 0 { parts[0] += " \(done * 100 / total)%" }
        if let rate = rate(done: done, elapsed: elapsed) { parts.append(rate) }
        parts.append(duration(elapsed) + " elapsed")
        if done > 0, done < total, elapsed >= 0.5 {
            parts.append("ETA " + duration(elapsed / Double(done) * Double(total - done)))
        }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: " · ")
    }

    /// Steps a second (or a minute, when slower than one a second); nil before there is a rate.
    static func rate(done: Int, elapsed: Double) -> String? {
        guard done > 0, elapsed >= 0.5 else { return nil }
        let perSecond = Double(done) / elapsed
        if perSecond >= 10 { return "\(Int(perSecond.rounded()))/s" }
        if perSecond >= 1 { return String(format: "%.1f/s", perSecond) }
        return String(format: "%.1f/min", perSecond * 60)
    }

    /// "0:07", "12:03", "1:02:03".
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let tail = String(format: "%02d", secs)
        return hours > 0 ? "\(hours):" + String(format: "%02d", minutes) + ":" + tail : "\(minutes):" + tail
    }

    /// "1,234": thousands separated, whatever the locale (output must not change with it).
    static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}

/// Where each generation of a run is (sending, submitted, waiting, downloading), drawn as the
/// progress line on a terminal with each one's elapsed time; each step that stays (submitted,
/// waiting, downloading, landed) is a plain line. It also knows, for Ctrl-C, which tasks are
/// still running at the API and whether a POST may still be on its way.
final class GenerationDisplay: @unchecked Sendable {
    struct Task: Sendable {
        var stage: String
        var taskID: String?
        var began: Date
    }

    let line: ProgressLine
    private let context: GptimgContext
    private let lock = NSLock()
    private var tasks: [Int64: Task] = [:]
    private var total = 0
    private var ended = 0

    init(_ context: GptimgContext, wanted: Bool) {
        self.context = context
        line = ProgressLine(context, wanted: wanted)
    }

    /// The number of jobs in the run (a batch shows done/total, rate and ETA).
    func start(jobs: Int) { lock.withLock { total = jobs } }

    func report(_ event: GenerationEvent) {
        let now = context.clock.now()
        var note: [Styled]?
        lock.withLock {
            func since(_ id: Int64) -> String { " (" + seconds(now.timeIntervalSince(tasks[id]?.began ?? now)) + ")" }
            switch event {
            case .recorded(let id, _, _):
                tasks[id] = Task(stage: "sending", taskID: nil, began: now)
            case .submitted(let id, let taskID):
                tasks[id, default: Task(stage: "", began: now)].taskID = taskID
                tasks[id]?.stage = "submitted"
                note = [Styled(taskLabel(id)), Styled("submitted", .dim), Styled(" \(taskID)" + since(id))]
            case .waiting(let id, let taskID, let polls, _):
                tasks[id, default: Task(stage: "", taskID: taskID, began: now)].stage = "waiting"
                if polls == 1 {
                    note = [Styled(taskLabel(id)), Styled("waiting", .dim), Styled(" for \(taskID)" + since(id))]
                }
            case .downloading(let id, let index, let count):
                tasks[id, default: Task(stage: "", began: now)].stage = "downloading \(index + 1)/\(count)"
                note = [
                    Styled(taskLabel(id)), Styled("downloading", .dim),
                    Styled(" image \(index + 1) of \(count)" + since(id)),
                ]
            case .landed(let id, let image, let already):
                tasks[id, default: Task(stage: "", began: now)].stage = "landed"
                note = [
                    Styled(taskLabel(id)), Styled(already ? "already in the library" : "landed", .green),
                    Styled(": \(image.path)" + since(id)),
                ]
            case .failed(let id, _):
                // The message is the job's result line (GenerationRendering), not repeated here.
                tasks[id]?.stage = "failed"
            }
        }
        if let note { line.note(note) }
        redraw(force: note != nil)
    }

    /// A job ended (its result was written): it leaves the line.
    func ended(generation: Int64?) {
        lock.withLock {
            if let generation { tasks[generation] = nil }
            ended += 1
        }
        redraw(force: true)
    }

    /// Redraws the line (terminal only): a batch's counts, then each running task's stage and time.
    func redraw(force: Bool = false) {
        guard line.redraws else { return }
        let now = context.clock.now()
        let text: String = lock.withLock {
            var parts: [String] = []
            if total > 1 {
                parts.append(ProgressText.counts("done", done: ended, total: total, elapsed: line.elapsed))
            }
            for (id, task) in tasks.sorted(by: { $0.key < $1.key }) where task.stage != "failed" {
                parts.append(
                    taskLabel(id) + "\(task.stage) \(ProgressText.duration(now.timeIntervalSince(task.began)))")
            }
            return parts.joined(separator: " · ")
        }
        if !text.isEmpty { line.draw(text, final: force) }
    }

    /// Generations whose POST may be on its way (recorded, no answer yet).
    var sending: Int { lock.withLock { tasks.values.filter { $0.stage == "sending" }.count } }

    /// The generations still running at the API (a task id, not yet landed), by id.
    var running: [(id: Int64, taskID: String)] {
        lock.withLock {
            tasks.sorted { $0.key < $1.key }.compactMap { id, task in
                guard let taskID = task.taskID, task.stage != "landed", task.stage != "failed" else { return nil }
                return (id, taskID)
            }
        }
    }

    private func seconds(_ value: Double) -> String {
        value < 60 ? String(format: "%.1fs", max(0, value)) : ProgressText.duration(value)
    }
}

/// A generation on the progress line: `[g17] `, as `gptimg tasks` names it.
private func taskLabel(_ id: Int64) -> String { "[" + GenerationReference.text(id) + "] " }
