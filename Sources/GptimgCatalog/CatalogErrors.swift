import Foundation
import GRDB

extension CatalogError: LocalizedError {
    public var errorDescription: String? { description }
}

extension CatalogError {
    /// Wraps anything thrown while doing `operation` (ours pass through unchanged).
    static func wrap(_ error: any Error, _ operation: String) -> CatalogError {
        if let error = error as? CatalogError { return error }
        let sqlite: (message: String, code: Int32)? =
            if let error = error as? DatabaseError {
                (error.message ?? "SQLite error \(error.resultCode.rawValue)", error.resultCode.rawValue)
            } else if let error = error as? SQLiteFailure {
                (error.message, error.code & 0xFF)
            } else {
                nil
            }
        guard let sqlite else { return .database(operation: operation, message: String(describing: error)) }
        // The codes whose cure is not `doctor` (it would fail the same way) get their own advice.
        switch ResultCode(rawValue: sqlite.code) {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            let message = "another gptimg kept the catalog busy for too long (\(sqlite.message))"
            return .database(operation: operation, message: message)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged(reason: sqlite.message)
        case .SQLITE_READONLY: return .readOnly(operation: operation)
        case .SQLITE_FULL: return .diskFull(operation: operation)
        default: return .database(operation: operation, message: sqlite.message)
        }
    }
}

/// Runs `body`, wrapping whatever it throws as a `CatalogError` about `operation`.
func catalogOperation<T>(_ operation: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw CatalogError.wrap(error, operation)
    }
}

/// A GRDB row as the records decode it (`ImageRecord(columns:)` and the others). A value of the
/// wrong type in a damaged row (text in `width`, a real in `rating`) reads as a number or text
/// roughly as SQLite's `sqlite3_column_*` convert it for `StatementColumns` (leading digits,
/// truncated reals), instead of stopping the process in GRDB's decoding: the command still
/// answers, and `doctor` can be run.
struct GRDBColumns: ColumnReader {
    let row: Row

    func int64(_ index: Int) -> Int64 { optionalInt64(index) ?? 0 }

    func optionalInt64(_ index: Int) -> Int64? {
        switch (row[index] as DatabaseValue).storage {
        case .null: nil
        case .int64(let value): value
        case .double(let value): value.isFinite && abs(value) < 9.2e18 ? Int64(value) : 0
        case .string(let text): Int64(text.prefix { $0.isNumber || $0 == "-" || $0 == "+" }) ?? 0
        case .blob: 0
        }
    }

    func text(_ index: Int) -> String { optionalText(index) ?? "" }

    func optionalText(_ index: Int) -> String? {
        switch (row[index] as DatabaseValue).storage {
        case .null: nil
        case .int64(let value): String(value)
        case .double(let value): String(value)
        case .string(let text): text
        case .blob(let data): String(decoding: data, as: UTF8.self)
        }
    }
}

extension ImageRecord {
    init(row: Row, offset: Int = 0) { self.init(columns: GRDBColumns(row: row), offset: offset) }
}

extension GenerationRecord {
    init(row: Row, offset: Int = 0) { self.init(columns: GRDBColumns(row: row), offset: offset) }
}

extension ImageDetails {
    /// The prompt as the store names files: a short lowercase ASCII stem ("image" when empty).
    public var slug: String { ImageStore.slug(generation.prompt) }
}

extension SQLiteReader {
    /// The raw connection of a GRDB read or write, for the reads `GptimgBrowse` implements.
    init(_ db: Database) { self.init(db.sqliteConnection!) }
}

extension StatementArguments {
    init(_ values: [SQLValue]) {
        self.init(values.map { value -> DatabaseValue in
            switch value {
            case .integer(let number): number.databaseValue
            case .text(let text): text.databaseValue
            }
        })
    }
}
