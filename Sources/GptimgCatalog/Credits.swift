import Foundation
import GRDB
import GptimgSupport

/// One entry of the local credit ledger.
public struct CreditEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Credits the API took for a task.
        case charge
        /// Credits the API gave back (a failed task).
        case refund
        /// The balance the API reported (`credits` is 0, `balance` holds it).
        case balance
    }

    public var kind: Kind
    public var credits: Int
    public var balance: Int?
    public var generationID: Int64?
    public var taskID: String?
    public var note: String?
    /// ISO 8601 UTC; set by the catalog when recorded.
    public var recordedAt: String

    public init(
        kind: Kind, credits: Int, balance: Int? = nil, generationID: Int64? = nil, taskID: String? = nil,
        note: String? = nil, recordedAt: String = ""
    ) {
        self.kind = kind
        self.credits = credits
        self.balance = balance
        self.generationID = generationID
        self.taskID = taskID
        self.note = note
        self.recordedAt = recordedAt
    }
}

extension CreditEntry.Kind: DatabaseValueConvertible {}

/// A ledger entry is one row of `credit_ledger` (its own id, which nothing reads, is SQLite's).
extension CreditEntry: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "credit_ledger"

    public enum Columns: String, ColumnExpression, CaseIterable {
        case id, generationID = "generation_id", taskID = "task_id", kind, credits, balance, note
        case recordedAt = "recorded_at"
    }

    public init(row: Row) {
        self.init(
            kind: row.lenientText(Columns.kind).flatMap(Kind.init(rawValue:)) ?? .balance,
            credits: row.lenientInt(Columns.credits) ?? 0, balance: row.lenientInt(Columns.balance),
            generationID: row.lenientInt64(Columns.generationID), taskID: row.lenientText(Columns.taskID),
            note: row.lenientText(Columns.note), recordedAt: row.lenientText(Columns.recordedAt) ?? "")
    }

    public func encode(to container: inout PersistenceContainer) {
        container[Columns.generationID] = generationID
        container[Columns.taskID] = taskID
        container[Columns.kind] = kind
        container[Columns.credits] = credits
        container[Columns.balance] = balance
        container[Columns.note] = note
        container[Columns.recordedAt] = recordedAt
    }
}

/// Charged, refunded and net credits over a period.
public struct CreditTotals: Sendable, Hashable {
    public var period: String
    public var charged: Int
    public var refunded: Int
    public var net: Int { charged - refunded }
}

/// What `gptimg credits` shows.
public struct CreditSummary: Sendable {
    public var total: CreditTotals
    public var perDay: [CreditTotals]
    public var perMonth: [CreditTotals]
    /// The last balance the API reported, and when.
    public var lastBalance: (credits: Int, at: String)?
}

extension Catalog {
    /// Appends an entry to the ledger (durably). A charge or refund tied to a generation also
    /// adds to that generation's `credits_charged` / `credits_refunded`.
    @discardableResult
    public func recordCredits(_ entry: CreditEntry) throws -> CreditEntry {
        let stored = try stamped(entry, generationID: entry.generationID)
        let location = self.location
        try write("record credits") { db in
            try Self.insert(stored, db: db)
            try Self.appendJournal(
                [Self.creditLine(stored, id: db.lastInsertedRowID)]
                    + (try Self.generationLines(stored.generationID.map { [$0] } ?? [], db: db)),
                location: location)
        }
        return stored
    }

    /// `entry` checked, tied to `generationID`, and dated now unless it carries a date.
    func stamped(_ entry: CreditEntry, generationID: Int64?) throws -> CreditEntry {
        guard entry.credits >= 0 else {
            throw CatalogError.invalidArgument("a ledger entry's credits cannot be negative (\(entry.credits))")
        }
        var recorded = entry
        recorded.generationID = generationID
        recorded.recordedAt =
            entry.recordedAt.isEmpty ? now() : (Timestamp.normalize(entry.recordedAt) ?? entry.recordedAt)
        return recorded
    }

    /// Inserts a ledger row; a charge or refund also adds to its generation's totals.
    static func insert(_ entry: CreditEntry, db: Database) throws {
        try entry.insert(db)
        guard let generationID = entry.generationID else { return }
        let generation = GenerationRecord.filter(key: generationID)
        switch entry.kind {
        case .charge: try generation.updateAll(db, GenerationRecord.Columns.creditsCharged += entry.credits)
        case .refund: try generation.updateAll(db, GenerationRecord.Columns.creditsRefunded += entry.credits)
        case .balance: break
        }
    }

    /// Totals from the ledger: overall, per day and per month (newest first), and the last
    /// balance reported.
    public func creditSummary() throws -> CreditSummary {
        try read("sum the credit ledger") { db in
            func totals(_ period: String) throws -> [CreditTotals] {
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(period) AS period, sum(CASE kind WHEN 'charge' THEN credits ELSE 0 END) AS charged,
                               sum(CASE kind WHEN 'refund' THEN credits ELSE 0 END) AS refunded
                        FROM credit_ledger WHERE kind <> 'balance' GROUP BY period ORDER BY period DESC
                        """
                ).map { row in
                    CreditTotals(
                        period: row.lenientText(Column("period")) ?? "all",
                        charged: row.lenientInt(Column("charged")) ?? 0,
                        refunded: row.lenientInt(Column("refunded")) ?? 0)
                }
            }
            let total = try totals("'all'").first ?? CreditTotals(period: "all", charged: 0, refunded: 0)
            let balance = try CreditEntry.filter(sql: "kind = 'balance' AND balance IS NOT NULL")
                .order(CreditEntry.Columns.recordedAt.desc, CreditEntry.Columns.id.desc).fetchOne(db)
            return CreditSummary(
                total: total, perDay: try totals("substr(recorded_at, 1, 10)"),
                perMonth: try totals("substr(recorded_at, 1, 7)"),
                lastBalance: balance.map { (credits: $0.balance ?? 0, at: $0.recordedAt) })
        }
    }
}
