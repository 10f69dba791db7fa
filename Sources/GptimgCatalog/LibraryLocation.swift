import Foundation
import GptimgSupport

/// Where a library lives, resolved as cli.md says: `--library PATH`, then `GPTIMG_LIBRARY`, then
/// the config file's `library`, then `$XDG_DATA_HOME/gptimg` (`~/.local/share/gptimg`), so every
/// folder the shell is in sees the same library.
public struct LibraryLocation: Sendable, Hashable {
    /// Which rule chose a library (`gptimg where` says it).
    public enum Source: String, Sendable {
        case option = "--library"
        case environment = "GPTIMG_LIBRARY"
        case config = "config file"
        case dataHome = "default"
    }

    public var root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The library and the rule that chose it. A relative `option` or `GPTIMG_LIBRARY` is taken
    /// from `currentDirectory`; a relative `configured` path (or one starting with `~/`) from
    /// `homeDirectory`, since the config file is read from any folder.
    public static func resolveWithSource(
        option: String?, environment: [String: String], currentDirectory: String, homeDirectory: String,
        configured: String? = nil
    ) -> (location: LibraryLocation, source: Source) {
        func given(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        func at(_ path: String, from base: String) -> LibraryLocation {
            LibraryLocation(root: URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: base, isDirectory: true)))
        }
        if let path = given(option) { return (at(path, from: currentDirectory), .option) }
        if let path = given(environment["GPTIMG_LIBRARY"]) { return (at(path, from: currentDirectory), .environment) }
        if var path = given(configured) {
            if path == "~" || path.hasPrefix("~/") { path = homeDirectory + path.dropFirst() }
            return (at(path, from: homeDirectory), .config)
        }
        let data = XDGDirectories.dataHome(environment: environment, homeDirectory: homeDirectory)
        return (LibraryLocation(root: URL(fileURLWithPath: data + "/gptimg", isDirectory: true)), .dataHome)
    }

    /// The library alone (see `resolveWithSource`).
    public static func resolve(
        option: String?, environment: [String: String], currentDirectory: String, homeDirectory: String,
        configured: String? = nil
    ) -> LibraryLocation {
        resolveWithSource(
            option: option, environment: environment, currentDirectory: currentDirectory,
            homeDirectory: homeDirectory, configured: configured
        ).location
    }

    public var catalogURL: URL { root.appendingPathComponent("catalog.sqlite") }
    public var imagesURL: URL { root.appendingPathComponent("images", isDirectory: true) }
    public var backupsURL: URL { root.appendingPathComponent("backups", isDirectory: true) }
    public var trashURL: URL { root.appendingPathComponent("trash", isDirectory: true) }
}
