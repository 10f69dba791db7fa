import Foundation
import PNGMetadata
import Testing
import TestSupport

/// The installed `gptimg` front (`gptimg-front`): it answers `list` and `search` itself and
/// hands every other command line to the full binary, and a user cannot tell the two apart.
@Suite("gptimg front", .serialized)
struct FrontTests {
    let gptimg = BuiltProduct.path("gptimg")
    let front = BuiltProduct.path("gptimg-front")

    /// A library of 12 images made by the full binary: prompts with shared words, two with a
    /// parent, tags, ratings, a favourite and a collection.
    static func library(_ workspace: CatalogCommandTests.Workspace, gptimg: String) throws {
        let prompts = [
            "a misty lighthouse in watercolor", "misty harbour at dawn", "a lighthouse on a cliff, oil painting",
            "watercolor fox in the snow", "the \"quoted\" lighthouse", "red fox\nsecond line of the prompt",
            "storm over the misty sea", "", "un phare brumeux à l'aube", "lighthouse lighthouse lighthouse",
            "a very long prompt " + String(repeating: "about a lighthouse and the sea ", count: 5), "fox cub",
        ]
        for (index, prompt) in prompts.enumerated() {
            let png = CatalogCommandTests.ours(prompt, task: "gpt-image-2-FRONT\(String(index).leftPad(18))", seed: index + 1)
            try Data(png).write(to: workspace.sources.appendingPathComponent("\(index).png"))
        }
        let library = ["--library", workspace.library]
        func run(_ arguments: [String]) throws {
            let result = try ProcessRunner.run([gptimg] + arguments + library)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        try run(["import", workspace.sources.path])
        try run(["tag", "1", "2", "--add", "coast", "night sky"])
        try run(["rate", "1", "4"])
        try run(["rate", "3", "2"])
        try run(["fav", "2"])
        try run(["collection", "create", "Sea"])
        try run(["collection", "add", "Sea", "1", "7"])
    }

    /// Command lines the front answers itself.
    static let answered: [[String]] = [
        ["list"], ["list", "--limit", "3"], ["list", "--limit=2", "--offset=1"], ["list", "--json"],
        ["list", "misty"], ["list", "misty", "lighthouse", "--json"], ["list", "misty lighthouse watercolor", "--limit", "50"],
        ["list", "fox OR lighthouse", "--sort", "oldest"], ["list", "lighthouse -misty"], ["list", "\"quoted\""],
        ["list", "light*"], ["list", "tag:coast"], ["list", "tag:\"night sky\" rating:>=3"], ["list", "in:Sea", "--json"],
        ["list", "fav:yes"], ["list", "aspect:4:3 type:t2i status:completed source:import generator:gptimg"],
        ["list", "after:2020-01-01 before:2100-01-01"], ["list", "size:40x30", "--limit", "1"], ["list", "zebra"],
        ["list", "--limit", "0"], ["list", "--offset", "100"], ["list", "misty", "--limit", "9223372036854775807", "--offset", "1"],
        ["search", "lighthouse"], ["search", "lighthouse", "--sort", "newest", "--json"], ["search", "fox", "--limit", "1"],
        ["search", "brumeux"],
    ]

    /// Command lines it hands over: other commands, help, options it does not know, errors.
    static let handedOver: [[String]] = [
        ["show", "1"], ["list", "--help"], ["list", "-misty"], ["list", "parent:1"], ["list", "colour:red"],
        ["list", "--limit", "many"], ["list", "--sort", "best"], ["list", "--json", "--json"], ["search"],
        ["list", "rating:9"], ["list", "\"unclosed"], ["list", "--", "misty"], ["list", "--verbose"],
    ]

    @Test("prints what the full binary prints, for every command line, answered or handed over")
    func sameOutput() throws {
        let workspace = try CatalogCommandTests.Workspace()
        try Self.library(workspace, gptimg: gptimg)
        for arguments in Self.answered + Self.handedOver {
            let ours = try ProcessRunner.run([front] + arguments + ["--library", workspace.library])
            let full = try ProcessRunner.run([gptimg] + arguments + ["--library", workspace.library])
            #expect(ours.stdout == full.stdout, "\(arguments)")
            #expect(ours.stderr == full.stderr, "\(arguments)")
            #expect(ours.status == full.status, "\(arguments)")
        }
        // GPTIMG_LIBRARY, and a missing library (handed over: the full binary says what to do).
        var environment = ProcessInfo.processInfo.environment
        environment["GPTIMG_LIBRARY"] = workspace.library
        let viaEnvironment = try ProcessRunner.run([front, "list", "fox"], environment: environment)
        #expect(viaEnvironment.stdout == (try ProcessRunner.run([gptimg, "list", "fox"], environment: environment)).stdout)
        #expect(viaEnvironment.stdout.split(separator: "\n").count == 3)
        let missing = try ProcessRunner.run([front, "list", "--library", workspace.folder.appendingPathComponent("none").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no library at"))
    }

    @Test("answers list and search without the full binary, and hands the rest to it")
    func answersAlone() throws {
        let workspace = try CatalogCommandTests.Workspace()
        try Self.library(workspace, gptimg: gptimg)
        // The front alone in a folder: whatever it must hand over fails, so what succeeds was
        // answered by the front itself.
        let alone = workspace.folder.appendingPathComponent("alone")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        let lone = alone.appendingPathComponent("gptimg").path
        try FileManager.default.copyItem(atPath: front, toPath: lone)
        for arguments in Self.answered {
            let ours = try ProcessRunner.run([lone] + arguments + ["--library", workspace.library])
            let full = try ProcessRunner.run([gptimg] + arguments + ["--library", workspace.library])
            #expect(ours.status == 0, "\(arguments): \(ours.stderr)")
            #expect(ours.stdout == full.stdout, "\(arguments)")
        }
        #expect(try ProcessRunner.run([lone, "list", "misty", "--library", workspace.library]).stdout.split(separator: "\n").count == 3)
        // Paths Foundation reads differently from the kernel are handed over: `..` after a
        // symbolic link (removed as text, not followed) and `~` (the home folder).
        let link = workspace.folder.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: alone)
        for library in [link.path + "/../Library", workspace.folder.path + "/./Library", "~/Library"] {
            let ours = try ProcessRunner.run([lone, "list", "--library", library])
            #expect(ours.status == 1, "\(library)")
            #expect(ours.stderr.hasPrefix("gptimg: the full gptimg binary is missing"), "\(library): \(ours.stderr)")
        }
        for arguments in Self.handedOver {
            let ours = try ProcessRunner.run([lone] + arguments + ["--library", workspace.library])
            #expect(ours.status == 1, "\(arguments)")
            #expect(ours.stderr.hasPrefix("gptimg: the full gptimg binary is missing"), "\(arguments): \(ours.stderr)")
            #expect(ours.stdout.isEmpty)
        }
    }

    @Test("a value of the wrong type in a row reads as SQLite converts it, in list and show alike")
    func damagedRow() throws {
        let workspace = try CatalogCommandTests.Workspace()
        try Self.library(workspace, gptimg: gptimg)
        let catalog = workspace.library + "/catalog.sqlite"
        #expect(try ProcessRunner.run(["sqlite3", catalog, "UPDATE images SET width = 'abc', rating = 2.5 WHERE id = 3"]).status == 0)
        let show = try ProcessRunner.run([gptimg, "show", "3", "--json", "--library", workspace.library])
        #expect(show.status == 0, "\(show.stderr)")  // GRDB's decoding used to stop the process here
        #expect(show.stdout.contains("\"width\":0,"))
        #expect(show.stdout.contains("\"rating\":2,"))
        let list = try ProcessRunner.run([front, "list", "--json", "--library", workspace.library])
        let line = try #require(list.stdout.split(separator: "\n").first { $0.hasPrefix("{\"id\":3,") })
        #expect(line.contains("\"width\":0,"))
        #expect(line.contains("\"rating\":2,"))
    }

    @Test("installed as bin/gptimg, it finds the full binary in libexec/gptimg")
    func installedLayout() throws {
        let workspace = try CatalogCommandTests.Workspace()
        try Self.library(workspace, gptimg: gptimg)
        let prefix = workspace.folder.appendingPathComponent("prefix")
        let bin = prefix.appendingPathComponent("bin")
        let libexec = prefix.appendingPathComponent("libexec/gptimg")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: libexec, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: front, toPath: bin.appendingPathComponent("gptimg").path)
        try FileManager.default.createSymbolicLink(atPath: libexec.appendingPathComponent("gptimg").path, withDestinationPath: gptimg)
        let installed = bin.appendingPathComponent("gptimg").path
        #expect(try ProcessRunner.run([installed, "--version"]).stdout == (try ProcessRunner.run([gptimg, "--version"])).stdout)
        let show = try ProcessRunner.run([installed, "show", "1", "--json", "--library", workspace.library])
        #expect(show.status == 0)
        #expect(show.stdout.contains("\"prompt\":\"a misty lighthouse in watercolor\""))
        // It never runs itself: a front in bin/ with no libexec beside it and no full binary.
        try FileManager.default.removeItem(at: libexec.appendingPathComponent("gptimg"))
        let orphan = try ProcessRunner.run([installed, "show", "1", "--library", workspace.library])
        #expect(orphan.status == 1)
        #expect(orphan.stderr.hasPrefix("gptimg: the full gptimg binary is missing"))
    }
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
