import Foundation
import PNGMetadata
import PNGRaster
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `gptimg import --watch`, the built binary on real folders (inotify), stopped by real signals.
@Suite("gptimg import --watch")
struct WatchTests {
    static let gptimg = BuiltProduct.path("gptimg")

    /// A real PNG whose pixels (so bytes and hash) depend on `seed`.
    static func png(seed: Int) -> [UInt8] {
        var pixels: [UInt8] = []
        for y in 0..<24 {
            for x in 0..<32 {
                pixels += [
                    UInt8(truncatingIfNeeded: x * 7 + seed), UInt8(truncatingIfNeeded: y * 9), UInt8(seed % 251), 255,
                ]
            }
        }
        return try! RGBAImage(width: 32, height: 24, pixels: pixels).pngData()
    }

    /// Writes `bytes` to `path` (opened, written, closed: one IN_CLOSE_WRITE), appending when asked.
    static func write(_ bytes: ArraySlice<UInt8>, to path: String, append: Bool = false) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
        precondition(descriptor >= 0, "open \(path): \(errno)")
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    struct Setup {
        let folder = TemporaryFolder("gptimg-watch")
        var inbox: String { folder.path + "/inbox" }
        var library: String { folder.path + "/Library" }
        var environment: [String: String] {
            var environment = ProcessInfo.processInfo.environment
            environment["HOME"] = folder.path // no stray config file
            environment["NO_COLOR"] = "1"
            return environment
        }

        init() throws {
            try FileManager.default.createDirectory(
                atPath: folder.path + "/inbox/sub", withIntermediateDirectories: true)
        }

        func start() throws -> MeasuredProcess {
            try MeasuredProcess(
                [WatchTests.gptimg, "import", "--watch", inbox, "--library", library], environment: environment)
        }

        /// The images in the catalog (`list --json`).
        func imageCount() async throws -> Int {
            let result = try await ProcessRunner.run(
                [WatchTests.gptimg, "list", "--json", "--limit", "1000", "--library", library], environment: environment
            )
            #expect(result.status == 0, "\(result.stderr)")
            return jsonObjects(result.stdout).count
        }

        /// What a stopped import left in the staging area (nothing, when it stopped cleanly).
        func leftInStaging() -> [String] {
            (try? FileManager.default.subpathsOfDirectory(atPath: library + "/.staging")) ?? []
        }
    }

    @Test("files dropped in while stopped, written in pieces, renamed in, in new folders: each imported once, whole")
    func importsCompleteFiles() async throws {
        let setup = try Setup()
        let inbox = setup.inbox
        // Dropped in while nothing watched.
        Self.write(Self.png(seed: 1)[...], to: inbox + "/before.png")
        Self.write(Self.png(seed: 2)[...], to: inbox + "/sub/nested.png")
        let process = try setup.start()
        try await process.waitForStderr(containing: "caught up:", within: 60)
        try await process.waitForStderr(containing: "imported   \(inbox)/before.png", within: 30)
        try await process.waitForStderr(containing: "imported   \(inbox)/sub/nested.png", within: 30)

        // Written in two pieces, closed in between: not imported until it is whole.
        let pieces = inbox + "/pieces.png"
        let whole = Self.png(seed: 3)
        Self.write(whole[..<(whole.count / 2)], to: pieces)
        var log = try await process.waitForStderr(
            containing: "waiting    \(pieces): not a complete PNG yet", within: 30)
        #expect(!log.contains("imported   \(pieces)"))
        #expect(!log.contains("skipped    \(pieces)"))
        Self.write(whole[(whole.count / 2)...], to: pieces, append: true)
        try await process.waitForStderr(containing: "imported   \(pieces)", within: 30)

        // Written under a temporary name, then renamed: only the final name is imported.
        let temporary = inbox + "/.incoming.png.tmp"
        Self.write(Self.png(seed: 4)[...], to: temporary)
        #expect(rename(temporary, inbox + "/renamed.png") == 0)
        try await process.waitForStderr(containing: "imported   \(inbox)/renamed.png", within: 30)

        // A folder made while watching, with a file in it.
        try FileManager.default.createDirectory(atPath: inbox + "/later", withIntermediateDirectories: false)
        Self.write(Self.png(seed: 5)[...], to: inbox + "/later/deep.png")
        log = try await process.waitForStderr(containing: "imported   \(inbox)/later/deep.png", within: 30)
        #expect(!log.contains(".incoming"))

        process.signal(SIGINT) // Ctrl-C
        let result = try await process.wait(within: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("stopped: 5 imported"), "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "imported   ").count - 1 == 5, "\(result.stderr)")
        #expect(try await setup.imageCount() == 5)
        #expect(setup.leftInStaging().isEmpty, "\(setup.leftInStaging())")
    }

    /// `png(seed:)` with a Comment chunk: two versions of the same size and different bytes.
    static func versioned(_ version: String) throws -> [UInt8] {
        try PNGEditor.splice(
            png(seed: 13), inserting: [TextChunk(kind: .tEXt, keyword: "Comment", text: "version " + version)],
            removingKeywords: [])
    }

    /// Sets the file's modification time `seconds` from now.
    static func touch(_ path: String, secondsFromNow seconds: Int) {
        let when = time(nil) + seconds
        var times = [timespec(tv_sec: when, tv_nsec: 0), timespec(tv_sec: when, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    @Test("a restart imports what arrived or changed while stopped, and nothing twice; SIGTERM stops it with 0")
    func restartImportsNothingTwice() async throws {
        let setup = try Setup()
        let inbox = setup.inbox
        let first = try setup.start()
        try await first.waitForStderr(containing: "caught up:", within: 60)
        Self.write(Self.png(seed: 11)[...], to: inbox + "/a.png")
        Self.write(try Self.versioned("A")[...], to: inbox + "/v.png")
        try await first.waitForStderr(containing: "imported   \(inbox)/a.png", within: 30)
        try await first.waitForStderr(containing: "imported   \(inbox)/v.png", within: 30)
        first.signal(SIGTERM) // how systemd stops a unit
        let stopped = try await first.wait(within: 30)
        #expect(stopped.status == 0, "\(stopped.stderr)")

        // While stopped: a new file; a file rewritten (same size, other bytes); and a.png made
        // unreadable as a PNG but dated before its import, which proves the restart does not
        // read the files it imported before (reading it would print "skipped").
        Self.write(Self.png(seed: 12)[...], to: inbox + "/sub/b.png")
        let versionB = try Self.versioned("B")
        #expect(versionB.count == (try Self.versioned("A")).count)
        Self.write(versionB[...], to: inbox + "/v.png")
        Self.touch(inbox + "/v.png", secondsFromNow: 2)
        Self.write([UInt8](repeating: 0x41, count: Self.png(seed: 11).count)[...], to: inbox + "/a.png")
        Self.touch(inbox + "/a.png", secondsFromNow: -3600)

        let second = try setup.start()
        try await second.waitForStderr(containing: "imported   \(inbox)/sub/b.png", within: 60)
        try await second.waitForStderr(containing: "imported   \(inbox)/v.png", within: 30)
        try await second.waitForStderr(containing: "caught up:", within: 30)
        second.signal(SIGTERM)
        let result = try await second.wait(within: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("\(inbox)/a.png"), "\(result.stderr)")
        #expect(try await setup.imageCount() == 4)
        #expect(setup.leftInStaging().isEmpty)
    }

    @Test("a folder given through a symbolic link is watched where it is")
    func followsALinkedRoot() async throws {
        let setup = try Setup()
        let link = setup.folder.path + "/output"
        #expect(symlink(setup.inbox, link) == 0)
        let process = try MeasuredProcess(
            [Self.gptimg, "import", "--watch", link, "--library", setup.library], environment: setup.environment)
        try await process.waitForStderr(containing: "caught up:", within: 60)
        Self.write(Self.png(seed: 31)[...], to: link + "/sub/through-link.png")
        try await process.waitForStderr(containing: "/sub/through-link.png -> images/", within: 30)
        process.signal(SIGINT)
        let result = try await process.wait(within: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await setup.imageCount() == 1)
    }

    @Test("--json: one import object per file on stdout, as import --json prints; the log stays on stderr")
    func jsonLines() async throws {
        let setup = try Setup()
        let process = try MeasuredProcess(
            [Self.gptimg, "import", "--watch", setup.inbox, "--json", "--library", setup.library],
            environment: setup.environment)
        try await process.waitForStderr(containing: "caught up:", within: 60)
        Self.write(Self.png(seed: 41)[...], to: setup.inbox + "/j.png")
        let line = try await process.firstLine(within: 30)
        let object = try #require(jsonObjects(line).first, "\(line)")
        #expect(object["status"] as? String == "imported")
        #expect(object["file"] as? String == setup.inbox + "/j.png")
        #expect((object["path"] as? String)?.hasPrefix("images/") == true)
        process.signal(SIGINT)
        let result = try await process.wait(within: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 1, "\(result.stdout)")
        #expect(result.stderr.contains("stopped: 1 imported"), "\(result.stderr)")
    }

    @Test("--watch takes folders: a file or a missing path is one line and status 1")
    func refusesFiles() async throws {
        let setup = try Setup()
        let file = setup.inbox + "/x.png"
        Self.write(Self.png(seed: 21)[...], to: file)
        let result = try await ProcessRunner.run(
            [Self.gptimg, "import", "--watch", file, "--library", setup.library], environment: setup.environment)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("gptimg: --watch takes folders: \(file) is not a folder"), "\(result.stderr)")
        let missing = try await ProcessRunner.run(
            [Self.gptimg, "import", "--watch", setup.inbox + "/nope", "--library", setup.library],
            environment: setup.environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("gptimg: cannot watch \(setup.inbox)/nope: "), "\(missing.stderr)")
    }
}
