import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Real file systems for tests of what a full disk or a read-only library does: a small tmpfs,
/// and a read-only bind mount of a folder. Both need root (and the right to mount, which some
/// containers withhold): tests that use them are enabled only when `Mounts.available`.
public enum Mounts {
    /// Whether this process can mount (tried once, with a 1 MiB tmpfs).
    public static let available: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gptimg-mount-probe-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)) != nil else {
            return false
        }
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? ProcessRunner.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path]))?.status == 0
        else { return false }
        _ = try? ProcessRunner.run(["umount", probe.path])
        return true
    }()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A mount, undone when released.
    public final class Mount: Sendable {
        public let path: URL

        init(path: URL, arguments: [[String]]) throws {
            self.path = path
            try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
            for command in arguments {
                let result = try ProcessRunner.run(command)
                guard result.status == 0 else {
                    _ = try? ProcessRunner.run(["umount", path.path])
                    throw Failure(description: "\(command.joined(separator: " ")): \(result.stderr)")
                }
            }
        }

        deinit {
            _ = try? ProcessRunner.run(["umount", path.path])
            try? FileManager.default.removeItem(at: path)
        }
    }

    /// A tmpfs of `bytes` at `path` (made if missing).
    public static func tmpfs(at path: URL, bytes: Int) throws -> Mount {
        try Mount(path: path, arguments: [["mount", "-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", path.path]])
    }

    /// `source` seen read-only at `path`: what a library on a read-only medium is.
    public static func readOnlyView(of source: URL, at path: URL) throws -> Mount {
        try Mount(
            path: path,
            arguments: [["mount", "--bind", source.path, path.path], ["mount", "-o", "remount,bind,ro", path.path]])
    }

    /// Fills the file system holding `folder` with one file until it has no space left; returns
    /// that file (remove it to free the space).
    @discardableResult
    public static func fill(_ folder: URL) throws -> URL {
        let filler = folder.appendingPathComponent("filler-\(UUID().uuidString)")
        let descriptor = open(filler.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(filler.path)") }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        while true {
            let written = block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                guard errno == ENOSPC else {
                    throw Failure(description: "filling \(folder.path): \(String(cString: strerror(errno)))")
                }
                return filler
            }
        }
    }
}
