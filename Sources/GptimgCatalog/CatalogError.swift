import Foundation
import GRDB
import GptimgSupport

/// Everything the catalog can refuse or fail at, each with one line that names the problem and
/// what to do about it. GRDB, SQLite and Foundation errors are wrapped in it (`wrap`, the one
/// place that reads them), never shown raw.
public enum CatalogError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// No catalog at the library's path (reading commands do not create one).
    case noLibrary(path: String)
    /// SQLite said no; `operation` is what we were doing.
    case database(operation: String, message: String)
    /// A file of the library or one to import could not be read or written.
    case file(path: String, reason: String)
    /// An ID that is neither an image id nor a 6+ hex prefix of an image's SHA-256.
    case invalidID(String)
    case noSuchImage(String)
    /// A generation's name (`g17`, a task id) given where an image is expected.
    case generationNotImage(String)
    /// An image's number given where a generation (`g17`, a task id) is expected.
    case imageNotGeneration(String)
    case ambiguousID(String, matches: Int)
    case noSuchGeneration(Int64)
    case noSuchCollection(String)
    case collectionExists(String)
    case invalidName(String, reason: String)
    case invalidRating(String)
    /// A malformed query: unknown filter, bad value; the message lists what is valid.
    case query(String)
    /// A changing command given both IDs and a query, or neither.
    case selection(String)
    /// The catalog's schema is newer than this gptimg knows.
    case newerSchema(path: String)
    /// The catalog file is damaged (not a database, corrupt pages, emptied): `doctor` cannot open
    /// it either, so the message names what works (rebuild, or a copy from backups/).
    case damaged(reason: String)
    /// A write refused because the library (its folder or catalog) is read-only.
    case readOnly(operation: String)
    /// A write that ran out of disk space (SQLite rolled it back: nothing changed).
    case diskFull(operation: String)
    case backupFailed(reason: String)
    case rebuildFailed(reason: String)
    case invalidArgument(String)
    /// A batch line already sent (or possibly sent) as generation `generation`.
    case alreadySubmitted(batchKey: String, generation: Int64)

    public var description: String {
        switch self {
        case .noLibrary(let path):
            """
            no library at \(path): import or generate images to create one, or choose it with --library PATH or \
            GPTIMG_LIBRARY
            """
        case .database(let operation, let message):
            "the catalog could not \(operation): \(message) (run `gptimg doctor` to check it)"
        case .file(let path, let reason):
            "\(path): \(reason)"
        case .invalidID(let id):
            "'\(id)' is not an image ID: use an image's number or at least 6 hex digits of its SHA-256"
        case .noSuchImage(let id):
            "no image with ID \(id): `gptimg list` shows the images and their IDs"
        case .generationNotImage(let id):
            """
            \(id) is a generation (a task), not an image: `gptimg tasks \(id)` shows it and its images; this command \
            takes an image's number or 6+ hex digits of its SHA-256
            """
        case .imageNotGeneration(let id):
            """
            \(id) names an image, not a generation: `gptimg show \(id)` shows the image; a generation is \
            g<number> or its task id (gpt-image-2-…), as `gptimg tasks --all` lists them
            """
        case .ambiguousID(let id, let matches):
            "ID '\(id)' matches \(matches) images: give more hex digits of the SHA-256"
        case .noSuchGeneration(let id):
            "no generation \(GenerationReference.text(id)) in the catalog: `gptimg tasks --all` lists them"
        case .noSuchCollection(let name):
            "no collection named '\(name)': `gptimg collection list` shows them"
        case .collectionExists(let name):
            "a collection named '\(name)' already exists: choose another name"
        case .invalidName(let name, let reason):
            "'\(name)' cannot be used as a name: \(reason)"
        case .invalidRating(let value):
            "'\(value)' is not a rating: use a whole number from 0 to 5"
        case .query(let message), .selection(let message):
            message
        case .alreadySubmitted(let key, let generation):
            """
            batch line \(key) was already submitted as generation \(GenerationReference.text(generation)); it is not \
            sent twice (`gptimg tasks \(GenerationReference.text(generation))` shows it)
            """
        case .newerSchema(let path):
            "\(path) was written by a newer gptimg: upgrade gptimg to open it (this one changes nothing in it)"
        case .damaged(let reason):
            "the catalog is damaged (\(reason)): `gptimg rebuild` makes a new one from the images' metadata "
                + "(keeping this one in backups/), or copy a snapshot from backups/ over catalog.sqlite"
        case .readOnly(let operation):
            "the catalog could not \(operation): the library is read-only; make its folder and catalog.sqlite "
                + "writable (list, search, show, export and doctor without --fix work as they are)"
        case .diskFull(let operation):
            "the catalog could not \(operation): the disk is full; free some space and try again (nothing was changed)"
        case .backupFailed(let reason):
            "the backup failed: \(reason)"
        case .rebuildFailed(let reason):
            "the rebuild failed, the catalog is unchanged: \(reason)"
        case .invalidArgument(let message):
            message
        }
    }

    public var errorDescription: String? { description }
}

extension CatalogError {
    /// Wraps anything thrown while doing `operation` (ours pass through unchanged).
    static func wrap(_ error: any Error, _ operation: String) -> CatalogError {
        if let error = error as? CatalogError { return error }
        guard let error = error as? DatabaseError else {
            return .database(operation: operation, message: String(describing: error))
        }
        let message = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        // The codes whose cure is not `doctor` (it would fail the same way) get their own advice.
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            let busy = "another gptimg kept the catalog busy for too long (\(message))"
            return .database(operation: operation, message: busy)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged(reason: message)
        case .SQLITE_READONLY: return .readOnly(operation: operation)
        case .SQLITE_FULL: return .diskFull(operation: operation)
        default: return .database(operation: operation, message: message)
        }
    }
}

/// Runs `body`, wrapping whatever it throws as a `CatalogError` about `operation`.
func catalogOperation<T>(_ operation: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw CatalogError.wrap(error, operation)
    }
}
