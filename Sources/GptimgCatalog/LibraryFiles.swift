import Foundation
import GRDB
import GptimgSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the file a catalog row names cannot be used. A catalog is untrusted input (edited by hand,
/// restored from anywhere, tampered with): its paths are checked before anything reads, serves,
/// exports, hashes or moves the file they name.
public enum LibraryFileProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a path gptimg writes (`images/…`, relative, without `.`, `..`, empty components or a
    /// NUL): `../victim.txt`, `/etc/passwd`, `catalog.sqlite`.
    case malformedPath
    /// It leads out of the library's `images/` folder through a symbolic link.
    case outsideLibrary
    /// Nothing there (or a folder on the way is missing).
    case missing
    /// Something other than a regular file (`kind`: "a folder", "a FIFO", "a device", "a socket",
    /// "a symbolic link"): never opened, so a FIFO cannot hang a reader nor a device feed it forever.
    case notRegularFile(kind: String)
    /// The check itself failed (a folder on the way cannot be searched).
    case uncheckable(reason: String)

    public var description: String {
        switch self {
        case .malformedPath, .outsideLibrary: "its path leads outside the library"
        case .missing: "its file is missing"
        case .notRegularFile(let kind): "its file is \(kind), not a regular file"
        case .uncheckable(let reason): "its file cannot be checked (\(reason))"
        }
    }

    /// Whether the path is one a reader or a mover must leave alone (as opposed to missing).
    public var isUnsafe: Bool {
        switch self {
        case .malformedPath, .outsideLibrary, .notRegularFile: true
        case .missing, .uncheckable: false
        }
    }
}

extension LibraryLocation {
    /// The one containment check for every path taken from the catalog (`images.path`,
    /// `landing_intents.path`), for reading and for moving alike: the path must be one gptimg
    /// writes (relative, under `images/`, no `.`/`..`), its folder must resolve (links followed)
    /// inside the library's real `images/` folder, and the file itself must be a regular file —
    /// checked with `lstat`, so a FIFO, device, folder or link is refused without being opened.
    /// Returns the file's resolved path (no links left in it), which callers open or rename.
    ///
    /// What it cannot rule out is a swap between the check and the use: readers still open with
    /// `O_NONBLOCK` and check `fstat` (`FileByteSource`, `ImageStore.sha256Hex`, the export's
    /// `SourceFile`), so a FIFO put there meanwhile fails instead of hanging.
    public func checkedFile(atCatalogPath relative: String) -> Result<URL, LibraryFileProblem> {
        var checker = FileChecker(self)
        return checker.check(relative)
    }

    /// `checkedFile(atCatalogPath:)` for many paths: the library's own folders are resolved once,
    /// and each image folder once (a batch of thousands of images shares a few `images/YYYY/MM`),
    /// instead of walking every link of three paths per image. Meant for one batch, not to be
    /// kept: a folder swapped for a link after it was resolved is seen by the next batch.
    public struct FileChecker {
        let location: LibraryLocation
        /// The resolved `images/` folder, or why it cannot be used (resolved on first use).
        private var images: Result<String, LibraryFileProblem>?
        private var folders: [Substring: Result<String, LibraryFileProblem>] = [:]

        public init(_ location: LibraryLocation) { self.location = location }

        public mutating func check(_ relative: String) -> Result<URL, LibraryFileProblem> {
            let components = relative.split(separator: "/", omittingEmptySubsequences: false)
            guard components.count >= 2, components[0] == "images", !relative.contains("\0"),
                !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
            else { return .failure(.malformedPath) }
            let images: String
            switch imagesFolder() {
            case .success(let path): images = path
            case .failure(let problem): return .failure(problem)
            }
            let folder = relative[..<components[components.count - 1].startIndex].dropLast()
            let parent: String
            switch resolvedFolder(folder, images: images) {
            case .success(let path): parent = path
            case .failure(let problem): return .failure(problem)
            }
            let file = parent + "/" + components[components.count - 1]
            var status = stat()
            guard lstat(file, &status) == 0 else { return .failure(LibraryLocation.problem(errno)) }
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                return .success(URL(fileURLWithPath: file))
            case S_IFLNK:
                // Where it leads decides the message: out of the library, or just not a file of its own.
                if case .success(let target) = LibraryLocation.resolve(file), !target.hasPrefix(images + "/") {
                    return .failure(.outsideLibrary)
                }
                return .failure(.notRegularFile(kind: "a symbolic link"))
            case S_IFDIR: return .failure(.notRegularFile(kind: "a folder"))
            case S_IFIFO: return .failure(.notRegularFile(kind: "a FIFO"))
            case S_IFSOCK: return .failure(.notRegularFile(kind: "a socket"))
            default: return .failure(.notRegularFile(kind: "a device"))
            }
        }

        /// The library's real `images/` folder; it must be itself, not a link to elsewhere.
        private mutating func imagesFolder() -> Result<String, LibraryFileProblem> {
            if let images { return images }
            let result: Result<String, LibraryFileProblem>
            switch LibraryLocation.resolve(location.imagesURL.path) {
            case .success(let path):
                let library = (try? LibraryLocation.resolve(location.root.path).get()).map { $0 == "/" ? "" : $0 }
                result = path == (library ?? "") + "/images" ? .success(path) : .failure(.outsideLibrary)
            case .failure(let problem): result = .failure(problem)
            }
            images = result
            return result
        }

        /// A file's folder (`images/…`, relative) resolved, checked to lie inside `images`.
        private mutating func resolvedFolder(_ folder: Substring, images: String) -> Result<String, LibraryFileProblem>
        {
            if let known = folders[folder] { return known }
            let result: Result<String, LibraryFileProblem>
            switch LibraryLocation.resolve(location.root.path + "/" + folder) {
            case .success(let path):
                result = RealPath.isWithin(path, folder: images) ? .success(path) : .failure(.outsideLibrary)
            case .failure(let problem): result = .failure(problem)
            }
            folders[folder] = result
            return result
        }
    }

    /// Checks, before a file lands at `relative` (a path the store made), that its folder — as
    /// far as it exists — resolves inside the library's own `images/`: a link in `images/` (say
    /// `images/2026` to a folder elsewhere) must not receive the library's files. Throws
    /// `CatalogError.file` when it would.
    func checkLandingFolder(_ relative: String) throws {
        let refuse = CatalogError.file(
            path: relative,
            reason: "its folder leads outside the library (a link inside images/), so nothing lands there")
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 2, components[0] == "images",
            !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else { throw refuse }
        let library = (try? Self.resolve(root.path).get()).map { $0 == "/" ? "" : $0 }
        let images = (library ?? "") + "/images"
        // The deepest folder on the way that exists already; the rest is made by mkdir, inside it.
        var depth = components.count - 1
        while depth > 1, Glibc.access(root.path + "/" + components[0..<depth].joined(separator: "/"), F_OK) != 0 {
            depth -= 1
        }
        let existing = root.path + "/" + components[0..<depth].joined(separator: "/")
        guard library != nil, let resolved = try? Self.resolve(existing).get() else { return } // nothing there yet
        guard RealPath.isWithin(resolved, folder: images) else { throw refuse }
    }

    /// `checkedFile(atCatalogPath:)` for image `imageID`, throwing `CatalogError.file` with a line
    /// that names the image and what to do.
    public func file(atCatalogPath relative: String, imageID: Int64) throws -> URL {
        switch checkedFile(atCatalogPath: relative) {
        case .success(let url): return url
        case .failure(let problem): throw Self.error(problem, path: relative, imageID: imageID)
        }
    }

    /// The file behind a catalog row, checked by `checkedFile(atCatalogPath:)`. A tampered catalog
    /// (`../secret.png`, `/etc/passwd`, a link in `images/`, a FIFO) would otherwise make the
    /// gallery serve, an export share, doctor hash or delete move a file that is not the
    /// library's. Throws `CatalogError.file` when the path leaves the library, the file is
    /// missing or is not a regular file.
    public func file(of image: ImageRecord) throws -> URL {
        try file(atCatalogPath: image.path, imageID: image.id)
    }

    static func error(_ problem: LibraryFileProblem, path: String, imageID: Int64) -> CatalogError {
        let advice =
            problem.isUnsafe
            ? ", so it is not opened (a damaged or tampered catalog: `gptimg doctor` reports the row, "
                + "`--fix` removes it)"
            : " (run `gptimg doctor` to check the library)"
        return .file(path: path, reason: "image \(imageID)'s \(problem.description.dropFirst("its ".count))\(advice)")
    }

    /// The path with every link resolved (`RealPath`), or why not.
    static func resolve(_ path: String) -> Result<String, LibraryFileProblem> {
        RealPath.resolve(path).mapError { problem($0.code) }
    }

    static func problem(_ code: Int32) -> LibraryFileProblem {
        code == ENOENT || code == ENOTDIR ? .missing : .uncheckable(reason: errnoDescription(code))
    }
}
