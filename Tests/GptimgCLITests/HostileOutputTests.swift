import Dispatch
import Foundation
import GptimgCLI
import GptimgCatalog
import GptimgSupport
import PNGMetadata
import PNGRaster
import TestSupport
import Testing

/// issue 14 through the built binary: decompression bombs cost bounded memory in a contact sheet
/// and in the gallery's thumbnails, and values from files never reach the terminal raw.
@Suite("hostile files at the terminal and in pixels", .serialized)
struct HostileOutputTests {
    typealias Workspace = CatalogCommandTests.Workspace
    let gptimg = BuiltProduct.path("gptimg")

    func run(_ arguments: [String], _ workspace: Workspace) async throws -> ProcessResult {
        try await ProcessRunner.run([gptimg] + arguments + ["--library", workspace.library])
    }

    // MARK: - Decompression bombs

    /// 1x`height` 1-bit grey pixels declared over 40 stored zero bytes: about 100 bytes.
    static func bomb(height: Int) -> [UInt8] {
        func be32(_ value: UInt32) -> [UInt8] {
            [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            be32(UInt32(data.count)) + Array(type.utf8) + data + be32(independentCRC32(Array(type.utf8) + data))
        }
        // One stored deflate block of 40 zeros, and their Adler-32 (a = 1, b = 40).
        let stream: [UInt8] =
            [0x78, 0x01, 1, 40, 0, ~40, 0xFF] + [UInt8](repeating: 0, count: 40) + be32((40 << 16) | 1)
        let ihdr = be32(1) + be32(UInt32(height)) + [1, 0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", stream)
            + chunk("IEND", [])
    }

    /// A library of eight distinct bombs and one real image; the bombs' SHA-256s.
    func bombLibrary() async throws -> (Workspace, [String]) {
        let workspace = try Workspace()
        for index in 0..<8 {
            try Data(Self.bomb(height: 100_000_000 - index)).write(
                to: workspace.sources.appendingPathComponent("bomb\(index).png"))
        }
        try Data(CatalogCommandTests.png(seed: 4, width: 300, height: 200)).write(
            to: workspace.sources.appendingPathComponent("real.png"))
        let imported = try await run(["import", workspace.sources.path], workspace)
        try #require(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let listed = try await run(["list", "--json", "--limit", "100"], workspace).stdout.split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let bombs = listed.filter { ($0["height"] as? Int ?? 0) > 1_000_000 }.compactMap { $0["sha256"] as? String }
        try #require(bombs.count == 8)
        return (workspace, bombs)
    }

    /// The bound issue 14 sets for any command on a hostile input of 10 MB or less.
    static let memoryBound = 256 << 20

    @Test("a contact sheet of eight 100-byte bombs: bounded memory and time, a readable sheet")
    func contactSheetOfBombs() async throws {
        let (workspace, _) = try await bombLibrary()
        let target = workspace.folder.appendingPathComponent("out").path
        let result = try await MeasuredProcess.run(
            [gptimg, "export", "--query", "", "--to", target, "--contact-sheet", "--library", workspace.library],
            within: 120)
        #expect(result.status == 0, "\(result.stderr)")
        // It took 1.5 GB and seconds: each bomb's 100,000,000 pixels were allocated before failing.
        #expect(result.peakRSS < Self.memoryBound, "peak RSS \(result.peakRSS >> 20) MB")
        #expect(result.seconds < 20, "\(result.seconds) s")
        let sheet = try Data(contentsOf: URL(fileURLWithPath: target + "/contact-sheet.png"))
        #expect(try PNGHeaderInfo(pngData: sheet).width > 0)
    }

    @Test(
        "the gallery's thumbnails of eight bombs, each asked twice at once: bounded memory, placeholders, a reason"
    )
    func galleryThumbnailsOfBombs() async throws {
        let (workspace, bombs) = try await bombLibrary()
        let server = try MeasuredProcess([gptimg, "serve", "--port", "0", "--library", workspace.library])
        var stopped = false
        defer {
            if !stopped {
                server.signal(SIGKILL)
                _ = try? server.wait(within: 10)
            }
        }
        let line = try await server.firstLine(within: 60)
        let port = try #require(
            line.split(separator: ":").dropFirst(2).first.flatMap { Int($0.prefix { $0.isNumber }) }, "\(line)")

        let requests = (bombs + bombs).map { "/thumb/\($0).png" }
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for path in requests {
                group.addTask {
                    try await offThread {
                        let socket = try LoopbackSocket(port: port)
                        try socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
                        return String(decoding: try socket.readUntilClosed(within: 60).bytes, as: UTF8.self)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 16)
        for answer in answers {
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(200))")
            #expect(answer.lowercased().contains("x-gptimg-thumbnail-error:"), "\(answer.prefix(400))")
            #expect(answer.contains("decompression bomb"), "\(answer.prefix(400))")
        }
        let peak = try server.peakRSSSoFar()
        // Each request used 834 MB for 2.5 s and the failure was not remembered.
        #expect(peak < Self.memoryBound, "peak RSS \(peak >> 20) MB")
        server.signal(SIGTERM)
        _ = try await server.wait(within: 30)
        stopped = true
    }

    // MARK: - Prompts of megabytes

    /// The CPU time (user and system) the process has used so far, in seconds.
    static func cpuSeconds(_ pid: pid_t) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which is in parentheses): utime and stime are the
        // 12th and 13th, in clock ticks.
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        let ticks = Double(try #require(Int(fields[11]))) + Double(try #require(Int(fields[12])))
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test("a grid page of six 16 MB prompts costs the server little CPU: tiles read an excerpt")
    func hugePromptsCPU() async throws {
        let workspace = try Workspace()
        for seed in 0..<6 {
            try Data(CatalogCommandTests.png(seed: seed)).write(
                to: workspace.sources.appendingPathComponent("\(seed).png"))
        }
        #expect(try await run(["import", workspace.sources.path], workspace).status == 0)
        // Written into the catalog as anything with the file could; the search index's trigger
        // set aside meanwhile (indexing 96 MB would only slow the test; the grid does not read it).
        let catalog = workspace.library + "/catalog.sqlite"
        let trigger = try await ProcessRunner.run([
            "sqlite3", catalog, "SELECT sql FROM sqlite_master WHERE name = 'image_search_prompt'",
        ]).stdout
        try #require(trigger.contains("CREATE TRIGGER"))
        let updated = try await ProcessRunner.run([
            "sqlite3", "-bail", catalog,
            "DROP TRIGGER image_search_prompt; "
                + "UPDATE generations SET prompt = 'a huge prompt ' || replace(hex(zeroblob(8000000)), '00', 'ab'); "
                + trigger.trimmingCharacters(in: .whitespacesAndNewlines) + ";",
        ])
        try #require(updated.status == 0, "\(updated.stderr)")

        let server = try MeasuredProcess([gptimg, "serve", "--port", "0", "--library", workspace.library])
        defer {
            server.signal(SIGKILL)
            _ = try? server.wait(within: 10)
        }
        let line = try await server.firstLine(within: 60)
        let port = try #require(
            line.split(separator: ":").dropFirst(2).first.flatMap { Int($0.prefix { $0.isNumber }) }, "\(line)")
        func get(_ path: String) async throws -> String {
            try await offThread {
                let socket = try LoopbackSocket(port: port)
                try socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
                return String(decoding: try socket.readUntilClosed(within: 60).bytes, as: UTF8.self)
            }
        }
        _ = try await get("/collections") // the catalog open and warm, as for any page after the first
        let before = try Self.cpuSeconds(server.pid)
        let page = try await get("/")
        let cost = try Self.cpuSeconds(server.pid) - before
        #expect(page.hasPrefix("HTTP/1.1 200"))
        #expect(page.components(separatedBy: "<li class=\"tile\" data-id=").count == 7)
        // Reading the six prompts whole and cutting them as Swift strings cost 0.5 s of CPU.
        #expect(cost < 0.25, "\(cost) s of CPU")
    }

    // MARK: - Terminal lines

    /// A zip of stored entries with UTF-8 names, written by hand.
    static func zip(_ entries: [(String, [UInt8])]) -> [UInt8] {
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
        func le32(_ value: UInt32) -> [UInt8] {
            [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
        var body: [UInt8] = []
        var directory: [UInt8] = []
        for (name, data) in entries {
            let nameBytes = Array(name.utf8)
            let crc = independentCRC32(data)
            let common =
                le16(20) + le16(0x0800) + le16(0) + le16(0) + le16(0x21) + le32(crc) + le32(UInt32(data.count))
                + le32(UInt32(data.count))
                + le16(nameBytes.count) + le16(0)
            let offset = body.count
            body += le32(0x0403_4B50) + common + nameBytes + data
            directory +=
                le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(UInt32(offset))
                + nameBytes
        }
        return body + directory + le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
            + le32(UInt32(directory.count)) + le32(UInt32(body.count)) + le16(0)
    }

    static let hostileName = "holiday-\u{202E}gnp.exe"
    static let hostilePrompt =
        "a calm lake\u{1B}]0;pwned\u{07}\u{1B}[2J at dawn\r\u{2066}overwritten\u{2069}\u{7F}\u{9B}"
    /// The raw bytes none of the commands' output may carry.
    static let forbidden: [String] = ["\u{202E}", "\u{1B}", "\u{07}", "\r", "\u{2066}", "\u{2069}", "\u{7F}", "\u{9B}"]

    func expectNoRawControls(_ text: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for character in Self.forbidden {
            #expect(
                !text.unicodeScalars.contains(character.unicodeScalars.first!),
                "\(label) holds U+\(String(character.unicodeScalars.first!.value, radix: 16))",
                sourceLocation: sourceLocation)
        }
    }

    @Test(
        "control and bidi characters from a zip, a PNG and the catalog: escaped on every line, \\u escapes in JSON"
    )
    func escapedTerminalLines() async throws {
        let workspace = try Workspace()
        let metadata = GptimgMetadata(
            prompt: Self.hostilePrompt, aspectRatio: "4:3", type: "text-to-image", referenceImages: [],
            taskID: "gpt-image-2-BIDIBIDIBIDIBIDIBIDI",
            createdAt: "2026-11-21T10:15:30Z", remoteURL: "https://files.example/x/0.png", tags: ["tag\u{202E}txt"])
        let png = try GptimgEmbedding.embed(metadata, into: CatalogCommandTests.png(seed: 9))
        let archive = workspace.sources.appendingPathComponent("photos.zip")
        try Data(Self.zip([(Self.hostileName + ".png", png)])).write(to: archive)

        let imported = try await run(["import", archive.path], workspace)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("holiday-\\u{202E}gnp.exe.png"), "\(imported.stdout)")
        expectNoRawControls(imported.stdout + imported.stderr, "import")

        let listed = try await run(["list"], workspace)
        #expect(
            listed.stdout.contains(
                "a calm lake\\u{1B}]0;pwned\\u{7}\\u{1B}[2J at dawn\\u{D}\\u{2066}overwritten\\u{2069}\\u{7F}\\u{9B}"),
            "\(listed.stdout)")
        expectNoRawControls(listed.stdout, "list")

        let shown = try await run(["show", "1"], workspace)
        #expect(shown.status == 0)
        expectNoRawControls(shown.stdout, "show")
        #expect(shown.stdout.contains("tag\\u{202E}txt"))

        // JSON: valid, the same strings once decoded, no raw byte a terminal acts on.
        for arguments in [["list", "--json"], ["show", "1", "--json"], ["import", "--json", archive.path]] {
            let result = try await run(arguments, workspace)
            expectNoRawControls(result.stdout, arguments.joined(separator: " "))
            let first = try #require(result.stdout.split(separator: "\n").first)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
            if arguments[0] != "import" {
                #expect(object["prompt"] as? String == Self.hostilePrompt)
            } else {
                #expect((object["file"] as? String)?.hasSuffix(Self.hostileName + ".png") == true)
            }
        }
        let json = try await run(["list", "--json"], workspace).stdout
        #expect(json.contains("\\u202e") || json.contains("\\u202E"))

        // meta read of the file as it landed, text and JSON.
        let file = try #require(
            (try JSONSerialization.jsonObject(with: Data(try await run(["list", "--json"], workspace).stdout.utf8))
                as? [String: Any])?["path"] as? String)
        let meta = try await ProcessRunner.run([gptimg, "meta", "read", workspace.library + "/" + file])
        #expect(meta.status == 0, "\(meta.stderr)")
        #expect(meta.stdout.contains("a calm lake\\u{1B}"))
        expectNoRawControls(meta.stdout, "meta read")
        expectNoRawControls(
            try await ProcessRunner.run([gptimg, "meta", "read", "--json", workspace.library + "/" + file]).stdout,
            "meta read --json")

        // An error line naming a value: escaped too.
        let missing = try await run(["collection", "show", "trip\u{202E}"], workspace)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("trip\\u{202E}"), "\(missing.stderr)")
        expectNoRawControls(missing.stderr, "error")
    }

    @Test("TerminalText: escapes controls and bidirectional characters, keeps newlines, tabs and everything else")
    func terminalText() throws {
        let ordinaryText = "plain, accents é, emoji 🌊, CJK 湖"
        #expect(TerminalText.escape(ordinaryText) == ordinaryText)
        #expect(TerminalText.escape("two\nlines\tand a tab") == "two\nlines\tand a tab")
        #expect(TerminalText.escape("\u{1B}[31mred\r\u{0}\u{7F}\u{85}") == "\\u{1B}[31mred\\u{D}\\u{0}\\u{7F}\\u{85}")
        #expect(
            TerminalText.escape("a\u{202E}b\u{2067}c\u{200F}d\u{61C}e\u{2028}f")
                == "a\\u{202E}b\\u{2067}c\\u{200F}d\\u{61C}e\\u{2028}f")
        // U+00E2 and U+2026 share lead bytes with escaped characters and stay as they are.
        #expect(TerminalText.escape("â…’") == "â…’")

        let value = "x\u{202E}y\u{7F}z\u{9B}\u{2029}\"\\\n"
        var rendered: [UInt8] = []
        JSONOut.object([("v", .string(value))]).render(into: &rendered)
        let escaped = TerminalText.escapeJSON(rendered)
        let text = String(decoding: escaped, as: UTF8.self)
        #expect(text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F })
        let decoded = try JSONSerialization.jsonObject(with: Data(escaped)) as? [String: String]
        #expect(decoded?["v"] == value)
        let ordinary = Array("{\"v\":\"é 🌊 …\"}".utf8)
        #expect(TerminalText.escapeJSON(ordinary) == ordinary)
    }
}
