import Foundation
import GptimgAPI
import GRDB
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
    public static func rebuild(_ location: LibraryLocation, clock: @escaping @Sendable () -> Date = Date.init) throws -> RebuildReport {
        var report = RebuildReport()
        try createFolders(location)
        let catalogPath = location.catalogURL.path
        var oldCopy: URL?
        if FileManager.default.fileExists(atPath: catalogPath) {
            do {
                let old = try Catalog.open(location, access: .readWrite, clock: clock)
                try old.recoverInterruptedLandings()
                let backup = try old.backup(reason: "before-rebuild")
                try old.close()
                report.backup = backup
                oldCopy = backup
            } catch {
                // Unreadable: keep its bytes as they are.
                let copy = backupURL(location, at: clock(), reason: "damaged")
                try? FileManager.default.copyItem(atPath: catalogPath, toPath: copy.path)
                report.backup = copy
                report.notes.append("the old catalog could not be read (\(describeError(error))); nothing was carried over")
            }
        }

        let newPath = location.root.appendingPathComponent(".catalog-rebuild-\(UInt32.random(in: 0...UInt32.max)).sqlite").path
        do {
            let queue = try catalogOperation("create the new catalog") { try DatabaseQueue(path: newPath) }
            let fresh = Catalog(location: location, access: .readWrite, database: queue, clock: clock)
            try fresh.migrate()
            let rootPrefix = location.root.path + "/"
            let paths = FileTree.files(under: location.imagesURL.path, endingWith: [".png"]).map { String($0.dropFirst(rootPrefix.count)) }.sorted()
            // Parse in parallel, insert in order, a chunk at a time.
            for chunk in stride(from: 0, to: paths.count, by: 256).map({ Array(paths[$0..<min($0 + 256, paths.count)]) }) {
                let results = UnsafeMutableBufferPointer<Result<PreparedImage, CatalogError>?>.allocate(capacity: chunk.count)
                results.initialize(repeating: nil)
                defer { results.deallocate() }
                nonisolated(unsafe) let output = results
                DispatchQueue.concurrentPerform(iterations: chunk.count) { index in
                    do {
                        let path = rootPrefix + chunk[index]
                        let bytes = try AtomicFile.read(path, maxBytes: ImportLimits.standard.maxFileBytes)
                        var status = stat()
                        let date = stat(path, &status) == 0 ? Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec)) : nil
                        let probe = try fresh.prepare(bytes: bytes, originalName: nil, fileDate: date, target: .metadata(source: .import))
                        var prepared = probe
                        prepared.target = .metadata(source: Self.inferredSource(probe.report.generation))
                        prepared.relativePath = chunk[index]
                        output[index] = .success(prepared)
                    } catch {
                        output[index] = .failure(CatalogError.file(path: chunk[index], reason: describeError(error)))
                    }
                }
                let now = fresh.now()
                try fresh.write("fill the new catalog") { db in
                    for index in 0..<chunk.count {
                        switch results[index]! {
                        case .success(let prepared):
                            if case .landed = try fresh.insertPrepared(prepared, db: db, now: now) { report.images += 1 }
                        case .failure(let error):
                            report.skipped.append(error.description)
                        }
                    }
                }
            }
            if let oldCopy {
                do {
                    try fresh.carryOver(from: oldCopy.path)
                    report.carriedOver = true
                } catch {
                    report.notes.append("nothing carried over from the old catalog: \(describeError(error))")
                }
            }
            try fresh.rebuildSearchIndex()
            report.generations = try fresh.read("count generations") { try Int.fetchOne($0, sql: "SELECT count(*) FROM generations") ?? 0 }
            let check = try fresh.read("check the new catalog") { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            guard check == ["ok"] else { throw CatalogError.rebuildFailed(reason: "the new catalog failed its integrity check") }
            try fresh.close()
        } catch {
            try? FileManager.default.removeItem(atPath: newPath)
            try? FileManager.default.removeItem(atPath: newPath + "-journal")
            throw CatalogError.rebuildFailed(reason: describeError(error))
        }

        // The swap. Leaving WAL mode needs the only connection to the old catalog: if another
        // process has it open, this fails and nothing changes.
        if FileManager.default.fileExists(atPath: catalogPath) {
            do {
                let queue = try DatabaseQueue(path: catalogPath)
                try queue.writeWithoutTransaction { db in
                    _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
                    guard mode == "delete" else { throw CatalogError.rebuildFailed(reason: "journal mode stayed \(mode ?? "?")") }
                }
                try queue.close()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                try? FileManager.default.removeItem(atPath: newPath)
                throw CatalogError.rebuildFailed(reason: "another gptimg is using the library: stop it and run rebuild again")
            } catch {
                // A damaged old catalog cannot be opened: it is replaced as it is (its copy is in backups/).
            }
        }
        let descriptor = Glibc.open(newPath, O_RDONLY)
        if descriptor >= 0 { fsync(descriptor); Glibc.close(descriptor) }
        unlink(catalogPath + "-wal")
        unlink(catalogPath + "-shm")
        guard rename(newPath, catalogPath) == 0 else {
            throw CatalogError.rebuildFailed(reason: "cannot put the new catalog in place: \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(location.root.path)
        return report
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
    func carryOver(from oldPath: String) throws {
        guard let queue = database as? DatabaseQueue else { return }
        try catalogOperation("carry over from the old catalog") {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS old", arguments: [oldPath])
                defer { try? db.execute(sql: "DETACH DATABASE old") }
                try db.inTransaction {
                    try db.execute(sql: """
                        UPDATE images SET
                            rating = (SELECT o.rating FROM old.images o WHERE o.sha256 = images.sha256),
                            favorite = (SELECT o.favorite FROM old.images o WHERE o.sha256 = images.sha256),
                            added_at = (SELECT o.added_at FROM old.images o WHERE o.sha256 = images.sha256),
                            original_name = (SELECT o.original_name FROM old.images o WHERE o.sha256 = images.sha256)
                        WHERE sha256 IN (SELECT sha256 FROM old.images);

                        UPDATE generations SET
                            (source, base_url, submitted_at, credits_charged, credits_refunded, requested_tags,
                             requested_collection, batch_key) = (
                                SELECT og.source, og.base_url, og.submitted_at, og.credits_charged, og.credits_refunded,
                                       og.requested_tags, og.requested_collection, og.batch_key
                                FROM old.images oi JOIN old.generations og ON og.id = oi.generation_id
                                JOIN images i ON i.sha256 = oi.sha256 WHERE i.generation_id = generations.id LIMIT 1)
                        WHERE EXISTS (SELECT 1 FROM images i JOIN old.images oi ON oi.sha256 = i.sha256 WHERE i.generation_id = generations.id);

                        INSERT OR IGNORE INTO tags(name) SELECT name FROM old.tags;
                        INSERT OR IGNORE INTO image_tags(image_id, tag_id)
                            SELECT i.id, t.id FROM old.image_tags oit JOIN old.images oi ON oi.id = oit.image_id
                            JOIN old.tags ot ON ot.id = oit.tag_id JOIN images i ON i.sha256 = oi.sha256 JOIN tags t ON t.name = ot.name;
                        DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM image_tags WHERE tag_id = tags.id);

                        INSERT OR IGNORE INTO collections(name, created_at) SELECT name, created_at FROM old.collections;
                        INSERT OR IGNORE INTO collection_images(collection_id, image_id, position, added_at)
                            SELECT c.id, i.id, oci.position, oci.added_at FROM old.collection_images oci
                            JOIN old.collections oc ON oc.id = oci.collection_id JOIN collections c ON c.name = oc.name
                            JOIN old.images oi ON oi.id = oci.image_id JOIN images i ON i.sha256 = oi.sha256;

                        INSERT INTO generations(task_id, server_row_id, status, type, prompt, negative_prompt, aspect_ratio, n,
                            reference_images, provider, model, base_url, source, created_at, submitted_at, completed_at, updated_at,
                            credits_charged, credits_refunded, error_code, error_message, parent_task_id, parent_index, requested_tags,
                            requested_collection, batch_key)
                        SELECT og.task_id, og.server_row_id, og.status, og.type, og.prompt, og.negative_prompt, og.aspect_ratio, og.n,
                            og.reference_images, og.provider, og.model, og.base_url, og.source, og.created_at, og.submitted_at,
                            og.completed_at, og.updated_at, og.credits_charged, og.credits_refunded, og.error_code, og.error_message,
                            og.parent_task_id, og.parent_index, og.requested_tags, og.requested_collection, og.batch_key
                        FROM old.generations og
                        WHERE NOT EXISTS (SELECT 1 FROM old.images oi WHERE oi.generation_id = og.id)
                          AND (og.task_id IS NULL OR og.task_id NOT IN (SELECT task_id FROM generations WHERE task_id IS NOT NULL));

                        INSERT INTO credit_ledger(generation_id, task_id, kind, credits, balance, note, recorded_at)
                            SELECT (SELECT g.id FROM generations g WHERE g.task_id = ol.task_id), ol.task_id, ol.kind, ol.credits,
                                   ol.balance, ol.note, ol.recorded_at
                            FROM old.credit_ledger ol ORDER BY ol.id;
                        """)
                    return .commit
                }
            }
        }
    }
}
