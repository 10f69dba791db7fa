import Foundation
import GptimgCatalog
import GptimgSupport
import Testing

@testable import GptimgCLI

/// Smart collections (saved searches) through the CLI, on images the simulator made.
@Suite("gptimg collection create --query")
struct SmartCollectionCommandTests {
    @Test func aSmartCollectionHoldsWhatItsQueryMatchesNow() async throws {
        try await withGenerationWorkspace("smart", credits: 100) { workspace in
            let run = { (arguments: [String]) in await SpendCommandTests.run(workspace, arguments) }
            #expect(await run(["generate", "a red kite", "--tag", "kites"]).status == 0) // 1
            #expect(await run(["generate", "a blue kite", "--tag", "kites"]).status == 0) // 2
            #expect(await run(["generate", "a boat"]).status == 0) // 3

            let made = await run(["collection", "create", "Kites", "--query", "tag:kites"])
            #expect(made.status == 0, "\(made.stderr)")
            #expect(made.stdout == "created smart collection 'Kites': tag:kites (2 now)\n")
            #expect(await run(["collection", "create", "Boats"]).status == 0)
            #expect(await run(["collection", "add", "Boats", "3"]).status == 0)

            let listed = await run(["collection", "list"])
            #expect(listed.stdout == "Boats  (1)\nKites  (2)  smart: tag:kites\n", "\(listed.stdout)")
            let json = jsonObjects(await run(["collection", "list", "--json"]).stdout)
            #expect(json.map { $0["smart"] as? Bool } == [false, true])
            #expect(json.last?["query"] as? String == "tag:kites" && json.first?["query"] is NSNull)

            func ids(_ query: String) async -> [Int] {
                jsonObjects(await run(["list", query, "--json"]).stdout).compactMap { $0["id"] as? Int }
            }
            #expect(await ids("in:Kites") == [2, 1])
            #expect(await ids("in:\"kites\"") == [2, 1], "names without regard to case, quoted")
            #expect(await ids("in:Kites OR in:Boats") == [3, 2, 1])
            #expect(await ids("-in:Kites") == [3])
            #expect(await ids("in:Kites blue") == [2])

            // Members are what matches now: a new kite is in, a rejected one is out.
            #expect(await run(["generate", "a green kite", "--tag", "kites", "--collection", "Kites"]).status == 0) // 4
            #expect(await ids("in:Kites") == [4, 2, 1])
            #expect(await run(["reject", "1"]).status == 0)
            #expect(await ids("in:Kites") == [4, 2])
            let shown = jsonObjects(await run(["collection", "show", "Kites", "--json"]).stdout)
            #expect(shown.compactMap { $0["id"] as? Int } == [4, 2])

            // show lists it where the image matches; export takes it like any collection.
            let show = await run(["show", "2"])
            #expect(show.stdout.contains("collections  Kites\n"), "\(show.stdout)")
            #expect(!(await run(["show", "3"])).stdout.contains("Kites"))
            let target = workspace.folder.path + "/out"
            let exported = await run(["export", "--collection", "Kites", "--to", target])
            #expect(exported.status == 0, "\(exported.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: target).filter { $0.hasSuffix(".png") }
            #expect(files.count == 2, "\(files)")

            // Adding or removing by hand: one line, nothing changed.
            for arguments in [["collection", "add", "Kites", "3"], ["collection", "remove", "Kites", "2"]] {
                let refused = await run(arguments)
                #expect(refused.status == 1 && refused.stdout.isEmpty)
                #expect(refused.stderr.split(separator: "\n").count == 1)
                #expect(refused.stderr.contains("'Kites' is a smart collection"), "\(refused.stderr)")
            }
            #expect(await ids("in:Kites") == [4, 2])

            // A smart collection of rejects shows them (its query asks for them).
            #expect(await run(["collection", "create", "Rejects", "--query", "is:rejected"]).status == 0)
            #expect(await ids("in:Rejects") == [1])
        }
    }

    @Test func aBadQueryOrALoopCreatesNothing() async throws {
        try await withGenerationWorkspace("smartbad", credits: 10) { workspace in
            let run = { (arguments: [String]) in await SpendCommandTests.run(workspace, arguments) }
            #expect(await run(["generate", "a kite"]).status == 0)
            for (query, expected) in [
                ("colour:red", "unknown filter 'colour:'; valid filters:"), ("", "a smart collection needs a query"),
                ("parent:999", "no image with ID 999"), ("in:Bad", "smart collection 'Bad' leads back to itself"),
                ("(kite", "a '(' is not closed"),
            ] {
                let refused = await run(["collection", "create", "Bad", "--query", query])
                #expect(refused.status == 1, "\(query)")
                #expect(refused.stderr.split(separator: "\n").count == 1, "\(query): \(refused.stderr)")
                #expect(refused.stderr.contains(expected), "\(query): \(refused.stderr)")
            }
            #expect(await run(["collection", "list"]).stdout.isEmpty)

            // A → B → A: the second is refused; a rename that closes a loop is refused too.
            #expect(await run(["collection", "create", "A", "--query", "in:B"]).status == 0)
            let loop = await run(["collection", "create", "B", "--query", "in:A OR kite"])
            #expect(loop.status == 1)
            #expect(loop.stderr.contains("in:b → in:a → in:b"), "\(loop.stderr)")
            #expect(await run(["collection", "create", "X", "--query", "in:A"]).status == 0)
            let rename = await run(["collection", "rename", "X", "B"])
            #expect(rename.status == 1 && rename.stderr.contains("leads back to itself"), "\(rename.stderr)")
            #expect(await run(["collection", "list"]).stdout == "A  (0)  smart: in:B\nX  (0)  smart: in:A\n")
            // A smart collection naming a regular one is fine.
            #expect(await run(["collection", "create", "B"]).status == 0)
            #expect(await run(["collection", "add", "B", "1"]).status == 0)
            #expect(await run(["list", "in:X", "--json"]).stdout.contains("\"id\":1"))
        }
    }
}
