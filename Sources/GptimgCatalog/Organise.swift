import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

/// A collection and how many images it holds.
public struct CollectionSummary: Sendable, Hashable {
    public var id: Int64
    public var name: String
    /// For a smart collection, how many images its query matches now.
    public var count: Int
    public var createdAt: String
    /// A smart collection's query (its members are whatever it matches); nil for a regular one.
    public var query: String? = nil

    public var isSmart: Bool { query != nil }
}

extension Catalog {
    // MARK: - IDs

    /// The image an ID names: its integer id, or a unique prefix (6+ hex digits) of its SHA-256.
    public func resolve(_ id: String) throws -> Int64 {
        try resolve([id])[0]
    }

    /// `resolve` for each ID, in order.
    public func resolve(_ ids: [String]) throws -> [Int64] {
        try read("look up images") { db in try ids.map { try Self.resolve($0, db: db) } }
    }

    static func resolve(_ text: String, db: Database) throws -> Int64 {
        // g17 and task ids name generations: said so, rather than "not an image ID".
        if GenerationReference.names(text) {
            throw CatalogError.generationNotImage(text.trimmingCharacters(in: .whitespaces))
        }
        let id = text.trimmingCharacters(in: .whitespaces).lowercased()
        if !id.isEmpty, id.allSatisfy(\.isASCII), id.allSatisfy(\.isNumber), let number = Int64(id),
            try ImageRecord.exists(db, key: number)
        {
            return number
        }
        guard id.count >= 6, id.count <= 64, id.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            if id.allSatisfy(\.isNumber), !id.isEmpty { throw CatalogError.noSuchImage(text) }
            throw CatalogError.invalidID(text)
        }
        let upper = id + "g" // 'g' sorts after every hex digit
        let prefixed = ImageRecord.filter(ImageRecord.Columns.sha256 >= id && ImageRecord.Columns.sha256 < upper)
        let matches = try prefixed.select(ImageRecord.Columns.id, as: Int64.self).limit(2).fetchAll(db)
        if matches.count > 1 { throw CatalogError.ambiguousID(text, matches: try prefixed.fetchCount(db)) }
        guard let match = matches.first else { throw CatalogError.noSuchImage(text) }
        return match
    }

    // MARK: - Tags

    /// Adds and removes tags on images (names are case-insensitive; new tags are created).
    public func tag(_ imageIDs: [Int64], add: [String] = [], remove: [String] = []) throws {
        let add = try add.map(Self.validName)
        let remove = try remove.map(Self.validName)
        try curate("tag images") { db in
            try Self.requireImages(imageIDs, db: db)
            try Self.addTags(add, to: imageIDs, db: db)
            for name in remove {
                guard let tag = try TagRecord.filter(TagRecord.Columns.name == name).fetchOne(db) else { continue }
                for start in stride(from: 0, to: imageIDs.count, by: 5000) {
                    // Integers: safe to write into the statement.
                    let list = imageIDs[start..<min(start + 5000, imageIDs.count)].map(String.init)
                    try db.execute(
                        sql: "DELETE FROM image_tags WHERE tag_id = ? AND image_id IN (\(list.joined(separator: ",")))",
                        arguments: [tag.id])
                }
            }
            try db.execute(sql: "DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM image_tags WHERE tag_id = tags.id)")
            return ((), imageIDs)
        }
    }

    static func addTags(_ names: [String], to imageIDs: [Int64], db: Database) throws {
        for raw in names {
            guard let name = try? validName(raw) else { continue }
            // Names are unique without regard to case (the column's NOCASE): an existing tag is reused.
            var tag = try TagRecord.filter(TagRecord.Columns.name == name).fetchOne(db) ?? TagRecord(name: name)
            if tag.id == 0 { try tag.insert(db) }
            for start in stride(from: 0, to: imageIDs.count, by: 5000) {
                // Integers: safe to write into the statement.
                let list = imageIDs[start..<min(start + 5000, imageIDs.count)].map(String.init).joined(separator: ",")
                try db.execute(
                    sql: "INSERT OR IGNORE INTO image_tags(image_id, tag_id) "
                        + "SELECT id, ? FROM images WHERE id IN (\(list))",
                    arguments: [tag.id])
            }
        }
    }

    /// Every tag and how many images carry it, by name.
    public func tags() throws -> [(name: String, count: Int)] {
        try read("list tags") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.name, count(*) AS count FROM tags t JOIN image_tags it ON it.tag_id = t.id
                    GROUP BY t.id ORDER BY t.name
                    """
            ).map { row in
                (name: row.lenientText(TagRecord.Columns.name) ?? "", count: row.lenientInt(Column("count")) ?? 0)
            }
        }
    }

    /// Every tag's name, by name: one read of the small `tags` table (a tag no image carries is
    /// removed), where `tags()` counts over every image's tags.
    public func tagNames() throws -> [String] {
        try read("list tags") { try TagRecord.order(TagRecord.Columns.name).fetchAll($0).map(\.name) }
    }

    /// A tag or collection name: trimmed, 1-100 characters, one line.
    static func validName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { throw CatalogError.invalidName(raw, reason: "it is empty") }
        if name.count > 100 { throw CatalogError.invalidName(raw, reason: "it is longer than 100 characters") }
        if name.contains(where: {
            $0.isNewline || $0.unicodeScalars.contains { $0.properties.generalCategory == .control }
        }) {
            throw CatalogError.invalidName(raw, reason: "it contains a line break or control character")
        }
        return name
    }

    /// Throws `noSuchImage` for the first of `ids` the catalog lacks. A few thousand ids per
    /// statement: a query's thousands of matches cost a few statements, not one each.
    static func requireImages(_ ids: [Int64], db: Database) throws {
        // Usually all are there (a query's matches, read a moment ago): counted, not collected.
        let unique = Set(ids)
        var present = 0
        try forEachList(Array(unique)) { list in
            present += try Int.fetchOne(db, sql: "SELECT count(*) FROM images WHERE id IN (\(list))") ?? 0
        }
        if present == unique.count { return }
        var found = Set<Int64>()
        for start in stride(from: 0, to: ids.count, by: 5000) {
            // Integers: safe to write into the statement.
            let list = ids[start..<min(start + 5000, ids.count)].map(String.init).joined(separator: ",")
            found.formUnion(try Int64.fetchAll(db, sql: "SELECT id FROM images WHERE id IN (\(list))"))
        }
        if let missing = ids.first(where: { !found.contains($0) }) {
            throw CatalogError.noSuchImage(String(missing))
        }
    }

    // MARK: - Rating and favourites

    /// Sets the rating (0-5; 0 clears it) of images.
    public func rate(_ imageIDs: [Int64], _ rating: Int) throws {
        guard (0...5).contains(rating) else { throw CatalogError.invalidRating(String(rating)) }
        try curate("rate images") { db in
            try Self.requireImages(imageIDs, db: db)
            try Self.update(imageIDs, ImageRecord.Columns.rating.set(to: rating), db: db)
            return ((), imageIDs)
        }
    }

    /// Marks images as favourites (or not).
    public func setFavorite(_ imageIDs: [Int64], _ favorite: Bool) throws {
        try curate("mark favourites") { db in
            try Self.requireImages(imageIDs, db: db)
            try Self.update(imageIDs, ImageRecord.Columns.favorite.set(to: favorite), db: db)
            return ((), imageIDs)
        }
    }

    /// Sets the pick flag of images: picked, rejected, or neither (`--off`).
    public func setPick(_ imageIDs: [Int64], _ pick: ImagePick) throws {
        try curate("mark picks") { db in
            try Self.requireImages(imageIDs, db: db)
            try Self.update(imageIDs, ImageRecord.Columns.pick.set(to: pick.rawValue), db: db)
            return ((), imageIDs)
        }
    }

    /// Sets one column of many images, a few thousand ids per statement (SQLite caps the
    /// arguments of one statement), within the caller's transaction.
    static func update(_ imageIDs: [Int64], _ assignment: ColumnAssignment, db: Database) throws {
        for start in stride(from: 0, to: imageIDs.count, by: 5000) {
            let chunk = imageIDs[start..<min(start + 5000, imageIDs.count)]
            try ImageRecord.filter(keys: Array(chunk)).updateAll(db, assignment)
        }
    }

    // MARK: - Collections

    /// Creates an empty collection, or with `query` a smart one: its members are whatever the
    /// query matches when it is read (`list in:NAME`, `export --collection`, the gallery). The
    /// query is checked first (it parses, its `parent:` IDs exist, it names no smart collection
    /// that leads back to this one): a bad one is the query's error and nothing is created.
    @discardableResult
    public func createCollection(_ rawName: String, query rawQuery: String? = nil) throws -> CollectionSummary {
        let name = try Self.validName(rawName)
        let query = try rawQuery.map(Self.validSmartQuery)
        let now = self.now()
        return try write("create a collection") { db in
            if try Self.collection(named: name, db: db) != nil {
                throw CatalogError.collectionExists(name)
            }
            var collection = CollectionRecord(name: name, createdAt: now)
            try collection.insert(db)
            var summary = CollectionSummary(id: collection.id, name: name, count: 0, createdAt: now, query: query)
            if let query {
                try db.execute(sql: "UPDATE collections SET query = ? WHERE id = ?", arguments: [query, collection.id])
                // Run it once, within this transaction: a loop or an unknown parent: ID undoes it all.
                summary.count = try Self.smartCount(name, now: clock(), db: db)
            }
            try Self.writeCollectionsFile(location: location, db: db)
            return summary
        }
    }

    /// A smart collection's query: one that parses, trimmed, at most 2000 characters.
    static func validSmartQuery(_ raw: String) throws -> String {
        let query = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else {
            throw CatalogError.query("a smart collection needs a query, such as --query 'tag:sky rating:>=4'")
        }
        guard query.count <= 2000 else {
            throw CatalogError.query(
                "a smart collection's query is at most 2000 characters; this one has \(query.count)")
        }
        _ = try ImageQuery(parsing: query)
        return query
    }

    /// A smart collection's stored query (names without regard to case), nil for a regular
    /// collection or none.
    static func smartQuery(_ name: String, db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT query FROM collections WHERE name = ? AND query IS NOT NULL",
            arguments: [name.trimmingCharacters(in: .whitespaces)])
    }

    /// `in:NAME` as SQL, smart collections expanded.
    static func collectionSQL(_ name: String, now: Date, db: Database) throws -> SearchSQL {
        var query = ImageQuery()
        query.filters = [.collection(name)]
        return try SearchSQL(query, now: now, smart: SmartCollections(db: db)) { try resolve($0, db: db) }
    }

    /// How many images smart collection `name` holds now.
    static func smartCount(_ name: String, now: Date, db: Database) throws -> Int {
        let sql = try collectionSQL(name, now: now, db: db)
        return try Int.fetchOne(
            db, sql: "SELECT count(*) FROM \(sql.from) \(sql.whereClause)", arguments: StatementArguments(sql.arguments)
        ) ?? 0
    }

    /// The smart collections image `id` is in now, by name.
    static func smartCollections(of id: Int64, now: Date, db: Database) throws -> [String] {
        let smart = try String.fetchAll(db, sql: "SELECT name FROM collections WHERE query IS NOT NULL ORDER BY name")
        return try smart.filter { name in
            var sql = try collectionSQL(name, now: now, db: db)
            sql.conditions.append("i.id = ?")
            sql.arguments.append(id)
            return try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM \(sql.from) \(sql.whereClause))",
                arguments: StatementArguments(sql.arguments)) ?? false
        }
    }

    /// Every smart collection's query still turns into SQL (none loops): after a rename.
    static func checkSmartCollections(now: Date, db: Database) throws {
        for name in try String.fetchAll(db, sql: "SELECT name FROM collections WHERE query IS NOT NULL") {
            _ = try collectionSQL(name, now: now, db: db)
        }
    }

    /// The error for adding to or removing from smart collection `name` by hand.
    static func smartRefusal(_ name: String, query: String, action: String) -> CatalogError {
        .selection(
            "'\(name)' is a smart collection: its images are whatever `\(query)` matches, so none can be \(action) "
                + "by hand; change the images (tag, rate, pick…) or use a regular collection")
    }

    public func renameCollection(_ oldName: String, to rawName: String) throws {
        let name = try Self.validName(rawName)
        try curate("rename a collection") { db in
            let id = try Self.collectionID(oldName, db: db)
            if let other = try Self.collection(named: name, db: db), other.id != id {
                throw CatalogError.collectionExists(name)
            }
            try CollectionRecord.filter(key: id).updateAll(db, CollectionRecord.Columns.name.set(to: name))
            // A smart collection naming the new name may now lead back to itself: refused.
            try Self.checkSmartCollections(now: clock(), db: db)
            try Self.writeCollectionsFile(location: location, db: db)
            return ((), try Self.members(of: id, db: db))
        }
    }

    /// Deletes a collection; its images stay in the library.
    public func deleteCollection(_ name: String) throws {
        try curate("delete a collection") { db in
            let id = try Self.collectionID(name, db: db)
            let members = try Self.members(of: id, db: db)
            try CollectionRecord.deleteOne(db, key: id)
            try Self.writeCollectionsFile(location: location, db: db)
            return ((), members)
        }
    }

    public func collections() throws -> [CollectionSummary] {
        try read("list collections") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.name, count(ci.image_id) AS count, c.created_at, c.query FROM collections c
                    LEFT JOIN collection_images ci ON ci.collection_id = c.id GROUP BY c.id ORDER BY c.name
                    """
            ).map { row in
                let collection = CollectionRecord(row: row)
                let query = row.lenientText(Column("query"))
                // A smart one whose query fails (a loop written by hand) still lists, as 0, so that
                // it can be seen and deleted: `list in:NAME` says why.
                return CollectionSummary(
                    id: collection.id, name: collection.name,
                    count: query == nil
                        ? row.lenientInt(Column("count")) ?? 0
                        : (try? Self.smartCount(collection.name, now: clock(), db: db)) ?? 0,
                    createdAt: collection.createdAt, query: query)
            }
        }
    }

    /// Every collection's name, by name, without counting their images.
    public func collectionNames() throws -> [String] {
        try read("list collections") { db in
            try CollectionRecord.order(CollectionRecord.Columns.name).fetchAll(db).map(\.name)
        }
    }

    /// Adds images to the end of a collection (those already in it stay where they are),
    /// creating the collection when `createIfMissing`. Returns how many were added.
    /// A smart collection refuses (`skippingSmart`: adds nothing, for a generation that asked
    /// for one: its images are members when they match).
    @discardableResult
    public func addToCollection(
        _ rawName: String, _ imageIDs: [Int64], createIfMissing: Bool = true, skippingSmart: Bool = false
    ) throws -> Int {
        let name = try Self.validName(rawName)
        let now = self.now()
        return try curate("add images to a collection") { db in
            try Self.requireImages(imageIDs, db: db)
            if let query = try Self.smartQuery(name, db: db) {
                if skippingSmart { return (0, []) }
                throw Self.smartRefusal(name, query: query, action: "added")
            }
            if createIfMissing, try Self.collection(named: name, db: db) == nil {
                var collection = CollectionRecord(name: name, createdAt: now)
                try collection.insert(db)
                try Self.writeCollectionsFile(location: location, db: db)
            }
            let id = try Self.collectionID(name, db: db)
            let placed = CollectionImageRecord.filter(CollectionImageRecord.Columns.collectionID == id)
            let last = try placed.select(max(CollectionImageRecord.Columns.position), as: Int.self).fetchOne(db)
            var position = last ?? -1
            var added = 0
            for image in imageIDs {
                position += 1
                let place = CollectionImageRecord(collectionID: id, imageID: image, position: position, addedAt: now)
                try place.insert(db, onConflict: .ignore)
                added += db.changesCount
            }
            return (added, imageIDs)
        }
    }

    /// Removes images from a collection (they stay in the library).
    @discardableResult
    public func removeFromCollection(_ name: String, _ imageIDs: [Int64]) throws -> Int {
        try curate("remove images from a collection") { db in
            let id = try Self.collectionID(name, db: db)
            if let query = try Self.smartQuery(name, db: db) {
                throw Self.smartRefusal(name, query: query, action: "removed")
            }
            var removed = 0
            for image in imageIDs {
                let place: [String: (any DatabaseValueConvertible)?] = ["collection_id": id, "image_id": image]
                if try CollectionImageRecord.deleteOne(db, key: place) { removed += 1 }
            }
            return (removed, imageIDs)
        }
    }

    /// The collection with this name (without regard to case), or nil.
    static func collection(named name: String, db: Database) throws -> CollectionRecord? {
        try CollectionRecord.filter(CollectionRecord.Columns.name == name).fetchOne(db)
    }

    /// The images in collection `id`.
    static func members(of id: Int64, db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT image_id FROM collection_images WHERE collection_id = ?", arguments: [id])
    }

    static func collectionID(_ name: String, db: Database) throws -> Int64 {
        guard let collection = try collection(named: name.trimmingCharacters(in: .whitespaces), db: db) else {
            throw CatalogError.noSuchCollection(name)
        }
        return collection.id
    }

    // MARK: - Delete

    /// Removes images from the catalog and moves their files to `trash/YYYY-MM-DD/` with a JSON
    /// sidecar of their catalog row. The files keep their embedded metadata:
    /// `gptimg import trash/…` brings an image back. Returns the trashed paths.
    ///
    /// Every file is checked first (`LibraryLocation.checkedFile`): when a row's path leads out of
    /// the library or names something other than a regular file, nothing is moved nor deleted and
    /// the error names the row (a missing file is no obstacle: its row goes). The rows go in one
    /// transaction: when it fails, every file is moved back.
    @discardableResult
    public func delete(_ imageIDs: [Int64]) throws -> [String] {
        var seen = Set<Int64>()
        let details = try self.details(imageIDs.filter { seen.insert($0).inserted })
        var sources: [String?] = []
        var checker = LibraryLocation.FileChecker(location)
        for item in details {
            switch checker.check(item.image.path) {
            case .success(let file): sources.append(file.path)
            case .failure(.missing): sources.append(nil)
            case .failure(let problem):
                throw LibraryLocation.error(problem, path: item.image.path, imageID: item.image.id)
            }
        }
        let day = String(now().prefix(10))
        let trash = location.trashURL.appendingPathComponent(day).path
        try ImageStore.makeDirectories(trash)
        // Every file first, then every row in one transaction; when that fails, every file
        // goes back: the images are either all deleted or all still there.
        var moves: [(source: String, destination: String, moved: Bool)] = []
        func undoMoves() {
            for move in moves.reversed() {
                if move.moved { rename(move.destination, move.source) }
                unlink(move.destination + ".json")
                unlink(move.destination + ".xmp")
            }
        }
        // Each image's sidecar goes with it (written fresh from the catalog): `trash restore`
        // gives back its id, tags, rating and collections with their places.
        let location = self.location
        let sidecars = try read("read sidecars") { db in
            Dictionary(
                try Self.sidecars(of: details.map(\.image.id), location: location, db: db).map { ($0.1.id ?? 0, $0.1) },
                uniquingKeysWith: { first, _ in first })
        }
        var taken = Set<String>()
        for (item, checked) in zip(details, sources) {
            let source = checked ?? location.root.path + "/" + item.image.path
            let name = (source as NSString).lastPathComponent
            var destination = trash + "/" + name
            var attempt = 1
            while taken.contains(destination) || FileManager.default.fileExists(atPath: destination) {
                attempt += 1
                destination = trash + "/" + (name as NSString).deletingPathExtension + "-\(attempt).png"
            }
            taken.insert(destination)
            let fileExists = checked != nil
            if fileExists, rename(source, destination) != 0 {
                let reason = errnoDescription()
                undoMoves()
                throw CatalogError.file(path: source, reason: "cannot move it to the trash: \(reason)")
            }
            moves.append((source, destination, fileExists))
            try? AtomicFile.write(Array((item.json.rendered + "\n").utf8), to: destination + ".json", durable: false)
            var sidecar = sidecars[item.image.id] ?? XMPSidecar()
            sidecar.id = item.image.id
            sidecar.sha256 = item.image.sha256
            try? AtomicFile.write(
                Array(sidecar.rendered(creatorTool: Self.creatorTool).utf8), to: destination + ".xmp", durable: false)
        }
        AtomicFile.syncDirectory(trash)
        do {
            try write(details.count == 1 ? "delete an image" : "delete images") { db in
                for item in details { try Self.deleteImage(item.image.id, db: db) }
            }
        } catch {
            undoMoves()
            throw error
        }
        for move in moves { unlink(LibraryLocation.sidecarPath(ofImageFile: move.source)) }
        for folder in Set(moves.map { ($0.source as NSString).deletingLastPathComponent }) {
            AtomicFile.syncDirectory(folder)
        }
        return moves.map(\.destination)
    }

    /// Removes image `id`'s row; its metadata, tags and collection places go with it (ON DELETE
    /// CASCADE: the catalog's connections enforce foreign keys), its search entry by trigger.
    static func deleteImage(_ id: Int64, db: Database) throws {
        try ImageRecord.deleteOne(db, key: id)
    }
}

extension Catalog {
    /// A collection's images in their order.
    /// A smart collection's are what its query matches now, in the query's order (newest first
    /// unless it says `sort:`).
    public func collectionImages(_ name: String, limit: Int = 1000) throws -> [ImageDetails] {
        try read("list a collection") { db in
            let id = try Self.collectionID(name, db: db)
            if let stored = try Self.smartQuery(name, db: db) {
                var query = ImageQuery()
                query.filters = [.collection(name)]
                let sort = (try? ImageQuery(parsing: stored))?.sort ?? .newest
                return try Browse.list(
                    query, sort: sort, limit: limit, offset: 0, after: nil, now: clock(), db: db
                ) { try Self.resolve($0, db: db) }
            }
            return try Browse.details(
                from: """
                    collection_images ci JOIN images i ON i.id = ci.image_id JOIN generations g ON g.id = \
                    i.generation_id
                    WHERE ci.collection_id = ? ORDER BY ci.position LIMIT ?
                    """, [id, limit], db: db)
        }
    }
}
