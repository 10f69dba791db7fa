import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgGallery
import GptimgSupport
import TestSupport
import Testing

/// Issue 14, item 1: "Run it again" must never run anything but gptimg. Both ends: a file's
/// hostile aspect ratio is not stored, and every word of the command is quoted (a catalog that
/// stored such a value before the check still shows a harmless command). Each command line is
/// pasted into a real shell, with a stand-in `gptimg` that records the words it receives.
@Suite("The command to run an image again")
struct RerunCommandTests {
    /// What pasting `line` into `shell` does, in a fresh folder: the words the stand-in
    /// `gptimg` received, and the names of any files the line made besides.
    static func paste(_ line: String, shell: String = "/bin/sh") async throws -> (words: [String], madeFiles: [String])
    {
        let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-paste-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: sandbox) }
        let bin = sandbox.appendingPathComponent("bin")
        let work = sandbox.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let recorder = bin.appendingPathComponent("gptimg")
        // Written with O_CLOEXEC (AtomicFile): Foundation's write left the file's descriptor open
        // in every process another test spawned meanwhile (a gptimg, a Chromium), and exec of a
        // file still open for writing fails with ETXTBSY: the shell's exit 126, now and then.
        try AtomicFile.write(
            Array(
                #"""
                #!/bin/sh
                for word in "$@"; do printf '%s\0' "$word"; done > "$GPTIMG_WORDS"
                """#.utf8), to: recorder.path, durable: false, mode: 0o755)
        let wordsFile = sandbox.appendingPathComponent("words").path
        let result = try await ProcessRunner.run(
            [shell, "-c", "cd \(ShellCommand.quote(work.path)) && " + line],
            environment: ["PATH": bin.path + ":/usr/bin:/bin", "GPTIMG_WORDS": wordsFile, "HOME": sandbox.path])
        #expect(result.status == 0, "\(shell): \(result.stderr)")
        let recorded = (try? Data(contentsOf: URL(fileURLWithPath: wordsFile))) ?? Data()
        var words = String(decoding: recorded, as: UTF8.self).components(separatedBy: "\0")
        if words.last == "" { words.removeLast() }
        return (words, try FileManager.default.contentsOfDirectory(atPath: work.path).sorted())
    }

    /// The command shown on an image page (`<code id="command">`), as the browser shows it.
    static func command(in page: String) throws -> String {
        let start = try #require(page.range(of: "<code id=\"command\">"))
        let end = try #require(page.range(of: "</code>", range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#xD;", with: "\r").replacingOccurrences(of: "&amp;", with: "&")
    }

    static let nastyWords = [
        "$(touch a)", "`touch b`", "it's", "'", "''", "a\nb", "", " ", "-n", "--aspect", "-", "--", "*", "?", "~",
        "~root", "=ls",
        "$HOME", "${HOME}", "a;touch c", "a|touch d", "a&&touch e", "a>f", "<g", "{h,i}", "\\", "\"", "!", "!!", "#",
        "a b\tc",
        "é 灯台 🌅", "\u{202E}gnp.exe", "%1", "16:9", "https://x.example/a.png?token=1&x=$(touch j)",
    ]

    @Test("quoting: each word, however nasty, reaches the program as itself and runs nothing")
    func quoting() async throws {
        #expect(ShellCommand.quote("") == "''")
        #expect(ShellCommand.quote("16:9") == "16:9")
        #expect(ShellCommand.quote("-n") == "-n")
        #expect(ShellCommand.quote("it's") == #"'it'\''s'"#)
        #expect(ShellCommand.quote("$(x)") == "'$(x)'")
        #expect(ShellCommand.quote("`x`") == "'`x`'")
        #expect(ShellCommand.quote("=ls") == "'=ls'")
        #expect(ShellCommand.quote("a\nb") == "'a\nb'")
        let line =
            ShellCommand("gptimg").flag("words").line + " "
            + Self.nastyWords.map(ShellCommand.quote).joined(separator: " ")
        for shell in ["/bin/sh", "/bin/bash", "/bin/zsh", "/usr/bin/zsh"]
        where FileManager.default.isExecutableFile(atPath: shell) {
            let pasted = try await Self.paste(line, shell: shell)
            #expect(pasted.words == ["words"] + Self.nastyWords, "\(shell)")
            #expect(pasted.madeFiles.isEmpty, "\(shell) made \(pasted.madeFiles)")
        }
    }

    @Test("a value that starts with '-' is never taken for an option")
    func leadingDash() async throws {
        let command = ShellCommand.generate(
            prompt: "-n 4 --ref https://evil.example", aspectRatio: "1:1", n: 1, referenceImages: ["-x"])
        #expect(
            command.words == [
                "gptimg", "generate", "--aspect", "1:1", "-n", "1", "--ref=-x", "--", "-n 4 --ref https://evil.example",
            ])
        #expect(try await Self.paste(command.line).words == Array(command.words.dropFirst()))
        let plain = ShellCommand.generate(
            prompt: "a calm lake", aspectRatio: "16:9", n: 2, referenceImages: ["https://x.example/a.png"])
        #expect(plain.line == "gptimg generate 'a calm lake' --aspect 16:9 -n 2 --ref https://x.example/a.png")
    }

    @Test(
        "a PNG whose aspect ratio holds a command: not stored (a warning says so), and the page's command runs nothing")
    func hostileFileAspectRatio() async throws {
        let library = try await GalleryLibrary([
            .init(
                prompt: "a calm lake", task: "gpt-image-2-LAKELAKELAKELAKELAKE", aspect: "1:1 $(touch pwned)",
                created: "2026-11-06T10:00:00Z")
        ])
        let lake = try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        #expect(lake.generation.aspectRatio == "16:9") // what its 160×90 pixels say
        let show = try library.catalog.show(lake.image.id)
        #expect(
            show.warnings.contains { $0.contains("aspect_ratio") && $0.contains("value dropped") }, "\(show.warnings)")
        #expect(show.parameters.first { $0.key == "Aspect ratio" }?.value == "16:9")
        try await library.withRouter { client in
            let page = try await client.get("/image/\(lake.image.id)").text
            let command = try Self.command(in: page)
            #expect(command == "gptimg generate 'a calm lake' --aspect 16:9 -n 1")
            #expect(!page.contains("$(touch"))
            let pasted = try await Self.paste(command)
            #expect(pasted.words == ["generate", "a calm lake", "--aspect", "16:9", "-n", "1"])
            #expect(pasted.madeFiles.isEmpty)
        }
    }

    @Test("values a catalog already holds (stored before they were checked) are quoted: pasting runs nothing")
    func hostileCatalogValues() async throws {
        let library = try await GalleryLibrary([
            .init(prompt: "a calm lake", task: "gpt-image-2-LAKELAKELAKELAKELAKE", created: "2026-11-06T10:00:00Z")
        ])
        let lake = try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        let prompt = "it's `touch pwned1`\n$(touch pwned2); touch pwned3"
        let reference = "https://x.example/a.png?a=1&b=$(touch pwned4)"
        let sql = """
            UPDATE generations SET aspect_ratio = '1:1 $(touch pwned)',
              prompt = 'it''s `touch pwned1`' || char(10) || '$(touch pwned2); touch pwned3',
              reference_images = json_array('\(reference)') WHERE id = \(lake.generation.id);
            """
        let result = try await ProcessRunner.run(["sqlite3", "-bail", library.location.catalogURL.path, sql])
        #expect(result.status == 0, "\(result.stderr)")
        try await library.withRouter { client in
            let page = try await client.get("/image/\(lake.image.id)").text
            let command = try Self.command(in: page)
            #expect(command.contains("--aspect '1:1 $(touch pwned)'"), "\(command)")
            let pasted = try await Self.paste(command)
            #expect(
                pasted.words == ["generate", prompt, "--aspect", "1:1 $(touch pwned)", "-n", "1", "--ref", reference])
            #expect(pasted.madeFiles.isEmpty, "pasting made \(pasted.madeFiles)")
        }
    }
}

/// Issue 14, item 6: a signed hosted URL's query is a credential; the image page shows the URL
/// without it (the catalog keeps it whole for `variant`).
@Suite("The image page: a hosted URL's query")
struct HostedURLTests {
    @Test("the hosted URL is shown without its query")
    func hostedURLWithoutQuery() async throws {
        let library = try await GalleryLibrary([
            .init(prompt: "a calm lake", task: "gpt-image-2-LAKELAKELAKELAKELAKE", created: "2026-11-06T10:00:00Z")
        ])
        let lake = try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        let signed = "https://cdn.example/out/lake.png?token=SECRET-TOKEN&exp=9"
        let sql = "UPDATE images SET remote_url = '\(signed)' WHERE id = \(lake.image.id);"
        let result = try await ProcessRunner.run(["sqlite3", "-bail", library.location.catalogURL.path, sql])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE").image.remoteURL == signed)
        try await library.withRouter { client in
            let page = try await client.get("/image/\(lake.image.id)").text
            #expect(page.contains("<code class=\"url\">https://cdn.example/out/lake.png</code> (query not shown)"))
            #expect(!page.contains("SECRET-TOKEN"))
        }
    }
}
