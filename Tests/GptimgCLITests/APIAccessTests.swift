import GptimgClient
import Testing

@testable import GptimgCLI

/// Where the key is looked for, and what a missing one says.
@Suite struct APIAccessTests {
    @Test func aMissingKeyNamesTheFileActuallyLookedFor() throws {
        let home = "/nonexistent-home-\(UInt32.random(in: 0...UInt32.max))"
        #expect(throws: ClientError.missingKey(keyFile: home + "/.config/gptimg/api-key")) {
            try APIAccess.key(environment: ["HOME": home])
        }
        #expect(throws: ClientError.missingKey(keyFile: home + "/xdg/gptimg/api-key")) {
            try APIAccess.key(environment: ["HOME": home, "XDG_CONFIG_HOME": home + "/xdg"])
        }
        #expect(ClientError.missingKey(keyFile: home + "/xdg/gptimg/api-key").description.contains(home + "/xdg/gptimg/api-key"))
    }
}
