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

        /// The handlers the process had when the watch was made: not always the defaults (`nohup`
        /// starts it with SIGHUP ignored; CI ran the suite so, and the check failed on that).
        private let before: [OpaquePointer?]

        init(after: Int, signal: Int32 = SIGINT) {
            self.after = after
            self.signal = signal
            before = Self.handlers()
        }

        static func handlers() -> [OpaquePointer?] {
            [SIGINT, SIGTERM, SIGHUP].map { number in
                var current = sigaction()
                sigaction(number, nil, &current)
                return unsafeBitCast(current.__sigaction_handler.sa_handler, to: OpaquePointer?.self)
            }
        }

        var caught: Int32? {
            let untouched = Self.handlers() == before
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
        let result = await gptimg(["export", "--query", "", "--to", target, "--library", library, "--quiet"])
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
        // A relative --library from the context's directory.
        let relative = await Gptimg(currentDirectory: folder.path)(["list", "--library", "Library"])
        #expect(relative.status == 0 && relative.stdout.contains("context 0"), "\(relative.stderr)")
        // No ./Library default any more: the folder the shell is in does not matter.
        let implicit = await Gptimg(currentDirectory: folder.path)(["list"])
        #expect(
            implicit.status == 1
                && implicit.stderr.hasPrefix("gptimg: no library at /nonexistent-gptimg-test-home/.local/share/gptimg"),
            "\(implicit.stderr)")
        // The default library is under the context's XDG_DATA_HOME, from any folder.
        try FileManager.default.createDirectory(
            atPath: folder.path + "/data", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: library, toPath: folder.path + "/data/gptimg")
        var xdg = Gptimg(currentDirectory: "/")
        xdg.environment["XDG_DATA_HOME"] = folder.path + "/data"
        let byDataHome = await xdg(["list"])
        #expect(byDataHome.stdout == relative.stdout, "\(byDataHome.stderr)")
        // Else ~/.local/share/gptimg of the context's home.
        try FileManager.default.createDirectory(
            atPath: folder.path + "/home/.local/share", withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            atPath: folder.path + "/data/gptimg", toPath: folder.path + "/home/.local/share/gptimg")
        var home = Gptimg(currentDirectory: "/")
        home.environment["HOME"] = folder.path + "/home"
        let byHome = await home(["list"])
        #expect(byHome.stdout == relative.stdout, "\(byHome.stderr)")
    }

    @Test func aCommandThatChangesImagesCreatesNoLibrary() async throws {
        let folder = TemporaryFolder("gptimg-context")
        let library = folder.path + "/nowhere"
        for arguments in [
            ["tag", "1", "--add", "x"], ["rate", "1", "3"], ["fav", "1"], ["delete", "1", "--yes"],
            ["collection", "add", "Trip", "1"], ["backup"], ["list"], ["show", "1"],
        ] {
            let result = await Gptimg()(arguments + ["--library", library])
            #expect(
                result.status != 0 && result.stderr.hasPrefix("gptimg: no library at \(library)"),
                "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: library), "\(arguments) created a library")
        }
    }

    @Test func whereShowsThePathsAndCreatesNothing() async throws {
        let folder = TemporaryFolder("gptimg-context")
        var gptimg = Gptimg(currentDirectory: folder.path)
        gptimg.environment["HOME"] = folder.path + "/home"
        gptimg.environment["XDG_CONFIG_HOME"] = folder.path + "/config"
        let json = await gptimg(["where", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let paths = try #require(jsonObjects(json.stdout).first)
        let data = folder.path + "/home/.local/share/gptimg"
        #expect(paths["library"] as? String == data)
        #expect(paths["library_source"] as? String == "default")
        #expect(paths["library_exists"] as? Bool == false)
        #expect(paths["catalog"] as? String == data + "/catalog.sqlite")
        #expect(paths["config_file"] as? String == folder.path + "/config/gptimg/config.toml")
        #expect(paths["key_file"] as? String == folder.path + "/config/gptimg/api-key")
        let catalog = await gptimg(["where", "--catalog", "--library", "lib"])
        #expect(catalog.stdout == folder.path + "/lib/catalog.sqlite\n")
        gptimg.environment["GPTIMG_LIBRARY"] = "/elsewhere"
        let text = await gptimg(["where"])
        #expect(text.stdout.hasPrefix("library   /elsewhere  (GPTIMG_LIBRARY, not created yet)\n"), "\(text.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
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
