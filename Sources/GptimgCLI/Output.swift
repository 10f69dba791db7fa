import ArgumentParser
import Foundation
import PNGMetadata

/// Where commands write: results to stdout, diagnostics to stderr, and the encoding of
/// results (JSON Lines for lists).
final class Output {
    private var buffer: [UInt8] = []

    deinit { flush() }

    /// A line of results on stdout (buffered; flushed before any diagnostic and at the end).
    func line(_ text: String) {
        line(Array(text.utf8))
    }

    func line(_ bytes: [UInt8]) {
        buffer += bytes
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// One JSON object on one line (JSON Lines).
    func json(_ value: JSONOut) {
        value.render(into: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    func error(_ text: String) {
        flush()
        writeAll(STDERR_FILENO, Array(("gptimg: " + text + "\n").utf8))
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

/// Runs `work` on every file and renders its result, in parallel; the lines are printed in
/// the files' order. A file that fails gets one line on stderr naming it and the reason (and
/// an error object with `--json`); the others are still processed, and the command exits 1.
func processFiles<Result>(
    _ files: [String], json: Bool, work: @escaping @Sendable (String) throws -> Result,
    text: @escaping @Sendable (String, Result) -> String, json jsonValue: @escaping @Sendable (String, Result) -> JSONOut
) async throws {
    let output = Output()
    var failures = 0
    await forEachConcurrently(expandingFolders(files)) { path -> Swift.Result<[UInt8], ErrorLine> in
        do {
            let value = try work(path)
            if json {
                var bytes: [UInt8] = []
                jsonValue(path, value).render(into: &bytes)
                return .success(bytes)
            }
            return .success(Array(text(path, value).utf8))
        } catch {
            return .failure(ErrorLine(message: describe(error)))
        }
    } emit: { path, result in
        switch result {
        case .success(let bytes):
            output.line(bytes)
        case .failure(let error):
            failures += 1
            output.error("\(path): \(error.message)")
            if json { output.json(MetadataRendering.failure(file: path, error: error.message)) }
        }
    }
    output.flush()
    if failures > 0 { throw ExitCode(1) }
}

/// A file's failure, already described (errors themselves need not be Sendable).
struct ErrorLine: Error, Sendable {
    let message: String
}

/// The paths with every folder replaced by the PNG files under it (recursively, sorted, links
/// to folders not followed), as `exiftool -r` does. Files named directly are kept whatever
/// their name, so a mistake gets its own error line.
func expandingFolders(_ paths: [String]) -> [String] {
    paths.flatMap { path -> [String] in
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else { return [path] }
        var found: [String] = []
        collectPNGs(in: path.hasSuffix("/") ? String(path.dropLast()) : path, into: &found)
        return found.sorted()
    }
}

private func collectPNGs(in directory: String, into found: inout [String]) {
    guard let handle = opendir(directory) else { return }
    defer { closedir(handle) }
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        let path = directory + "/" + name
        var type = Int32(entry.pointee.d_type)
        if type == DT_UNKNOWN {  // some filesystems do not say: ask without following links
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            type = (status.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : (status.st_mode & S_IFMT) == S_IFREG ? Int32(DT_REG) : Int32(DT_LNK)
        }
        if type == DT_DIR {
            collectPNGs(in: path, into: &found)
        } else if type == DT_REG, name.lowercased().hasSuffix(".png") {
            found.append(path)
        }
    }
}
