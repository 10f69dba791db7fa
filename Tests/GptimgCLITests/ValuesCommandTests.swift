import Foundation
import GptimgGeneration
import GptimgSimulator
import GptimgSupport
import PNGMetadata
import PNGRaster
import Testing

@testable import GptimgCLI

/// What a user pays and reads: a batch line is known by its file and content, never sent twice
/// whatever options are given; a failed task says the API's own reason; a generation (`g17`) is
/// never taken for an image (`17`); an imported file is read whole. In-process against the
/// simulator over loopback, its ledger the judge of money.
@Suite("gptimg: batch identity, failure reasons, ids, imported files")
struct ValuesCommandTests {
    // MARK: - A batch line is its file and its content

    @Test func aLineAlreadySentIsNeverPlannedAgainWhateverTheOptionsUntilAgain() async throws {
        try await withGenerationWorkspace("identity", credits: 100) { workspace in
            let file = workspace.folder.file(
                "prompts.txt", "a quiet harbour\n{\"prompt\":\"a windmill\",\"aspect_ratio\":\"3:2\"}\n")
            let first = await workspace(["batch", file, "--tag", "t1"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(await workspace.accepted().count == 2)

            let same = await workspace(["batch", file, "--tag", "t1"])
            #expect(same.stderr.contains("batch: 2 lines already done in this file's run"), "\(same.stderr)")

            let untagged = await workspace(["batch", file])
            #expect(untagged.status == 0, "\(untagged.stderr)")
            #expect(untagged.stderr.contains("batch: 0 tasks, 0 images, 0 credits"), "\(untagged.stderr)")
            #expect(
                untagged.stderr.contains(
                    "batch: lines 1 and 2 were sent before with other options (tags t1 then, none now): nothing is "
                        + "sent for them; --again sends them anew as new tasks"),
                "\(untagged.stderr)")

            let doubled = await workspace(["batch", file, "-n", "2"])
            #expect(doubled.stderr.contains("batch: 0 tasks, 0 images, 0 credits"), "\(doubled.stderr)")
            #expect(doubled.stderr.contains("n 1 then, 2 now; tags t1 then, none now"), "\(doubled.stderr)")

            let reshaped = await workspace(["batch", file, "--aspect", "16:9", "--collection", "Trip"])
            #expect(reshaped.stderr.contains("batch: 0 tasks"), "\(reshaped.stderr)")
            #expect(
                reshaped.stderr.contains("line 1 was sent before with other options (aspect 1:1 then, 16:9 now"),
                "\(reshaped.stderr)")
            #expect(reshaped.stderr.contains("collection none then, Trip now"), "\(reshaped.stderr)")
            #expect(await workspace.accepted().count == 2, "no option makes a line sent again")

            let again = await workspace(["batch", file, "-n", "2", "--again"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("batch: 2 tasks, 4 images, 8 credits"), "\(again.stderr)")
            #expect(await workspace.accepted().count == 4)
        }
    }

    @Test func retryFailedSendsAgainOnlyTheLinesWhoseTaskFailed() async throws {
        try await withGenerationWorkspace("retry", credits: 100, failRate: 0.5, seed: 5) { workspace in
            let lines = (1...6).map { "retry line \($0)" }
            let file = workspace.folder.file("retry.txt", lines.joined(separator: "\n"))
            _ = await workspace(["batch", file])
            let firstRun = await workspace.sim.ledger(of: workspace.key).entries
            let failed = Set(firstRun.filter { $0.outcome == "failed" }.map(\.prompt))
            #expect(!failed.isEmpty && failed.count < 6, "the seed should fail some lines, not all: \(failed)")

            let plain = await workspace(["batch", file])
            #expect(plain.stderr.contains("failed at the API (refunded): --retry-failed sends"), "\(plain.stderr)")
            #expect(plain.stderr.contains("batch: 0 tasks"), "\(plain.stderr)")
            #expect(await workspace.sim.ledger(of: workspace.key).entries.count == 6)

            let retried = await workspace(["batch", file, "--retry-failed"])
            #expect(
                retried.stderr.contains("batch: \(failed.count) task\(failed.count == 1 ? "" : "s")"),
                "\(retried.stderr)")
            let after = await workspace.sim.ledger(of: workspace.key).entries
            #expect(after.count == 6 + failed.count)
            #expect(Set(after.dropFirst(6).map(\.prompt)) == failed, "only the failed lines are sent again")
            let both = await workspace(["batch", file, "--again", "--retry-failed"])
            #expect(both.status == 64 && both.stderr.contains("not both"), "\(both.stderr)")
        }
    }

    // MARK: - The API's own reason

    @Test func aFailedTaskShowsTheAPIsCodeAndMessageEvenWhenTheKeyOccursInThem() async throws {
        // "ON" occurs in GENERATION_FAILED: the code used to show as <redacted>.
        let key = "ON"
        let clock = SimulatedClock()
        let simulator = Simulator(
            configuration: SimulatorConfiguration(keys: [key], credits: 10, latency: 45, failRate: 1),
            now: { clock.now() })
        try await simulator.withRunning { sim async throws in
            let workspace = GenerationWorkspace(clock: clock, key: key, sim: sim)
            let generated = await workspace(["generate", "a lighthouse"])
            #expect(generated.status == 1)
            #expect(
                generated.stderr.contains("GENERATION_FAILED: The generator could not render"), "\(generated.stderr)")
            let tasks = await workspace(["tasks", "--all"])
            #expect(tasks.stdout.contains("GENERATION_FAILED: The generator could not render"), "\(tasks.stdout)")
            #expect(!tasks.stdout.contains("<redacted>"), "\(tasks.stdout)")
            let json = try #require(jsonObjects((await workspace(["tasks", "--all", "--json"])).stdout).first)
            #expect(json["error_code"] as? String == "GENERATION_FAILED", "\(json)")
            #expect((json["error"] as? String)?.hasPrefix("The generator could not render") == true, "\(json)")
        }
    }

    // MARK: - Generations and images are named apart

    @Test func generationsAreNamedG17AndAnIDOfTheWrongKindIsToldSo() async throws {
        try await withGenerationWorkspace("ids", credits: 100) { workspace in
            #expect(await workspace(["generate", "a paper crane", "-n", "2"]).status == 0)
            let tasks = await workspace(["tasks", "--all"])
            #expect(tasks.stdout.hasPrefix("g1 "), "\(tasks.stdout)")
            #expect(!tasks.stdout.contains("#"), "\(tasks.stdout)")

            let shown = await workspace(["tasks", "g1"])
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.contains("image 1 ") && shown.stdout.contains("image 2 "), "\(shown.stdout)")
            let byTask = await workspace(["tasks", "g1", "--json"])
            let taskID = try #require(jsonObjects(byTask.stdout).first?["task_id"] as? String)
            #expect(await workspace(["tasks", taskID]).stdout == shown.stdout)

            let image = await workspace(["show", "g1"])
            #expect(image.status == 1)
            #expect(
                image.stderr.contains("g1 is a generation (a task), not an image: `gptimg tasks g1` shows it"),
                "\(image.stderr)")
            let taskAsImage = await workspace(["tag", taskID, "--add", "x"])
            #expect(taskAsImage.status == 1 && taskAsImage.stderr.contains("is a generation"), "\(taskAsImage.stderr)")
            let imageAsTask = await workspace(["tasks", "2"])
            #expect(imageAsTask.status == 1)
            #expect(
                imageAsTask.stderr.contains("2 names an image, not a generation: `gptimg show 2`"),
                "\(imageAsTask.stderr)")
            let variant = await workspace(["variant", "g1"])
            #expect(variant.status == 1 && variant.stderr.contains("g1 is a generation"), "\(variant.stderr)")
            #expect(await workspace.accepted().count == 1, "no id of the wrong kind sent anything")

            let rerun = await workspace(["rerun", "g1", "--json"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(await workspace.accepted().count == 2)
            let help = await workspace(["rerun", "--help"])
            #expect(help.stdout.contains("g17"), "\(help.stdout)")
            let showHelp = await workspace(["show", "--help"])
            #expect(showHelp.stdout.contains("not a generation"), "\(showHelp.stdout)")
        }
    }

    // MARK: - Imported files, read fully

    static func png(width: Int, height: Int, chunks: [TextChunk]) throws -> [UInt8] {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8(truncatingIfNeeded: x &* 5), UInt8(truncatingIfNeeded: y &* 3), 90, 255]
            }
        }
        let plain = try RGBAImage(width: width, height: height, pixels: pixels).pngData()
        return try PNGEditor.splice(plain, inserting: chunks, removingKeywords: [])
    }

    /// A two-pass graph (the second sampler refines the first's latent with its own prompt), and
    /// an img2img graph (LoadImage → VAEEncode into the sampler's latent).
    static let twoPass = #"""
        {"3": {"class_type": "KSampler", "inputs": {"seed": 7, "steps": 20, "cfg": 7, "sampler_name": "euler",
          "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
          "latent_image": ["5", 0]}},
         "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
         "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 832, "height": 1216, "batch_size": 1}},
         "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a quiet lake at dawn", "clip": ["4", 1]}},
         "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
         "10": {"class_type": "LatentUpscale", "inputs": {"samples": ["3", 0], "upscale_method": "nearest-exact",
           "width": 1248, "height": 1824, "crop": "disabled"}},
         "11": {"class_type": "CLIPTextEncode", "inputs": {"text": "snowy mountains behind", "clip": ["4", 1]}},
         "12": {"class_type": "KSampler", "inputs": {"seed": 8, "steps": 12, "cfg": 6, "sampler_name": "euler",
           "scheduler": "normal", "denoise": 0.5, "model": ["4", 0], "positive": ["11", 0], "negative": ["7", 0],
           "latent_image": ["10", 0]}}}
        """#

    static let imageToImage = #"""
        {"1": {"class_type": "LoadImage", "inputs": {"image": "photo.png", "upload": "image"}},
         "2": {"class_type": "VAEEncode", "inputs": {"pixels": ["1", 0], "vae": ["4", 2]}},
         "3": {"class_type": "KSampler", "inputs": {"seed": 9, "steps": 20, "cfg": 7, "sampler_name": "euler",
           "scheduler": "normal", "denoise": 0.6, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
           "latent_image": ["2", 0]}},
         "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
         "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "an oil painting of the photo", "clip": ["4", 1]}},
         "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text", "clip": ["4", 1]}}}
        """#

    @Test func everyPromptOfATwoPassGraphIsSearchableAndAnImg2ImgGraphIsImageToImage() async throws {
        let folder = TemporaryFolder("gptimg-comfy")
        let gptimg = Gptimg()
        let library = folder.path + "/Library"
        let files = [
            ("two-pass.png", Self.twoPass, 30), ("img2img.png", Self.imageToImage, 31),
        ]
        for (name, graph, seed) in files {
            let bytes = try Self.png(
                width: 40, height: seed, chunks: [TextChunk(kind: .tEXt, keyword: "prompt", text: graph)])
            try AtomicFile.write(bytes, to: folder.path + "/" + name, durable: false)
        }
        let imported = await gptimg([
            "import", folder.path + "/two-pass.png", folder.path + "/img2img.png", "--library", library,
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        for word in ["mountains", "lake"] {
            let found = await gptimg(["list", word, "--json", "--library", library])
            #expect(jsonObjects(found.stdout).count == 1, "\(word): \(found.stdout)")
        }
        let i2i = jsonObjects((await gptimg(["list", "type:i2i", "--json", "--library", library])).stdout)
        #expect(i2i.map { $0["prompt"] as? String } == ["an oil painting of the photo"], "\(i2i)")
        let t2i = jsonObjects((await gptimg(["list", "type:t2i", "--json", "--library", library])).stdout)
        #expect(t2i.count == 1 && t2i.first?["type"] as? String == "text-to-image", "\(t2i)")
    }

    @Test func rerunOfAnImportedImageOfAnUnsupportedShapeTakesTheNearestRatioAndSaysSo() async throws {
        try await withGenerationWorkspace("nearest", credits: 100) { workspace in
            // 208×304 is 13:19, the shape of ComfyUI's 832×1216 (the nearest of the 13 is 2:3).
            let infotext = TextChunk(
                kind: .tEXt, keyword: "parameters",
                text: "a tall ship in fog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 208x304")
            let path = workspace.folder.path + "/tall.png"
            try AtomicFile.write(try Self.png(width: 208, height: 304, chunks: [infotext]), to: path, durable: false)
            #expect(await workspace(["import", path]).status == 0)
            let shown = await workspace(["show", "1", "--json"])
            #expect(shown.stdout.contains("\"aspect_ratio\":\"13:19\""), "\(shown.stdout)")

            let rerun = await workspace(["rerun", "1", "--json"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(
                rerun.stderr == "gptimg: 13:19 is not one of the API's aspect ratios: using the nearest, 2:3 "
                    + "(--aspect chooses another)\n",
                "\(rerun.stderr)")
            #expect(jsonObjects(rerun.stdout).first?["aspect_ratio"] as? String == "2:3", "\(rerun.stdout)")
            #expect(await workspace.accepted().count == 1)
            let chosen = await workspace(["rerun", "1", "--aspect", "9:16"])
            #expect(chosen.status == 0 && !chosen.stderr.contains("nearest"), "\(chosen.stderr)")
        }
    }
}

/// The batch acceptance test on the built binary: killed at random points, then run again with
/// other options each time; the simulator's ledger shows each line submitted once.
@Suite("gptimg batch, killed and re-run with other options (the built binary)")
struct BatchKilledBinaryTests {
    @Test func killedAtRandomPointsAndReRunWithOtherOptionsEachLineIsSubmittedOnce() async throws {
        let key = "identity-\(UUID().uuidString)"
        let simulator = Simulator(
            configuration: SimulatorConfiguration(keys: [key], credits: 10_000, latency: 0.3, jitter: 0.15, seed: 21))
        try await simulator.withRunning { sim async throws in
            let workspace = BinaryTests.Workspace(sim, key: key)
            var random = SplitMix64(seed: 1717)
            let lines = (0..<12).map { "identity line \($0)" }
            let file = workspace.folder.file("lines.txt", lines.joined(separator: "\n"))
            let options: [[String]] = [
                ["--tag", "t1"], [], ["-n", "2"], ["--aspect", "16:9"], ["--collection", "Trip", "-n", "3"],
            ]
            var killed = 0
            for round in 0..<5 {
                // 0.1–1.6 s: some runs are killed while sending, some while waiting, some never.
                let delay = 0.1 + Double(random.next() % 1500) / 1000
                let arguments = ["batch", file, "--concurrency", "3"] + options[round % options.count]
                if try await BinaryTests.runAndKill(arguments, workspace, after: delay) { killed += 1 }
            }
            #expect(killed >= 2, "most runs should be killed mid-way (\(killed) of 5 were)")
            // Finished with yet other options: what is left is sent, nothing already sent again.
            let last = try await BinaryTests.run(["batch", file, "-n", "4", "--tag", "last"], workspace)
            #expect(
                last.status == 0 || last.stderr.contains("not sent again"), "\(last.status): \(last.stderr)")
            let (entries, _) = await sim.ledger(of: key)
            let submitted = entries.map(\.prompt)
            #expect(Set(submitted).count == submitted.count, "a line was submitted twice: \(submitted.sorted())")
            #expect(Set(submitted).isSubset(of: Set(lines)))
            let again = try await BinaryTests.run(["batch", file, "--tag", "t1"], workspace)
            #expect(again.stderr.contains("batch: 0 tasks"), "\(again.stderr)")
            #expect(await sim.ledger(of: key).entries.count == entries.count)
        }
    }
}
