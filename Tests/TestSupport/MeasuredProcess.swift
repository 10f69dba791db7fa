import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A process's result with what it cost: its own peak resident memory and its wall time.
public struct MeasuredResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// The child's own peak resident memory, in bytes: its `VmHWM` as last read while it ran (see
    /// `MeasuredProcess.wait`), or `ru_maxrss` when it ended before a reading.
    public let peakRSS: Int
    public let seconds: Double
}

/// The built binary (or any program) run so that its cost can be read: started with
/// `posix_spawn` and reaped with `wait4`, which reports the child's own resource use
/// (`getrusage(RUSAGE_CHILDREN)` would mix in every child the test process ever waited for, and
/// the test process's own peak is shared by every test running beside it). Its stdout is
/// drained as it comes, so a test can wait for its first line (`gptimg serve` prints its URL).
public final class MeasuredProcess: @unchecked Sendable {
    public let pid: pid_t
    private let started = Date()
    private let lock = NSCondition()
    private var output: [UInt8] = []
    private var outputEnded = false
    private let errorPath: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `arguments[0]` (a path) with the rest as its arguments; stdin is /dev/null.
    public init(_ arguments: [String], environment: [String: String]? = nil) throws {
        errorPath =
            FileManager.default.temporaryDirectory.appendingPathComponent("measured-\(UUID().uuidString).stderr").path
        // stdout comes through a pipe, drained as it comes; stderr goes to a file, read at the end.
        let stdout = try ClosingPipe()
        let child: ChildProcess
        do {
            child = try ChildProcess(
                arguments[0], Array(arguments.dropFirst()), environment: environment,
                stdout: .descriptor(stdout.writeEnd), stderr: .file(errorPath))
        } catch {
            close(stdout.readEnd)
            close(stdout.writeEnd)
            throw error
        }
        close(stdout.writeEnd)
        // Reaped here with wait4 (for its rusage), never through `child`.
        pid = child.processIdentifier
        detachThread { [self] in
            readToEnd(stdout.readEnd) { chunk in
                lock.lock()
                output += chunk
                lock.broadcast()
                lock.unlock()
            }
            lock.lock()
            outputEnded = true
            lock.broadcast()
            lock.unlock()
        }
    }

    /// The first line of stdout (without its newline), waiting at most `seconds` for it on a thread
    /// of its own (`offThread`), not on the cooperative pool the other tests share.
    public func firstLine(within seconds: Double) async throws -> String {
        try await offThread { try self.blockingFirstLine(within: seconds) }
    }

    private func blockingFirstLine(within seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        while !output.contains(0x0A) {
            guard !outputEnded else {
                throw Failure(description: "stdout ended before a line: \(String(decoding: output, as: UTF8.self))")
            }
            guard lock.wait(until: deadline) else {
                throw Failure(description: "no line on stdout within \(seconds) s")
            }
        }
        return String(decoding: output.prefix { $0 != 0x0A }, as: UTF8.self)
    }

    /// What the process has written to stderr so far.
    public func stderrSoFar() -> String {
        (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
    }

    /// Waits until stderr holds `text` `count` times (at most `seconds`, then throws with what
    /// it holds); returns stderr then. Looks every 20 ms (the condition is the text, not a time),
    /// sleeping in between: the thread is left to other tests.
    @discardableResult
    public func waitForStderr(containing text: String, count: Int = 1, within seconds: Double) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let sofar = stderrSoFar()
            if sofar.components(separatedBy: text).count - 1 >= count { return sofar }
            // Ended (a zombie until `wait` reaps it): the text will not come.
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
                .split(separator: ")").last?.split(separator: " ").first
            if state == "Z" {
                throw Failure(description: "the process ended without \"\(text)\" on stderr: \(stderrSoFar())")
            }
            guard Date() < deadline else {
                throw Failure(description: "no \"\(text)\" on stderr within \(seconds) s: \(sofar)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The process's peak resident memory so far (`VmHWM`), in bytes, while it runs.
    public func peakRSSSoFar() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw Failure(description: "no VmHWM for \(pid)") }
        return kilobytes * 1024
    }

    public func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Waits for the process to end (at most `seconds`, then it is killed and this throws). Blocks:
    /// async code awaits the other `wait`, which does this on a thread of its own.
    public func wait(within seconds: Double = 120) throws -> MeasuredResult {
        var status: Int32 = 0
        var usage = rusage()
        let deadline = Date().addingTimeInterval(seconds)
        // `ru_maxrss` is not the child's own: posix_spawn starts it in the test process's memory
        // (CLONE_VM), and exec hands that memory's high-water mark to the child's count, so a child
        // of a 300 MB test process "peaked" at 300 MB however little it used. `VmHWM`, its own
        // memory's high-water mark, is read while it runs (it only grows); the last reading counts.
        var ownPeak = 0
        while true {
            if let peak = try? peakRSSSoFar() { ownPeak = max(ownPeak, peak) }
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { throw Failure(description: "wait4: \(errno)") }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                throw Failure(description: "still running after \(seconds) s: killed")
            }
            usleep(5_000) // polling the child's state, not waiting for a result to appear
        }
        let seconds = Date().timeIntervalSince(started)
        lock.lock()
        while !outputEnded { lock.wait() }
        let stdout = String(decoding: output, as: UTF8.self)
        lock.unlock()
        let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: errorPath)
        // The status as waitpid(2) encodes it: exit code in the second byte, or a signal number.
        let signalled = status & 0x7F
        let code = signalled == 0 ? (status >> 8) & 0xFF : 128 + signalled
        return MeasuredResult(
            status: code, stdout: stdout, stderr: stderr,
            peakRSS: ownPeak > 0 ? min(ownPeak, Int(usage.ru_maxrss) * 1024) : Int(usage.ru_maxrss) * 1024,
            seconds: seconds)
    }

    /// `wait` from async code, on a thread of its own (`offThread`), not the cooperative pool.
    public func wait(within seconds: Double = 120) async throws -> MeasuredResult {
        try await offThread { try self.wait(within: seconds) }
    }

    /// Runs a program to its end, waiting on a thread of its own (`offThread`).
    public static func run(_ arguments: [String], environment: [String: String]? = nil, within seconds: Double = 120)
        async throws -> MeasuredResult
    {
        try await offThread { try MeasuredProcess(arguments, environment: environment).wait(within: seconds) }
    }
}
