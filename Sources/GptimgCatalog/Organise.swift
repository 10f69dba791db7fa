import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

/// A collection and how many images it holds.
public struct CollectionSummary: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var count: Int
    public var createdAt: String
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
        let id = text.trimmingCharacters(in: .whitespaces).lowercased()
        if !id.isEmpty, id.allSatisfy(\.isASCII), id.allSatisfy(\.isNumber), let number = Int64(id),
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM images WHERE id = ?)", arguments: [number]) == true
        {
            return number
        }
        guard id.count >= 6, id.count <= 64, id.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            if id.allSatisfy(\.isNumber), !id.isEmpty { throw CatalogError.noSuchImage(text) }
            throw CatalogError.invalidID(text)
        }
        let upper = id + "g"  // 'g' sorts after every hex digit
        let matches = try Int64.fetchAll(db, sql: "SELECT id FROM images WHERE sha256 >= ? AND sha256 < ? LIMIT 2", arguments: [id, upper])
        if matches.count > 1 { throw CatalogError.ambiguousID(text, matches: try Int.fetchOne(db, sql: "SELECT count(*) FROM images WHERE sha256 >= ? AND sha256 < ?", arguments: [id, upper]) ?? 2) }
        guard let match = matches.first else { throw CatalogError.noSuchImage(text) }
        return match
    }

    // MARK: - Tags

    /// Adds and removes tags on images (names are case-insensitive; new tags are created).
    public func tag(_ imageIDs: [Int64], add: [String] = [], remove: [String] = []) throws {
        let add = try add.map(Self.validName)
        let remove = try remove.map(Self.validName)
        try write("tag images") { db in
            try Self.requireImages(imageIDs, db: db)
            try Self.addTags(add, to: imageIDs, db: db)
            for name in remove {
                guard let tagID = try Int64.fetchOne(db, sql: "SELECT id FROM tags WHERE name = ?", arguments: [name]) else { continue }
                for image in imageIDs {
                    try db.execute(sql: "DELETE FROM image_tags WHERE image_id = ? AND tag_id = ?", arguments: [image, tagID])
                }
            }
            try db.execute(sql: "DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM image_tags WHERE tag_id = tags.id)")
        }
    }

    static func addTags(_ names: [String], to imageIDs: [Int64], db: Database) throws {
        for raw in names {
            guard let name = try? validName(raw) else { continue }
            try db.cachedStatement(sql: "INSERT INTO tags(name) VALUES (?) ON CONFLICT(name) DO NOTHING").execute(arguments: [name])
            let tagID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM tags WHERE name = ?"), arguments: [name])!
            for image in imageIDs {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO image_tags(image_id, tag_id) VALUES (?, ?)").execute(arguments: [image, tagID])
            }
        }
    }

    /// Every tag and how many images carry it, by name.
    public func tags() throws -> [(name: String, count: Int)] {
        try read("list tags") { db in
            try Row.fetchAll(db, sql: "SELECT t.name, count(*) FROM tags t JOIN image_tags it ON it.tag_id = t.id GROUP BY t.id ORDER BY t.name")
                .map { (name: $0[0], count: $0[1]) }
        }
    }

    /// Every tag's name, by name: one read of the small `tags` table (a tag no image carries is
    /// removed), where `tags()` counts over every image's tags.
    public func tagNames() throws -> [String] {
        try read("list tags") { try String.fetchAll($0, sql: "SELECT name FROM tags ORDER BY name") }
    }

    /// A tag or collection name: trimmed, 1-100 characters, one line.
    static func validName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { throw CatalogError.invalidName(raw, reason: "it is empty") }
        if name.count > 100 { throw CatalogError.invalidName(raw, reason: "it is longer than 100 characters") }
        if name.contains(where: { $0.isNewline || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            throw CatalogError.invalidName(raw, reason: "it contains a line break or control character")
        }
        return name
    }

    static func requireImages(_ ids: [Int64], db: Database) throws {
        for id in ids where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM images WHERE id = ?)", arguments: [id]) != true {
            throw CatalogError.noSuchImage(String(id))
        }
    }

    // MARK: - Rating and favourites

    /// Sets the rating (0-5; 0 clears it) of images.
    public func rate(_ imageIDs: [Int64], _ rating: Int) throws {
        guard (0...5).contains(rating) else { throw CatalogError.invalidRating(String(rating)) }
        try write("rate images") { db in
            try Self.requireImages(imageIDs, db: db)
            for id in imageIDs { try db.execute(sql: "UPDATE images SET rating = ? WHERE id = ?", arguments: [rating, id]) }
        }
    }

    /// Marks images as favourites (or not).
    public func setFavorite(_ imageIDs: [Int64], _ favorite: Bool) throws {
        try write("mark favourites") { db in
            try Self.requireImages(imageIDs, db: db)
            for id in imageIDs { try db.execute(sql: "UPDATE images SET favorite = ? WHERE id = ?", arguments: [favorite, id]) }
        }
    }

    // MARK: - Collections

    @discardableResult
    public func createCollection(_ rawName: String) throws -> CollectionSummary {
        let name = try Self.validName(rawName)
        let now = self.now()
        return try write("create a collection") { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM collections WHERE name = ?)", arguments: [name]) == true {
                throw CatalogError.collectionExists(name)
            }
            try db.execute(sql: "INSERT INTO collections(name, created_at) VALUES (?, ?)", arguments: [name, now])
            return CollectionSummary(id: db.lastInsertedRowID, name: name, count: 0, createdAt: now)
        }
    }

    public func renameCollection(_ oldName: String, to rawName: String) throws {
        let name = try Self.validName(rawName)
        try write("rename a collection") { db in
            let id = try Self.collectionID(oldName, db: db)
            if let other = try Int64.fetchOne(db, sql: "SELECT id FROM collections WHERE name = ?", arguments: [name]), other != id {
                throw CatalogError.collectionExists(name)
            }
            try db.execute(sql: "UPDATE collections SET name = ? WHERE id = ?", arguments: [name, id])
        }
    }

    /// Deletes a collection; its images stay in the library.
    public func deleteCollection(_ name: String) throws {
        try write("delete a collection") { db in
            let id = try Self.collectionID(name, db: db)
            try db.execute(sql: "DELETE FROM collections WHERE id = ?", arguments: [id])
        }
    }

    public func collections() throws -> [CollectionSummary] {
        try read("list collections") { db in
            try Row.fetchAll(db, sql: """
                SELECT c.id, c.name, count(ci.image_id), c.created_at FROM collections c
                LEFT JOIN collection_images ci ON ci.collection_id = c.id GROUP BY c.id ORDER BY c.name
                """).map { CollectionSummary(id: $0[0], name: $0[1], count: $0[2], createdAt: $0[3]) }
        }
    }

    /// Every collection's name, by name, without counting their images.
    public func collectionNames() throws -> [String] {
        try read("list collections") { try String.fetchAll($0, sql: "SELECT name FROM collections ORDER BY name") }
    }

    /// Adds images to the end of a collection (those already in it stay where they are),
    /// creating the collection when `createIfMissing`. Returns how many were added.
    @discardableResult
    public func addToCollection(_ rawName: String, _ imageIDs: [Int64], createIfMissing: Bool = true) throws -> Int {
        let name = try Self.validName(rawName)
        let now = self.now()
        return try write("add images to a collection") { db in
            try Self.requireImages(imageIDs, db: db)
            if createIfMissing {
                try db.execute(sql: "INSERT INTO collections(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING", arguments: [name, now])
            }
            let id = try Self.collectionID(name, db: db)
            var position = try Int.fetchOne(db, sql: "SELECT ifnull(max(position), -1) FROM collection_images WHERE collection_id = ?", arguments: [id]) ?? -1
            var added = 0
            for image in imageIDs {
                position += 1
                try db.execute(
                    sql: "INSERT OR IGNORE INTO collection_images(collection_id, image_id, position, added_at) VALUES (?, ?, ?, ?)",
                    arguments: [id, image, position, now])
                added += db.changesCount
            }
            return added
        }
    }

    /// Removes images from a collection (they stay in the library).
    @discardableResult
    public func removeFromCollection(_ name: String, _ imageIDs: [Int64]) throws -> Int {
        try write("remove images from a collection") { db in
            let id = try Self.collectionID(name, db: db)
            var removed = 0
            for image in imageIDs {
                try db.execute(sql: "DELETE FROM collection_images WHERE collection_id = ? AND image_id = ?", arguments: [id, image])
                removed += db.changesCount
            }
            return removed
        }
    }

    static func collectionID(_ name: String, db: Database) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM collections WHERE name = ?", arguments: [name.trimmingCharacters(in: .whitespaces)]) else {
            throw CatalogError.noSuchCollection(name)
        }
        return id
    }

    // MARK: - Delete

    /// Removes images from the catalog and moves their files to `trash/YYYY-MM-DD/` with a JSON
    /// sidecar of their catalog row. The files keep their embedded metadata:
    /// `gptimg import trash/…` brings an image back. Returns the trashed paths.
    ///
    /// Every file is checked first (`LibraryLocation.checkedFile`): when a row's path leads out of
    /// the library or names something other than a regular file, nothing is moved nor deleted and
    /// the error names the row (a missing file is no obstacle: its row goes).
    @discardableResult
    public func delete(_ imageIDs: [Int64]) throws -> [String] {
        let details = try self.details(imageIDs)
        var sources: [String?] = []
        for item in details {
            switch location.checkedFile(atCatalogPath: item.image.path) {
            case .success(let file): sources.append(file.path)
            case .failure(.missing): sources.append(nil)
            case .failure(let problem):
                throw LibraryLocation.error(problem, path: item.image.path, imageID: item.image.id)
            }
        }
        let day = String(now().prefix(10))
        let trash = location.trashURL.appendingPathComponent(day).path
        try ImageStore.makeDirectories(trash)
        var trashed: [String] = []
        for (item, checked) in zip(details, sources) {
            let source = checked ?? location.root.path + "/" + item.image.path
            let name = (source as NSString).lastPathComponent
            var destination = trash + "/" + name
            var attempt = 1
            while FileManager.default.fileExists(atPath: destination) {
                attempt += 1
                destination = trash + "/" + (name as NSString).deletingPathExtension + "-\(attempt).png"
            }
            let fileExists = checked != nil
            if fileExists, rename(source, destination) != 0 {
                throw CatalogError.file(path: source, reason: "cannot move it to the trash: \(String(cString: strerror(errno)))")
            }
            try? AtomicFile.write(Array((item.json.rendered + "\n").utf8), to: destination + ".json", durable: false)
            AtomicFile.syncDirectory(trash)
            do {
                try write("delete an image") { db in try Self.deleteImage(item.image.id, db: db) }
            } catch {
                if fileExists { rename(destination, source) }
                throw error
            }
            AtomicFile.syncDirectory((source as NSString).deletingLastPathComponent)
            trashed.append(destination)
        }
        return trashed
    }

    /// Removes image `id`'s row; its metadata, tags and collection places go with it (ON DELETE
    /// CASCADE: the catalog's connections enforce foreign keys), its search entry by trigger.
    static func deleteImage(_ id: Int64, db: Database) throws {
        try db.execute(sql: "DELETE FROM images WHERE id = ?", arguments: [id])
    }
}

extension Catalog {
    /// A collection's images in their order.
    public func collectionImages(_ name: String, limit: Int = 1000) throws -> [ImageDetails] {
        try read("list a collection") { db in
            let id = try Self.collectionID(name, db: db)
            return try Browse.details(
                from: """
                    collection_images ci JOIN images i ON i.id = ci.image_id JOIN generations g ON g.id = i.generation_id
                    WHERE ci.collection_id = ? ORDER BY ci.position LIMIT ?
                    """, [.integer(id), .int(limit)], reader: SQLiteReader(db))
        }
    }
}
