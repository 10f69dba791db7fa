import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The folder one command runs in: its working folder, the files outside the library that
/// must not change, the inputs, and the library.
struct World {
    let path: String
    var work: String { path + "/work" }
    var library: String { path + "/Library" }

    init(path: String) throws {
        self.path = path
        try? FileManager.default.removeItem(atPath: path)
        for folder in [path, path + "/work", path + "/outside", path + "/inputs", path + "/export"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// The case's inputs and the victims: `victim.txt` beside the library and in `outside/`,
    /// and `outside/victim.png`.
    func materialize(_ testCase: HostileCase, entries: [(String, HostileCase.Entry)]) throws {
        try refreshVictims()
        let folder = testCase.inputIsFolder ? path + "/inputs/" + testCase.name : path + "/inputs"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, entry) in entries {
            let target = folder + "/" + name
            switch entry {
            case .bytes(let bytes): try Self.write(bytes, to: target)
            case .fifo:
                guard mkfifo(target, 0o644) == 0 else { throw MeasuredProcess.posixError("mkfifo \(target)") }
            case .link(let relative):
                guard symlink(path + "/" + relative, target) == 0 else {
                    throw MeasuredProcess.posixError("symlink \(target)")
                }
            }
        }
    }

    func refreshVictims() throws {
        let text = Array("a file of the user's, outside the library\n".utf8)
        for file in [path + "/victim.txt", path + "/outside/victim.txt"]
        where !FileManager.default.fileExists(atPath: file) {
            try Self.write(text, to: file)
        }
        if !FileManager.default.fileExists(atPath: path + "/outside/victim.png") {
            try Self.write(PNGBuilder.image(seed: 98), to: path + "/outside/victim.png")
        }
    }

    func inputPath(_ testCase: HostileCase) -> String { path + "/inputs/" + testCase.inputName }

    /// The first image's id, when the catalog can be read.
    func firstImageID() -> String? {
        (try? CatalogSQL.rows(library + "/catalog.sqlite", "SELECT id FROM images ORDER BY id LIMIT 1"))?.first?.first
            ?? nil
    }

    /// A copy of a library: files hard-linked (landed images are never written again), the
    /// catalog's files copied (SQLite writes them in place).
    func copyLibrary(from template: String) throws {
        try Self.copyTree(template, to: library, linking: true)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: library)) ?? []
        for name in entries where name.hasPrefix("catalog.sqlite") {
            let copy = library + "/" + name
            try FileManager.default.removeItem(atPath: copy)
            try Self.copyTree(template + "/" + name, to: copy)
        }
    }

    /// `cp -a` (or `cp -al`): links, FIFOs and modes as they are.
    static func copyTree(_ source: String, to destination: String, linking: Bool = false) throws {
        guard FileManager.default.fileExists(atPath: source) else { return }
        try? FileManager.default.removeItem(atPath: destination)
        let copied = try MeasuredProcess.run(
            "cp", ["/bin/cp", linking ? "-al" : "-a", source, destination], in: "/", timeoutSeconds: 600)
        guard copied.exitStatus == 0 else {
            throw HostileRunner.SetupFailure(description: "cp failed: \(copied.stderr)")
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw HostileRunner.SetupFailure(description: "cannot write \(path)")
        }
    }

    // MARK: - Containment

    /// Everything outside the library: type, size, inode and a checksum of each file.
    struct Snapshot: Equatable {
        var files: [String: String]
    }

    static let ownFolders: Set<String> = [
        "Library", "inputs", "work", "export", "shell", "pasted-arguments", "pasted.sh",
    ]

    func snapshot() throws -> Snapshot {
        var files: [String: String] = [:]
        func visit(_ relative: String) {
            let full = path + "/" + relative
            var status = stat()
            guard lstat(full, &status) == 0 else { return }
            let type = status.st_mode & S_IFMT
            var description = "mode \(String(status.st_mode, radix: 8)) inode \(status.st_ino) size \(status.st_size)"
            if type == S_IFREG, status.st_size <= 16 << 20, let data = FileManager.default.contents(atPath: full) {
                description += " crc \(hostileCRC32(Array(data)))"
            } else if type == S_IFLNK, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
                description += " -> \(target)"
            }
            files[relative] = description
            if type == S_IFDIR {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] {
                    visit(relative + "/" + name)
                }
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where !Self.ownFolders.contains(name) {
            visit(name)
        }
        return Snapshot(files: files)
    }

    /// The regular files outside the library (the victims), by path relative to the world.
    func outsideFiles() -> [String] {
        var found: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where !Self.ownFolders.contains(name) {
            var status = stat()
            if lstat(path + "/" + name, &status) == 0, status.st_mode & S_IFMT == S_IFREG { found.append(name) }
            guard let enumerator = FileManager.default.enumerator(atPath: path + "/" + name) else { continue }
            for case let relative as String in enumerator {
                let full = path + "/" + name + "/" + relative
                if lstat(full, &status) == 0, status.st_mode & S_IFMT == S_IFREG { found.append(name + "/" + relative) }
            }
        }
        return found.sorted()
    }

    /// An access time no read leaves behind: with relatime (or strictatime) the first read of
    /// a file whose access time is older than its change time sets it to now.
    static let unreadAccessTime = 86_400

    /// Sets every outside file's access time to `unreadAccessTime`, so a read shows.
    func markOutsideUnread() {
        for file in outsideFiles() {
            // UTIME_OMIT ((1 << 30) - 2) keeps the modification time.
            var times = [
                timespec(tv_sec: Self.unreadAccessTime, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2),
            ]
            _ = utimensat(AT_FDCWD, path + "/" + file, &times, AT_SYMLINK_NOFOLLOW)
        }
    }

    /// The outside files read since `markOutsideUnread` (their access time moved).
    func outsideFilesRead() -> [String] {
        outsideFiles().filter { file in
            var status = stat()
            return lstat(path + "/" + file, &status) == 0 && status.st_atim.tv_sec != Self.unreadAccessTime
        }
    }

    /// What changed outside the library and the command's own folders since `before`, what
    /// appeared in the working folder, and any file named `pwned` anywhere in the world.
    func containmentProblems(since before: Snapshot) throws -> [String] {
        var problems: [String] = []
        let after = try snapshot()
        for (name, was) in before.files.sorted(by: { $0.key < $1.key }) {
            guard let now = after.files[name] else {
                problems.append("\(name) outside the library is gone")
                continue
            }
            if now != was { problems.append("\(name) outside the library changed") }
        }
        for name in after.files.keys.sorted() where before.files[name] == nil {
            problems.append("\(name) appeared outside the library")
        }
        let inWork = (try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []
        if !inWork.isEmpty { problems.append("files appeared in the working folder: \(inWork.sorted())") }
        if let enumerator = FileManager.default.enumerator(atPath: path) {
            // shell/ is where command lines are pasted: a pwned there is reported with its line.
            for case let name as String in enumerator
            where (name as NSString).lastPathComponent == "pwned" && !name.hasPrefix("shell/") {
                problems.append("a file named pwned appeared: \(name)")
            }
        }
        return problems
    }
}
