import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// A snapshot of the catalog in `backups/`.
public struct BackupInfo: Sendable, Hashable {
    public var url: URL
    public var bytes: Int
    /// When it was written (the file's modification time), ISO 8601 UTC.
    public var modifiedAt: String
    /// Why (`before-rebuild`, `before-migration`, `damaged`…); nil for `gptimg backup`.
    public var reason: String?
}

/// An image in the library's trash.
public struct TrashItem: Sendable, Hashable {
    /// The id it had (and gets back).
    public var id: Int64
    public var file: URL
    /// The day folder it is in (`YYYY-MM-DD`).
    public var day: String
    public var sha256: String?
    public var prompt: String
    /// Where it lived in `images/`.
    public var originalPath: String?
}

/// What `trash restore` did with one id.
public enum TrashRestoreOutcome: Sendable, Hashable {
    case restored(id: Int64, path: String)
    /// It came back under another id, because its old one was taken meanwhile.
    case restoredAs(oldID: Int64, id: Int64, path: String)
    /// The same bytes are in the library already.
    case alreadyThere(oldID: Int64, id: Int64)
}

/// How many snapshots `backups/` keeps (the newest; copies of damaged catalogs are never
/// removed). The CLI sets it from `--keep` or the config file's `backups_kept`.
public enum BackupRetention {
    /// Snapshots kept when neither `--keep` nor the config file's `backups_kept` says otherwise.
    public static let defaultKept = 10
}

extension Catalog {
    // MARK: - Backups

    /// The snapshots in `backups/`, newest first.
    public static func backups(_ location: LibraryLocation) -> [BackupInfo] {
        let folder = location.backupsURL.path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var found: [(BackupInfo, Int)] = []
        for name in names where name.hasPrefix("catalog-") && name.hasSuffix(".sqlite") {
            var status = stat()
            guard lstat(folder + "/" + name, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            // catalog-20261121T101530Z[-reason][.N].sqlite
            let stem = name.dropFirst("catalog-".count).dropLast(".sqlite".count)
            let parts = stem.split(separator: "-", maxSplits: 1)
            var reason = parts.count > 1 ? String(parts[1]) : nil
            if let dot = reason?.firstIndex(of: ".") { reason = String(reason![..<dot]) }
            let modified = Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec))
            found.append(
                (
                    BackupInfo(
                        url: URL(fileURLWithPath: folder + "/" + name), bytes: Int(status.st_size),
                        modifiedAt: Timestamp(modified).iso8601, reason: reason),
                    status.st_mtim.tv_sec
                ))
        }
        return found.sorted { ($0.1, $0.0.url.lastPathComponent) > ($1.1, $1.0.url.lastPathComponent) }.map(\.0)
    }

    /// Removes the oldest snapshots beyond the newest `keep` (never a damaged catalog's
    /// copy, which may be the only one of its data). Returns the files removed.
    @discardableResult
    public static func pruneBackups(_ location: LibraryLocation, keep: Int) -> [URL] {
        let rotating = backups(location).filter { $0.reason != "damaged" }
        guard rotating.count > keep else { return [] }
        return rotating.dropFirst(keep).compactMap { unlink($0.url.path) == 0 ? $0.url : nil }
    }

    /// Replaces the catalog with the snapshot `file`, after checking it (SQLite's integrity
    /// check, a gptimg catalog this gptimg can read) and taking a snapshot of the current
    /// catalog (or keeping a damaged one's bytes). Money is never rewound: generations and
    /// ledger entries the journal holds that the snapshot lacks are added back. Every sidecar
    /// and the collections file are rewritten from the restored catalog. Returns the snapshot
    /// of the catalog it replaced.
    @discardableResult
    public static func restoreBackup(_ location: LibraryLocation, from file: URL) throws -> URL? {
        func refuse(_ reason: String) -> CatalogError {
            .invalidArgument("\(file.path) is not a backup that can be restored: \(reason)")
        }
        var status = stat()
        guard stat(file.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw refuse("no such file")
        }
        // Checked on a copy in the library folder, which is also what is swapped in.
        let copy = location.root.appendingPathComponent(".catalog-restore-\(getpid()).sqlite").path
        defer { for suffix in rebuildFileSuffixes { unlink(copy + suffix) } }
        do {
            let bytes = try AtomicFile.read(file.path, maxBytes: Int.max)
            try AtomicFile.write(bytes, to: copy, durable: true)
        } catch {
            throw CatalogError.file(path: file.path, reason: "cannot copy it into the library: \(describeError(error))")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: copy, configuration: configuration)
            defer { try? queue.close() }
            let (check, state, tables) = try queue.read { db in
                (
                    try String.fetchAll(db, sql: "PRAGMA integrity_check"), try SchemaState(db),
                    try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                )
            }
            guard check == ["ok"] else { throw refuse("it fails SQLite's integrity check") }
            guard state != .newer else { throw refuse("a newer gptimg wrote it: upgrade gptimg") }
            guard ["images", "generations", "credit_ledger", "grdb_migrations"].allSatisfy(tables.contains) else {
                throw refuse("it is not a gptimg catalog")
            }
        } catch let error as CatalogError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw refuse("it is not an SQLite database")
        } catch {
            throw refuse(describeError(error))
        }
        // The catalog it replaces, kept first.
        var snapshot: URL?
        if FileManager.default.fileExists(atPath: location.catalogURL.path) {
            do {
                let current = try Catalog.open(location, access: .readWrite)
                defer { try? current.close() }
                snapshot = try current.backup(reason: "before-restore")
            } catch CatalogError.damaged {
                snapshot = try keepDamagedCatalog(location, at: Date())
            }
        }
        try swapIn(copy, location: location) { CatalogError.backupFailed(reason: $0) }
        let restored = try Catalog.open(location, access: .readWrite)
        defer { try? restored.close() }
        try restored.mergeJournal()
        try restored.writeAllSidecars()
        return snapshot
    }

    /// Adds what the journal holds and the catalog lacks: generations (by id, unless their task
    /// id is there) and ledger entries (by their content).
    func mergeJournal() throws {
        guard let journal = Self.readJournal(location) else { return }
        try write("add the journal's generations and credits") { db in
            for row in journal.generations {
                guard case .number(let text)? = row["id"], let id = Int64(text),
                    try Self.generation(id: id, db: db) == nil
                else { continue }
                _ = try Self.insertRow(row, into: "generations", db: db, skipping: ["parent_image_id"])
            }
            var present = Set<String>()
            for entry in try CreditEntry.fetchAll(db) {
                present.insert(
                    [entry.kind.rawValue, "\(entry.credits)", entry.taskID ?? "", entry.recordedAt].joined(
                        separator: "|"))
            }
            for credit in journal.credits {
                func text(_ key: String) -> String { if case .string(let value)? = credit[key] { value } else { "" } }
                func number(_ key: String) -> String { if case .number(let value)? = credit[key] { value } else { "" } }
                let key = [text("kind"), number("credits"), text("task_id"), text("recorded_at")].joined(separator: "|")
                if present.insert(key).inserted { try Self.insertJournalCredit(credit, db: db) }
            }
        }
    }

    // MARK: - Trash

    /// The images in `trash/` (day folders; `trash/damaged` holds no restorable rows), oldest first.
    public static func trashItems(_ location: LibraryLocation) -> [TrashItem] {
        let trash = location.trashURL.path
        var items: [TrashItem] = []
        let days = ((try? FileManager.default.contentsOfDirectory(atPath: trash)) ?? []).filter {
            $0.count == 10 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) || $0 == 0x2D }
        }.sorted()
        for day in days {
            let folder = trash + "/" + day
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            where name.lowercased().hasSuffix(".png") {
                let file = folder + "/" + name
                var status = stat()
                guard lstat(file, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
                    let bytes = try? AtomicFile.read(file + ".json", maxBytes: 8 << 20),
                    case .object(let row)? = JSONValue.parse(bytes: bytes),
                    case .number(let idText)? = row["id"], let id = Int64(idText)
                else { continue }
                func text(_ key: String) -> String? { if case .string(let value)? = row[key] { value } else { nil } }
                items.append(
                    TrashItem(
                        id: id, file: URL(fileURLWithPath: file), day: day, sha256: text("sha256"),
                        prompt: text("prompt") ?? "", originalPath: text("path")))
            }
        }
        return items
    }

    /// Brings trashed images back: each to the path it had, with its old id when that is still
    /// free, and its tags, rating, pick, favourite and collections (with their places) from the
    /// sidecar that went to the trash with it (else from its `.json`). The file is moved back
    /// first and moved to the trash again when its row cannot be committed.
    public func restoreFromTrash(_ ids: [Int64]) throws -> [TrashRestoreOutcome] {
        let items = Self.trashItems(location)
        var outcomes: [TrashRestoreOutcome] = []
        for id in ids {
            guard let item = items.last(where: { $0.id == id }) else {
                throw CatalogError.invalidArgument(
                    "image \(id) is not in the trash (`gptimg trash list` shows what is)")
            }
            outcomes.append(try restore(item))
        }
        return outcomes
    }

    private func restore(_ item: TrashItem) throws -> TrashRestoreOutcome {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(item.file.path, maxBytes: ImportLimits.standard.maxFileBytes)
        } catch {
            throw CatalogError.file(path: item.file.path, reason: error.description)
        }
        var prepared = try prepare(bytes: bytes, originalName: nil, fileDate: nil, target: .metadata(source: .import))
        if let existing = try image(sha256: prepared.sha256) { return .alreadyThere(oldID: item.id, id: existing.id) }
        var sidecar =
            readSidecar(besideImageFile: item.file.path) ?? Self.sidecar(fromTrashRow: item.file.path + ".json")
        if sidecar.sha256 != nil, sidecar.sha256 != prepared.sha256 { sidecar = XMPSidecar() }
        prepared.target = .metadata(source: Rebuild.source(prepared))
        // Its old place, when that is a path gptimg writes and nothing is there now.
        if let path = item.originalPath, path.hasPrefix("images/"), path.lowercased().hasSuffix(".png"),
            !path.contains("/../"), !path.hasSuffix("/.."),
            Glibc.access(location.root.path + "/" + path, F_OK) != 0
        {
            prepared.relativePath = path
        }
        try location.checkLandingFolder(prepared.relativePath)
        let destination = location.root.path + "/" + prepared.relativePath
        try ImageStore.makeDirectories((destination as NSString).deletingLastPathComponent)
        guard link(item.file.path, destination) == 0 else {
            throw CatalogError.file(path: destination, reason: "cannot put the file back: \(errnoDescription())")
        }
        AtomicFile.syncDirectory((destination as NSString).deletingLastPathComponent)
        let location = self.location
        let now = self.now()
        do {
            let landed: ImageRecord = try write("restore an image") { db in
                let wanted = try ImageRecord.exists(db, key: item.id) ? 0 : item.id
                guard
                    case .landed(let image) = try insertPrepared(
                        Self.attached(prepared, sidecar, db: db), db: db, now: now, id: wanted)
                else { throw CatalogError.file(path: prepared.relativePath, reason: "it could not be catalogued") }
                try Self.apply(sidecar, to: image.id, collections: true, record: true, db: db)
                try Self.writeSidecars(try Self.sidecars(of: [image.id], location: location, db: db))
                if !(sidecar.collections ?? []).isEmpty { try Self.writeCollectionsFile(location: location, db: db) }
                try Self.appendJournal(try Self.generationLines([image.generationID], db: db), location: location)
                return image
            }
            // Restored: the trash's copies go.
            for suffix in ["", ".json", ".xmp"] { unlink(item.file.path + suffix) }
            try rebuildSearchIndex()
            return landed.id == item.id
                ? .restored(id: landed.id, path: landed.path)
                : .restoredAs(oldID: item.id, id: landed.id, path: landed.path)
        } catch {
            unlink(destination)
            unlink(LibraryLocation.sidecarPath(ofImageFile: destination))
            throw error
        }
    }

    /// A sidecar made from a trash `.json` (what `delete` wrote before sidecars existed):
    /// rating, favourite, pick, tags, and collections appended in the order listed.
    static func sidecar(fromTrashRow path: String) -> XMPSidecar {
        var sidecar = XMPSidecar()
        guard let bytes = try? AtomicFile.read(path, maxBytes: 8 << 20),
            case .object(let row)? = JSONValue.parse(bytes: bytes)
        else { return sidecar }
        if case .number(let text)? = row["rating"], let rating = Int(text), (0...5).contains(rating) {
            sidecar.ownRating = rating
        }
        if case .bool(let favorite)? = row["favorite"] { sidecar.favorite = favorite }
        if case .string(let pick)? = row["pick"] { sidecar.pick = pick == "picked" ? 1 : pick == "rejected" ? -1 : 0 }
        if case .string(let sha)? = row["sha256"] { sidecar.sha256 = sha }
        if case .array(let tags)? = row["tags"] {
            sidecar.ownTags = tags.compactMap { if case .string(let tag) = $0 { tag } else { nil } }
        }
        if case .array(let names)? = row["collections"] {
            sidecar.collections = names.enumerated().compactMap { index, value in
                if case .string(let name) = value {
                    XMPSidecar.Membership(name: name, position: 1_000_000 + index)
                } else {
                    nil
                }
            }
        }
        return sidecar
    }

    /// Removes trashed images (with their `.json` and `.xmp`) from day folders older than
    /// `olderThanDays` (all with nil), and day folders left empty. Returns how many images went.
    @discardableResult
    public static func emptyTrash(_ location: LibraryLocation, olderThanDays: Int?, now: Date = Date()) -> Int {
        let cutoff = olderThanDays.map { Timestamp(now.addingTimeInterval(-Double($0) * 86_400)).iso8601.prefix(10) }
        var removed = 0
        var days = Set<String>()
        for item in trashItems(location) where cutoff.map({ item.day < $0 }) ?? true {
            for suffix in [".json", ".xmp"] { unlink(item.file.path + suffix) }
            if unlink(item.file.path) == 0 { removed += 1 }
            days.insert(item.day)
        }
        for day in days { rmdir(location.trashURL.appendingPathComponent(day).path) }
        AtomicFile.syncDirectory(location.trashURL.path)
        return removed
    }
}

/// How a file restored from the trash reached the library, as `rebuild` infers it.
enum Rebuild {
    static func source(_ prepared: PreparedImage) -> GenerationSource {
        Catalog.inferredSource(prepared.report.generation)
    }
}

extension Catalog {
    // MARK: - Missing files downloaded again

    /// The catalogued images whose file is missing and whose hosted URL is recorded: what
    /// `doctor --fix --download` can fetch again.
    public func missingDownloadable() throws -> [(id: Int64, url: String)] {
        let rows = try read("list images") { db in
            try Row.fetchAll(
                db, sql: "SELECT id, path, remote_url FROM images WHERE remote_url IS NOT NULL ORDER BY id")
        }
        return rows.compactMap { row in
            guard let id = row[0] as Int64?, let path = row[1] as String?, let url = row[2] as String?,
                case .failure(.missing) = location.checkedFile(atCatalogPath: path)
            else { return nil }
            return (id, url)
        }
    }

    /// Our own chunks (before the image data) from `image_metadata.text_chunks`, in order.
    static func ownChunks(_ json: String) -> [TextChunk] {
        guard case .array(let items)? = JSONValue.parse(json) else { return [] }
        return items.compactMap { item -> TextChunk? in
            guard case .object(let chunk) = item else { return nil }
            func text(_ key: String) -> String? { if case .string(let value)? = chunk[key] { value } else { nil } }
            func flag(_ key: String) -> Bool { if case .bool(let value)? = chunk[key] { value } else { false } }
            guard let keyword = text("keyword"), GptimgEmbedding.ownKeywords.contains(keyword),
                !flag("after_image_data"), let kind = text("type").flatMap(TextChunk.Kind.init(rawValue:)),
                let body = text("text")
            else { return nil }
            return TextChunk(
                kind: kind, keyword: keyword, text: body, compressed: flag("compressed"),
                encoding: text("encoding").flatMap(TextChunk.Encoding.init(rawValue:)) ?? .utf8,
                languageTag: text("language") ?? "", translatedKeyword: text("translated_keyword") ?? "")
        }
    }

    /// Puts `bytes`, downloaded again, back as image `id`'s file: only when they hash to its
    /// recorded SHA-256, only at a path gptimg writes inside `images/`, and never over a file
    /// (written under a temporary name, fsynced, then linked into place).
    public func putBackMissingFile(_ id: Int64, bytes: [UInt8]) throws {
        guard let image = try read("read an image", { try ImageRecord.fetchOne($0, key: id) }) else {
            throw CatalogError.noSuchImage(String(id))
        }
        // The API hosts the image as it made it; the library's file carries our metadata too:
        // the chunks the catalog kept of it are spliced in again, as landing did.
        var bytes = bytes
        if ImageStore.sha256Hex(bytes) != image.sha256,
            let stored = try read("read an image's metadata", { try ImageMetadataRecord.fetchOne($0, key: id) }),
            let spliced = try? PNGEditor.splice(
                bytes, inserting: Self.ownChunks(stored.textChunks), removingKeywords: GptimgEmbedding.ownKeywords)
        {
            bytes = spliced
        }
        guard ImageStore.sha256Hex(bytes) == image.sha256 else {
            throw CatalogError.file(
                path: image.path, reason: "the downloaded bytes are not the image recorded (SHA-256 differs); not kept")
        }
        guard case .failure(.missing) = location.checkedFile(atCatalogPath: image.path) else {
            throw CatalogError.file(path: image.path, reason: "is not missing, or its path is not one gptimg writes")
        }
        try location.checkLandingFolder(image.path)
        let destination = location.root.path + "/" + image.path
        let folder = (destination as NSString).deletingLastPathComponent
        try ImageStore.makeDirectories(folder)
        let temporary = folder + "/.download-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(temporary) }
        do {
            try AtomicFile.write(bytes, to: temporary, durable: true)
        } catch {
            throw CatalogError.file(path: image.path, reason: error.description)
        }
        guard link(temporary, destination) == 0 else {
            throw CatalogError.file(path: image.path, reason: "cannot put it back: \(errnoDescription())")
        }
        AtomicFile.syncDirectory(folder)
        let location = self.location
        try write("write a sidecar") { db in
            try Self.writeSidecars(try Self.sidecars(of: [id], location: location, db: db))
        }
    }
}
