import Foundation

/// Everything an export can refuse or fail at, each as one line that names the problem and what
/// to do about it. Catalog, PNG and raster errors pass through with their own messages.
public enum ExportError: Error, Sendable, Equatable, LocalizedError, CustomStringConvertible {
    /// None, or more than one, of `--collection`, `--query` and IDs was given.
    case selection(String)
    /// The selection matched no image: an empty archive helps no one.
    case nothingToExport(String)
    /// The target exists and `--force` was not given.
    case targetExists(path: String)
    /// `--force` was given, but the folder is not one we can safely replace.
    case targetNotReplaceable(path: String, reason: String)
    /// The target is inside the library (it would mix exported copies into the store).
    case targetInsideLibrary(path: String)
    /// A `--name` template that cannot be used.
    case template(String)
    /// A library file is missing or not what the catalog says.
    case sourceFile(id: Int64, path: String, reason: String)
    /// Writing the export failed.
    case write(path: String, reason: String)
    /// Stopped by a signal (Ctrl-C): nothing was left under the final name.
    case interrupted

    public var description: String {
        switch self {
        case .selection(let message):
            message
        case .nothingToExport(let what):
            "nothing to export: \(what) (`gptimg list` shows what a query matches)"
        case .targetExists(let path):
            "\(path) already exists: choose another --to, or add --force to replace it"
        case .targetNotReplaceable(let path, let reason):
            "\(path) cannot be replaced: \(reason); remove it yourself or choose another --to"
        case .targetInsideLibrary(let path):
            "\(path) is inside the library: export to a folder outside it"
        case .template(let message):
            message
        case .sourceFile(let id, let path, let reason):
            "image \(id) (\(path)): \(reason) (run `gptimg doctor` to check the library)"
        case .write(let path, let reason):
            "cannot write \(path): \(reason)"
        case .interrupted:
            "export interrupted: nothing was written under the target's name"
        }
    }

    public var errorDescription: String? { description }
}
