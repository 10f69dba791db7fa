import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// What `doctor` found: problems (damage) and notices (states the library handles itself,
/// such as unfinished tasks), and what `--fix` did.
public struct DoctorReport: Sendable {
    public enum Finding: Sendable, Hashable {
        /// SQLite's `quick_check` (or the FTS index's integrity check) failed.
        case integrity(String)
        /// A catalogued image whose file is gone.
        case missingFile(imageID: Int64, path: String)
        /// A PNG under `images/` that no row describes.
        case untrackedFile(path: String)
        /// A file whose bytes no longer hash to its row's SHA-256.
        case hashMismatch(imageID: Int64, path: String)
        /// A row whose path the containment check refuses (`LibraryLocation.checkedFile`): it
        /// leads outside the library, or names a FIFO, device, folder or link. Its file is never
        /// read nor moved; `--fix` removes the row and leaves the file where it is.
        case unsafePath(imageID: Int64, path: String, problem: LibraryFileProblem)
        /// A row that is incomplete or contradicts the schema (e.g. edited outside gptimg).
        case badRow(table: String, rowID: Int64, reason: String)
        /// A row of a link table (`image_tags`, `collection_images`: keyed by their columns, they
        /// have no rowid) naming a row of `missing` that is gone; `key` names the row.
        case danglingLink(table: String, key: String, missing: String)
        /// The search index disagrees with the images (rows missing or extra).
        case searchIndex(String)
        /// Notice: an image's sidecar is missing or says other than the catalog (`what`); `--fix` takes
        /// in what another tool changed in it (rating, tags), then writes it from the catalog.
        case sidecar(imageID: Int64, path: String, what: String)
        /// Notice: `journal.jsonl` or `collections.json` is missing while the catalog has what they keep.
        case libraryFile(name: String)
        /// Notice: a generation not yet completed or failed (`gptimg resume` finishes it).
        case unfinishedTask(generationID: Int64, status: String, taskID: String?)
        /// Notice: files a crashed process was landing; removed by the next write or `--fix`.
        case interruptedLanding(files: Int)
        /// Notice: files a crashed process had staged (written, never landed) in `.staging/`;
        /// removed by the next write or `--fix`.
        case abandonedStaging(files: Int, bytes: Int)

        static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        /// Notice: the new catalog a killed `rebuild` was writing (`.catalog-rebuild-*.sqlite`);
        /// removed by the next rebuild or `--fix`.
        case interruptedRebuild(files: Int, bytes: Int)

        public var description: String {
            switch self {
            case .integrity(let message):
                "catalog integrity: \(message) (run `gptimg rebuild` to make a new catalog from the images)"
            case .missingFile(let id, let path): "image \(id): its file \(path) is missing (--fix removes the row)"
            case .untrackedFile(let path): "\(path) is not in the catalog (--fix adds it)"
            case .hashMismatch(let id, let path):
                "image \(id): \(path) has changed since it landed (--fix moves it to trash/damaged and removes the row)"
            case .unsafePath(let id, let path, let problem) where problem.isUnsafe:
                "image \(id): \(problem) (\(path)), so it is neither read nor moved "
                    + "(--fix removes the row, leaving the file alone)"
            case .unsafePath(let id, let path, let problem):
                "image \(id): \(problem) (\(path)): make its folders readable, then run doctor again"
            case .badRow(let table, let rowID, let reason):
                "\(table) row \(rowID): \(reason) (--fix re-reads the image from its file)"
            case .danglingLink(let table, let key, let missing):
                "\(table) row (\(key)): refers to a missing \(missing) row (--fix removes it)"
            case .searchIndex(let message): "search index: \(message) (--fix rebuilds it)"
            case .sidecar(let id, let path, let what): "image \(id): its sidecar \(path).xmp \(what) (--fix writes it)"
            case .libraryFile(let name): "\(name) is missing (--fix writes it from the catalog)"
            case .unfinishedTask(let id, let status, let taskID):
                "generation \(GenerationReference.text(id)) is \(status)\(taskID.map { " (task \($0))" } ?? ""): "
                    + "`gptimg resume` finishes it"
            case .interruptedLanding(let files):
                """
                an interrupted import left \(files) uncommitted file(s) and its staging folder: removed by the next \
                import or --fix
                """
            case .abandonedStaging(let files, let bytes):
                """
                an interrupted import left \(files) staged file(s) (\(Self.megabytes(bytes))) in .staging: removed by \
                the next import or --fix
                """
            case .interruptedRebuild(let files, let bytes):
                "an interrupted rebuild left \(files) file(s) of \(bytes) bytes (.catalog-rebuild-*): "
                    + "removed by the next rebuild or --fix"
            }
        }
    }

    public var problems: [Finding] = []
    public var notices: [Finding] = []
    public var fixed: [String] = []
    /// The snapshot `--fix` took before repairing.
    public var backup: URL?
    public var imagesChecked = 0
    public var filesScanned = 0

    /// No damage (notices are not damage).
    public var isClean: Bool { problems.isEmpty }
}

/// The link tables: WITHOUT ROWID, so `PRAGMA foreign_key_check` cannot name their rows; they
/// are checked and repaired by key instead.
private let linkTables: [String: [(column: String, parent: String)]] = [
    "image_tags": [("image_id", "images"), ("tag_id", "tags")],
    "collection_images": [("collection_id", "collections"), ("image_id", "images")],
]

extension Catalog {
    // MARK: - Doctor

    /// Checks the library: SQLite's `quick_check`, foreign keys, incomplete rows, the search
    /// index, missing files, files not in the catalog, hash mismatches (every file is hashed,
    /// in parallel) and unfinished tasks. Changes nothing unless `fix`. `progress` gets the files
    /// hashed so far (on the caller's thread, after each chunk).
    public func doctor(
        fix: Bool = false, hashFiles: Bool = true, progress: (WorkProgress) -> Void = { _ in }
    ) throws -> DoctorReport {
        var report = DoctorReport()
        let root = location.root.path + "/"
        if fix {
            // Sidecars put in place without an fsync and lost in a crash, caught up before the checks.
            let caughtUp = try settleAllSidecars()
            if caughtUp > 0 { report.fixed.append("wrote \(caughtUp) sidecar(s) a crash had left behind the catalog") }
        }
        // The database itself.
        let (integrity, foreignKeys, danglingLinks, incomplete, searchProblems) = try read("check the catalog") { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }
            var foreignKeys: [(String, Int64, String)] = []
            var linkTablesToCheck = Set<String>()
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row[0]
                if let rowID: Int64 = row[1] {
                    foreignKeys.append((table, rowID, "refers to a missing \(row[2] as String? ?? "row")"))
                } else {
                    linkTablesToCheck.insert(table)
                }
            }
            var danglingLinks: [DoctorReport.Finding] = []
            for table in linkTablesToCheck.sorted() {
                guard let keys = linkTables[table] else {
                    danglingLinks.append(.integrity("\(table) has rows that refer to missing rows"))
                    continue
                }
                let columns = keys.map(\.column).joined(separator: ", ")
                for (column, parent) in keys {
                    for row in try Row.fetchAll(
                        db,
                        sql:
                            """
                            SELECT \(columns) FROM \(table) WHERE \(column) NOT IN (SELECT id FROM \(parent)) ORDER BY \
                            \(columns)
                            """
                    ) {
                        let key = keys.indices.map { "\(keys[$0].column) \(row[$0] as Int64? ?? 0)" }.joined(
                            separator: ", ")
                        danglingLinks.append(.danglingLink(table: table, key: key, missing: parent))
                    }
                }
            }
            var incomplete: [(String, Int64, String)] = []
            // Read leniently (as `list` and `show` read): a damaged row is reported, never fatal.
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT i.id, i.sha256, i.path, i.width, i.height, i.bytes,
                        (SELECT count(*) FROM image_metadata m WHERE m.image_id = i.id) AS metadata_rows,
                        (SELECT count(*) FROM generations g WHERE g.id = i.generation_id) AS generation_rows
                    FROM images i
                    """)
            {
                typealias Image = ImageRecord.Columns
                let id = row.lenientInt64(Image.id) ?? 0
                let sha = row.lenientText(Image.sha256)
                let path = row.lenientText(Image.path)
                let sizes = [Image.width, Image.height, Image.bytes].map { row.lenientInt($0) ?? 0 }
                if sha == nil || sha!.count != 64 || !sha!.allSatisfy({ $0.isHexDigit }) {
                    incomplete.append(("images", id, "its SHA-256 is malformed"))
                } else if path == nil || path!.isEmpty {
                    incomplete.append(("images", id, "it has no path"))
                } else if sizes.contains(where: { $0 <= 0 }) {
                    incomplete.append(("images", id, "its size is missing"))
                } else if row.lenientInt(Column("metadata_rows")) == 0 {
                    incomplete.append(("images", id, "its metadata row is missing"))
                } else if row.lenientInt(Column("generation_rows")) == 0 {
                    incomplete.append(("images", id, "its generation row is missing"))
                }
            }
            var searchProblems: [String] = []
            let missingFromIndex =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM images WHERE id NOT IN (SELECT rowid FROM image_search)") ?? 0
            let extraInIndex =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM image_search WHERE rowid NOT IN (SELECT id FROM images)") ?? 0
            if missingFromIndex > 0 { searchProblems.append("\(missingFromIndex) image(s) missing from the index") }
            if extraInIndex > 0 { searchProblems.append("\(extraInIndex) entries for images no longer in the catalog") }
            return (integrity, foreignKeys, danglingLinks, incomplete, searchProblems)
        }
        report.problems += integrity.prefix(20).map { .integrity($0) }
        report.problems += danglingLinks
        var badImageIDs = Set<Int64>()
        for (table, rowID, reason) in foreignKeys {
            report.problems.append(.badRow(table: table, rowID: rowID, reason: reason))
            if table == "images" { badImageIDs.insert(rowID) }
        }
        for (table, rowID, reason) in incomplete where !badImageIDs.contains(rowID) {
            report.problems.append(.badRow(table: table, rowID: rowID, reason: reason))
            badImageIDs.insert(rowID)
        }
        report.problems += searchProblems.map { .searchIndex($0) }

        // The files.
        let rows = try read("list images") { db in
            typealias Image = ImageRecord.Columns
            return try Row.fetchAll(db, sql: "SELECT id, path, sha256 FROM images").map { row in
                (
                    id: row.lenientInt64(Image.id) ?? 0, path: row.lenientText(Image.path) ?? "",
                    sha: row.lenientText(Image.sha256) ?? ""
                )
            }
        }
        report.imagesChecked = rows.count
        var catalogued = Set<String>()
        // Only files the containment check lets through are hashed: `../../../dev/zero` or a
        // FIFO in images/ is reported, never read.
        var present: [(id: Int64, path: String, sha: String, file: String)] = []
        var checker = LibraryLocation.FileChecker(location)
        for row in rows {
            catalogued.insert(row.path)
            if badImageIDs.contains(row.id) { continue }
            switch checker.check(row.path) {
            case .success(let file): present.append((row.id, row.path, row.sha, file.path))
            case .failure(.missing): report.problems.append(.missingFile(imageID: row.id, path: row.path))
            case .failure(let problem):
                report.problems.append(.unsafePath(imageID: row.id, path: row.path, problem: problem))
            }
        }
        if hashFiles {
            let hashes = UnsafeMutableBufferPointer<String?>.allocate(capacity: present.count)
            hashes.initialize(repeating: nil)
            defer { hashes.deallocate() }
            nonisolated(unsafe) let output = hashes
            let snapshot = present
            progress(WorkProgress(done: 0, total: snapshot.count))
            // A chunk at a time, so that progress can be reported between chunks.
            for start in stride(from: 0, to: snapshot.count, by: 64) {
                let end = min(start + 64, snapshot.count)
                DispatchQueue.concurrentPerform(iterations: end - start) { offset in
                    output[start + offset] = try? ImageStore.sha256Hex(ofFile: snapshot[start + offset].file)
                }
                progress(WorkProgress(done: end, total: snapshot.count))
            }
            for (index, row) in present.enumerated() where hashes[index] != row.sha {
                report.problems.append(.hashMismatch(imageID: row.id, path: row.path))
            }
        }
        let onDisk = FileTree.files(under: location.imagesURL.path, endingWith: [".png"])
        report.filesScanned = onDisk.count
        let untracked = onDisk.map { String($0.dropFirst(root.count)) }.filter { !catalogued.contains($0) }.sorted()
        let intended = try read("read landing intents") { Set(try LandingIntentRecord.fetchAll($0).map(\.path)) }
        let interrupted = untracked.filter { intended.contains($0) }
        report.problems += untracked.filter { !intended.contains($0) }.map { .untrackedFile(path: $0) }

        // What the library resolves itself.
        let owners = try read("read landing intents") { try Self.landingOwners($0) }
        let dead = StagingArea.deadOwners(root: location.root, except: staging.current?.owner, alsoConsider: owners)
        // A dead owner without recorded intents left only an empty folder (a process that
        // exited before its catalog was released): nothing to tell; the next write sweeps it.
        let deadWithIntents = dead.filter(owners.contains)
        if !deadWithIntents.isEmpty || !interrupted.isEmpty {
            report.notices.append(.interruptedLanding(files: interrupted.count))
        }
        let staged = StagingArea.abandoned(root: location.root, except: staging.current?.owner)
        if staged.files > 0 { report.notices.append(.abandonedStaging(files: staged.files, bytes: staged.bytes)) }
        let leftovers = Self.leftoverRebuilds(location)
        if !leftovers.isEmpty {
            let bytes = leftovers.reduce(0) { $0 + $1.bytes }
            report.notices.append(.interruptedRebuild(files: leftovers.count, bytes: bytes))
        }
        report.notices += try unfinishedGenerations().map {
            .unfinishedTask(generationID: $0.id, status: $0.status.rawValue, taskID: $0.taskID)
        }

        report.notices += try sidecarProblems(present.filter { !badImageIDs.contains($0.id) })
        if Glibc.access(location.journalURL.path, F_OK) != 0,
            try read("count generations", { try Int.fetchOne($0, sql: "SELECT count(*) FROM generations") ?? 0 }) > 0
        {
            report.notices.append(.libraryFile(name: "journal.jsonl"))
        }
        if Glibc.access(location.collectionsFileURL.path, F_OK) != 0,
            try read("count collections", { try Int.fetchOne($0, sql: "SELECT count(*) FROM collections") ?? 0 }) > 0
        {
            report.notices.append(.libraryFile(name: "collections.json"))
        }

        if fix {
            // A snapshot first: a repair removes rows.
            report.backup = try backup(reason: "before-doctor-fix")
            try repair(report, into: &report.fixed)
        }
        return report
    }

    private func repair(_ report: DoctorReport, into fixed: inout [String]) throws {
        let staged = StagingArea.abandoned(root: location.root, except: staging.current?.owner)
        let removed = try recoverInterruptedLandings()
        if removed > 0 { fixed.append("removed \(removed) file(s) an interrupted import left") }
        if staged.files > 0 {
            fixed.append(
                """
                removed \(staged.files) staged file(s) (\(DoctorReport.Finding.megabytes(staged.bytes))) an \
                interrupted import left in .staging
                """
            )
        }
        let leftovers = Self.removeLeftoverRebuilds(location)
        if leftovers > 0 { fixed.append("removed \(leftovers) file(s) an interrupted rebuild left") }
        var readopt: [String] = []
        var sidecarsToWrite: [Int64] = []
        var linkTablesRepaired = Set<String>()
        // Notices about the library's files are repaired too: after --fix, doctor says nothing.
        for finding in report.problems + report.notices {
            switch finding {
            case .missingFile(let id, let path):
                try write("remove a row") { db in try Self.deleteImage(id, db: db) }
                fixed.append("removed image \(id) (its file \(path) was missing)")
            case .hashMismatch(let id, let path):
                // Checked again right before the move: only a regular file inside images/ moves.
                guard case .success(let file) = location.checkedFile(atCatalogPath: path) else { break }
                let damaged = location.trashURL.appendingPathComponent("damaged").path
                try ImageStore.makeDirectories(damaged)
                let destination = damaged + "/\(id)-" + file.lastPathComponent
                _ = rename(file.path, destination)
                try write("remove a row") { db in try Self.deleteImage(id, db: db) }
                fixed.append("moved damaged \(path) to \(destination) and removed image \(id)")
            case .unsafePath(let id, let path, let problem) where problem.isUnsafe:
                try write("remove a row") { db in try Self.deleteImage(id, db: db) }
                fixed.append("removed image \(id) (\(problem): \(path), left where it is)")
            case .badRow(let table, let rowID, _) where table == "images":
                let path = try read("read a row") { try ImageRecord.fetchOne($0, key: rowID)?.path }
                try write("remove a row") { db in try Self.deleteImage(rowID, db: db) }
                if let path, case .success = location.checkedFile(atCatalogPath: path) { readopt.append(path) }
                fixed.append("removed damaged image row \(rowID)")
            case .badRow(let table, let rowID, _):
                try write("remove a row") { db in
                    try db.execute(sql: "DELETE FROM \(table) WHERE rowid = ?", arguments: [rowID])
                }
                fixed.append("removed \(table) row \(rowID)")
            case .danglingLink(let table, _, _):
                guard let keys = linkTables[table], linkTablesRepaired.insert(table).inserted else { break }
                let condition = keys.map { "\($0.column) NOT IN (SELECT id FROM \($0.parent))" }.joined(
                    separator: " OR ")
                let removed = try write("remove rows that refer to missing rows") { db in
                    try db.execute(sql: "DELETE FROM \(table) WHERE \(condition)")
                    return db.changesCount
                }
                fixed.append("removed \(removed) \(table) row(s) that referred to missing rows")
            case .untrackedFile(let path):
                readopt.append(path)
            case .sidecar(let id, _, _):
                sidecarsToWrite.append(id)
            case .libraryFile(let name):
                if name == "journal.jsonl" {
                    try seedJournalIfMissing()
                } else {
                    let location = self.location
                    try read("read collections") { try Self.writeCollectionsFile(location: location, db: $0) }
                }
                fixed.append("wrote \(name) from the catalog")
            case .integrity, .searchIndex, .unfinishedTask, .interruptedLanding, .abandonedStaging, .interruptedRebuild,
                .unsafePath:
                break
            }
        }
        for path in readopt {
            do {
                let record = try adopt(path, source: .import)
                if record.path != path {
                    // A copy of an image the catalog has: to the trash, so the next doctor is clean.
                    guard case .success(let file) = location.checkedFile(atCatalogPath: path) else { continue }
                    let duplicates = location.trashURL.appendingPathComponent("duplicates").path
                    try ImageStore.makeDirectories(duplicates)
                    var destination = duplicates + "/" + file.lastPathComponent
                    var attempt = 1
                    while Glibc.access(destination, F_OK) == 0 {
                        attempt += 1
                        destination = duplicates + "/\(attempt)-" + file.lastPathComponent
                    }
                    guard rename(file.path, destination) == 0 else {
                        fixed.append("left \(path) where it is (\(errnoDescription()))")
                        continue
                    }
                    rename(LibraryLocation.sidecarPath(ofImageFile: file.path), destination + ".xmp")
                    AtomicFile.syncDirectory(duplicates)
                    fixed.append("moved \(path), a copy of image \(record.id), to trash/duplicates")
                    continue
                }
                fixed.append("added \(path) to the catalog as image \(record.id)")
            } catch {
                guard case .success(let file) = location.checkedFile(atCatalogPath: path) else {
                    fixed.append("left \(path) where it is (\(describeError(error)))")
                    continue
                }
                let quarantine = location.trashURL.appendingPathComponent("damaged").path
                try ImageStore.makeDirectories(quarantine)
                _ = rename(file.path, quarantine + "/" + file.lastPathComponent)
                fixed.append("moved unreadable \(path) to trash/damaged (\(describeError(error)))")
            }
        }
        if !sidecarsToWrite.isEmpty {
            fixed.append("wrote \(try refreshSidecars(sidecarsToWrite)) sidecar(s) from the catalog")
        }
        if report.problems.contains(where: { if case .searchIndex = $0 { true } else { false } }) || !readopt.isEmpty {
            try rebuildSearchIndex()
            fixed.append("rebuilt the search index")
        }
        // Images landed before v4-phash (or readopted above without one) get their perceptual hash.
        let hashed = try fillPerceptualHashes()
        if hashed > 0 { fixed.append("computed the perceptual hash of \(hashed) image(s)") }
    }

    /// Catalogues a file already under `images/` where it is (nothing is copied).
    @discardableResult
    func adopt(_ relativePath: String, source: GenerationSource) throws -> ImageRecord {
        let path: String
        switch location.checkedFile(atCatalogPath: relativePath) {
        case .success(let file): path = file.path
        case .failure(let problem): throw CatalogError.file(path: relativePath, reason: String(describing: problem))
        }
        let bytes = try AtomicFile.read(path, maxBytes: ImportLimits.standard.maxFileBytes)
        var status = stat()
        let date = stat(path, &status) == 0 ? Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec)) : nil
        var prepared = try prepare(bytes: bytes, originalName: nil, fileDate: date, target: .metadata(source: source))
        prepared.relativePath = relativePath
        let now = self.now()
        // Its sidecar, when it has one, gives back its id and what the user decided.
        let sidecar = readSidecar(besideImageFile: path)
        let location = self.location
        let outcome = try write("add an image") { db in
            let id = try Self.keptID(prepared, sidecar, oldIDs: [:], db: db) ?? 0
            let outcome = try insertPrepared(Self.attached(prepared, sidecar, db: db), db: db, now: now, id: id)
            if case .landed(let image) = outcome {
                if let sidecar { try Self.apply(sidecar, to: image.id, collections: true, record: true, db: db) }
                try Self.writeSidecars(try Self.sidecars(of: [image.id], location: location, db: db))
                try Self.appendJournal(try Self.generationLines([image.generationID], db: db), location: location)
            }
            return outcome
        }
        switch outcome {
        case .landed(let record), .duplicate(let record): return record
        case .failed(let reason): throw CatalogError.file(path: relativePath, reason: reason)
        }
    }

    /// The sidecar problems of catalogued images with safe paths: missing, unreadable, or
    /// saying other than the catalog.
    func sidecarProblems(_ images: [(id: Int64, path: String, sha: String, file: String)]) throws -> [DoctorReport
        .Finding]
    {
        let location = self.location
        var problems: [DoctorReport.Finding] = []
        // Read once, when some image has no sidecar: the journal's image lines by SHA-256.
        var journalImages: [String: JournalImage]?
        for start in stride(from: 0, to: images.count, by: 2000) {
            let chunk = Array(images[start..<min(start + 2000, images.count)])
            let expected = try read("read sidecars") {
                try Self.sidecars(of: chunk.map(\.id), location: location, db: $0)
            }
            let paths = Dictionary(chunk.map { ($0.id, $0.path) }, uniquingKeysWith: { first, _ in first })
            for (file, want) in expected {
                let path = paths[want.id ?? 0] ?? file
                guard let bytes = try? AtomicFile.read(file, maxBytes: XMPSidecar.maximumBytes) else {
                    // An image needs none while the journal has its id and the file and the journal
                    // give back all the catalog says of it (nobody curated it since it landed).
                    if Glibc.access(file, F_OK) != 0 {
                        if journalImages == nil { journalImages = Self.readJournal(location)?.images ?? [:] }
                        if let line = journalImages?[want.sha256 ?? ""], line.sidecar.id == want.id,
                            !Self.hasCuration(want, beyond: line.tags)
                        {
                            continue
                        }
                    }
                    problems.append(.sidecar(imageID: want.id ?? 0, path: path, what: "is missing"))
                    continue
                }
                guard let have = XMPSidecar.parse(bytes) else {
                    problems.append(.sidecar(imageID: want.id ?? 0, path: path, what: "is not XMP"))
                    continue
                }
                if let what = Self.difference(have, want) {
                    problems.append(.sidecar(imageID: want.id ?? 0, path: path, what: what))
                }
            }
        }
        return problems
    }

    /// What a sidecar read says that the catalog's differs in, or nil when they agree.
    static func difference(_ have: XMPSidecar, _ want: XMPSidecar) -> String? {
        if have.id != want.id { return "names another id" }
        if have.resolvedRating != want.ownRating { return "has another rating" }
        if (have.resolvedPick ?? 0) != (want.pick ?? 0) { return "has another pick" }
        if (have.favorite ?? false) != (want.favorite ?? false) { return "has another favourite mark" }
        if Set(have.resolvedTags ?? []) != Set(want.ownTags ?? []) { return "has other tags" }
        if Set(have.collections ?? []) != Set(want.collections ?? []) { return "has other collections" }
        return nil
    }

    /// Rewrites the sidecars of `ids` from the catalog, first taking in the rating, pick and
    /// tags another tool (exiftool, digiKam, darktable) changed in them. Returns how many.
    func refreshSidecars(_ ids: [Int64]) throws -> Int {
        let location = self.location
        return try write("write sidecars") { db in
            for (file, want) in try Self.sidecars(of: ids, location: location, db: db) {
                guard let id = want.id, let bytes = try? AtomicFile.read(file, maxBytes: XMPSidecar.maximumBytes),
                    let have = XMPSidecar.parse(bytes)
                else { continue }
                var edits = XMPSidecar()
                if let rating = have.rating, rating >= 0, rating != have.ownRating { edits.rating = rating }
                if have.rating == -1, have.pick != -1 { edits.rating = -1 }
                if let tags = have.resolvedTags, let own = have.ownTags, Set(tags) != Set(own) { edits.subject = tags }
                if edits != XMPSidecar() { try Self.apply(edits, to: id, collections: false, record: false, db: db) }
            }
            let sidecars = try Self.sidecars(of: ids, location: location, db: db)
            try Self.writeSidecars(sidecars)
            return sidecars.count
        }
    }

    func rebuildSearchIndex() throws {
        try write("rebuild the search index") { db in
            try db.execute(
                sql: """
                    DELETE FROM image_search;
                    INSERT INTO image_search(rowid, prompt, tags)
                        SELECT i.id, g.prompt, ifnull((SELECT group_concat(t.name, ' ') FROM image_tags it JOIN tags t \
                    ON t.id = it.tag_id WHERE it.image_id = i.id), '')
                        FROM images i JOIN generations g ON g.id = i.generation_id;
                    """)
        }
    }

    // MARK: - Backup

    /// `backups/catalog-<20261121T101530Z>[-reason].sqlite`: the name of every copy of the catalog.
    static func backupURL(_ location: LibraryLocation, at date: Date, reason: String?) -> URL {
        location.backupsURL.appendingPathComponent(
            "catalog-\(Timestamp(date).fileStamp)\(reason.map { "-" + $0 } ?? "").sqlite")
    }

    /// A consistent snapshot of the catalog (SQLite's `VACUUM INTO`), verified by opening it
    /// and running `integrity_check`. Default: `backups/catalog-<time>[-reason].sqlite`.
    @discardableResult
    public func backup(to destination: URL? = nil, reason: String? = nil) throws -> URL {
        let url = destination ?? Self.backupURL(location, at: clock(), reason: reason)
        var target = url
        var attempt = 1
        while destination == nil, FileManager.default.fileExists(atPath: target.path) {
            attempt += 1
            target = url.deletingPathExtension().appendingPathExtension("\(attempt).sqlite")
        }
        if FileManager.default.fileExists(atPath: target.path) {
            throw CatalogError.backupFailed(reason: "\(target.path) already exists: choose another file")
        }
        try? FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).partial-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM INTO ?", arguments: [temporary.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            let wrapped = CatalogError.wrap(error, "copy the catalog")
            if case .damaged = wrapped { throw wrapped } // the catalog's fault, not the copy's
            throw CatalogError.backupFailed(reason: describeError(wrapped))
        }
        do {
            let queue = try DatabaseQueue(
                path: temporary.path,
                configuration: {
                    var c = Configuration()
                    c.readonly = true
                    return c
                }())
            let check = try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            try queue.close()
            guard check == ["ok"] else {
                let found = check.prefix(3).joined(separator: "; ")
                throw CatalogError.damaged(reason: "a snapshot of it fails SQLite's integrity check: \(found)")
            }
            let descriptor = Glibc.open(temporary.path, O_RDONLY)
            if descriptor >= 0 {
                fsync(descriptor)
                Glibc.close(descriptor)
            }
            guard rename(temporary.path, target.path) == 0 else {
                throw CatalogError.backupFailed(
                    reason: "cannot name it \(target.path): \(errnoDescription())")
            }
            AtomicFile.syncDirectory(target.deletingLastPathComponent().path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CatalogError.wrap(error, "verify the backup")
        }
        // Snapshots in backups/ rotate: the newest `backupsKept` stay.
        if destination == nil { Self.pruneBackups(location, keep: backupsKept) }
        return target
    }
}
