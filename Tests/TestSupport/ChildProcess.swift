import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program started with `posix_spawn` for a test, in place of Foundation's `Process`, whose
/// `run()` on Linux lists /proc/self/fd to close every descriptor in the child and reads each
/// entry's whole `d_name` (256 bytes) out of the directory buffer: with more than ~1,360
/// descriptors open (hundreds of tests in flight, each with its catalog's files) the last entry
/// sits at the buffer's end, and the read crossed into an unmapped page (a crash of the whole
/// test process, twice in two runs). Here the child closes them with
/// `posix_spawn_file_actions_addclosefrom_np`; it gets stdin, stdout and stderr as asked, in a
/// process group of its own (as `Process` does).
public final class ChildProcess: @unchecked Sendable {
    /// How the child ended, as `Process` reports it.
    public enum TerminationReason: Sendable, Equatable {
        case exit
        case uncaughtSignal
    }

    /// What a child's standard stream is connected to.
    public enum Stream {
        /// /dev/null.
        case null
        /// This descriptor (the parent's copy is left open).
        case descriptor(Int32)
        /// This file, created or emptied (an output stream).
        case file(String)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let processIdentifier: pid_t
    private let lock = NSLock()
    private var ended: (reason: TerminationReason, status: Int32)?

    /// Starts `path` with `arguments`; `environment` nil: this process's.
    public init(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, stdin: Stream = .null,
        stdout: Stream = .null, stderr: Stream = .null
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let descriptor):
                posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            }
        }
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        let environment = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv = ([path] + arguments).map { strdup($0) } + [nil]
        var envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, path, &actions, &attributes, &argv, &envp)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        processIdentifier = child
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), looked up at run time: the Glibc
    /// module does not declare it. Without it the child keeps what it inherits, as before.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: CloseFrom.self)
    }

    /// Whether the child still runs (reaping it once it has ended).
    public var isRunning: Bool {
        lock.withLock {
            if ended == nil {
                var status: Int32 = 0
                if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier { record(status) }
            }
            return ended == nil
        }
    }

    /// Waits (blocking, without the lock: `isRunning` stays free) until the child ends.
    public func waitUntilExit() {
        while lock.withLock({ ended == nil }) {
            var status: Int32 = 0
            let reaped = waitpid(processIdentifier, &status, 0)
            let failure = errno
            lock.withLock {
                if reaped == processIdentifier {
                    record(status)
                } else if reaped < 0 && failure == ECHILD && ended == nil {
                    ended = (.exit, -1) // reaped elsewhere, not by `isRunning`: nothing left to wait for
                }
            }
        }
    }

    public var terminationReason: TerminationReason { finished.reason }
    /// The exit status, or the signal's number when a signal ended it (as `Process` has it).
    public var terminationStatus: Int32 { finished.status }

    private var finished: (reason: TerminationReason, status: Int32) {
        lock.withLock {
            guard let ended else { preconditionFailure("the child \(processIdentifier) still runs") }
            return ended
        }
    }

    public func signal(_ number: Int32) {
        kill(processIdentifier, number)
    }

    /// Keeps how the child ended (called with the lock held).
    private func record(_ status: Int32) {
        // The status as waitpid(2) encodes it: exit code in the second byte, or a signal number.
        let signalled = status & 0x7F
        ended = signalled == 0 ? (.exit, (status >> 8) & 0xFF) : (.uncaughtSignal, signalled)
    }
}

/// A pipe whose two ends are closed in every child but the one they are handed to (close-on-exec;
/// and `ChildProcess` closes what it does not hand to a child anyway).
public struct ClosingPipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32

    public init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw ChildProcess.Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        (readEnd, writeEnd) = (ends[0], ends[1])
    }
}

/// Reads `descriptor` to its end, handing each chunk to `chunk` as it comes, then closes it.
public func readToEnd(_ descriptor: Int32, chunk: (ArraySlice<UInt8>) -> Void) {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = read(descriptor, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        chunk(buffer[0..<count])
    }
    close(descriptor)
}

/// Reads `descriptor` to its end, then closes it.
public func readToEnd(_ descriptor: Int32) -> Data {
    var data = Data()
    readToEnd(descriptor) { data.append(contentsOf: $0) }
    return data
}
