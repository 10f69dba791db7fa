import Foundation
import Testing

@testable import GptimgClient

/// Where the key is looked for, and what a missing or exposed one says.
@Suite struct APICredentialsTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/.config/gptimg", withIntermediateDirectories: true)
        return path
    }

    @Test func aMissingKeyNamesTheFileActuallyLookedFor() throws {
        let home = "/nonexistent-home-\(UInt32.random(in: 0...UInt32.max))"
        #expect(throws: ClientError.missingKey(keyFile: home + "/.config/gptimg/api-key")) {
            try APICredentials.key(environment: ["HOME": home], homeDirectory: "/elsewhere")
        }
        #expect(throws: ClientError.missingKey(keyFile: home + "/xdg/gptimg/api-key")) {
            try APICredentials.key(
                environment: ["HOME": home, "XDG_CONFIG_HOME": home + "/xdg"], homeDirectory: "/elsewhere")
        }
        #expect(throws: ClientError.missingKey(keyFile: home + "/.config/gptimg/api-key")) {
            try APICredentials.key(environment: [:], homeDirectory: home)
        }
        #expect(
            ClientError.missingKey(keyFile: home + "/xdg/gptimg/api-key").description.contains(
                home + "/xdg/gptimg/api-key"))
    }

    @Test func theKeyFileIsUsedOnlyWhenOnlyItsOwnerCanReadIt() throws {
        let home = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let file = home + "/.config/gptimg/api-key"
        try "file-key\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o644)
        #expect(throws: ClientError.keyFileReadableByOthers(file)) {
            try APICredentials.key(environment: ["HOME": home], homeDirectory: "/")
        }
        #expect(
            ClientError.keyFileReadableByOthers(file).description
                == "\(file) is readable by other users; run `chmod 600 \(file)` (and consider rotating the key)")
        chmod(file, 0o600)
        #expect(try APICredentials.key(environment: ["HOME": home], homeDirectory: "/").occurs(in: "file-key"))
        // The variable wins over the file.
        let both = try APICredentials.resolve(
            environment: ["HOME": home, "GPTIMG_API_KEY": "env-key"], homeDirectory: "/")
        #expect(both.key.occurs(in: "env-key") && both.baseURL == "https://gptimg.co")
        try "two words\n".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(throws: ClientError.keyFileWithoutKey(file)) {
            try APICredentials.key(environment: ["HOME": home], homeDirectory: "/")
        }
    }

    @Test func theBaseURLComesFromTheEnvironmentAndIsCheckedByTheClient() throws {
        let credentials = try APICredentials.resolve(
            environment: ["GPTIMG_API_KEY": "k", "GPTIMG_BASE_URL": "http://example.com"], homeDirectory: "/")
        #expect(credentials.baseURL == "http://example.com")
        #expect(throws: ClientError.insecureBaseURL("http://example.com")) { try APIClient(credentials) }
        let empty = try APICredentials.resolve(
            environment: ["GPTIMG_API_KEY": "k", "GPTIMG_BASE_URL": ""], homeDirectory: "/")
        #expect(empty.baseURL == "https://gptimg.co")
    }
}
