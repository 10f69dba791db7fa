import Foundation
import GptimgGeneration
import GptimgSimulator
import GptimgSupport
import Testing

@testable import GptimgCLI

/// The monthly budget and `credits --by`, in-process against the simulator over loopback: the
/// simulator's ledger is the judge of what was sent.
@Suite("gptimg credits --by, monthly budget")
struct SpendCommandTests {
    /// `gptimg ARGUMENTS` in the workspace with more variables (a budget, a config folder).
    static func run(
        _ workspace: GenerationWorkspace, _ arguments: [String], _ extra: [String: String] = [:]
    ) async -> CommandResult {
        var environment = [
            "HOME": workspace.folder.path, "GPTIMG_BASE_URL": workspace.sim.baseURL, "GPTIMG_API_KEY": workspace.key,
            "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": workspace.folder.path + "/config",
        ]
        environment.merge(extra) { $1 }
        let gptimg = Gptimg(environment: environment, currentDirectory: workspace.folder.path, clock: workspace.clock)
        return await gptimg.online()(arguments + ["--library", workspace.library])
    }

    /// What the simulator has seen of the workspace's key: its ledger and balance.
    static func seen(_ workspace: GenerationWorkspace) async -> (entries: Int, balance: Int) {
        let ledger = await workspace.sim.ledger(of: workspace.key)
        return (ledger.entries.count, ledger.balance)
    }

    @Test func everyGeneratingCommandRefusesToPassTheBudgetAndSendsNothing() async throws {
        try await withGenerationWorkspace("budget", credits: 100) { workspace in
            let budget = ["GPTIMG_MONTHLY_BUDGET": "6"]
            let first = await Self.run(workspace, ["generate", "a paper boat on a pond", "-n", "2"], budget)
            #expect(first.status == 0, "\(first.stderr)")
            let before = await Self.seen(workspace)
            let tasksBefore = await Self.run(workspace, ["tasks", "--all", "--json"])
            let file = workspace.folder.file("prompts.txt", "a red kite\na green kite\n")
            for arguments in [
                ["generate", "a lighthouse", "-n", "2"], ["batch", file], ["rerun", "1"],
                ["variant", "1", "--append", "in winter", "-n", "2"],
            ] {
                let refused = await Self.run(workspace, arguments, budget)
                #expect(refused.status == 1, "\(arguments)")
                let lines = refused.stderr.split(separator: "\n")
                let line = String(lines.last ?? "")
                #expect(line.contains("4 of this month's budget of 6 are spent"), "\(arguments): \(refused.stderr)")
                #expect(line.contains("2 remain") && line.contains("raise GPTIMG_MONTHLY_BUDGET"), "\(line)")
                #expect(refused.stdout.isEmpty, "\(arguments): \(refused.stdout)")
            }
            // A dry run says so too.
            let dry = await Self.run(workspace, ["batch", file, "--dry-run"], budget)
            #expect(dry.status == 1 && dry.stderr.contains("2 remain"), "\(dry.stderr)")
            // Nothing reached the API, nothing was recorded.
            #expect(await Self.seen(workspace) == before)
            #expect(await Self.run(workspace, ["tasks", "--all", "--json"]).stdout == tasksBefore.stdout)

            // Within the budget it goes: 2 credits left, one image.
            let fits = await Self.run(workspace, ["rerun", "1", "-n", "1"], budget)
            #expect(fits.status == 0, "\(fits.stderr)")
            #expect(await Self.seen(workspace).balance == before.balance - 2)
        }
    }

    @Test func theFlagWinsOverTheEnvironmentWhichWinsOverTheConfigFile() async throws {
        try await withGenerationWorkspace("precedence", credits: 100) { workspace in
            let config = workspace.folder.path + "/config/gptimg"
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            workspace.folder.file("config/gptimg/config.toml", "monthly_budget = 2\n")
            // The config file alone: 4 credits is over 2.
            let byConfig = await Self.run(workspace, ["generate", "a kite", "-n", "2"])
            #expect(byConfig.status == 1)
            #expect(byConfig.stderr.contains("budget of 2") && byConfig.stderr.contains("config set monthly_budget"))
            // The environment wins over the file.
            let byEnvironment = await Self.run(
                workspace, ["generate", "a kite", "-n", "2"], ["GPTIMG_MONTHLY_BUDGET": "10"])
            #expect(byEnvironment.status == 0, "\(byEnvironment.stderr)")
            // The flag wins over both: one more image is over a budget of 5.
            let byFlag = await Self.run(
                workspace, ["generate", "a kite", "--monthly-budget", "5"], ["GPTIMG_MONTHLY_BUDGET": "10"])
            #expect(byFlag.status == 1)
            #expect(byFlag.stderr.contains("budget of 5") && byFlag.stderr.contains("--monthly-budget"))
            #expect(await Self.seen(workspace).balance == 96)
        }
    }

    @Test func aMalformedBudgetIsOneLineAndSendsNothing() async throws {
        try await withGenerationWorkspace("malformed", credits: 100) { workspace in
            let typo = await Self.run(workspace, ["generate", "a kite"], ["GPTIMG_MONTHLY_BUDGET": "200 credits"])
            #expect(typo.status == 1)
            #expect(
                typo.stderr == "gptimg: GPTIMG_MONTHLY_BUDGET \"200 credits\" is not a whole number of credits "
                    + "(such as 200); fix it or unset it\n")
            let negative = await Self.run(workspace, ["generate", "a kite", "--monthly-budget=-3"])
            #expect(negative.status == 1)
            #expect(
                negative.stderr.hasPrefix("gptimg: --monthly-budget must be a whole number of credits")
                    && negative.stderr.split(separator: "\n").count == 1, "\(negative.stderr)")
            #expect(await Self.seen(workspace).entries == 0)
        }
    }

    @Test func creditsByDayMonthCollectionTagAndBatch() async throws {
        try await withGenerationWorkspace("by", credits: 100) { workspace in
            #expect(
                await Self.run(workspace, ["generate", "a red kite", "-n", "2", "--collection", "Kites"]).status == 0)
            #expect(await Self.run(workspace, ["generate", "a boat", "--tag", "sea", "--tag", "boat"]).status == 0)
            let file = workspace.folder.file("prompts.txt", "a green kite\na blue kite\n")
            #expect(await Self.run(workspace, ["batch", file, "--collection", "Kites"]).status == 0)
            let month = String(Timestamp(workspace.clock.now()).iso8601.prefix(7))

            let byMonth = jsonObjects(await Self.run(workspace, ["credits", "--by", "month", "--json"]).stdout)
            #expect(byMonth.count == 1)
            #expect(byMonth.first?["month"] as? String == month)
            #expect(byMonth.first?["net"] as? Int == 10 && byMonth.first?["tasks"] as? Int == 4)
            let byDay = jsonObjects(await Self.run(workspace, ["credits", "--by", "day", "--json"]).stdout)
            #expect(byDay.first?["charged"] as? Int == 10)

            let byCollection = jsonObjects(
                await Self.run(workspace, ["credits", "--by", "collection", "--json"]).stdout)
            #expect(byCollection.map { $0["collection"] as? String } == ["Kites", "(none)"])
            #expect(byCollection.map { $0["net"] as? Int } == [8, 2])
            let byTag = jsonObjects(await Self.run(workspace, ["credits", "--by", "tag", "--json"]).stdout)
            let tagged = Dictionary(uniqueKeysWithValues: byTag.map { ($0["tag"] as? String ?? "", $0["net"] as? Int) })
            #expect(tagged == ["boat": 2, "sea": 2, "(none)": 8], "a task counts under each of its tags")

            let byBatch = jsonObjects(await Self.run(workspace, ["credits", "--by", "batch", "--json"]).stdout)
            #expect(byBatch.count == 2)
            #expect(byBatch.first?["tasks"] as? Int == 2 && byBatch.first?["net"] as? Int == 4)
            #expect(byBatch.first?["first_prompt"] as? String == "a green kite")
            #expect(byBatch.last?["batch"] as? String == "(none)" && byBatch.last?["net"] as? Int == 6)

            let table = await Self.run(workspace, ["credits", "--by", "collection"])
            #expect(
                table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) } == [
                    ["collection", "tasks", "charged", "refunded", "net"], ["Kites", "3", "8", "0", "8"],
                    ["(none)", "1", "2", "0", "2"],
                ], "\(table.stdout)")

            // Credits per kept image: none kept, then two (a pick and a 4).
            let none = await Self.run(workspace, ["credits"])
            #expect(none.stdout.contains("charged 10, refunded 0, net 10 credits"), "the default is as it was")
            #expect(none.stdout.contains("no image kept yet"))
            #expect(await Self.run(workspace, ["pick", "1"]).status == 0)
            #expect(await Self.run(workspace, ["rate", "2", "4"]).status == 0)
            #expect(await Self.run(workspace, ["rate", "3", "3"]).status == 0)
            let kept = await Self.run(workspace, ["credits"])
            #expect(kept.stdout.contains("kept 2 images (picked or rated 4+): 5.00 credits per kept image"))
            let keptJSON = jsonObjects(await Self.run(workspace, ["credits", "--json"]).stdout).first
            #expect(keptJSON?["kept_images"] as? Int == 2 && keptJSON?["credits_per_kept_image"] as? String == "5.00")
        }
    }

    @Test func anUnknownGroupingIsOneLineWithTheValidOnes() async throws {
        try await withGenerationWorkspace("unknown", credits: 10) { workspace in
            #expect(await Self.run(workspace, ["generate", "a kite"]).status == 0)
            let bad = await Self.run(workspace, ["credits", "--by", "week"])
            #expect(bad.status == 1)
            #expect(bad.stderr == "gptimg: --by week is not a grouping: use one of day|month|collection|tag|batch\n")
            #expect(bad.stdout.isEmpty)
        }
    }
}

/// `gptimg diff` and `gptimg lineage` on images the simulator made.
@Suite("gptimg diff, lineage")
struct DiffCommandTests {
    @Test func diffShowsThePromptsWordsAndEverySettingThatDiffers() async throws {
        try await withGenerationWorkspace("diff", credits: 100) { workspace in
            let run = { (arguments: [String]) in await SpendCommandTests.run(workspace, arguments) }
            #expect(await run(["generate", "a lighthouse on a cliff at sunset", "--aspect", "3:2"]).status == 0)
            #expect(
                await run([
                    "variant", "1", "--prompt", "a lighthouse on a beach at dawn", "--aspect", "16:9",
                    "-n", "2", "--tag", "dawn",
                ]).status == 0)
            #expect(await run(["rate", "2", "5"]).status == 0)
            let text = await run(["diff", "1", "2"])
            #expect(text.status == 0, "\(text.stderr)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "#1 → #2")
            #expect(lines.contains("prompt: a lighthouse on a [-cliff-] {+beach+} at [-sunset-] {+dawn+}"))
            for expected in [
                "type: text-to-image → image-to-image", "aspect_ratio: 3:2 → 16:9", "n: 1 → 2", "tags: (none) → dawn",
                "rating: 0 → 5", "parent: (none) → #1",
            ] {
                #expect(lines.contains(expected), "\(expected): \(text.stdout)")
            }
            #expect(!lines.contains { $0.hasPrefix("favorite:") }, "only what differs")

            let json = try #require(jsonObjects(await run(["diff", "1", "2", "--json"]).stdout).first)
            #expect(json["same_prompt"] as? Bool == false)
            let prompt = try #require(json["prompt"] as? [[String: String]])
            #expect(prompt.first == ["op": "same", "text": "a lighthouse on a"])
            #expect(
                prompt.contains(["op": "removed", "text": "cliff"])
                    && prompt.contains(["op": "added", "text": "beach"]))
            let fields = (json["differences"] as? [[String: String]] ?? []).map { $0["field"] ?? "" }
            #expect(fields.contains("aspect_ratio") && fields.contains("references") && !fields.contains("favorite"))

            // Two images of one task: the same prompt and settings.
            let twins = await run(["diff", "2", "3"])
            #expect(twins.stdout.contains("prompt: (the same) a lighthouse on a beach at dawn"), "\(twins.stdout)")
            #expect(twins.stdout.contains("rating: 5 → 0"))

            // Unknown ids: one line, the form an ID takes.
            let unknown = await run(["diff", "1", "99"])
            #expect(unknown.status == 1 && unknown.stdout.isEmpty)
            #expect(
                unknown.stderr.split(separator: "\n").count == 1 && unknown.stderr.contains("99"), "\(unknown.stderr)")
            let malformed = await run(["diff", "1", "not-an-id"])
            #expect(malformed.status == 1 && malformed.stderr.split(separator: "\n").count == 1, "\(malformed.stderr)")
            #expect(await run(["lineage", "77"]).status == 1)
        }
    }

    @Test func lineageShowsTheWholeTreeWithEachStepsChange() async throws {
        try await withGenerationWorkspace("lineage", credits: 100) { workspace in
            let run = { (arguments: [String]) in await SpendCommandTests.run(workspace, arguments) }
            #expect(await run(["generate", "a paper boat on a pond"]).status == 0) // 1
            #expect(await run(["variant", "1", "--append", "in autumn"]).status == 0) // 2
            #expect(await run(["variant", "2", "--append", "at night"]).status == 0) // 3
            #expect(await run(["variant", "1", "--prompt", "a paper plane over a pond"]).status == 0) // 4
            #expect(await run(["generate", "unrelated"]).status == 0) // 5

            let fromMiddle = await run(["lineage", "2"])
            #expect(fromMiddle.status == 0, "\(fromMiddle.stderr)")
            #expect(
                fromMiddle.stdout == """
                      #1  t2i  a paper boat on a pond
                    *   #2  i2i  a paper boat on a pond {+, in autumn+}
                          #3  i2i  a paper boat on a pond, in autumn {+, at night+}

                    """, "ancestors to the root, then the descendants: \(fromMiddle.stdout)")

            let fromRoot = jsonObjects(await run(["lineage", "1", "--json"]).stdout)
            #expect(fromRoot.map { $0["id"] as? Int } == [1, 2, 3, 4])
            #expect(fromRoot.map { $0["depth"] as? Int } == [0, 1, 2, 1])
            #expect(fromRoot.map { $0["parent"] as? Int } == [nil, 1, 2, 1])
            #expect(fromRoot.first?["subject"] as? Bool == true && fromRoot.first?["prompt_change"] is NSNull)
            let change = fromRoot.last?["prompt_change"] as? [[String: String]]
            #expect(
                change == [
                    ["op": "same", "text": "a paper"], ["op": "removed", "text": "boat on"],
                    ["op": "added", "text": "plane over"], ["op": "same", "text": "a pond"],
                ])
            let alone = await run(["lineage", "5"])
            #expect(alone.stdout == "* #5  t2i  unrelated\n")
        }
    }
}
