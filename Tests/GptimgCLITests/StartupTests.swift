import Foundation
import TestSupport
import Testing

/// What every command pays before it does anything: the shared libraries the binary loads (their
/// mapping, relocation and constructors).
@Suite("gptimg's start-up")
struct StartupTests {
    /// No networking library: the MCP SDK's FoundationNetworking once doubled the start of every
    /// command (Vendor/MCP/README.md). The rule is scripts/check-links.sh's, which `make install`
    /// also runs on the release binary.
    @Test func noNetworkingLibraries() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/check-links.sh").standardizedFileURL.path
        let result = try ProcessRunner.run(["bash", script, BuiltProduct.path("gptimg")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("none for networking"), "\(result.stdout)")
    }
}
