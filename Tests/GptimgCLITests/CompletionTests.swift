import Foundation
import TestSupport
import Testing

@testable import GptimgCLI

/// The completion scripts, loaded in a real bash and answered by the built binary.
@Suite("shell completions")
struct CompletionTests {
    /// What bash offers for the last word of `words` (the word being completed), with the
    /// script `gptimg completions bash` prints, the binary first on PATH.
    static func complete(_ words: [String], library: String, home: String) async throws -> [String] {
        let binary = BuiltProduct.path("gptimg")
        let folder = URL(fileURLWithPath: binary).deletingLastPathComponent().path
        let quoted = words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let script = """
            # Not `set -e`: the generated functions let commands fail as part of their tests.
            source <(gptimg completions bash) || exit 3
            declare -F _gptimg > /dev/null || exit 4
            COMP_WORDS=(\(quoted.joined(separator: " ")))
            COMP_CWORD=\(words.count - 1)
            COMP_LINE="${COMP_WORDS[*]}"
            COMP_POINT=${#COMP_LINE}
            COMPREPLY=()
            _gptimg gptimg "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try await ProcessRunner.run(
            ["/bin/bash", "-c", script],
            environment: ["PATH": folder + ":/usr/bin:/bin", "HOME": home, "GPTIMG_LIBRARY": library])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    @Test func bashCompletesCollectionNamesAndTagsFromTheLibrary() async throws {
        let folder = TemporaryFolder("gptimg-completion")
        let library = try await ContextTests.library(folder, count: 1)
        for arguments in [
            ["collection", "create", "Trip"], ["collection", "create", "Travel 2026"],
            ["collection", "create", "Work"],
            ["tag", "1", "--add", "coast", "cold"],
        ] {
            let made = await Gptimg()(arguments + ["--library", library])
            try #require(made.status == 0, "\(made.stderr)")
        }
        let home = folder.path + "/home"
        #expect(
            try await Self.complete(["gptimg", "collection", "add", "Tr"], library: library, home: home)
                == ["Travel 2026", "Trip"])
        #expect(
            try await Self.complete(["gptimg", "export", "--collection", "W"], library: library, home: home) == ["Work"]
        )
        #expect(
            try await Self.complete(["gptimg", "tag", "1", "--remove", "co"], library: library, home: home)
                == ["coast", "cold"])
        // Subcommands need no library; a missing library offers nothing and says nothing.
        #expect(try await Self.complete(["gptimg", "comp"], library: library, home: home) == ["completions"])
        #expect(
            try await Self.complete(["gptimg", "collection", "add", "T"], library: folder.path + "/none", home: home)
                .isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/none"))
    }

    @Test func theScriptsArePrintedForEachShell() async throws {
        let bash = await Gptimg()(["completions", "bash"])
        #expect(bash.status == 0 && bash.stdout.contains("complete -o filenames -F _gptimg gptimg"))
        let zsh = await Gptimg()(["completions", "zsh"])
        #expect(zsh.status == 0 && zsh.stdout.hasPrefix("#compdef gptimg"))
        let fish = await Gptimg()(["completions", "fish"])
        #expect(fish.status == 0 && fish.stdout.contains("complete -c 'gptimg'"))
        let other = await Gptimg()(["completions", "tcsh"])
        #expect(other.status == 64 && other.stderr.contains("bash"))
    }
}
