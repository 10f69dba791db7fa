import ArgumentParser
import Foundation
import TestSupport
import Testing

@testable import GptimgCLI

/// What every command pays before it does anything: the shared libraries the binary loads (their
/// mapping, relocation and constructors) and the command tree ArgumentParser builds.
@Suite("gptimg's start-up")
struct StartupTests {
    /// No networking library: the MCP SDK's FoundationNetworking once doubled the start of every
    /// command (Vendor/MCP/README.md). The rule is scripts/check-links.sh's, which `make install`
    /// also runs on the release binary.
    @Test func noNetworkingLibraries() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/check-links.sh").standardizedFileURL.path
        let result = try await ProcessRunner.run(["bash", script, BuiltProduct.path("gptimg")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("none for networking"), "\(result.stdout)")
    }

    /// Every command names itself. ArgumentParser builds the whole command tree at every start,
    /// and a command without `commandName` gets its name from `String(describing:)` of its type:
    /// dynamic casts that the Swift runtime answers by scanning every protocol conformance in the
    /// binary, several times for each such command, at every start (bench/README.md).
    @Test func everyCommandNamesItself() {
        func unnamed(_ command: any ParsableCommand.Type, path: String) -> [String] {
            let here = path + " " + (command.configuration.commandName ?? "\(command)")
            let own = command.configuration.commandName == nil ? [here] : []
            return own + command.configuration.subcommands.flatMap { unnamed($0, path: here) }
        }
        #expect(unnamed(GptimgCommand.self, path: "").isEmpty)
    }
}
