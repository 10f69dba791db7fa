/// The XDG base directories (freedesktop.org): where a user's data and settings live. The spec
/// says a relative or empty value is invalid and must be ignored, so those fall back to the
/// defaults under the home directory.
public enum XDGDirectories {
    /// `$XDG_DATA_HOME`, else `~/.local/share`.
    public static func dataHome(environment: [String: String], homeDirectory: String) -> String {
        absolute(environment["XDG_DATA_HOME"]) ?? homeDirectory + "/.local/share"
    }

    /// `$XDG_CONFIG_HOME`, else `~/.config`.
    public static func configHome(environment: [String: String], homeDirectory: String) -> String {
        absolute(environment["XDG_CONFIG_HOME"]) ?? homeDirectory + "/.config"
    }

    /// gptimg's config file: `$XDG_CONFIG_HOME/gptimg/config.toml`.
    public static func configFile(environment: [String: String], homeDirectory: String) -> String {
        configHome(environment: environment, homeDirectory: homeDirectory) + "/gptimg/config.toml"
    }

    private static func absolute(_ value: String?) -> String? {
        guard let value, value.hasPrefix("/") else { return nil }
        return value.count > 1 && value.hasSuffix("/") ? String(value.dropLast()) : value
    }
}
