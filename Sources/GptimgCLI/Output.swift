import Foundation

/// Where commands write: results to stdout, diagnostics to stderr. One place decides the
/// encodings (JSON Lines for lists) and whether progress may be shown.
struct Output: Sendable {
    /// Whether stderr is a terminal (progress is shown only there).
    let isTerminal: Bool = isatty(STDERR_FILENO) == 1

    func line(_ text: String) {
        print(text)
    }

    func error(_ text: String) {
        FileHandle.standardError.write(Data(("gptimg: " + text + "\n").utf8))
    }

    func warning(_ text: String) {
        FileHandle.standardError.write(Data(("gptimg: warning: " + text + "\n").utf8))
    }

    /// One JSON object on one line (JSON Lines).
    func json(_ value: some Encodable) {
        print(JSONLines.encode(value))
    }
}

enum JSONLines {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            return #"{"error":"could not encode the result as JSON"}"#
        }
    }
}

/// Runs `work` over `items` on every core, handing each result to `emit` in the items' order
/// as soon as it and all before it are done (at most `window` results are held at once).
func forEachConcurrently<Item: Sendable, Result: Sendable>(
    _ items: [Item], window: Int = max(2, ProcessInfo.processInfo.activeProcessorCount * 4),
    work: @escaping @Sendable (Item) -> Result, emit: (Item, Result) -> Void
) async {
    await withTaskGroup(of: (Int, Result).self) { group in
        var pending: [Int: Result] = [:]
        var next = 0
        var started = 0
        func start() {
            let index = started
            let item = items[index]
            group.addTask { (index, work(item)) }
            started += 1
        }
        while started < min(window, items.count) { start() }
        for await (index, result) in group {
            pending[index] = result
            while let ready = pending.removeValue(forKey: next) {
                emit(items[next], ready)
                next += 1
            }
            if started < items.count { start() }
        }
    }
}
