import Foundation
import GRDB
import GptimgAPI
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// What `rebuild` did.
public struct RebuildReport: Sendable {
    public var images = 0
    public var generations = 0
    /// Files under `images/` that could not be read, with the reason (left where they are).
    public var skipped: [String] = []
    /// The old catalog's snapshot in `backups/`, when there was one.
    public var backup: URL?
    /// Whether ratings, favourites, later tags, collections, the credit ledger and unfinished
    /// tasks were carried over from the old catalog (only when it could still be read).
    public var carriedOver = false
    public var notes: [String] = []
}

extension Catalog {
    /// Closes the catalog's connections (a closed catalog must not be used again).
    public func close() throws {
        try catalogOperation("close") {
            if let pool = database as? DatabasePool { try pool.close() }
            if let queue = database as? DatabaseQueue { try queue.close() }
        }
    }

    /// Builds a new catalog from the images' embedded metadata and swaps it in atomically.
    ///
    /// The files alone are enough: every generation gptimg wrote (prompt, parameters, task id,
    /// lineage, tags given at generation) comes back from its `gptimg` chunk, foreign files from
    /// their own metadata. When the old catalog can still be read, what only it knows (ratings,
    /// favourites, later tags, collections, the credit ledger, unfinished tasks, sources, the
    /// tags, collection and batch line each generation asked for) is carried over by SHA-256 and
    /// task id, so a re-run batch never sends a line again. The old catalog is backed up first;
    /// no other gptimg may use the library meanwhile.
    ///
    /// The old catalog is replaced only when it is damaged (SQLite finds it corrupt, or it was
    /// emptied) and its bytes are safely copied to `backups/…-damaged.sqlite`. Anything else that
    /// stops reading or backing it up — a catalog written by a newer gptimg, a full disk, a
    /// read-only library, another gptimg holding it — fails the rebuild and leaves it as it was.
    ///
    /// `progress` gets the files read so far (on the caller's thread, after each chunk).
    public static func rebuild(
        _ location: LibraryLocation, clock: @escaping @Sendable () -> Date = Date.init,
        progress: (WorkProgress) -> Void = { _ in }
    ) throws -> RebuildReport {
        var report = RebuildReport()
        try createFolders(location)
        let leftovers = removeLeftoverRebuilds(location)
        if leftovers > 0 { report.notes.append("removed \(leftovers) file(s) an interrupted rebuild left") }
        let catalogPath = location.catalogURL.path
        var oldCopy: URL?
        if FileManager.default.fileExists(atPath: catalogPath) {
            do {
                let old = try Catalog.open(location, access: .readWrite, clock: clock)
                defer { try? old.close() }
                try old.recoverInterruptedLandings()
                // Sidecars a crash left behind the catalog are caught up first: rebuild takes their word.
                try old.settleAllSidecars()
                let backup = try old.backup(reason: "before-rebuild")
                report.backup = backup
                oldCopy = backup
            } catch CatalogError.damaged(let reason) {
                report.backup = try keepDamagedCatalog(location, at: clock())
                report.notes.append("the old catalog is damaged (\(reason)); nothing was carried over")
            } catch {
                throw CatalogError.rebuildFailed(reason: describeError(error))
            }
        }

        let newName = "\(rebuildPrefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        let newPath = location.root.appendingPathComponent(newName).path
        do {
            let queue = try catalogOperation("create the new catalog") { try DatabaseQueue(path: newPath) }
            let fresh = Catalog(location: location, access: .readWrite, database: queue, clock: clock)
            try fresh.migrate()
            // The library's own files first: generations (with their ids) from the journal, the
            // collections from their file; then each image takes its id from its sidecar, else
            // from the old catalog, else a new one above them all.
            let journal = readJournal(location)
            let journalImages = journal?.images ?? [:]
            var journalIDs = 0
            let oldIDs = oldCopy.flatMap { try? Self.imageIDsBySHA(catalogAt: $0.path) } ?? [:]
            try fresh.write("restore generations and collections") { db in
                for row in readCollectionsFile(location) ?? [] {
                    _ = try insertRow(row, into: "collections", db: db)
                }
                for row in journal?.generations ?? [] {
                    // parent_image_id is filled by trigger as the parent lands.
                    _ = try insertRow(row, into: "generations", db: db, skipping: ["parent_image_id"])
                }
            }
            if let journal, !journal.generations.isEmpty {
                report.notes.append("\(journal.generations.count) generation(s) read from journal.jsonl")
            }
            var deferred: [(PreparedImage, XMPSidecar?)] = []
            var sidecars: [(Int64, XMPSidecar)] = []
            let rootPrefix = location.root.path + "/"
            let paths = FileTree.files(under: location.imagesURL.path, endingWith: [".png"]).map {
                String($0.dropFirst(rootPrefix.count))
            }.sorted()
            progress(WorkProgress(done: 0, total: paths.count))
            var read = 0
            // Parse in parallel, insert in order, a chunk at a time.
            for chunk in stride(from: 0, to: paths.count, by: 256).map({ Array(paths[$0..<min($0 + 256, paths.count)]) }
            ) {
                defer {
                    read += chunk.count
                    progress(WorkProgress(done: read, total: paths.count))
                }
                let results = UnsafeMutableBufferPointer<Result<(PreparedImage, XMPSidecar?), CatalogError>?>.allocate(
                    capacity: chunk.count)
                results.initialize(repeating: nil)
                defer { results.deallocate() }
                nonisolated(unsafe) let output = results
                DispatchQueue.concurrentPerform(iterations: chunk.count) { index in
                    do {
                        // Found by a walk that follows no links, and checked again as any catalog path is.
                        let path = try location.checkedFile(atCatalogPath: chunk[index]).get().path
                        let bytes = try AtomicFile.read(path, maxBytes: ImportLimits.standard.maxFileBytes)
                        var status = stat()
                        let date =
                            stat(path, &status) == 0 ? Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec)) : nil
                        let probe = try fresh.prepare(
                            bytes: bytes, originalName: nil, fileDate: date, target: .metadata(source: .import))
                        var prepared = probe
                        prepared.target = .metadata(source: Self.inferredSource(probe.report.generation))
                        prepared.relativePath = chunk[index]
                        output[index] = .success((prepared, readSidecar(besideImageFile: path)))
                    } catch {
                        output[index] = .failure(CatalogError.file(path: chunk[index], reason: describeError(error)))
                    }
                }
                let now = fresh.now()
                try fresh.write("fill the new catalog") { db in
                    for index in 0..<chunk.count {
                        switch results[index]! {
                        case .success(let (prepared, found)):
                            // No sidecar (an image nobody curated): its journal line gives its id.
                            let sidecar = found ?? journalImages[prepared.sha256]?.sidecar
                            if found == nil, sidecar != nil { journalIDs += 1 }
                            guard let id = try Self.keptID(prepared, sidecar, oldIDs: oldIDs, db: db) else {
                                deferred.append((prepared, sidecar))
                                continue
                            }
                            if case .landed(let image) = try fresh.insertPrepared(
                                Self.attached(prepared, sidecar, db: db), db: db, now: now, id: id)
                            {
                                report.images += 1
                                if let sidecar { sidecars.append((image.id, sidecar)) }
                            }
                        case .failure(let error):
                            report.skipped.append(error.description)
                        }
                    }
                }
            }
            // Images without a known id: new ids, above every kept one.
            try fresh.write("fill the new catalog") { db in
                let now = fresh.now()
                for (prepared, sidecar) in deferred {
                    if case .landed(let image) = try fresh.insertPrepared(
                        Self.attached(prepared, sidecar, db: db), db: db, now: now)
                    {
                        report.images += 1
                        if let sidecar { sidecars.append((image.id, sidecar)) }
                    }
                }
            }
            let journalCredits = journal?.credits ?? []
            if let oldCopy {
                do {
                    try fresh.carryOver(from: oldCopy.path, ledger: journalCredits.isEmpty)
                    report.carriedOver = true
                } catch {
                    report.notes.append("nothing carried over from the old catalog: \(describeError(error))")
                }
            }
            // What the sidecars say wins over the old catalog: they are written before each
            // commit, and other tools (exiftool, digiKam, darktable) edit them.
            try fresh.write("apply the sidecars") { db in
                for (id, sidecar) in sidecars {
                    try Self.apply(sidecar, to: id, collections: true, record: true, db: db)
                }
                for credit in journalCredits { try Self.insertJournalCredit(credit, db: db) }
            }
            if sidecars.count > journalIDs {
                report.notes.append("\(sidecars.count - journalIDs) sidecar(s) read")
            }
            if journalIDs > 0 {
                report.notes.append("\(journalIDs) image id(s) read from journal.jsonl")
            }
            if !journalCredits.isEmpty {
                report.notes.append("\(journalCredits.count) ledger entries read from journal.jsonl")
            }
            try fresh.rebuildSearchIndex()
            report.generations = try fresh.read("count generations") {
                try Int.fetchOne($0, sql: "SELECT count(*) FROM generations") ?? 0
            }
            let check = try fresh.read("check the new catalog") {
                try String.fetchAll($0, sql: "PRAGMA integrity_check")
            }
            guard check == ["ok"] else {
                throw CatalogError.rebuildFailed(reason: "the new catalog failed its integrity check")
            }
            try fresh.close()
        } catch {
            for suffix in rebuildFileSuffixes { unlink(newPath + suffix) }
            throw CatalogError.rebuildFailed(reason: describeError(error))
        }

        try swapIn(newPath, location: location)
        // Every image's sidecar and the collections file from the new catalog, and the journal
        // completed with the generations it lacked: a second rebuild gives the same catalog.
        let rebuilt = try Catalog.open(location, access: .readWrite, clock: clock)
        defer { try? rebuilt.close() }
        try rebuilt.writeAllSidecars()
        let journaled = Set(
            readJournal(location)?.generations.compactMap { row -> Int64? in
                if case .number(let text)? = row["id"] { Int64(text) } else { nil }
            } ?? [])
        try rebuilt.read("complete the journal") { db in
            let missing = try Int64.fetchAll(db, sql: "SELECT id FROM generations ORDER BY id").filter {
                !journaled.contains($0)
            }
            for start in stride(from: 0, to: missing.count, by: 2000) {
                try appendJournal(
                    try generationLines(Array(missing[start..<min(start + 2000, missing.count)]), db: db),
                    location: location)
            }
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM credit_ledger") ?? 0 > 0,
                readJournal(location)?.credits
                    .isEmpty ?? true
            {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM credit_ledger ORDER BY id") {
                    try appendJournal([creditLine(CreditEntry(row: row), id: row["id"] ?? 0)], location: location)
                }
            }
        }
        return report
    }

    /// Puts the catalog at `newPath` (a closed SQLite file in the library folder) in place of
    /// `catalog.sqlite` with one rename. Leaving WAL mode needs the only connection to the old
    /// catalog: if another process has it open, this fails and nothing changes.
    static func swapIn(
        _ newPath: String, location: LibraryLocation,
        failure: (String) -> CatalogError = { CatalogError.rebuildFailed(reason: $0) }
    ) throws {
        let catalogPath = location.catalogURL.path
        // The swap. Leaving WAL mode needs the only connection to the old catalog: if another
        // process has it open, this fails and nothing changes.
        if FileManager.default.fileExists(atPath: catalogPath) {
            do {
                let queue = try DatabaseQueue(path: catalogPath)
                try queue.writeWithoutTransaction { db in
                    _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
                    guard mode == "delete" else {
                        throw failure("journal mode stayed \(mode ?? "?")")
                    }
                }
                try queue.close()
            } catch let error as DatabaseError
                where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
            {
                try? FileManager.default.removeItem(atPath: newPath)
                throw failure("another gptimg is using the library: stop it and run the command again")
            } catch {
                // A damaged old catalog cannot be opened: it is replaced as it is (its copy is in backups/).
            }
        }
        let descriptor = Glibc.open(newPath, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            Glibc.close(descriptor)
        }
        unlink(catalogPath + "-wal")
        unlink(catalogPath + "-shm")
        guard rename(newPath, catalogPath) == 0 else {
            throw failure("cannot put the new catalog in place: \(errnoDescription())")
        }
        AtomicFile.syncDirectory(location.root.path)
    }

    /// The id an image keeps in a rebuild: its sidecar's (when the sidecar is its own, by
    /// SHA-256, and no other image took it), else the old catalog's; nil for a new one.
    static func keptID(_ prepared: PreparedImage, _ sidecar: XMPSidecar?, oldIDs: [String: Int64], db: Database) throws
        -> Int64?
    {
        var candidates: [Int64] = []
        if let sidecar, let id = sidecar.id, sidecar.sha256 == nil || sidecar.sha256 == prepared.sha256 {
            candidates.append(id)
        }
        if let id = oldIDs[prepared.sha256] { candidates.append(id) }
        for id in candidates where try !ImageRecord.exists(db, key: id) { return id }
        return nil
    }

    /// The image joined to the generation its sidecar names, when that generation is in the
    /// catalog and (for our files) has the task id the file carries.
    static func attached(_ prepared: PreparedImage, _ sidecar: XMPSidecar?, db: Database) throws -> PreparedImage {
        guard let id = sidecar?.generationID, let generation = try generation(id: id, db: db) else { return prepared }
        let ours = prepared.report.generation?.gptimg
        if let taskID = ours?.taskID, generation.taskID != taskID { return prepared }
        var attached = prepared
        attached.target = .generation(id: id, index: ours?.index ?? 0, remoteURL: nil)
        return attached
    }

    /// The old catalog's image ids by SHA-256.
    static func imageIDsBySHA(catalogAt path: String) throws -> [String: Int64] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            var ids: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT sha256, id FROM images") {
                if let sha = row[0] as String?, let id = row[1] as Int64? { ids[sha] = id }
            }
            return ids
        }
    }

    /// A ledger entry from the journal, joined to its generation by task id (else by the
    /// generation id it was recorded with, when that generation is there).
    static func insertJournalCredit(_ object: JSONObject, db: Database) throws {
        func text(_ key: String) -> String? { if case .string(let value)? = object[key] { value } else { nil } }
        func number(_ key: String) -> Int64? { if case .number(let value)? = object[key] { Int64(value) } else { nil } }
        guard let kind = text("kind").flatMap(CreditEntry.Kind.init(rawValue:)), let credits = number("credits"),
            credits >= 0, let recordedAt = text("recorded_at")
        else { return }
        var generationID: Int64?
        if let taskID = text("task_id") {
            generationID = try Int64.fetchOne(
                db, sql: "SELECT id FROM generations WHERE task_id = ?", arguments: [taskID])
        }
        if generationID == nil, let id = number("generation_id"), try generation(id: id, db: db) != nil {
            generationID = id
        }
        // Inserted as is: the generation rows already hold the sums (their journal lines).
        try CreditEntry(
            kind: kind, credits: Int(credits), balance: number("balance").map { Int($0) }, generationID: generationID,
            taskID: text("task_id"), note: text("note"), recordedAt: recordedAt
        ).insert(db)
    }

    /// A damaged catalog's bytes, copied as they are to `backups/catalog-<time>-damaged.sqlite`
    /// before a rebuild replaces it: the copy is complete and on disk, or the rebuild stops (a
    /// full disk must not leave a 0-byte copy and a replaced catalog). An emptied (0-byte)
    /// catalog has nothing to keep: nil.
    static func keepDamagedCatalog(_ location: LibraryLocation, at date: Date) throws -> URL? {
        var status = stat()
        guard stat(location.catalogURL.path, &status) == 0, status.st_size > 0 else { return nil }
        let copy = backupURL(location, at: date, reason: "damaged")
        let partial = location.backupsURL.appendingPathComponent(".\(copy.lastPathComponent).partial-\(getpid())")
        do {
            let bytes = try AtomicFile.read(location.catalogURL.path, maxBytes: Int.max)
            try AtomicFile.write(bytes, to: partial.path, durable: true)
            guard rename(partial.path, copy.path) == 0 else {
                throw CatalogError.file(path: copy.path, reason: errnoDescription())
            }
            AtomicFile.syncDirectory(copy.deletingLastPathComponent().path)
            return copy
        } catch {
            unlink(partial.path)
            throw CatalogError.rebuildFailed(
                reason: "the damaged catalog could not be copied to backups/ first (\(describeError(error))); "
                    + "it is left as it is")
        }
    }

    /// The new catalog a rebuild writes before the swap: `.catalog-rebuild-<pid>-<random>.sqlite`
    /// in the library folder (the pid tells a live rebuild from a killed one).
    static let rebuildPrefix = ".catalog-rebuild-"
    static let rebuildFileSuffixes = ["", "-journal", "-wal", "-shm"]

    /// The files killed rebuilds left in the library folder (with their sizes): those whose
    /// process is gone, and those named by a gptimg that did not put its pid in the name.
    static func leftoverRebuilds(_ location: LibraryLocation) -> [(path: String, bytes: Int)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: location.root.path)) ?? []
        return names.sorted().compactMap { name in
            guard name.hasPrefix(rebuildPrefix) else { return nil }
            let rest = name.dropFirst(rebuildPrefix.count).split(separator: "-")
            // Ours too: a file with this process's id was left by a dead one whose id we got.
            if rest.count >= 2, let pid = Int32(rest[0]), pid != getpid(), kill(pid, 0) == 0 || errno != ESRCH {
                return nil
            }
            var status = stat()
            let path = location.root.path + "/" + name
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            return (path, Int(status.st_size))
        }
    }

    /// Removes `leftoverRebuilds`; returns how many files went.
    @discardableResult
    static func removeLeftoverRebuilds(_ location: LibraryLocation) -> Int {
        leftoverRebuilds(location).filter { unlink($0.path) == 0 }.count
    }

    /// Ours with a hosted URL on this machine came from the simulator, ours otherwise from the
    /// API; anything else was imported.
    static func inferredSource(_ info: GenerationInfo?) -> GenerationSource {
        guard let ours = info?.gptimg else { return .import }
        if let url = ours.remoteURL, RequestValidation.isLoopback(url) { return .simulator }
        return .api
    }

    /// Copies what only the old catalog knows into this (new) one, matching images by SHA-256
    /// and generations by task id.
    func carryOver(from oldPath: String, ledger: Bool = true) throws {
        guard let queue = database as? DatabaseQueue else { return }
        try catalogOperation("carry over from the old catalog") {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS old", arguments: [oldPath])
                defer { try? db.execute(sql: "DETACH DATABASE old") }
                try db.inTransaction {
                    try db.execute(
                        sql: """
                            UPDATE images SET
                                rating = (SELECT o.rating FROM old.images o WHERE o.sha256 = images.sha256),
                                favorite = (SELECT o.favorite FROM old.images o WHERE o.sha256 = images.sha256),
                                added_at = (SELECT o.added_at FROM old.images o WHERE o.sha256 = images.sha256),
                                original_name = (SELECT o.original_name FROM old.images o WHERE o.sha256 = \
                            images.sha256)
                            WHERE sha256 IN (SELECT sha256 FROM old.images);

                            UPDATE generations SET
                                (source, base_url, submitted_at, credits_charged, credits_refunded, requested_tags,
                                 requested_collection, batch_key) = (
                                    SELECT og.source, og.base_url, og.submitted_at, og.credits_charged, \
                            og.credits_refunded,
                                           og.requested_tags, og.requested_collection, og.batch_key
                                    FROM old.images oi JOIN old.generations og ON og.id = oi.generation_id
                                    JOIN images i ON i.sha256 = oi.sha256 WHERE i.generation_id = generations.id LIMIT \
                            1)
                            WHERE EXISTS (SELECT 1 FROM images i JOIN old.images oi ON oi.sha256 = i.sha256 WHERE \
                            i.generation_id = generations.id);

                            INSERT OR IGNORE INTO tags(name) SELECT name FROM old.tags;
                            INSERT OR IGNORE INTO image_tags(image_id, tag_id)
                                SELECT i.id, t.id FROM old.image_tags oit JOIN old.images oi ON oi.id = oit.image_id
                                JOIN old.tags ot ON ot.id = oit.tag_id JOIN images i ON i.sha256 = oi.sha256 JOIN tags \
                            t ON t.name = ot.name;
                            DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM image_tags WHERE tag_id = tags.id);

                            INSERT OR IGNORE INTO collections(id, name, created_at)
                                SELECT CASE WHEN id IN (SELECT id FROM main.collections) THEN NULL ELSE id END, name,
                                    created_at FROM old.collections;
                            INSERT OR IGNORE INTO collection_images(collection_id, image_id, position, added_at)
                                SELECT c.id, i.id, oci.position, oci.added_at FROM old.collection_images oci
                                JOIN old.collections oc ON oc.id = oci.collection_id JOIN collections c ON c.name = \
                            oc.name
                                JOIN old.images oi ON oi.id = oci.image_id JOIN images i ON i.sha256 = oi.sha256;

                            INSERT INTO generations(id, task_id, server_row_id, status, type, prompt, negative_prompt, \
                            aspect_ratio, n,
                                reference_images, provider, model, base_url, source, created_at, submitted_at, \
                            completed_at, updated_at,
                                credits_charged, credits_refunded, error_code, error_message, parent_task_id, \
                            parent_index, requested_tags,
                                requested_collection, batch_key)
                            SELECT CASE WHEN og.id IN (SELECT id FROM main.generations) THEN NULL ELSE og.id END,
                                og.task_id, og.server_row_id, og.status, og.type, og.prompt, og.negative_prompt, \
                            og.aspect_ratio, og.n,
                                og.reference_images, og.provider, og.model, og.base_url, og.source, og.created_at, \
                            og.submitted_at,
                                og.completed_at, og.updated_at, og.credits_charged, og.credits_refunded, \
                            og.error_code, og.error_message,
                                og.parent_task_id, og.parent_index, og.requested_tags, og.requested_collection, \
                            og.batch_key
                            FROM old.generations og
                            WHERE NOT EXISTS (SELECT 1 FROM old.images oi WHERE oi.generation_id = og.id)
                              AND NOT EXISTS (SELECT 1 FROM main.generations g WHERE g.id = og.id
                                  AND g.created_at IS og.created_at AND g.prompt IS og.prompt)
                              AND (og.batch_key IS NULL OR og.batch_key NOT IN (SELECT batch_key FROM main.generations \
                            WHERE batch_key IS NOT NULL))
                              AND (og.task_id IS NULL OR og.task_id NOT IN (SELECT task_id FROM generations WHERE \
                            task_id IS NOT NULL));
                            """)
                    if ledger {
                        try db.execute(
                            sql: """
                                INSERT INTO credit_ledger(generation_id, task_id, kind, credits, balance, note, \
                                recorded_at)
                                    SELECT (SELECT g.id FROM generations g WHERE g.task_id = ol.task_id), ol.task_id,
                                           ol.kind, ol.credits, ol.balance, ol.note, ol.recorded_at
                                    FROM old.credit_ledger ol ORDER BY ol.id
                                """)
                    }
                    // Picks exist from v3 on: an older catalog has none to carry.
                    let hasPicks = try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM pragma_table_info('images', 'old') WHERE name = 'pick')")
                    if hasPicks == true {
                        try db.execute(
                            sql: """
                                UPDATE images SET pick = ifnull((SELECT CASE WHEN o.pick IN (-1, 0, 1) THEN o.pick END
                                    FROM old.images o WHERE o.sha256 = images.sha256), 0)
                                WHERE sha256 IN (SELECT sha256 FROM old.images)
                                """)
                    }
                    // Smart collections' queries exist from v5-smart on (text, as a query reads it).
                    let hasQueries = try Bool.fetchOne(
                        db,
                        sql:
                            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('collections', 'old') WHERE name = 'query')"
                    )
                    if hasQueries == true {
                        try db.execute(
                            sql: """
                                UPDATE collections SET query = (
                                    SELECT CASE WHEN typeof(o.query) = 'text' THEN o.query END
                                    FROM old.collections o WHERE o.name = collections.name)
                                """)
                    }
                    return .commit
                }
            }
        }
    }
}
