#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Finding files under folders with `readdir` (FileManager's enumerator costs more than
/// reading a PNG's metadata does). Links are never followed.
public enum FileTree {
    /// An entry a walk passed over and says so: a symbolic link (never followed inside a folder)
    /// or something that is neither a regular file nor a folder (a FIFO, device or socket: never
    /// opened, since reading a FIFO waits for a writer forever).
    public struct Skipped: Sendable, Hashable {
        public var path: String
        public var reason: String
    }

    /// What `expanding` made of the paths it was given.
    public struct Expansion: Sendable {
        /// The files, in order: each folder's matching files sorted, other paths as given.
        public var files: [String] = []
        /// The links and special files inside the folders that were left out, sorted.
        public var skipped: [Skipped] = []
    }

    /// The regular files under `directory`, recursively, whose names end (in any case) with one
    /// of `suffixes` (lower case, e.g. `[".png"]`); unsorted.
    public static func files(under directory: String, endingWith suffixes: [String]) -> [String] {
        var skipped: [Skipped] = []
        return files(under: directory, endingWith: suffixes, skipped: &skipped)
    }

    /// The same, adding to `skipped` the links (whose name matches, or that lead to a folder) and
    /// the FIFOs, devices and sockets (whose name matches) that were left out.
    public static func files(under directory: String, endingWith suffixes: [String], skipped: inout [Skipped])
        -> [String]
    {
        var found: [String] = []
        collect(
            in: directory.hasSuffix("/") ? String(directory.dropLast()) : directory, suffixes: suffixes, into: &found,
            skipped: &skipped)
        return found
    }

    /// `paths` with every folder replaced by its matching files (sorted), as `exiftool -r`
    /// does. Other paths are kept whatever their name, so a mistake gets its own error.
    public static func expanding(_ paths: [String], endingWith suffixes: [String]) -> Expansion {
        var expansion = Expansion()
        for path in paths {
            var status = stat()
            guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
                expansion.files.append(path)
                continue
            }
            var skipped: [Skipped] = []
            expansion.files += files(under: path, endingWith: suffixes, skipped: &skipped).sorted()
            expansion.skipped += skipped.sorted { $0.path < $1.path }
        }
        return expansion
    }

    private static func collect(
        in directory: String, suffixes: [String], into found: inout [String], skipped: inout [Skipped]
    ) {
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            var type = Int32(entry.pointee.d_type)
            if type == DT_UNKNOWN { // some filesystems do not say: ask without following links
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: type = Int32(DT_DIR)
                case S_IFREG: type = Int32(DT_REG)
                case S_IFLNK: type = Int32(DT_LNK)
                case S_IFIFO: type = Int32(DT_FIFO)
                case S_IFSOCK: type = Int32(DT_SOCK)
                default: type = Int32(DT_CHR)
                }
            }
            let matches = suffixes.contains(where: name.lowercased().hasSuffix)
            switch type {
            case Int32(DT_DIR):
                collect(in: path, suffixes: suffixes, into: &found, skipped: &skipped)
            case Int32(DT_REG):
                if matches { found.append(path) }
            case Int32(DT_LNK):
                // Where it leads is looked up (stat opens nothing) only to tell a linked folder.
                var status = stat()
                let isFolder = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
                if matches || isFolder {
                    skipped.append(
                        Skipped(
                            path: path,
                            reason: "a symbolic link\(isFolder ? " to a folder" : ""): "
                                + "links inside folders are not followed"
                        ))
                }
            case Int32(DT_FIFO):
                if matches { skipped.append(Skipped(path: path, reason: "not a regular file (a FIFO): not read")) }
            case Int32(DT_SOCK):
                if matches { skipped.append(Skipped(path: path, reason: "not a regular file (a socket): not read")) }
            default:
                if matches { skipped.append(Skipped(path: path, reason: "not a regular file (a device): not read")) }
            }
        }
    }
}
