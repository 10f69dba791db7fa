import ArgumentParser
import Foundation

/// Where commands write: results to stdout, diagnostics to stderr. One place decides the
/// encodings (JSON Lines for lists) and whether progress may be shown.
final class Output {
    /// Whether stderr is a terminal (progress is shown only there).
    let isTerminal: Bool = isatty(STDERR_FILENO) == 1
    private var buffer: [UInt8] = []

    deinit { flush() }

    /// A line of results on stdout (buffered; flushed before any diagnostic and at the end).
    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// One JSON object on one line (JSON Lines).
    func json(_ value: JSONOut) {
        line(value.rendered)
    }

    func error(_ text: String) {
        flush()
        writeAll(STDERR_FILENO, Array(("gptimg: " + text + "\n").utf8))
    }

    func warning(_ text: String) {
        flush()
        writeAll(STDERR_FILENO, Array(("gptimg: warning: " + text + "\n").utf8))
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(STDOUT_FILENO, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // stdout closed (e.g. `| head`): nothing more to say
                }
                offset += written
            }
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

/// Runs `work` on every file (in parallel, results printed in the files' order). A file that
/// fails gets one line on stderr naming it and the reason (and an error object with `--json`);
/// the others are still processed, and the command exits 1.
func processFiles<Result: Sendable>(
    _ files: [String], json: Bool, work: @escaping @Sendable (String) throws -> Result,
    text: (String, Result) -> String, json jsonValue: (String, Result) -> JSONOut
) async throws {
    let output = Output()
    var failures = 0
    await forEachConcurrently(expandingFolders(files)) { path in
        Swift.Result { try work(path) }
    } emit: { path, result in
        switch result {
        case .success(let value):
            if json { output.json(jsonValue(path, value)) } else { output.line(text(path, value)) }
        case .failure(let error):
            failures += 1
            output.error("\(path): \(describe(error))")
            if json { output.json(MetadataRendering.failure(file: path, error: describe(error))) }
        }
    }
    output.flush()
    if failures > 0 { throw ExitCode(1) }
}

/// The paths with every folder replaced by the PNG files under it (recursively, sorted, links
/// to folders not followed), as `exiftool -r` does. Files named directly are kept whatever
/// their name, so a mistake gets its own error line.
func expandingFolders(_ paths: [String]) -> [String] {
    paths.flatMap { path -> [String] in
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let root = URL(fileURLWithPath: path)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [path] }
        var found: [String] = []
        for case let url as URL in enumerator where url.pathExtension.lowercased() == "png" {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                found.append(path.hasSuffix("/") ? path + url.path.dropFirst(root.path.count + 1) : path + "/" + url.path.dropFirst(root.path.count + 1))
            }
        }
        return found.sorted()
    }
}
