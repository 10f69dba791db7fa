import Foundation
import GptimgSimulator
import Testing

@testable import GptimgCLI

/// `$XDG_CONFIG_HOME/gptimg/config.toml`: `gptimg config`, its errors, and its defaults in
/// the commands (flag > environment > config > built-in).
@Suite("the config file")
struct ConfigTests {
    /// `gptimg` with a home of its own in `folder` (the config file under `~/.config`).
    static func gptimg(_ folder: TemporaryFolder, _ extra: [String: String] = [:]) -> Gptimg {
        var gptimg = Gptimg(currentDirectory: folder.path)
        gptimg.environment["HOME"] = folder.path + "/home"
        gptimg.environment.merge(extra) { $1 }
        return gptimg
    }

    static func configPath(_ folder: TemporaryFolder) -> String { folder.path + "/home/.config/gptimg/config.toml" }

    @Test func setGetListUnsetKeepTheOtherLinesAndComments() async throws {
        let folder = TemporaryFolder("gptimg-config")
        let gptimg = Self.gptimg(folder)
        let path = Self.configPath(folder)
        #expect(await gptimg(["config", "set", "aspect", "16:9"]).status == 0)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(folder.path + "/home/.config/gptimg", &info) == 0 && info.st_mode & 0o777 == 0o700)
        // A user's own comments and layout.
        try "# my defaults\naspect = \"16:9\"  # wide\n\nn = 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await gptimg(["config", "set", "aspect", "4:5"]).status == 0)
        #expect(await gptimg(["config", "set", "tags", "portfolio, 2026"]).status == 0)
        #expect(await gptimg(["config", "set", "poll_latency", "2.5"]).status == 0)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text == """
                # my defaults
                aspect = "4:5"  # wide

                n = 2
                tags = ["portfolio", "2026"]
                poll_latency = 2.5

                """, "\(text)")
        #expect(await gptimg(["config", "get", "tags"]).stdout == "portfolio, 2026\n")
        let list = await gptimg(["config", "list"])
        #expect(list.stdout == "aspect = 4:5\nn = 2\ntags = portfolio, 2026\npoll_latency = 2.5\n", "\(list.stdout)")
        #expect(await gptimg(["config", "unset", "n"]).status == 0)
        #expect(await gptimg(["config", "get", "n"]).status == 1)
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("n = 2"))
        // A bad value is refused before anything is written.
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let bad = await gptimg(["config", "set", "n", "9"])
        #expect(bad.status == 1 && bad.stderr == "gptimg: '9' is not a valid n: use a whole number from 1 to 4\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
        let unknown = await gptimg(["config", "set", "colour", "red"])
        #expect(unknown.status == 64 && unknown.stderr.contains("colour"), "\(unknown.stderr)")
    }

    @Test func aBadFileIsOneLineNamingTheFileTheLineAndTheValidValues() async throws {
        let folder = TemporaryFolder("gptimg-config")
        let gptimg = Self.gptimg(folder)
        let path = Self.configPath(folder)
        try FileManager.default.createDirectory(
            atPath: folder.path + "/home/.config/gptimg", withIntermediateDirectories: true)
        let cases: [(String, String)] = [
            (
                "n = 2\n# c\ncolour = \"red\"\n",
                "gptimg: \(path):3: unknown key 'colour': the keys are library, base_url, aspect, n, tags, "
                    + "concurrency, poll_latency, batch_credit_cap, monthly_budget, backups_kept\n"
            ),
            (
                "\naspect = \"5:7\"\n",
                "gptimg: \(path):2: bad value for aspect: use one of 1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 5:4, 4:5, "
                    + "2:1, 1:2, 21:9, 9:21\n"
            ),
            ("n = \"2\"\n", "gptimg: \(path):1: bad value for n: use a whole number from 1 to 4\n"),
            ("n = 2\nn = 3\n", "gptimg: \(path):2: cannot redefine existing integer 'n'\n"),
        ]
        for (text, expected) in cases {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = await gptimg(["list"])
            #expect(result.status == 1 && result.stderr == expected, "\(text): \(result.stderr)")
        }
        // A flag naming the library does not need the config file.
        let flagged = await gptimg(["where", "--catalog", "--library", "/x"])
        #expect(flagged.status == 0 && flagged.stdout == "/x/catalog.sqlite\n", "\(flagged.stderr)")
    }

    @Test func theLibraryIsTheFlagThenTheVariableThenTheConfigFile() async throws {
        let folder = TemporaryFolder("gptimg-config")
        var gptimg = Self.gptimg(folder)
        #expect(await gptimg(["config", "set", "library", "~/Pictures/gptimg"]).status == 0)
        func library(_ arguments: [String] = []) async -> (String?, String?) {
            let paths = jsonObjects(await gptimg(["where", "--json"] + arguments).stdout).first
            return (paths?["library"] as? String, paths?["library_source"] as? String)
        }
        #expect(await library() == (folder.path + "/home/Pictures/gptimg", "config file"))
        gptimg.environment["GPTIMG_LIBRARY"] = "/from/env"
        #expect(await library() == ("/from/env", "GPTIMG_LIBRARY"))
        #expect(await library(["--library", "/from/flag"]) == ("/from/flag", "--library"))
    }

    @Test func generateAndBatchTakeTheirDefaultsFromTheConfigFile() async throws {
        try await withGenerationWorkspace("config", credits: 100, latency: 1) { workspace in
            // No GPTIMG_BASE_URL: the config file's base_url reaches the simulator.
            let gptimg = Self.gptimg(workspace.folder, ["GPTIMG_API_KEY": workspace.key])
            var online = gptimg.online()
            online.clock = workspace.clock
            for (key, value) in [
                ("base_url", workspace.sim.baseURL), ("aspect", "16:9"), ("n", "2"), ("tags", "cfg"),
                ("concurrency", "3"), ("batch_credit_cap", "5"), ("poll_latency", "0.5"),
            ] {
                let set = await gptimg(["config", "set", key, value])
                #expect(set.status == 0, "\(key): \(set.stderr)")
            }
            let made = await online(["generate", "a kite", "--json", "--library", workspace.library])
            #expect(made.status == 0, "\(made.stderr)")
            let images = jsonObjects(await gptimg(["list", "--json", "--library", workspace.library]).stdout)
            #expect(images.count == 2, "\(images)")
            #expect(images.allSatisfy { $0["aspect_ratio"] as? String == "16:9" }, "\(images)")
            #expect(images.allSatisfy { ($0["tags"] as? [String]) == ["cfg"] }, "\(images)")
            // A flag wins over the config file.
            let flagged = await online([
                "generate", "a kite", "-n", "1", "--aspect", "1:1", "--library", workspace.library,
            ])
            #expect(flagged.status == 0, "\(flagged.stderr)")
            #expect(await workspace.accepted().map(\.n) == [2, 1])
            // batch: concurrency and n from the file; its credit cap refuses 3 lines × 2 images × 2.
            let file = workspace.folder.file("p.txt", "one\ntwo\nthree\n")
            let dry = await online(["batch", file, "--dry-run", "--max-credits", "100", "--library", workspace.library])
            #expect(dry.stderr.hasPrefix("gptimg: batch: 3 tasks, 6 images, 12 credits (2 an image), 3 at a time\n"))
            let capped = await online(["batch", file, "--library", workspace.library])
            #expect(capped.status == 1 && capped.stderr.contains("over --max-credits 5"), "\(capped.stderr)")
            #expect(await workspace.accepted().count == 2)
        }
    }
}
