import Foundation
import GptimgCatalog
import GptimgSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `gptimg import --watch DIR…`: imports the PNGs that appear in folders (and the folders inside
/// them) as they appear, until SIGINT or SIGTERM. docs/watch.md describes it.
///
/// A file is imported once it is complete: at once when it was moved (renamed) into the folder
/// and ends with the IEND chunk, or once it ends with IEND and has not been written for
/// `settle` seconds after being closed. A file that never gets its IEND is handed to the
/// importer after `giveUp` seconds without a write, which skips it with the reason. Files that
/// arrived while nothing watched are found by a scan at the start (watches are added first, so
/// nothing falls between the two); the importer's SHA-256 check keeps anything from being
/// imported twice, across restarts too.
final class WatchImport {
    struct Timing {
        /// How long a closed file must go unwritten before it counts as complete.
        var settle = 0.5
        /// How long a file without its IEND waits before the importer says why it is skipped.
        var giveUp = 30.0
        /// The longest wait between two looks at the signals and the pending files.
        var tick = 0.1
    }

    /// What a file was when it was last looked at: a different one is looked at again.
    struct Stamp: Hashable {
        var size: Int
        var modified: Double
        var inode: UInt64
    }

    private struct Pending {
        var movedIn: Bool
        var reportedWaiting = false
        var fromScan: Bool
    }

    private enum Shape {
        case complete, incomplete, notPNG
    }

    private let context: GptimgContext
    private let catalog: Catalog
    private let output: Output
    private let json: Bool
    private let quiet: Bool
    private let timing: Timing
    private let libraryPrefix: String
    private let watch: FolderWatch
    private var roots: [String] = []
    private var pending: [String: Pending] = [:]
    /// Files already handed to the importer, as they were then.
    private var handled: [String: Stamp] = [:]
    /// What the catalog says was imported from paths under the roots, read once at the start.
    private var importedBefore: [String: ImportedFile] = [:]
    private var imported = 0
    private var duplicates = 0
    private var skipped = 0

    init(
        context: GptimgContext, catalog: Catalog, output: Output, json: Bool, quiet: Bool, timing: Timing = Timing()
    ) throws {
        self.context = context
        self.catalog = catalog
        self.output = output
        self.json = json
        self.quiet = quiet
        self.timing = timing
        let library = catalog.location.root.standardizedFileURL.path
        libraryPrefix = (RealPath.resolved(library) ?? library) + "/"
        do {
            watch = try FolderWatch()
        } catch {
            throw CatalogError.invalidArgument(error.description)
        }
    }

    /// Watches `folders` until a signal; returns normally (exit status 0) when stopped by one.
    func run(_ folders: [String]) async throws {
        roots = try folders.map(checkedRoot)
        let interruption = context.watchSignals()
        defer { interruption.restore() }
        // Watches first, then the scan: a file that lands in between is seen twice, never missed.
        for root in roots { try watchTree(root) }
        for root in roots {
            importedBefore.merge(try catalog.importedFiles(under: root)) { first, _ in first }
            scan(root)
        }
        try await importDue(now: Date().timeIntervalSince1970, interruption: interruption)
        log(
            """
            caught up: \(imported) imported, \(duplicates) already in the library, \(skipped) skipped; \
            watching \(roots.joined(separator: ", ")) (\(watch.watchedFolders.count) \
            folder\(watch.watchedFolders.count == 1 ? "" : "s")); Ctrl-C stops
            """)
        while interruption.caught == nil {
            _ = await watch.wait(timeout: pending.isEmpty ? 2.5 * timing.tick : timing.tick)
            for event in watch.events() { try take(event) }
            guard interruption.caught == nil else { break }
            try await importDue(now: Date().timeIntervalSince1970, interruption: interruption)
            if watch.watchedFolders.isEmpty {
                throw CatalogError.invalidArgument(
                    "every watched folder is gone (\(roots.joined(separator: ", "))): nothing left to watch")
            }
        }
        log(
            """
            stopped: \(imported) imported, \(duplicates) duplicate, \(skipped) skipped since the start
            """)
    }

    // MARK: - Folders

    private func checkedRoot(_ path: String) throws -> String {
        let absolute = path.hasPrefix("/") ? path : context.currentDirectory + "/" + path
        let standard = URL(fileURLWithPath: absolute).standardizedFileURL.path
        var status = stat()
        guard stat(standard, &status) == 0 else {
            throw CatalogError.invalidArgument("cannot watch \(path): \(errnoDescription())")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw CatalogError.invalidArgument(
                "--watch takes folders: \(path) is not a folder (import a file without --watch)")
        }
        // A folder reached through a link (~/ComfyUI/output on another disk) is watched where it
        // is: inotify does not follow links, and the paths recorded stay the same across restarts.
        let real = RealPath.resolved(standard) ?? standard
        guard !(real + "/").hasPrefix(libraryPrefix) else {
            throw CatalogError.invalidArgument(
                "cannot watch \(path): it is inside the library; watch the folder your images are saved to")
        }
        return real
    }

    /// Watches `folder` and every folder inside it (links are not followed).
    private func watchTree(_ folder: String) throws {
        guard !(folder + "/").hasPrefix(libraryPrefix) else { return } // the library's own files
        do {
            try watch.add(folder)
        } catch {
            throw CatalogError.invalidArgument(error.description)
        }
        for name in entries(of: folder) where isFolder(folder + "/" + name) {
            try watchTree(folder + "/" + name)
        }
    }

    private func entries(of folder: String) -> [String] {
        guard let handle = opendir(folder) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private func isFolder(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Every PNG under `folder` becomes pending (those already handled, unchanged, drop out).
    private func scan(_ folder: String) {
        for path in FileTree.files(under: folder, endingWith: [".png"]) where wanted(path) {
            if pending[path] == nil { pending[path] = Pending(movedIn: false, fromScan: true) }
        }
    }

    /// Names writers use while a file is not finished (`.name.png`, `x.png.part`) are passed over.
    private func wanted(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return !name.hasPrefix(".") && name.lowercased().hasSuffix(".png") && !path.hasPrefix(libraryPrefix)
    }

    private func take(_ event: FolderWatch.Event) throws {
        switch event {
        case .written(let path) where wanted(path):
            pending[path] = Pending(movedIn: false, fromScan: false)
        case .movedIn(let path) where wanted(path):
            pending[path] = Pending(movedIn: true, fromScan: false)
        case .folderAdded(let path):
            guard isFolder(path) else { return }
            try watchTree(path)
            scan(path)
        case .folderGone(let path):
            if roots.contains(path) { log("the watched folder \(path) is gone") }
        case .overflow:
            // Events were lost: look everywhere again (already handled files drop out unread).
            log("the system dropped events (too many at once): looking at every watched folder again")
            for root in roots {
                try watchTree(root)
                scan(root)
            }
        case .written, .movedIn:
            return
        }
    }

    // MARK: - Importing

    /// Imports the pending files that are complete, a chunk at a time (a signal stops it between
    /// two chunks: what a chunk started lands whole).
    private func importDue(now: Double, interruption: any SignalWatch) async throws {
        var due: [(path: String, stamp: Stamp, fromScan: Bool)] = []
        for (path, file) in pending.sorted(by: { $0.key < $1.key }) {
            var status = stat()
            guard lstat(path, &status) == 0 else {
                pending[path] = nil // gone (renamed away, deleted): nothing to import
                continue
            }
            let stamp = Stamp(
                size: Int(status.st_size),
                modified: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9,
                inode: UInt64(status.st_ino))
            if handled[path] == stamp {
                pending[path] = nil
                continue
            }
            if file.fromScan, let before = importedBefore[path], before.bytes == stamp.size,
                stamp.modified < before.addedAt.timeIntervalSince1970 + 1
            {
                // Imported from this path before, and not written since (within the second the
                // catalog keeps): not read again. A changed file is read and hashed as usual.
                pending[path] = nil
                handled[path] = stamp
                duplicates += 1
                continue
            }
            guard (status.st_mode & S_IFMT) == S_IFREG else {
                pending[path] = nil
                handled[path] = stamp
                let kind = (status.st_mode & S_IFMT) == S_IFLNK ? "a symbolic link" : "not a regular file"
                report(.skipped(source: path, reason: "\(kind): not read"), fromScan: file.fromScan)
                continue
            }
            let quiet = now - stamp.modified
            switch shape(of: path, size: stamp.size) {
            case .complete where file.movedIn || quiet >= timing.settle,
                .notPNG where quiet >= timing.settle:
                due.append((path, stamp, file.fromScan))
            case .incomplete where quiet >= timing.giveUp:
                due.append((path, stamp, file.fromScan))
            case .incomplete where !file.reportedWaiting:
                pending[path]?.reportedWaiting = true
                if !self.quiet { log("waiting    \(path): not a complete PNG yet (no IEND chunk)") }
            default:
                continue
            }
        }
        var start = 0
        while start < due.count, interruption.caught == nil {
            let chunk = due[start..<min(start + 64, due.count)]
            start += chunk.count
            let origins = Dictionary(chunk.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            _ = try await catalog.importFiles(chunk.map(\.path)) { event in
                let path: String
                switch event {
                case .imported(let source, _), .duplicate(let source, _), .skipped(let source, _): path = source
                }
                guard let origin = origins[path] else { return }
                pending[path] = nil
                handled[path] = origin.stamp
                report(event, fromScan: origin.fromScan)
            }
        }
    }

    /// Whether the file is a whole PNG: the signature, and the IEND chunk as its last 12 bytes.
    private func shape(of path: String, size: Int) -> Shape {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let end: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return .incomplete }
        defer { close(descriptor) }
        var head = [UInt8](repeating: 0, count: 8)
        let got = pread(descriptor, &head, 8, 0)
        guard got > 0 else { return .incomplete } // still empty
        guard Array(signature.prefix(got)) == Array(head.prefix(got)) else { return .notPNG }
        guard size >= 8 + 25 + 12 else { return .incomplete }
        var tail = [UInt8](repeating: 0, count: 12)
        guard pread(descriptor, &tail, 12, off_t(size - 12)) == 12 else { return .incomplete }
        return tail == end ? .complete : .incomplete
    }

    private func report(_ event: ImportEvent, fromScan: Bool) {
        switch event {
        case .imported: imported += 1
        case .duplicate: duplicates += 1
        case .skipped: skipped += 1
        }
        // At the start, files imported before are the rule: the summary counts them.
        if case .duplicate = event, fromScan { return }
        if json {
            output.json(ImportCommand.json(event))
            output.flush()
            return
        }
        switch event {
        case .imported(let source, let image):
            if !quiet { log("imported   \(source) -> \(image.path) (id \(image.id))") }
        case .duplicate(let source, let existing):
            if !quiet {
                log("duplicate  \(source)" + (existing.map { " (already image \($0.id))" } ?? ""))
            }
        case .skipped(let source, let reason):
            log("skipped    \(source): \(reason)")
        }
    }

    /// A plain line on stderr (values from file names are escaped for the terminal).
    private func log(_ text: String) {
        output.flush()
        context.streams.write(Array((TerminalText.escape(text) + "\n").utf8), to: .error)
    }
}
