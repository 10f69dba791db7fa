import GRDBSQLite

/// A value bound into a statement.
package enum SQLValue: Sendable, Hashable {
    case integer(Int64)
    case text(String)

    package static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
    package static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
}

/// What SQLite said when a statement failed: its result code and message.
package struct SQLiteFailure: Error, Sendable, Equatable {
    package var code: Int32
    package var message: String

    /// The other process held its lock past the busy timeout.
    package var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
}

/// The columns of one result row, by position: what the records decode from, whether the row
/// came from `SQLiteReader` (the read-only front, `list`) or from GRDB (the rest of the catalog).
package protocol ColumnReader {
    func int64(_ index: Int) -> Int64
    /// nil for NULL.
    func optionalInt64(_ index: Int) -> Int64?
    /// "" for NULL.
    func text(_ index: Int) -> String
    /// nil for NULL.
    func optionalText(_ index: Int) -> String?
}

extension ColumnReader {
    package func int(_ index: Int) -> Int { Int(int64(index)) }
    package func optionalInt(_ index: Int) -> Int? { optionalInt64(index).map { Int($0) } }
    package func bool(_ index: Int) -> Bool { int64(index) != 0 }
}

/// Read-only statements on a raw SQLite connection, without GRDB or Foundation: the catalog's
/// browsing (`list`, `search`) runs on it, both inside GRDB's read transactions (through
/// `Database.sqliteConnection`) and in the small `gptimg` front, which starts in a fraction of
/// the full binary's time.
package struct SQLiteReader {
    package let connection: OpaquePointer

    package init(_ connection: OpaquePointer) {
        self.connection = connection
    }

    /// Opens `path` read-only (never creating it), waiting up to `busyTimeout` seconds for
    /// another process's lock; the caller closes it with `close()`.
    package static func open(readOnly path: String, busyTimeout: Double) throws(SQLiteFailure) -> SQLiteReader {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil)
        guard code == SQLITE_OK, let handle else {
            let failure = SQLiteFailure(code: code, message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)")
            sqlite3_close_v2(handle)
            throw failure
        }
        sqlite3_busy_timeout(handle, Int32(busyTimeout * 1000))
        return SQLiteReader(handle)
    }

    package func close() {
        sqlite3_close_v2(connection)
    }

    /// Runs `sql` with `arguments`, handing each result row to `row`.
    package func rows<T>(_ sql: String, _ arguments: [SQLValue] = [], _ row: (StatementColumns) throws -> T) throws -> [T] {
        var statement: OpaquePointer?
        var code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code) }
        defer { sqlite3_finalize(statement) }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            switch argument {
            case .integer(let value): code = sqlite3_bind_int64(statement, index, value)
            case .text(let value): code = sqlite3_bind_text(statement, index, value, -1, SQLITE_TRANSIENT)
            }
            guard code == SQLITE_OK else { throw failure(code) }
        }
        var result: [T] = []
        while true {
            code = sqlite3_step(statement)
            if code == SQLITE_DONE { return result }
            guard code == SQLITE_ROW else { throw failure(code) }
            result.append(try row(StatementColumns(statement: statement)))
        }
    }

    /// Runs `sql` (no arguments, no rows): `BEGIN`, `COMMIT`.
    package func execute(_ sql: String) throws {
        _ = try rows(sql) { _ in () }
    }

    /// The first row's first column as an integer, or nil when there is no row.
    package func integer(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int64? {
        try rows(sql, arguments) { $0.optionalInt64(0) }.first ?? nil
    }

    private func failure(_ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: code, message: String(cString: sqlite3_errmsg(connection)))
    }
}

/// The current row of a stepping statement.
package struct StatementColumns: ColumnReader {
    let statement: OpaquePointer

    package func int64(_ index: Int) -> Int64 { sqlite3_column_int64(statement, Int32(index)) }

    package func optionalInt64(_ index: Int) -> Int64? {
        sqlite3_column_type(statement, Int32(index)) == SQLITE_NULL ? nil : int64(index)
    }

    package func text(_ index: Int) -> String { optionalText(index) ?? "" }

    package func optionalText(_ index: Int) -> String? {
        guard let bytes = sqlite3_column_text(statement, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

/// SQLite's "copy this text now" destructor, which Swift cannot import as a constant.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
