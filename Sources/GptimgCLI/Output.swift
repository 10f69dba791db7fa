import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// Where commands write: results to stdout, diagnostics to stderr (the context's streams),
/// and the encoding of results (JSON Lines for lists). Every line carries values from files,
/// archives, the catalog or the API (names, prompts, tags, reasons): each goes through
/// `TerminalText`, so none can send the terminal an escape sequence or reorder what it shows.
final class Output {
    let context: GptimgContext
    private var buffer: [UInt8] = []
    /// The progress line on stderr, taken away while results are written (both streams may be
    /// the same terminal).
    var progress: ProgressLine?

    init(_ context: GptimgContext) {
        self.context = context
    }

    deinit { flush() }

    /// A line of results on stdout (buffered; flushed before any diagnostic and at the end).
    func line(_ text: String) {
        line(rendered: Array(TerminalText.escape(text).utf8))
    }

    /// A line already made safe (`TerminalText.escape` or `escapeJSON`).
    func line(rendered bytes: [UInt8]) {
        buffer += bytes
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// A line of pieces, each escaped, coloured when stdout is a terminal that wants colour.
    func line(_ pieces: [Styled]) {
        line(rendered: Array(Styled.render(pieces, context.style(.output)).utf8))
    }

    /// One JSON object on one line (JSON Lines), with its `schema_version`.
    func json(_ value: JSONOut) {
        var line: [UInt8] = []
        OutputSchema.versioned(value).render(into: &line)
        self.line(rendered: TerminalText.escapeJSON(line))
    }

    /// Errors about single files (`meta read --json`) as JSON objects on stderr, as the command's
    /// own error would be.
    var fileErrorsAsJSON = false

    /// One `gptimg: …` line on stderr, after the results so far.
    func error(_ text: String) {
        hidingProgress {
            write()
            if fileErrorsAsJSON {
                context.streams.write(ErrorRendering.json(code: "file", message: text), to: .error)
            } else {
                context.diagnostic(text)
            }
        }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        hidingProgress { write() }
    }

    private func write() {
        guard !buffer.isEmpty else { return }
        context.streams.write(buffer, to: .output)
        buffer.removeAll(keepingCapacity: true)
    }

    private func hidingProgress(_ body: () -> Void) {
        if let progress { progress.hidden(body) } else { body() }
    }
}

/// The version of every JSON record the CLI prints (`schema_version`): raised when a field
/// changes meaning or goes away; new fields may appear without it.
enum OutputSchema {
    static let version = 1

    /// `value` with `schema_version` last, when it is an object that does not carry one yet.
    static func versioned(_ value: JSONOut) -> JSONOut {
        guard case .object(let members) = value, !members.contains(where: { $0.0 == "schema_version" }) else {
            return value
        }
        return .object(members + [("schema_version", .int(version))])
    }
}

/// Runs `work` on every file and renders its result, in parallel; the lines are printed in
/// the files' order. A file that fails gets one line on stderr naming it and the reason (and
/// an error object with `--json`); the others are still processed, and the command exits 1.
/// Links and FIFOs inside folders are not followed nor read, and each gets such a line too.
func processFiles<Result>(
    _ files: [String], json: Bool, context: GptimgContext, work: @escaping @Sendable (String) throws -> Result,
    text: @escaping @Sendable (String, Result) -> String,
    json jsonValue: @escaping @Sendable (String, Result) -> JSONOut
) async throws {
    let output = Output(context)
    output.fileErrorsAsJSON = json
    var failures = 0
    let expansion = FileTree.expanding(files, endingWith: [".png"])
    for skipped in expansion.skipped {
        failures += 1
        output.error("\(skipped.path): skipped: \(skipped.reason)")
        if json { output.json(MetadataRendering.failure(file: skipped.path, error: "skipped: " + skipped.reason)) }
    }
    await forEachConcurrently(expansion.files) { path -> Swift.Result<[UInt8], ErrorLine> in
        do {
            let value = try work(path)
            if json {
                var bytes: [UInt8] = []
                OutputSchema.versioned(jsonValue(path, value)).render(into: &bytes)
                return .success(TerminalText.escapeJSON(bytes))
            }
            return .success(Array(TerminalText.escape(text(path, value)).utf8))
        } catch {
            return .failure(ErrorLine(message: describeError(error)))
        }
    } emit: { path, result in
        switch result {
        case .success(let bytes):
            output.line(rendered: bytes)
        case .failure(let error):
            failures += 1
            output.error("\(path): \(error.message)")
            if json { output.json(MetadataRendering.failure(file: path, error: error.message)) }
        }
    }
    output.flush()
    if failures > 0 { throw ExitCode(1) }
}

/// An error already described as its one line for stderr (errors themselves need not be
/// Sendable, so a file's failure crosses tasks as this).
struct ErrorLine: Error, Sendable, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// SIGINT, SIGTERM and SIGHUP, noted instead of ending the process at once, so that a long
/// command can stop cleanly between two steps (an export removes its partial files). A second
/// signal ends the process as usual.
final class Interruption: SignalWatch, @unchecked Sendable {
    private static let signals = [SIGINT, SIGTERM, SIGHUP]
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [any DispatchSourceSignal] = []
    private var handler: (@Sendable (Int32) -> Void)?

    init() {
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.note(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    var caught: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private func note(_ number: Int32) {
        lock.lock()
        let again = received != nil
        if !again { received = number }
        let handler = again ? nil : handler
        lock.unlock()
        if again {
            signal(number, SIG_DFL)
            raise(number)
        }
        handler?(number)
    }

    func onSignal(_ handler: @escaping @Sendable (Int32) -> Void) {
        lock.lock()
        self.handler = handler
        lock.unlock()
    }

    /// Puts the default handlers back.
    func restore() {
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
