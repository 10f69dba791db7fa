import GRDBSQLite

/// Plain SQLite on a library's catalog, to tamper with it and to check it afterwards the way
/// a user with sqlite3 would: not through the code under test.
enum CatalogSQL {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `sql` (one or more statements) on the catalog at `path`.
    static func execute(_ path: String, _ sql: String) throws {
        try withDatabase(path) { db in
            var message: UnsafeMutablePointer<CChar>?
            guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
                defer { sqlite3_free(message) }
                throw Failure(description: "\(sql): \(message.map { String(cString: $0) } ?? "failed")")
            }
        }
    }

    /// The rows of `sql`, each column as text (nil for NULL).
    static func rows(_ path: String, _ sql: String) throws -> [[String?]] {
        try withDatabase(path) { db in
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
                throw Failure(description: "\(sql): \(String(cString: sqlite3_errmsg(db)))")
            }
            defer { sqlite3_finalize(statement) }
            var rows: [[String?]] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else {
                    throw Failure(description: "\(sql): \(String(cString: sqlite3_errmsg(db)))")
                }
                rows.append(
                    (0..<sqlite3_column_count(statement)).map { column in
                        sqlite3_column_text(statement, column).map { String(cString: $0) }
                    })
            }
            return rows
        }
    }

    static func integer(_ path: String, _ sql: String) throws -> Int {
        guard let value = try rows(path, sql).first?.first ?? nil, let number = Int(value) else {
            throw Failure(description: "\(sql): no integer")
        }
        return number
    }

    private static func withDatabase<R>(_ path: String, _ body: (OpaquePointer?) throws -> R) throws -> R {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            defer { sqlite3_close(db) }
            throw Failure(description: "cannot open \(path)")
        }
        defer { sqlite3_close(db) }
        sqlite3_busy_timeout(db, 5000)
        return try body(db)
    }
}
