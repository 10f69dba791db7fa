import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Paths with their symbolic links resolved (`realpath(3)`): the one wrapper of the project, for
/// the catalog's containment check and the export's target alike.
public enum RealPath {
    /// The path with `.`, `..` and every symbolic link resolved, or the `errno` of the failure
    /// (ENOENT when something on the way does not exist).
    public static func resolve(_ path: String) -> Result<String, FileSystemErrno> {
        #if canImport(Glibc)
            guard let resolved = Glibc.realpath(path, nil) else { return .failure(FileSystemErrno(errno)) }
        #else
            guard let resolved = Darwin.realpath(path, nil) else { return .failure(FileSystemErrno(errno)) }
        #endif
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// `resolve`, nil when it fails.
    public static func resolved(_ path: String) -> String? {
        try? resolve(path).get()
    }

    /// The path with the symbolic links in its existing part resolved and the rest kept as
    /// written (a target reached through a link is still the same place); `path` itself when no
    /// part of it exists.
    public static func resolvingExistingPart(of path: String) -> String {
        var existing = path
        var rest: [String] = []
        while !existing.isEmpty, existing != "/" {
            if let real = resolved(existing) {
                var url = URL(fileURLWithPath: real)
                for component in rest.reversed() { url.appendPathComponent(component) }
                return url.path
            }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return path
    }

    /// Whether the resolved `path` is `folder` (resolved too) or lies inside it.
    public static func isWithin(_ path: String, folder: String) -> Bool {
        path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }
}
