import Foundation
import PNGMetadata
import TestSupport
import Testing

@testable import GptimgCLI

/// Issue 17 on the command line: `pick`, `reject`, changes to every image a query matches
/// (`--query`, `--yes`, the question on a terminal), `-word` as a query, and every query example
/// the help and the docs give.
@Suite("gptimg triage commands")
struct TriageCommandTests {
    typealias Workspace = CatalogCommandTests.Workspace

    /// A library of 25 lake images and 3 others, imported with `gptimg import`.
    static func workspace() async throws -> Workspace {
        let workspace = try Workspace()
        for index in 0..<28 {
            let prompt = index < 25 ? "a misty lake number \(index)" : "a mountain number \(index)"
            let task = "gpt-image-2-TRIAGE\(String(index).padding(toLength: 14, withPad: "X", startingAt: 0))"
            try Data(CatalogCommandTests.ours(prompt, task: task, seed: index)).write(
                to: workspace.sources.appendingPathComponent("\(index).png"))
        }
        let imported = await run(["import", workspace.sources.path], workspace)
        #expect(imported.status == 0, "\(imported.stderr)")
        return workspace
    }

    static func run(
        _ arguments: [String], _ workspace: Workspace, input: String? = nil, terminal: Bool = false
    ) async -> CommandResult {
        await Gptimg(currentDirectory: workspace.folder.path)(
            arguments + ["--library", workspace.library], input: input, terminal: terminal)
    }

    func ids(_ query: [String], _ workspace: Workspace) async -> [Int] {
        let result = await Self.run(["list"] + query + ["--limit", "1000", "--json"], workspace)
        #expect(result.status == 0, "\(query): \(result.stderr)")
        return jsonObjects(result.stdout).compactMap { $0["id"] as? Int }
    }

    @Test("pick and reject: shown by show and --json; rejects hidden until asked for; --off clears")
    func pickAndReject() async throws {
        let workspace = try await Self.workspace()
        let all = await ids([], workspace)
        #expect(all.count == 28)
        let (kept, dropped) = (all[0], all[1])
        let picked = await Self.run(["pick", String(kept)], workspace)
        #expect(picked.status == 0 && picked.stdout == "\(kept): picked\n", "\(picked)")
        #expect(await Self.run(["reject", String(dropped)], workspace).stdout == "\(dropped): rejected\n")
        #expect(await !ids([], workspace).contains(dropped))
        #expect(await ids(["is:rejected"], workspace) == [dropped])
        #expect(await ids(["is:picked"], workspace) == [kept])
        let listed = await Self.run(["list", "is:rejected"], workspace).stdout
        #expect(listed.contains("rejected"), "\(listed)")
        #expect(await Self.run(["show", String(dropped)], workspace).stdout.contains("pick         rejected"))
        let json = jsonObjects(await Self.run(["show", String(kept), "--json"], workspace).stdout)
        #expect(json.first?["pick"] as? String == "picked")
        #expect(await Self.run(["reject", String(dropped), "--off"], workspace).stdout == "\(dropped): no pick\n")
        #expect(await ids([], workspace).contains(dropped))
    }

    @Test("--query: counted, asked on a terminal above 20, refused without one unless --yes")
    func bulkChanges() async throws {
        let workspace = try await Self.workspace()
        // Not a terminal, more than 20, no --yes: one line naming --yes, nothing changed.
        let refused = await Self.run(["tag", "--query", "lake", "--add", "water"], workspace)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--yes") && refused.stderr.contains("25 images"), "\(refused.stderr)")
        #expect(await ids(["tag:water"], workspace).isEmpty)
        // On a terminal: asked; "n" changes nothing, "y" changes them all.
        let declined = await Self.run(
            ["tag", "--query", "lake", "--add", "water"], workspace, input: "n\n", terminal: true)
        #expect(declined.status == 0 && declined.stderr.contains("[y/N]"), "\(declined)")
        #expect(await ids(["tag:water"], workspace).isEmpty)
        let accepted = await Self.run(
            ["tag", "--query", "lake", "--add", "water"], workspace, input: "y\n", terminal: true)
        #expect(accepted.status == 0 && accepted.stdout == "tagged 25 images\n", "\(accepted)")
        #expect(await ids(["tag:water"], workspace).count == 25)
        // --yes skips the question; the count is stated on stderr.
        let rated = await Self.run(["rate", "--query", "lake", "4", "--yes"], workspace)
        #expect(rated.status == 0 && rated.stderr.contains("rate: 25 images match 'lake'"), "\(rated)")
        #expect(await ids(["rating:4"], workspace).count == 25)
        // 20 or fewer: no question.
        let few = await Self.run(["fav", "--query", "mountain", "--json"], workspace)
        #expect(few.status == 0, "\(few)")
        #expect(jsonObjects(few.stdout).first?["count"] as? Int == 3)
        #expect(await ids(["is:fav"], workspace).count == 3)
        let added = await Self.run(["collection", "add", "Keepers", "--query", "is:fav"], workspace)
        #expect(added.stdout == "added 3 image(s) to 'Keepers'\n", "\(added)")
        let removed = await Self.run(["collection", "remove", "Keepers", "--query", "in:Keepers number"], workspace)
        #expect(removed.stdout == "removed 3 image(s) from 'Keepers'\n", "\(removed)")
        // A query matching nothing: a notice, nothing changed, exit 0.
        let none = await Self.run(["pick", "--query", "volcano"], workspace)
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("no image matches 'volcano'"))
        // IDs and --query together, or neither: one line naming the fix.
        let both = await Self.run(["tag", "1", "--query", "lake", "--add", "x"], workspace)
        #expect(both.status == 1 && both.stderr.contains("not both"))
        let neither = await Self.run(["fav"], workspace)
        #expect(neither.status == 1 && neither.stderr.contains("--query"))
        // Rejects go to the trash with delete --query is:rejected.
        #expect(await Self.run(["reject", "--query", "mountain"], workspace).stdout == "rejected 3 images\n")
        #expect(await ids(["mountain"], workspace).isEmpty)
        let deleted = await Self.run(["delete", "--query", "is:rejected"], workspace)
        #expect(deleted.status == 0 && deleted.stdout == "deleted 3 images\n", "\(deleted)")
        #expect(await ids(["is:rejected"], workspace).isEmpty)
        #expect(await ids([], workspace).count == 25)
        let trash = FileManager.default.enumerator(atPath: workspace.library + "/trash")?.allObjects as? [String]
        #expect(trash?.filter { $0.hasSuffix(".png") }.count == 3)
    }

    @Test("a leading -word is a word of the query; a misspelt option is named")
    func dashWords() async throws {
        let workspace = try await Self.workspace()
        #expect(await ids(["-lake"], workspace).count == 3)
        #expect(await ids(["number", "-lake"], workspace).count == 3)
        #expect(await ids(["NOT", "lake"], workspace).count == 3)
        let search = await Self.run(["search", "-lake", "number"], workspace)
        #expect(search.status == 0 && search.stdout.split(separator: "\n").count == 3, "\(search)")
        let typo = await Self.run(["list", "--limt", "5"], workspace)
        #expect(typo.status == 1 && typo.stderr.contains("unknown option '--limt'"), "\(typo)")
    }

    /// The words of one shell command line (quotes as sh reads them), up to a `|`, `;` or `#`.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var word: String?
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { word = (word ?? "") + String(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                word = word ?? ""
            } else if character.isWhitespace {
                if let done = word { words.append(done) }
                word = nil
            } else if word == nil, ["|", ";", "#"].contains(character) {
                break
            } else {
                word = (word ?? "") + String(character)
            }
        }
        if let done = word { words.append(done) }
        return words.filter { !$0.hasPrefix("[") }
    }

    @Test("every list and search example in --help and the docs runs without an error")
    func everyExampleRuns() async throws {
        let workspace = try await Self.workspace()
        var lines: [String] = []
        for command in ["list", "search"] {
            lines += await Self.run([command, "--help"], workspace).stdout.split(separator: "\n").map(String.init)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for document in ["README.md", "docs/query.md"] {
            let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
            lines += text.split(separator: "\n").map(String.init)
        }
        var examples = 0
        for line in lines {
            let words = Self.shellWords(line.trimmingCharacters(in: .whitespaces))
            guard words.count >= 2, words[0] == "gptimg", ["list", "search"].contains(words[1]) else { continue }
            examples += 1
            let result = await Self.run(Array(words.dropFirst()), workspace)
            #expect(result.status == 0, "\(line): \(result.stderr)")
        }
        #expect(examples >= 12, "only \(examples) examples found")
    }
}
