import Foundation
import GptimgSupport

/// Where a library lives, resolved as cli.md says: `--library PATH`, then `GPTIMG_LIBRARY`,
/// then `./Library`.
public struct LibraryLocation: Sendable, Hashable {
    public var root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public static func resolve(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> LibraryLocation {
        let variable = environment["GPTIMG_LIBRARY"]
        let path = option.flatMap { $0.isEmpty ? nil : $0 } ?? variable.flatMap { $0.isEmpty ? nil : $0 } ?? "Library"
        return LibraryLocation(
            root: URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true)))
    }

    public var catalogURL: URL { root.appendingPathComponent("catalog.sqlite") }
    public var imagesURL: URL { root.appendingPathComponent("images", isDirectory: true) }
    public var backupsURL: URL { root.appendingPathComponent("backups", isDirectory: true) }
    public var trashURL: URL { root.appendingPathComponent("trash", isDirectory: true) }
}
