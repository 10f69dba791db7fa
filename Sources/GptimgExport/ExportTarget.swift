import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an export goes: a folder, or a zip when the name ends in `.zip`.
///
/// Nothing appears under the final name until the export is complete: everything is written to
/// `.NAME.partial-PID` beside it (a file or a folder), flushed to disk, then renamed into place.
/// A process killed half-way leaves only that hidden partial, which the next export to the same
/// name removes once its process is gone.
public struct ExportTarget: Sendable {
    public enum Kind: String, Sendable {
        case folder, zip
    }

    /// What is already at the final name.
    enum Existing {
        case nothing
        /// An empty folder (replaced without `--force`: nothing in it is lost).
        case emptyFolder
        /// A file, or a folder of an earlier export, to replace (`--force` was given).
        case replaceable(isFolder: Bool)
    }

    /// The absolute path of the final name.
    public let path: String
    public let kind: Kind
    let parent: String
    let name: String

    public init(_ path: String, currentDirectory: String = FileManager.default.currentDirectoryPath) {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true))
            .standardizedFileURL
        var absolute = url.path
        while absolute.count > 1, absolute.hasSuffix("/") { absolute.removeLast() }
        self.path = absolute
        self.kind = absolute.lowercased().hasSuffix(".zip") ? .zip : .folder
        self.parent = url.deletingLastPathComponent().path
        self.name = url.lastPathComponent
    }

    var partialPath: String { parent + "/." + name + ".partial-\(getpid())" }
    private var replacedPath: String { parent + "/." + name + ".replaced-\(getpid())" }

    /// Checks the final name: refuses an existing target without `force`, never replaces a
    /// folder that is not an earlier export (its `manifest.json` or `manifest.csv` and no
    /// subfolders), and refuses a target inside the library.
    func check(force: Bool, libraryRoot: String) throws -> Existing {
        let root = Self.resolved(libraryRoot)
        let resolved = Self.resolved(path)
        if RealPath.isWithin(resolved, folder: root) { throw ExportError.targetInsideLibrary(path: path) }
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return .nothing }
            throw ExportError.write(path: path, reason: errnoDescription())
        }
        let isFolder = status.st_mode & S_IFMT == S_IFDIR
        switch kind {
        case .zip:
            if isFolder { throw ExportError.targetNotReplaceable(path: path, reason: "it is a folder, not a zip file") }
            guard force else { throw ExportError.targetExists(path: path) }
            return .replaceable(isFolder: false)
        case .folder:
            guard isFolder else {
                throw ExportError.targetNotReplaceable(path: path, reason: "it is a file, not a folder")
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if entries.isEmpty { return .emptyFolder }
            guard force else { throw ExportError.targetExists(path: path) }
            guard entries.contains(where: { $0 == "manifest.json" || $0 == "manifest.csv" }) else {
                throw ExportError.targetNotReplaceable(
                    path: path, reason: "it is not an earlier export (it has no manifest.json or manifest.csv)")
            }
            var isDirectory: ObjCBool = false
            if entries.contains(where: {
                FileManager.default.fileExists(atPath: path + "/" + $0, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            }) {
                throw ExportError.targetNotReplaceable(path: path, reason: "it holds folders, which no export writes")
            }
            return .replaceable(isFolder: true)
        }
    }

    /// The path with symbolic links in its existing part resolved (a library reached through a
    /// link is still the library).
    static func resolved(_ path: String) -> String {
        RealPath.resolvingExistingPart(of: path)
    }

    /// Creates the parent folder when missing and removes partials left by dead processes.
    func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw ExportError.write(path: parent, reason: "cannot create the folder")
        }
        let prefixes = ["." + name + ".partial-", "." + name + ".replaced-"]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            // Ours too: a partial with this process's id was left by a dead one whose id we got.
            guard let prefix = prefixes.first(where: { entry.hasPrefix($0) }),
                let pid = Int32(entry.dropFirst(prefix.count)),
                pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH)
            else { continue }
            try? FileManager.default.removeItem(atPath: parent + "/" + entry)
        }
    }

    /// Moves the finished partial to the final name, replacing what `existing` found.
    func commit(_ existing: Existing) throws {
        switch existing {
        case .nothing, .emptyFolder, .replaceable(isFolder: false):
            // One rename(2), which replaces a file or an empty folder atomically: readers see
            // the old target or the new one, never a part.
            guard rename(partialPath, path) == 0 else {
                throw ExportError.write(path: path, reason: errnoDescription())
            }
        case .replaceable(isFolder: true):
            guard rename(path, replacedPath) == 0 else {
                throw ExportError.write(path: path, reason: errnoDescription())
            }
            guard rename(partialPath, path) == 0 else {
                let reason = errnoDescription()
                rename(replacedPath, path)
                throw ExportError.write(path: path, reason: reason)
            }
            try? FileManager.default.removeItem(atPath: replacedPath)
        }
        AtomicFile.syncDirectory(parent)
    }

    /// Removes the partial (after a failure or an interruption).
    func discard() {
        try? FileManager.default.removeItem(atPath: partialPath)
    }
}
