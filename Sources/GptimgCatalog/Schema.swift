import GRDB

extension Schema {
    /// The migrations a catalog has applied (see `applied(_: SQLiteReader)`).
    static func applied(_ db: Database) throws -> Set<String> {
        try applied(SQLiteReader(db))
    }

    /// Applies the missing migrations in one IMMEDIATE transaction, so that two processes
    /// opening a new library at once cannot both run them: the second waits, then finds
    /// nothing to do.
    static func migrate(_ db: Database, _ list: [(String, String)] = migrations) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        let done = try applied(db)
        for (identifier, sql) in list where !done.contains(identifier) {
            try db.execute(sql: sql)
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES (?)", arguments: [identifier])
        }
    }
}
