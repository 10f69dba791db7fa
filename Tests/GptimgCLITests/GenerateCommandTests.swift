import Foundation
import GptimgSimulator
import Testing

@testable import GptimgCLI

/// `gptimg generate`, `tasks`, `credits`, in-process against the simulator over loopback.
@Suite("gptimg generate")
struct GenerateCommandTests {
    @Test func generateLandsImagesChargesOnceAndNeverWritesTheKey() async throws {
        try await withGenerationWorkspace("generate", credits: 10) { workspace in
            let canary = workspace.key
            let generated = await workspace([
                "generate", "a red apple on white marble", "-n", "2", "--tag", "fruit", "--json",
            ])
            #expect(generated.status == 0, "\(generated.stderr)")
            #expect(generated.stdout.contains("\"status\":\"completed\""))
            #expect(generated.stdout.contains("\"credits_charged\":4"))
            #expect(generated.stderr.isEmpty, "no progress lines when stderr is not a terminal: \(generated.stderr)")
            #expect(await workspace.sim.balance(of: canary) == 6)

            // 402: nothing landed, the reported balance recorded, one line on stderr.
            let refused = await workspace(["generate", "too many", "-n", "4"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("needs 8") && refused.stderr.contains("balance is 6"))
            #expect(await workspace.sim.balance(of: canary) == 6)

            // Refused locally: no request, no row.
            let invalid = await workspace(["generate", "x", "--aspect", "7:5"])
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("nothing was sent"))

            let listed = await workspace(["list", "tag:fruit", "--json"])
            #expect(jsonObjects(listed.stdout).count == 2)
            let credits = await workspace(["credits"])
            #expect(credits.stdout.contains("charged 4, refunded 0, net 4"))
            #expect(credits.stdout.contains("last balance reported by the API: 6"))

            // The key canary: nowhere in the library's files or the outputs.
            for result in [generated, refused, invalid, listed, credits] {
                #expect(!result.stdout.contains(canary) && !result.stderr.contains(canary))
            }
            let files = FileManager.default.enumerator(atPath: workspace.library)?.compactMap { $0 as? String } ?? []
            #expect(!files.isEmpty)
            for file in files {
                let data = FileManager.default.contents(atPath: workspace.library + "/" + file) ?? Data()
                #expect(data.range(of: Data(canary.utf8)) == nil, "the key is in \(file)")
            }
        }
    }

    @Test func aFailedTaskIsRecordedWithItsRefund() async throws {
        try await withGenerationWorkspace("failed", credits: 10, failRate: 1) { workspace in
            let result = await workspace(["generate", "doomed", "-n", "3", "--json"])
            #expect(result.status == 1)
            #expect(result.stdout.contains("\"status\":\"failed\""))
            #expect(result.stdout.contains("\"credits_charged\":6,\"credits_refunded\":6"))
            #expect(await workspace.sim.balance(of: workspace.key) == 10)
            let credits = await workspace(["credits"])
            #expect(credits.stdout.contains("charged 6, refunded 6, net 0"))
        }
    }

    @Test func eachStepIsRedrawnOnATerminalAndAPlainLineElsewhere() async throws {
        try await withGenerationWorkspace("progress", credits: 10) { workspace in
            let gptimg = Gptimg(
                environment: [
                    "HOME": workspace.folder.path, "GPTIMG_BASE_URL": workspace.sim.baseURL,
                    "GPTIMG_API_KEY": workspace.key,
                ],
                currentDirectory: workspace.folder.path, clock: workspace.clock
            ).online()
            let steps = [
                "] submitted gpt-image-2-", "] waiting for gpt-image-2-", "] downloading image 1 of 1 (",
                "] landed: images/",
            ]
            let shown = await gptimg(["generate", "on a terminal", "--library", workspace.library], terminal: true)
            #expect(shown.status == 0, "\(shown.stderr)")
            let plainShown = shown.stderr.replacingOccurrences(of: "\u{1B}[2m", with: "")
                .replacingOccurrences(of: "\u{1B}[32m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "")
            for step in steps { #expect(plainShown.contains(step), "\(step): \(shown.stderr)") }
            // The line of where each task is, redrawn in place, and gone at the end.
            #expect(shown.stderr.contains("\r\u{1B}[K[g1] sending 0:00"), "\(shown.stderr)")
            #expect(shown.stderr.hasSuffix("\r\u{1B}[K"), "\(shown.stderr)")
            #expect(shown.stdout.contains("completed"))

            let piped = await gptimg(["generate", "on a pipe", "--library", workspace.library])
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(!piped.stderr.contains("\u{1B}") && !piped.stderr.contains("\r"), "\(piped.stderr)")
            for step in steps { #expect(piped.stderr.contains(step), "\(step): \(piped.stderr)") }
            #expect(piped.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("gptimg: [g2] ") }, "\(piped.stderr)")

            let quiet = await gptimg(
                ["generate", "quietly", "--quiet", "--library", workspace.library], terminal: true)
            #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
            #expect(quiet.stdout.contains("completed"))
        }
    }

    @Test func withoutAKeyNothingIsRecordedOrSentAndTheFileLookedForIsNamed() async throws {
        let folder = TemporaryFolder()
        let gptimg = Gptimg(environment: ["HOME": folder.path], currentDirectory: folder.path)
        let result = await gptimg(["generate", "no key", "--library", folder.path + "/Library"])
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "gptimg: no API key: set GPTIMG_API_KEY, or put it in \(folder.path)/.config/gptimg/api-key "
                + "with mode 0600\n"
        )
        #expect(
            !FileManager.default.fileExists(atPath: folder.path + "/Library"),
            "nothing is created before the key is found")
        let latency = await Gptimg(
            environment: ["GPTIMG_API_KEY": "k", "GPTIMG_POLL_LATENCY": "soon"], currentDirectory: folder.path)(
                ["generate", "x", "--library", folder.path + "/Library"])
        #expect(
            latency.status == 1 && latency.stderr.contains("GPTIMG_POLL_LATENCY \"soon\" is not a number of seconds"))
    }
}
