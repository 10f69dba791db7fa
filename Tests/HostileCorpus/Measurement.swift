import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What one process (or one gallery request) cost, and what it said.
public struct Measurement: Sendable {
    public var label: String
    /// Exit status; nil when a signal ended the process.
    public var exitStatus: Int32?
    public var signal: Int32?
    /// Stopped by the runner at its wall-clock limit.
    public var timedOut = false
    public var wallSeconds: Double = 0
    /// User plus system CPU time.
    public var cpuSeconds: Double = 0
    public var peakRSSBytes: Int = 0
    /// Bytes the process dirtied in the page cache for writing (the kernel's block-output
    /// count, `ru_oublock` or `write_bytes`): what it wrote to disk, temporary files included.
    public var diskBytes: Int = 0
    /// stdout and stderr together (or a response body).
    public var outputBytes: Int = 0
    /// The first MiB of each.
    public var stdout = ""
    public var stderr = ""
    /// For a gallery request: the HTTP status (nil when no answer came).
    public var httpStatus: Int?

    public init(label: String) { self.label = label }

    public var statusText: String {
        if timedOut { return "timeout" }
        if let httpStatus { return "HTTP \(httpStatus)" }
        if let signal { return "signal \(signal)" }
        return exitStatus.map { "exit \($0)" } ?? "no answer"
    }
}

/// Runs a program with its output captured, and measures it: CPU time, peak RSS and blocks
/// written are the kernel's own figures (`wait4`'s rusage) for that program alone.
///
/// The program runs under GNU time, itself started by a small shell: a child spawned straight
/// from a large process (a test runner) inherits that process's peak RSS in its `ru_maxrss`
/// (posix_spawn shares the parent's memory until exec, and exec records its high-water mark),
/// so the rusage must come from a program forked by a small one. Without /usr/bin/time the
/// shell's own rusage is used, and the peak RSS is at least the caller's.
public enum MeasuredProcess {
    static let timeTool = "/usr/bin/time"
    public static var hasTimeTool: Bool { FileManager.default.isExecutableFile(atPath: timeTool) }

    /// Keeps the first `limit` bytes read from a pipe and counts them all, on its own thread.
    final class PipeDrain: @unchecked Sendable {
        private let lock = NSLock()
        private var kept: [UInt8] = []
        private var total = 0
        private let limit: Int
        private let done = DispatchSemaphore(value: 0)
        private var onData: (@Sendable ([UInt8]) -> Void)?

        init(descriptor: Int32, limit: Int, onData: (@Sendable ([UInt8]) -> Void)? = nil) {
            self.limit = limit
            self.onData = onData
            let thread = Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    let chunk = Array(buffer[0..<count])
                    lock.lock()
                    total += count
                    if kept.count < limit { kept += chunk.prefix(limit - kept.count) }
                    let callback = self.onData
                    lock.unlock()
                    callback?(chunk)
                }
                close(descriptor)
                done.signal()
            }
            thread.start()
        }

        /// Waits until the pipe's writers are all gone (false when `deadline` passed first).
        func wait(until deadline: DispatchTime) -> Bool { done.wait(timeout: deadline) == .success }

        var snapshot: (text: String, bytes: [UInt8], total: Int) {
            lock.lock()
            defer { lock.unlock() }
            return (String(decoding: kept, as: UTF8.self), kept, total)
        }
    }

    /// A started child: its pid (leader of its own process group) and its two pipes.
    public final class Child: @unchecked Sendable {
        public let pid: pid_t
        let stdout: PipeDrain
        let stderr: PipeDrain
        let started: DispatchTime
        private let exited = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var status: Int32 = 0
        private var usage = rusage()
        private var reaped = false
        /// GNU time's report, when the program runs under it.
        let timeReport: String?

        init(pid: pid_t, stdout: PipeDrain, stderr: PipeDrain, started: DispatchTime, timeReport: String?) {
            self.pid = pid
            self.stdout = stdout
            self.stderr = stderr
            self.started = started
            self.timeReport = timeReport
            let thread = Thread { [self] in
                var status: Int32 = 0
                var usage = rusage()
                while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
                lock.lock()
                self.status = status
                self.usage = usage
                reaped = true
                lock.unlock()
                exited.signal()
            }
            thread.start()
        }

        /// The measured program's pid: GNU time's child, or the child itself.
        public var targetPID: pid_t {
            guard timeReport != nil else { return pid }
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            return children.split(separator: " ").first.flatMap { pid_t($0) } ?? pid
        }

        /// Waits for the child to end, killing its process group at `deadline` (what the
        /// program had cost by then is read from /proc just before).
        public func finish(label: String, deadline: DispatchTime) -> Measurement {
            var timedOut = false
            var lastSample: ProcSample?
            if exited.wait(timeout: deadline) == .timedOut {
                timedOut = true
                lastSample = ProcSample.of(targetPID)
                kill(-pid, SIGKILL)
                exited.wait()
            }
            let ended = DispatchTime.now()
            // The pipes close when the last holder goes (a grandchild may keep them a moment).
            if !stdout.wait(until: .now() + 5) || !stderr.wait(until: .now() + 5) { kill(-pid, SIGKILL) }
            lock.lock()
            defer { lock.unlock() }
            var result = Measurement(label: label)
            result.timedOut = timedOut
            let low = status & 0x7F
            if low == 0 { result.exitStatus = (status >> 8) & 0xFF } else { result.signal = low }
            result.wallSeconds = Double(ended.uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            result.cpuSeconds = seconds(usage.ru_utime) + seconds(usage.ru_stime)
            result.peakRSSBytes = Int(usage.ru_maxrss) * 1024
            result.diskBytes = Int(usage.ru_oublock) * 512
            if let lastSample {
                result.cpuSeconds = lastSample.cpuSeconds
                result.peakRSSBytes = lastSample.peakRSSBytes
                result.diskBytes = lastSample.writeBytes
            } else if let timeReport, let report = try? String(contentsOfFile: timeReport, encoding: .utf8) {
                Self.apply(timeReport: report, to: &result)
            }
            if let timeReport { unlink(timeReport) }
            let out = stdout.snapshot
            let err = stderr.snapshot
            result.stdout = out.text
            result.stderr = err.text
            result.outputBytes = out.total + err.total
            return result
        }

        /// GNU time's `-o` file: "Command exited with non-zero status N" or "Command terminated
        /// by signal N" when so, then the `%e %U %S %M %O` line.
        static func apply(timeReport report: String, to result: inout Measurement) {
            let lines = report.split(separator: "\n")
            guard let fields = lines.last?.split(separator: " "), fields.count == 5,
                let user = Double(fields[1]), let system = Double(fields[2]), let rss = Int(fields[3]),
                let blocks = Int(fields[4])
            else { return }
            result.cpuSeconds = user + system
            result.peakRSSBytes = rss * 1024
            result.diskBytes = blocks * 512
            for line in lines.dropLast() {
                if line.hasPrefix("Command terminated by signal "),
                    let signal = Int32(line.split(separator: " ").last ?? "")
                {
                    result.signal = signal
                    result.exitStatus = nil
                } else if line.hasPrefix("Command exited with non-zero status "),
                    let status = Int32(line.split(separator: " ").last ?? "")
                {
                    result.exitStatus = status
                    result.signal = nil
                }
            }
            if !lines.dropLast().contains(where: { $0.hasPrefix("Command ") }), result.signal == nil {
                result.exitStatus = 0
            }
        }

        public var stdoutSoFar: String { stdout.snapshot.text }

        public var hasExited: Bool {
            lock.lock()
            defer { lock.unlock() }
            return reaped
        }

        /// Sends `signal` to the child's process group.
        public func send(_ signal: Int32) { kill(-pid, signal) }

        /// Sends `signal` to the measured program only (GNU time then reports how it ended).
        public func sendToProgram(_ signal: Int32) { kill(targetPID, signal) }
    }

    static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }

    /// Starts `arguments` in `directory` through /bin/sh (which `cd`s, sets the CPU limit and
    /// execs the program, keeping the pid), stdin from /dev/null, in its own process group.
    public static func start(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], cpuLimitSeconds: Int? = nil,
        keepBytes: Int = 1 << 20, onStdout: (@Sendable ([UInt8]) -> Void)? = nil
    ) throws -> Child {
        let timeReport = hasTimeTool ? NSTemporaryDirectory() + "/gptimg-time-\(UUID().uuidString)" : nil
        let run = timeReport == nil ? "exec \"$@\"" : "exec \(timeTool) -f '%e %U %S %M %O' -o \"$report\" \"$@\""
        let script = "cd \"$1\" || exit 125; ulimit -S -t \"$2\" || exit 125; report=\"$3\"; shift 3; " + run
        let argv =
            [
                "/bin/sh", "-c", script, "sh", directory, cpuLimitSeconds.map(String.init) ?? "unlimited",
                timeReport ?? "",
            ]
            + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        env["NO_COLOR"] = "1"

        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        // Close-on-exec, so that no other child started meanwhile keeps a pipe open (pipe2 is not
        // visible from Swift: a short window remains between pipe and fcntl).
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw posixError("pipe") }
        for descriptor in outPipe + errPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let started = DispatchTime.now()
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArguments, cEnvironment)
        close(outPipe[1])
        close(errPipe[1])
        guard result == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw posixError("posix_spawn", code: result)
        }
        let stdout = PipeDrain(descriptor: outPipe[0], limit: keepBytes, onData: onStdout)
        let stderr = PipeDrain(descriptor: errPipe[0], limit: keepBytes)
        return Child(pid: pid, stdout: stdout, stderr: stderr, started: started, timeReport: timeReport)
    }

    /// Runs `arguments` to its end (or kills it after `timeoutSeconds`) and measures it.
    public static func run(
        _ label: String, _ arguments: [String], in directory: String, timeoutSeconds: Double,
        cpuLimitSeconds: Int? = nil,
        environment: [String: String] = [:]
    ) throws -> Measurement {
        let child = try start(arguments, in: directory, environment: environment, cpuLimitSeconds: cpuLimitSeconds)
        return child.finish(label: label, deadline: .now() + timeoutSeconds)
    }

    static func posixError(_ what: String, code: Int32 = errno) -> NSError {
        NSError(
            domain: NSPOSIXErrorDomain, code: Int(code),
            userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(code)))"])
    }
}

/// A running process's counters from /proc, for the gallery server between requests.
public struct ProcSample: Sendable {
    public var cpuSeconds: Double
    /// VmHWM: the peak resident set so far.
    public var peakRSSBytes: Int
    public var writeBytes: Int

    public static func of(_ pid: pid_t) -> ProcSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let io = (try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8)) ?? ""
        func field(_ text: String, _ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return ProcSample(
            cpuSeconds: (user + system) / ticks, peakRSSBytes: field(status, "VmHWM:") * 1024,
            writeBytes: field(io, "write_bytes:"))
    }
}

/// A minimal HTTP/1.1 GET over loopback: status, body (chunked or not), with a deadline.
public enum LoopbackHTTP {
    public struct Response: Sendable {
        public var status: Int?
        public var body: [UInt8]
        public var totalBytes: Int
        public var timedOut: Bool
    }

    public static func get(port: Int, path: String, timeoutSeconds: Double) -> Response {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return Response(status: nil, body: [], totalBytes: 0, timedOut: false) }
        defer { close(descriptor) }
        var timeout = timeval(
            tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - Double(Int(timeoutSeconds))) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return Response(status: nil, body: [], totalBytes: 0, timedOut: false) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let deadline = DispatchTime.now() + timeoutSeconds
        var received: [UInt8] = []
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var timedOut = false
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                timedOut = true
                break
            }
            if count <= 0 { break }
            total += count
            if received.count < 64 << 20 { received += buffer[0..<count] }
            if DispatchTime.now() > deadline {
                timedOut = true
                break
            }
        }
        guard let headerEnd = find([13, 10, 13, 10], in: received) else {
            return Response(status: nil, body: [], totalBytes: total, timedOut: timedOut)
        }
        let head = String(decoding: received[0..<headerEnd], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        var body = Array(received[(headerEnd + 4)...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Response(status: status, body: body, totalBytes: total, timedOut: timedOut)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count)
        where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            guard let lineEnd = find([13, 10], in: Array(bytes[offset..<min(bytes.count, offset + 32)])) else { break }
            let sizeText =
                String(decoding: bytes[offset..<(offset + lineEnd)], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = offset + lineEnd + 2
            guard start + size <= bytes.count else {
                out += bytes[start...]
                break
            }
            out += bytes[start..<(start + size)]
            offset = start + size + 2
        }
        return out
    }
}
