import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

// What the user decided, and what money was spent, kept in the library's files as well as in
// the catalog, so that `rebuild` from the files alone brings it all back (docs/sidecars.md):
// - `images/…/NAME.png.xmp`: one XMP sidecar per image (`XMPSidecar`);
// - `journal.jsonl`: every generation row as it changed and every credit ledger entry, appended
//   and fsynced (JSON Lines);
// - `collections.json`: every column of every collection row, rewritten atomically on each change.
//
// The rule for crashes: each of these is written inside the catalog's write transaction, after
// its statements and before its commit. A crash between the two leaves the files one operation
// ahead of the catalog — the change the user asked for, or a charge the API really made — never
// behind it; `rebuild` takes the files' word, and `doctor --fix` rewrites a sidecar from the
// catalog. When the commit itself fails, the sidecars written for it are rewritten from the
// catalog as it stayed.

extension LibraryLocation {
    /// The append-only journal of generations and credits.
    public var journalURL: URL { root.appendingPathComponent("journal.jsonl") }
    /// Every collection's row (name, order, and whatever columns later versions add).
    public var collectionsFileURL: URL { root.appendingPathComponent("collections.json") }

    /// The sidecar of an image file (its resolved path): `NAME.png.xmp`, the name darktable and
    /// digiKam write and read.
    static func sidecarPath(ofImageFile path: String) -> String { path + ".xmp" }

    /// The sidecar to read beside an image file: `NAME.png.xmp`, else `NAME.xmp` (the name
    /// Lightroom, Bridge and exiftool's `%d%f.xmp` use); nil when neither is a regular file.
    static func existingSidecar(ofImageFile path: String) -> String? {
        var candidates = [path + ".xmp"]
        if path.lowercased().hasSuffix(".png") { candidates.append(String(path.dropLast(4)) + ".xmp") }
        for candidate in candidates {
            var status = stat()
            if lstat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG { return candidate }
        }
        return nil
    }
}

/// Reads the sidecar beside an image file, if there is one and it is XMP.
func readSidecar(besideImageFile path: String) -> XMPSidecar? {
    guard let sidecar = LibraryLocation.existingSidecar(ofImageFile: path),
        let bytes = try? AtomicFile.read(sidecar, maxBytes: XMPSidecar.maximumBytes)
    else { return nil }
    return XMPSidecar.parse(bytes)
}

extension Catalog {
    static let creatorTool = "gptimg \(GptimgBuild.version)"

    /// `GPTIMG_NO_SIDECARS=1`: write no sidecars — for `bench/sidecar.sh`'s peer, which measures
    /// what they cost. The library's files then lag its catalog (`doctor --fix` catches up).
    static let sidecarsOff = ProcessInfo.processInfo.environment["GPTIMG_NO_SIDECARS"] == "1"

    // MARK: - Sidecars

    /// The sidecars of `ids` as the catalog holds them, with the files they go beside (images
    /// whose path fails the containment check, or whose file is missing, get none).
    static func sidecars(of ids: [Int64], location: LibraryLocation, db: Database) throws -> [(String, XMPSidecar)] {
        var output: [(String, XMPSidecar)] = []
        // One containment check for the whole batch: the library's folders resolved once.
        var checker = LibraryLocation.FileChecker(location)
        for start in stride(from: 0, to: ids.count, by: 5000) {
            // Integers: safe to write into the statement.
            let list = ids[start..<min(start + 5000, ids.count)].map(String.init).joined(separator: ",")
            var tags: [Int64: [String]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT it.image_id, t.name FROM image_tags it JOIN tags t ON t.id = it.tag_id
                    WHERE it.image_id IN (\(list)) ORDER BY t.name
                    """)
            {
                if let id = row[0] as Int64?, let name = row[1] as String? { tags[id, default: []].append(name) }
            }
            var places: [Int64: [XMPSidecar.Membership]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT ci.image_id, c.name, ci.position FROM collection_images ci
                    JOIN collections c ON c.id = ci.collection_id WHERE ci.image_id IN (\(list)) ORDER BY c.name
                    """)
            {
                if let id = row[0] as Int64?, let name = row[1] as String? {
                    places[id, default: []].append(.init(name: name, position: row.lenientInt(Column("position")) ?? 0))
                }
            }
            for image in try ImageRecord.fetchAll(db, sql: "SELECT * FROM images WHERE id IN (\(list))") {
                guard case .success(let file) = checker.check(image.path) else { continue }
                var sidecar = identity(of: image)
                sidecar.ownRating = image.rating
                sidecar.rating = image.rating
                sidecar.favorite = image.favorite
                sidecar.pick = image.pickState.rawValue
                sidecar.ownTags = tags[image.id] ?? []
                sidecar.collections = places[image.id] ?? []
                output.append((LibraryLocation.sidecarPath(ofImageFile: file.path), sidecar))
            }
        }
        return output
    }

    /// Writes sidecars, each atomically (temporary file, rename). One or a few are fsynced
    /// each; many are written in parallel and made durable together with one `syncfs`, so a
    /// bulk edit of thousands of images costs one flush, not thousands.
    static func writeSidecars(_ sidecars: [(String, XMPSidecar)]) throws {
        guard !sidecars.isEmpty, !sidecarsOff else { return }
        let durableEach = sidecars.count <= 4
        let failures = UnsafeMutableBufferPointer<String?>.allocate(capacity: sidecars.count)
        failures.initialize(repeating: nil)
        defer { failures.deallocate() }
        nonisolated(unsafe) let output = failures
        DispatchQueue.concurrentPerform(iterations: sidecars.count) { index in
            let (path, sidecar) = sidecars[index]
            let bytes = Array(sidecar.rendered(creatorTool: creatorTool).utf8)
            do {
                try AtomicFile.write(bytes, to: path, durable: durableEach)
            } catch {
                output[index] = "\(path): \(describeError(error))"
            }
        }
        if let failure = failures.first(where: { $0 != nil }) ?? nil {
            throw CatalogError.file(path: failure, reason: "cannot write the image's sidecar")
        }
        if !durableEach {
            do {
                try AtomicFile.syncFileSystem(containing: sidecars[0].0)
            } catch {
                throw CatalogError.file(path: sidecars[0].0, reason: "cannot sync the sidecars: \(error.description)")
            }
        }
    }

    /// Up to this many images, a change's sidecars are put in place after its commit without an
    /// fsync (`sidecar_pending` says which, durably, in the same commit); more are written before
    /// the commit and made durable together with one `syncfs`.
    static let pendingSidecarLimit = 4

    /// How old (seconds) a pending sidecar is before a later change settles it: by then the
    /// kernel has written it back (dirty data expires after 30 s, ext4 commits every 5 s), so
    /// its fsync finds nothing left to write.
    static let sidecarSettleAge: Int64 = 60

    /// A curation change: `body` makes it and names the images it touched.
    ///
    /// One image (up to `pendingSidecarLimit`): its new sidecar is written under a temporary name
    /// inside the transaction (a full disk fails the change), the image is recorded in
    /// `sidecar_pending` in the same commit, and the sidecar is renamed into place after the
    /// commit, with no fsync: the command waits for one flush (the catalog's), not three. After
    /// a crash such a sidecar may lag the catalog; `settleSidecars` catches it up.
    /// Many: written before the commit and made durable with one `syncfs`, and rewritten from
    /// the state the catalog kept when the commit fails.
    func curate<T>(_ operation: String, _ body: (Database) throws -> (T, [Int64])) throws -> T {
        var touched: [Int64] = []
        var staged: [AtomicFileWriter] = []
        let location = self.location
        let now = Int64(clock().timeIntervalSince1970)
        do {
            let result = try write(operation) { db in
                let (result, ids) = try body(db)
                // With sidecars off (the benchmark's peer) their state is not read either.
                touched = Self.sidecarsOff ? [] : ids
                guard !touched.isEmpty else { return result }
                // Older pending sidecars first, other than these (written again just below).
                try Self.settleSidecars(
                    db: db, location: location, settledBefore: now - Self.sidecarSettleAge, except: Set(touched))
                let sidecars = try Self.sidecars(of: touched, location: location, db: db)
                if touched.count <= Self.pendingSidecarLimit {
                    // A sidecar that already says all this (the change changed nothing it keeps) is
                    // left as it is: no write, and no row (one already pending stays as it was).
                    let changed = sidecars.filter { path, sidecar in
                        (try? AtomicFile.read(path, maxBytes: XMPSidecar.maximumBytes))
                            != Array(sidecar.rendered(creatorTool: Self.creatorTool).utf8)
                    }
                    for id in changed.compactMap(\.1.id) {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO sidecar_pending(image_id, since) VALUES (?, ?)",
                            arguments: [id, now])
                    }
                    staged = try Self.stageSidecars(changed)
                } else {
                    try Self.writeSidecars(sidecars)
                    try Self.forEachList(touched) { list in
                        try db.execute(sql: "DELETE FROM sidecar_pending WHERE image_id IN (\(list))")
                    }
                }
                return result
            }
            // Committed: into place. A rename that fails leaves the old sidecar, which the pending
            // row names (settling writes it again).
            for writer in staged { try? writer.commit(durable: false) }
            return result
        } catch {
            for writer in staged { writer.abort() }
            if touched.count > Self.pendingSidecarLimit {
                try? Self.writeSidecars(
                    try read("read sidecars") { try Self.sidecars(of: touched, location: location, db: $0) })
            }
            throw error
        }
    }

    /// Runs `body` on `ids` as comma-separated lists of at most 5000 (integers: safe to write
    /// into a statement; SQLite caps the arguments of one).
    static func forEachList(_ ids: [Int64], _ body: (String) throws -> Void) rethrows {
        for start in stride(from: 0, to: ids.count, by: 5000) {
            try body(ids[start..<min(start + 5000, ids.count)].map(String.init).joined(separator: ","))
        }
    }

    /// Writes sidecars under temporary names beside their targets, not yet in place.
    static func stageSidecars(_ sidecars: [(String, XMPSidecar)]) throws -> [AtomicFileWriter] {
        var writers: [AtomicFileWriter] = []
        do {
            for (path, sidecar) in sidecars {
                let writer = try AtomicFileWriter(path: path, mode: 0o644)
                writers.append(writer)
                try writer.write(Array(sidecar.rendered(creatorTool: creatorTool).utf8))
            }
            return writers
        } catch {
            for writer in writers { writer.abort() }
            throw CatalogError.file(path: sidecars.first?.0 ?? "", reason: "cannot write the image's sidecar: \(error)")
        }
    }

    /// Settles pending sidecars (`sidecar_pending`) recorded before `settledBefore` (all when
    /// nil), at most `limit` of them, other than `except`, inside the caller's write transaction: each one that is
    /// what the catalog says is fsynced where it is; one a crash left behind (missing, not XMP,
    /// or ours and unedited yet saying other than the catalog) is written again from the catalog,
    /// durably; one another tool edited since is left for `doctor` (which takes its edits in) and
    /// fsynced as it is. Then the rows go. Returns how many were written again.
    @discardableResult
    static func settleSidecars(
        db: Database, location: LibraryLocation, settledBefore: Int64?, except: Set<Int64> = [], limit: Int = 1000
    ) throws -> Int {
        let ids = try Int64.fetchAll(
            db, sql: "SELECT image_id FROM sidecar_pending WHERE since < ? ORDER BY image_id LIMIT ?",
            arguments: [settledBefore ?? Int64.max, limit]
        ).filter { !except.contains($0) }
        guard !ids.isEmpty else { return 0 }
        var rewritten = 0
        var folders = Set<String>()
        for (file, want) in try sidecars(of: ids, location: location, db: db) {
            folders.insert(AtomicFile.parentDirectory(of: file))
            let have = (try? AtomicFile.read(file, maxBytes: XMPSidecar.maximumBytes)).flatMap(XMPSidecar.parse)
            if have.map({ !editedElsewhere($0) && difference($0, want) != nil }) ?? true {
                do {
                    try AtomicFile.write(Array(want.rendered(creatorTool: creatorTool).utf8), to: file, durable: true)
                } catch {
                    throw CatalogError.file(path: file, reason: "cannot write the image's sidecar: \(error)")
                }
                rewritten += 1
            } else {
                let descriptor = Glibc.open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
                if descriptor >= 0 {
                    _ = fsync(descriptor)
                    Glibc.close(descriptor)
                }
            }
        }
        for folder in folders { AtomicFile.syncDirectory(folder) }
        try forEachList(ids) { list in
            try db.execute(sql: "DELETE FROM sidecar_pending WHERE image_id IN (\(list))")
        }
        return rewritten
    }

    /// Whether another tool (exiftool, digiKam, darktable) changed a sidecar we wrote: its
    /// `xmp:Rating` or `dc:subject` no longer says what our own `gptimg:` properties say.
    static func editedElsewhere(_ have: XMPSidecar) -> Bool {
        if let rating = have.rating, rating >= 0, rating != have.ownRating { return true }
        if have.rating == -1, have.pick != -1 { return true }
        if let tags = have.resolvedTags, let own = have.ownTags, Set(tags) != Set(own) { return true }
        return false
    }

    /// Settles every pending sidecar (see `settleSidecars`): before `doctor --fix` and `rebuild`
    /// read the sidecars. Returns how many were written again from the catalog.
    @discardableResult
    public func settleAllSidecars() throws -> Int {
        guard access == .readWrite else { return 0 }
        let location = self.location
        var total = 0
        while true {
            let (rewritten, left) = try write("settle sidecars") { db in
                let rewritten = try Self.settleSidecars(db: db, location: location, settledBefore: nil)
                return (rewritten, try Int.fetchOne(db, sql: "SELECT count(*) FROM sidecar_pending") ?? 0)
            }
            total += rewritten
            if left == 0 { return total }
        }
    }

    /// Rewrites every image's sidecar from the catalog (after a rebuild or a restore), and the
    /// collections file. Returns how many sidecars were written.
    @discardableResult
    public func writeAllSidecars() throws -> Int {
        let location = self.location
        let ids = try read("list images") { try Int64.fetchAll($0, sql: "SELECT id FROM images ORDER BY id") }
        var written = 0
        for start in stride(from: 0, to: ids.count, by: 2000) {
            let chunk = Array(ids[start..<min(start + 2000, ids.count)])
            let sidecars = try read("read sidecars") { try Self.sidecars(of: chunk, location: location, db: $0) }
            try Self.writeSidecars(sidecars)
            written += sidecars.count
        }
        try read("read collections") { try Self.writeCollectionsFile(location: location, db: $0) }
        return written
    }

    /// Applies what a sidecar says to image `id`: rating, pick, favourite and tags, its
    /// collections with their positions when `collections`, and (`record`) the catalog's own
    /// dates and original name. Absent properties leave the image as it is.
    static func apply(_ sidecar: XMPSidecar, to id: Int64, collections: Bool, record: Bool, db: Database) throws {
        var assignments: [ColumnAssignment] = []
        if let rating = sidecar.resolvedRating { assignments.append(ImageRecord.Columns.rating.set(to: rating)) }
        if let pick = sidecar.resolvedPick { assignments.append(ImageRecord.Columns.pick.set(to: pick)) }
        if let favorite = sidecar.favorite { assignments.append(ImageRecord.Columns.favorite.set(to: favorite)) }
        if record {
            if let added = sidecar.addedAt.flatMap(Timestamp.normalize) {
                assignments.append(ImageRecord.Columns.addedAt.set(to: added))
            }
            if let created = sidecar.createdAt.flatMap(Timestamp.normalize) {
                assignments.append(ImageRecord.Columns.createdAt.set(to: created))
            }
            if let name = sidecar.originalName, name.utf8.count <= 4096 {
                assignments.append(ImageRecord.Columns.originalName.set(to: name))
            }
        }
        if !assignments.isEmpty { try ImageRecord.filter(key: id).updateAll(db, assignments) }
        if let tags = sidecar.resolvedTags {
            try db.execute(sql: "DELETE FROM image_tags WHERE image_id = ?", arguments: [id])
            try addTags(Array(tags.prefix(StoredTextLimits.catalog.maxListItems)), to: [id], db: db)
            try db.execute(sql: "DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM image_tags WHERE tag_id = tags.id)")
        }
        if collections, let places = sidecar.collections {
            try db.execute(sql: "DELETE FROM collection_images WHERE image_id = ?", arguments: [id])
            let now = Timestamp(Date()).iso8601
            for place in places {
                guard let name = try? validName(place.name) else { continue }
                var collection = try collection(named: name, db: db) ?? CollectionRecord(name: name, createdAt: now)
                if collection.id == 0 { try collection.insert(db) }
                let added = sidecar.addedAt.flatMap(Timestamp.normalize) ?? now
                try CollectionImageRecord(
                    collectionID: collection.id, imageID: id, position: place.position, addedAt: added
                ).insert(db, onConflict: .replace)
            }
        }
    }

    // MARK: - The collections file

    /// Rewrites `collections.json` from the `collections` table: every column of every row, so
    /// a column a later migration adds (a smart collection's query) is kept without a change here.
    static func writeCollectionsFile(location: LibraryLocation, db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM collections ORDER BY id")
        let document = JSONOut.object([
            ("version", .int(1)), ("collections", .array(rows.map(rowJSON))),
        ])
        do {
            try AtomicFile.write(
                Array((document.rendered + "\n").utf8), to: location.collectionsFileURL.path, durable: true)
        } catch {
            throw CatalogError.file(path: location.collectionsFileURL.path, reason: error.description)
        }
    }

    /// The rows `collections.json` holds (nil when there is no such file or it is not ours).
    static func readCollectionsFile(_ location: LibraryLocation) -> [JSONObject]? {
        guard let bytes = try? AtomicFile.read(location.collectionsFileURL.path, maxBytes: 64 << 20),
            case .object(let document)? = JSONValue.parse(bytes: bytes),
            case .array(let rows)? = document["collections"]
        else { return nil }
        return rows.compactMap { if case .object(let row) = $0 { row } else { nil } }
    }

    // MARK: - The journal

    /// Appends lines to `journal.jsonl` and fsyncs it (O_APPEND: a line is never interleaved
    /// with another process's).
    static func appendJournal(_ lines: [JSONOut], location: LibraryLocation) throws {
        guard !lines.isEmpty else { return }
        var bytes: [UInt8] = []
        for line in lines {
            line.render(into: &bytes)
            bytes.append(0x0A)
        }
        let path = location.journalURL.path
        let isNew = Glibc.access(path, F_OK) != 0
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CatalogError.file(path: path, reason: "cannot open the journal: \(errnoDescription())")
        }
        defer { Glibc.close(descriptor) }
        if let code = GptimgSupport.writeAll(descriptor, bytes) {
            throw CatalogError.file(path: path, reason: "cannot append to the journal: \(errnoDescription(code))")
        }
        guard fsync(descriptor) == 0 else {
            throw CatalogError.file(path: path, reason: "cannot sync the journal: \(errnoDescription())")
        }
        if isNew { AtomicFile.syncDirectory(location.root.path) }
    }

    /// Journal lines for generations `ids` as they are now.
    static func generationLines(_ ids: [Int64], db: Database) throws -> [JSONOut] {
        guard !ids.isEmpty else { return [] }
        let list = ids.map(String.init).joined(separator: ",")
        return try Row.fetchAll(db, sql: "SELECT * FROM generations WHERE id IN (\(list)) ORDER BY id").map {
            .object([("type", .string("generation")), ("row", rowJSON($0))])
        }
    }

    /// The image lines of every image in the catalog (a journal written anew).
    static func imageLines(db: Database) throws -> [JSONOut] {
        try ImageRecord.order(ImageRecord.Columns.id).fetchAll(db).map { imageLine(identity(of: $0)) }
    }

    /// What a sidecar and a journal image line say of an image apart from curation: its id, file,
    /// generation, dates and original name.
    static func identity(of image: ImageRecord) -> XMPSidecar {
        var sidecar = XMPSidecar()
        sidecar.id = image.id
        sidecar.sha256 = image.sha256
        sidecar.generationID = image.generationID
        sidecar.addedAt = image.addedAt
        sidecar.createdAt = image.createdAt
        sidecar.originalName = image.originalName
        return sidecar
    }

    /// The journal line of a ledger entry.
    static func creditLine(_ entry: CreditEntry, id: Int64) -> JSONOut {
        .object([
            ("type", .string("credit")), ("id", .int(Int(id))),
            ("generation_id", entry.generationID.map { .int(Int($0)) } ?? .null), ("task_id", .optional(entry.taskID)),
            ("kind", .string(entry.kind.rawValue)), ("credits", .int(entry.credits)),
            ("balance", entry.balance.map(JSONOut.int) ?? .null), ("note", .optional(entry.note)),
            ("recorded_at", .string(entry.recordedAt)),
        ])
    }

    /// The journal line of a landed image: what its sidecar would say apart from curation (its
    /// id, file, generation, dates and original name), so that an image nobody has rated, tagged
    /// or collected needs no sidecar for `rebuild` to give back its id.
    /// `tags`: the tags its file carries (what `rebuild` gives it back from the file), when it
    /// landed without a sidecar.
    static func imageLine(_ sidecar: XMPSidecar, tags: [String]? = nil) -> JSONOut {
        var fields: [(String, JSONOut)] = [
            ("type", .string("image")), ("id", .int(Int(sidecar.id ?? 0))), ("sha256", .optional(sidecar.sha256)),
            ("generation_id", sidecar.generationID.map { .int(Int($0)) } ?? .null),
            ("added_at", .optional(sidecar.addedAt)), ("created_at", .optional(sidecar.createdAt)),
            ("original_name", .optional(sidecar.originalName)),
        ]
        if let tags { fields.append(("tags", .array(tags.map(JSONOut.string)))) }
        return .object(fields)
    }

    /// An image line of the journal as the sidecar it stands in for (no curation in it), or nil
    /// when its shape is not ours: a positive id and a SHA-256 of 64 lowercase hex digits.
    static func journalImage(_ object: JSONObject) -> JournalImage? {
        guard case .number(let idText)? = object["id"], let id = Int64(idText), id > 0,
            case .string(let sha)? = object["sha256"], sha.utf8.count == 64,
            sha.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        func text(_ key: String) -> String? {
            if case .string(let value)? = object[key], value.utf8.count <= 4096 { value } else { nil }
        }
        var sidecar = XMPSidecar()
        sidecar.id = id
        sidecar.sha256 = sha
        if case .number(let generation)? = object["generation_id"] { sidecar.generationID = Int64(generation) }
        sidecar.addedAt = text("added_at")
        sidecar.createdAt = text("created_at")
        sidecar.originalName = text("original_name")
        var tags: [String] = []
        if case .array(let items)? = object["tags"] {
            let limit = StoredTextLimits.catalog.maxListItems
            for case .string(let tag) in items.prefix(limit) where tag.utf8.count <= 400 { tags.append(tag) }
        }
        return JournalImage(sidecar: sidecar, tags: tags)
    }

    /// An image line of the journal: the sidecar it stands in for (id, file, generation, dates,
    /// original name; no curation) and the tags its file carried when it landed.
    struct JournalImage: Sendable {
        var sidecar: XMPSidecar
        var tags: [String]
    }

    /// Whether an image's sidecar says anything that neither its file nor the journal gives back:
    /// stars, a favourite mark, a pick or reject, collections, or tags other than `fileTags` (the
    /// tags its own metadata carries, which `rebuild` reads from the file). Landing writes a
    /// sidecar only then; every landed image's id goes in the journal.
    static func hasCuration(_ sidecar: XMPSidecar, beyond fileTags: [String]) -> Bool {
        func folded(_ tags: [String]) -> Set<String> {
            Set(tags.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        }
        return (sidecar.ownRating ?? 0) != 0 || sidecar.favorite == true || (sidecar.pick ?? 0) != 0
            || !(sidecar.collections ?? []).isEmpty || folded(sidecar.ownTags ?? []) != folded(fileTags)
    }

    /// What the journal holds: the last row of each generation, every distinct credit entry in
    /// the order recorded, and the last image line of each SHA-256 (as a sidecar without
    /// curation). Lines that are not JSON objects of ours (a torn last line) are skipped.
    static func readJournal(_ location: LibraryLocation) -> (
        generations: [JSONObject], credits: [JSONObject], images: [String: JournalImage]
    )? {
        guard let bytes = try? AtomicFile.read(location.journalURL.path, maxBytes: 1 << 31) else { return nil }
        var generations: [Int64: JSONObject] = [:]
        var credits: [JSONObject] = []
        var images: [String: JournalImage] = [:]
        var seenCredits = Set<String>()
        for line in bytes.split(separator: 0x0A) {
            guard case .object(let object)? = JSONValue.parse(bytes: Array(line)),
                case .string(let type)? = object["type"]
            else { continue }
            switch type {
            case "generation":
                if case .object(let row)? = object["row"], case .number(let text)? = row["id"], let id = Int64(text) {
                    generations[id] = row
                }
            case "credit":
                // The same entry twice (a line re-appended) counts once; two entries are two lines.
                if seenCredits.insert(String(decoding: line, as: UTF8.self)).inserted { credits.append(object) }
            case "image":
                if let image = journalImage(object), let sha = image.sidecar.sha256 { images[sha] = image }
            default: continue
            }
        }
        return (generations.keys.sorted().map { generations[$0]! }, credits, images)
    }

    /// Writes the whole journal anew from the catalog when it has none (a library from before
    /// the journal, or one whose journal was lost): every generation and ledger entry.
    func seedJournalIfMissing() throws {
        guard self.access == .readWrite, Glibc.access(location.journalURL.path, F_OK) != 0 else { return }
        let location = self.location
        try read("write the journal") { db in
            let generations = try Int64.fetchAll(db, sql: "SELECT id FROM generations ORDER BY id")
            var lines: [JSONOut] = []
            for start in stride(from: 0, to: generations.count, by: 2000) {
                lines += try Self.generationLines(
                    Array(generations[start..<min(start + 2000, generations.count)]), db: db)
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM credit_ledger ORDER BY id") {
                lines.append(Self.creditLine(CreditEntry(row: row), id: row["id"] ?? 0))
            }
            lines += try Self.imageLines(db: db)
            guard !lines.isEmpty else { return }
            try Self.appendJournal(lines, location: location)
            if Glibc.access(location.collectionsFileURL.path, F_OK) != 0 {
                try Self.writeCollectionsFile(location: location, db: db)
            }
        }
    }

    // MARK: - Rows as JSON

    /// A row's columns as a JSON object (integers, text, null; a real as its text).
    static func rowJSON(_ row: Row) -> JSONOut {
        .object(
            row.columnNames.map { column in
                switch row[column] as DatabaseValue? {
                case nil: (column, .null)
                case let value?:
                    switch value.storage {
                    case .null: (column, .null)
                    case .int64(let number): (column, .int(Int(number)))
                    case .double(let number): (column, .string(String(number)))
                    case .string(let text): (column, .string(text))
                    case .blob: (column, .null)
                    }
                }
            })
    }

    /// Inserts a row read from one of the library's files into `table`: only columns the
    /// table has, only integers, text and null (anything else is left out), and the row is
    /// skipped (false) when SQLite refuses it.
    static func insertRow(
        _ row: JSONObject, into table: String, db: Database, replace: Bool = false, skipping: Set<String> = []
    ) throws -> Bool {
        let known = Set(
            try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).compactMap {
                $0[0] as String?
            })
        var columns: [String] = []
        var values: [DatabaseValue] = []
        for (key, value) in row.entries where known.contains(key) && !skipping.contains(key) {
            switch value {
            case .null: values.append(.null)
            case .string(let text): values.append(text.databaseValue)
            case .number(let text):
                guard let number = Int64(text) else { continue }
                values.append(number.databaseValue)
            case .bool(let flag): values.append((flag ? 1 : 0).databaseValue)
            default: continue
            }
            columns.append(key)
        }
        guard !columns.isEmpty else { return false }
        // Column names come from the table itself, never from the file.
        let sql =
            "INSERT OR \(replace ? "REPLACE" : "IGNORE") INTO \(table)(\(columns.joined(separator: ", "))) "
            + "VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
        do {
            try db.execute(sql: sql, arguments: StatementArguments(values))
            return db.changesCount > 0
        } catch {
            return false
        }
    }
}
