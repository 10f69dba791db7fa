import Foundation
import GptimgSupport
import PNGMetadata
import Testing

@testable import GptimgCLI

/// What a command takes from its context rather than from the process: environment, current
/// directory, signals.
@Suite("the command context")
struct ContextTests {
    /// A watch that reports `signal` from the `after`-th look on, and checks each time that the
    /// process's own dispositions were left alone.
    final class ScriptedSignals: SignalWatch, @unchecked Sendable {
        private let lock = NSLock()
        private var looks = 0
        private(set) var disturbed = false
        let after: Int
        let signal: Int32

        init(after: Int, signal: Int32 = SIGINT) {
            self.after = after
            self.signal = signal
        }

        var caught: Int32? {
            let untouched = [SIGINT, SIGTERM, SIGHUP].allSatisfy { number in
                var current = sigaction()
                sigaction(number, nil, &current)
                return current.__sigaction_handler.sa_handler == nil // SIG_DFL
            }
            return lock.withLock {
                if !untouched { disturbed = true }
                looks += 1
                return looks > after ? signal : nil
            }
        }

        func restore() {}
    }

    /// Images for an export, imported in-process.
    static func library(_ folder: TemporaryFolder, count: Int) async throws -> String {
        let sources = folder.url.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        for seed in 0..<count {
            try Data(
                CatalogCommandTests.ours("context \(seed)", task: "gpt-image-2-CONTEXTCONTEXTCONTE\(seed)", seed: seed)
            )
            .write(to: sources.appendingPathComponent("\(seed).png"))
        }
        let library = folder.path + "/Library"
        let imported = await Gptimg()(["import", "--quiet", sources.path, "--library", library])
        try #require(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        return library
    }

    @Test func anExportStopsOnTheContextsSignalAndLeavesTheProcesssSignalsAlone() async throws {
        let folder = TemporaryFolder("gptimg-context")
        let library = try await Self.library(folder, count: 4)
        let signals = ScriptedSignals(after: 2)
        var gptimg = Gptimg(currentDirectory: folder.path)
        gptimg.watchSignals = { signals }
        let target = folder.path + "/out.zip"
        let result = await gptimg(["export", "--query", "", "--to", target, "--library", library])
        #expect(result.status == 128 + SIGINT, "\(result.stderr)")
        #expect(result.stderr == "gptimg: export interrupted: nothing was written under the target's name\n")
        #expect(!signals.disturbed, "the command changed the process's signal dispositions")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(left == ["Library", "in"], "\(left)")
    }

    @Test func theLibraryComesFromTheContextsEnvironmentAndDirectory() async throws {
        let folder = TemporaryFolder("gptimg-context")
        let library = try await Self.library(folder, count: 1)
        // GPTIMG_LIBRARY from the context, not the process.
        let byVariable = await Gptimg(environment: ["GPTIMG_LIBRARY": library], currentDirectory: "/")([
            "list", "--json",
        ])
        #expect(byVariable.status == 0 && jsonObjects(byVariable.stdout).count == 1, "\(byVariable.stderr)")
        // A relative --library, and the default ./Library, from the context's directory.
        let relative = await Gptimg(currentDirectory: folder.path)(["list", "--library", "Library"])
        #expect(relative.status == 0 && relative.stdout.contains("context 0"), "\(relative.stderr)")
        let implicit = await Gptimg(currentDirectory: folder.path)(["list"])
        #expect(implicit.stdout == relative.stdout)
        let elsewhere = await Gptimg(currentDirectory: "/nonexistent-gptimg-dir")(["list"])
        #expect(
            elsewhere.status == 1 && elsewhere.stderr.hasPrefix("gptimg: no library at /nonexistent-gptimg-dir/Library")
        )
    }

    @Test func helpAndUsageGoWhereTheBinarySendsThem() async throws {
        let help = await Gptimg()(["list", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: gptimg list") && help.stderr.isEmpty)
        let usage = await Gptimg()(["tag", "1"])
        #expect(usage.status == 64 && usage.stdout.isEmpty && usage.stderr.contains("give --add TAG or --remove TAG"))
        let version = await Gptimg()(["--version"])
        #expect(version.status == 0 && version.stdout == GptimgBuild.version + "\n")
    }
}
