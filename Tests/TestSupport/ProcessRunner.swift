import Foundation
import GptimgSupport

/// Runs an external program (pngcheck, exiftool, python3, the built gptimg) and captures its
/// output, for tests that check what real tools and the real binary do.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum ProcessRunner {
    public enum Failure: Error, CustomStringConvertible {
        case notInstalled(String)

        public var description: String {
            switch self {
            case .notInstalled(let tool): "\(tool) is not installed: run `make deps` (scripts/install-deps.sh)"
            }
        }
    }

    /// Runs `arguments[0]` (looked up on PATH) with the rest as its arguments. Blocks until it ends:
    /// async code awaits the other `run`, which does this on a thread of its own.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) throws
        -> ProcessResult
    {
        guard let executable = locate(arguments[0]) else { throw Failure.notInstalled(arguments[0]) }
        let (stdin, stdout, stderr) = (try ClosingPipe(), try ClosingPipe(), try ClosingPipe())
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable, Array(arguments.dropFirst()), environment: environment,
                stdin: .descriptor(stdin.readEnd), stdout: .descriptor(stdout.writeEnd),
                stderr: .descriptor(stderr.writeEnd))
        } catch {
            for pipe in [stdin, stdout, stderr] {
                close(pipe.readEnd)
                close(pipe.writeEnd)
            }
            throw error
        }
        for end in [stdin.readEnd, stdout.writeEnd, stderr.writeEnd] { close(end) }
        // Both pipes read to their end before waiting, so a chatty process cannot block on a full pipe;
        // stderr on a thread of its own.
        let errorRead = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var errorData = Data()
        detachThread {
            errorData = readToEnd(stderr.readEnd)
            errorRead.signal()
        }
        // A failed write is the program having closed its stdin: what it read is its answer.
        input?.withUnsafeBytes { _ = writeAll(stdin.writeEnd, $0) }
        close(stdin.writeEnd)
        let outputData = readToEnd(stdout.readEnd)
        errorRead.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// `run` from async code: the waiting is done on a thread of its own (`offThread`), never on
    /// the cooperative pool the other tests and this process's servers share.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, input: Data? = nil)
        async throws -> ProcessResult
    {
        try await offThread { try run(arguments, environment: environment, input: input) }
    }

    public static func locate(_ name: String) -> String? {
        if name == "python3", let python3 { return python3 }
        return onPath(name)
    }

    /// The python3 on PATH as the interpreter it runs: a version manager's shim there (pyenv's is a
    /// bash script that forks bash some thirty times per start) cost more than most of the scripts
    /// the tests run. Found once, by asking it.
    static let python3: String? = {
        guard let shim = onPath("python3"),
            let answer = try? run([shim, "-c", "import sys; print(sys.executable)"]), answer.status == 0
        else { return nil }
        let path = answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    private static func onPath(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// The executables SwiftPM built next to the running test bundle.
public enum BuiltProduct {
    /// The path of product `name` (e.g. "gptimg") in the build folder of this test run.
    public static func path(_ name: String) -> String {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            var url = directory
            // Inside a .xctest bundle on macOS the products are a few levels up.
            for _ in 0..<4 {
                let candidate = url.appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                url = url.deletingLastPathComponent()
            }
        }
        return ".build/debug/\(name)"
    }
}
