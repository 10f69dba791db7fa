#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Finding files under folders with `readdir` (FileManager's enumerator costs more than
/// reading a PNG's metadata does). Links are never followed.
public enum FileTree {
    /// The regular files under `directory`, recursively, whose names end (in any case) with one
    /// of `suffixes` (lower case, e.g. `[".png"]`); unsorted.
    public static func files(under directory: String, endingWith suffixes: [String]) -> [String] {
        var found: [String] = []
        collect(in: directory.hasSuffix("/") ? String(directory.dropLast()) : directory, suffixes: suffixes, into: &found)
        return found
    }

    /// `paths` with every folder replaced by its matching files (sorted), as `exiftool -r`
    /// does. Other paths are kept whatever their name, so a mistake gets its own error.
    public static func expanding(_ paths: [String], endingWith suffixes: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var status = stat()
            guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else { return [path] }
            return files(under: path, endingWith: suffixes).sorted()
        }
    }

    private static func collect(in directory: String, suffixes: [String], into found: inout [String]) {
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            var type = Int32(entry.pointee.d_type)
            if type == DT_UNKNOWN {  // some filesystems do not say: ask without following links
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                type = (status.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : (status.st_mode & S_IFMT) == S_IFREG ? Int32(DT_REG) : Int32(DT_LNK)
            }
            if type == DT_DIR {
                collect(in: path, suffixes: suffixes, into: &found)
            } else if type == DT_REG {
                let lower = name.lowercased()
                if suffixes.contains(where: lower.hasSuffix) { found.append(path) }
            }
        }
    }
}
