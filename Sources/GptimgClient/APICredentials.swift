import Foundation
import GptimgAPI
import GptimgSupport

/// Where the API is and which key to use: `GPTIMG_BASE_URL` (default https://gptimg.co) and
/// `GPTIMG_API_KEY`, else `$XDG_CONFIG_HOME/gptimg/api-key` (`~/.config/gptimg/api-key`
/// without it) when only its owner can read it.
///
/// Read from the environment a command's context gives, never from the process itself, so
/// every surface (CLI, gallery, tests) decides where its key comes from.
public struct APICredentials: Sendable {
    /// Checked as `APIClient` checks it: https, or plain http only on this machine.
    public let baseURL: String
    public let key: APIKey

    public init(baseURL: String, key: APIKey) {
        self.baseURL = baseURL
        self.key = key
    }

    /// The base URL and key `environment` names; `homeDirectory` is where `~` is when
    /// `HOME` is not set.
    public static func resolve(environment: [String: String], homeDirectory: String) throws -> APICredentials {
        let base = environment["GPTIMG_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? APIContract.defaultBaseURL
        return APICredentials(baseURL: base, key: try key(environment: environment, homeDirectory: homeDirectory))
    }

    /// The key file looked for: `$XDG_CONFIG_HOME/gptimg/api-key`, else `~/.config/gptimg/api-key`.
    public static func keyFile(environment: [String: String], homeDirectory: String) -> String {
        let home = environment["HOME"] ?? homeDirectory
        return XDGDirectories.configHome(environment: environment, homeDirectory: home) + "/gptimg/api-key"
    }

    /// `GPTIMG_API_KEY`, else the key file when only its owner can read it.
    public static func key(environment: [String: String], homeDirectory: String) throws(ClientError) -> APIKey {
        let path = keyFile(environment: environment, homeDirectory: homeDirectory)
        if let value = environment["GPTIMG_API_KEY"], !value.isEmpty {
            guard let key = APIKey(value) else { throw .missingKey(keyFile: path) }
            return key
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .missingKey(keyFile: path) }
        guard info.st_mode & 0o077 == 0 else { throw .keyFileReadableByOthers(path) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let key = APIKey(text) else {
            throw .keyFileWithoutKey(path)
        }
        return key
    }
}
