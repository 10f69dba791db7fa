import Foundation
import TestSupport
import Testing

@testable import GptimgCLI

/// Stacks on a library the real pipeline filled (`gptimg demo`: three tasks and a variant of the
/// first, generated against the in-process simulator): `list --stacks`, `gptimg stack`, `stack:`.
@Suite("gptimg list --stacks and stack")
struct StackCommandTests {
    @Test("the demo's task and its variant are one stack; list --stacks, stack ID, --json, queries, bad input")
    func stacks() async throws {
        let folder = TemporaryFolder("gptimg-stacks")
        let library = folder.path + "/Library"
        let gptimg = Gptimg(currentDirectory: folder.path).online()
        let demo = await gptimg(["demo", "--library", library])
        #expect(demo.status == 0, "\(demo.stderr)")
        func run(_ arguments: [String]) async -> CommandResult { await gptimg(arguments + ["--library", library]) }

        let images = jsonObjects(await run(["list", "--json"]).stdout)
        let variant = try #require(images.first { $0["type"] as? String == "image-to-image" })
        let variantID = try #require(variant["id"] as? Int)
        let parentID = try #require(variant["parent_id"] as? Int)

        let stacks = await run(["list", "--stacks"])
        #expect(stacks.status == 0, "\(stacks.stderr)")
        let lines = stacks.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(stacks.stdout)")
        #expect(lines.filter { $0.hasPrefix("×2 ") }.count == 1 && lines.filter { $0.hasPrefix("×1 ") }.count == 2)
        let stackJSON = jsonObjects(await run(["list", "--stacks", "--json"]).stdout)
        #expect(stackJSON.compactMap { $0["stack_size"] as? Int }.sorted() == [1, 1, 2], "\(stackJSON)")
        // The cover: newest while nothing is rated (the variant), the parent once it is rated.
        let folded = try #require(stackJSON.first { $0["stack_size"] as? Int == 2 })
        #expect(folded["id"] as? Int == variantID)
        #expect(await run(["rate", String(parentID), "4"]).status == 0)
        let rated = jsonObjects(await run(["list", "--stacks", "--json"]).stdout)
        #expect(rated.first { $0["stack_size"] as? Int == 2 }?["id"] as? Int == parentID)

        // Any member names the stack; best kept first.
        for member in [variantID, parentID] {
            let stack = jsonObjects(await run(["stack", String(member), "--json"]).stdout)
            #expect(stack.compactMap { $0["id"] as? Int } == [parentID, variantID], "\(stack)")
        }
        // Rejects stay hidden unless asked for; queries narrow.
        #expect(await run(["reject", String(variantID)]).status == 0)
        #expect(jsonObjects(await run(["stack", String(parentID), "--json"]).stdout).count == 1)
        let asked = jsonObjects(await run(["stack", String(parentID), "is:rejected", "--json"]).stdout)
        #expect(asked.compactMap { $0["id"] as? Int } == [variantID])
        let unfolded = jsonObjects(await run(["list", "--stacks", "--json"]).stdout)
        #expect(unfolded.allSatisfy { $0["stack_size"] as? Int == 1 })
        let filtered = await run(["list", "stack:\(parentID)", "OR", "stack:\(variantID)", "--json"])
        #expect(jsonObjects(filtered.stdout).compactMap { $0["id"] as? Int } == [parentID], "\(filtered)")

        // Bad input: one line, exit 1.
        for arguments in [
            ["stack", "999999"], ["stack", "xyz"], ["list", "stack:"], ["list", "--stacks", "bogus:1"],
        ] {
            let result = await run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        #expect(await run(["list", "stack:"]).stderr.contains("stack:ID"))
    }
}
