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

    public init(kind: Kind, credits: Int, balance: Int? = nil, generationID: Int64? = nil, taskID: String? = nil, note: String? = nil, recordedAt: String = "") {
        self.kind = kind
        self.credits = credits
        self.balance = balance
        self.generationID = generationID
        self.taskID = taskID
        self.note = note
        self.recordedAt = recordedAt
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
        try write("record credits") { db in try Self.insert(stored, db: db) }
        return stored
    }

    /// `entry` checked, tied to `generationID`, and dated now unless it carries a date.
    func stamped(_ entry: CreditEntry, generationID: Int64?) throws -> CreditEntry {
        guard entry.credits >= 0 else { throw CatalogError.invalidArgument("a ledger entry's credits cannot be negative (\(entry.credits))") }
        var recorded = entry
        recorded.generationID = generationID
        recorded.recordedAt = entry.recordedAt.isEmpty ? now() : (Timestamp.normalize(entry.recordedAt) ?? entry.recordedAt)
        return recorded
    }

    /// Inserts a ledger row; a charge or refund also adds to its generation's totals.
    static func insert(_ entry: CreditEntry, db: Database) throws {
        try db.execute(
            sql: "INSERT INTO credit_ledger(generation_id, task_id, kind, credits, balance, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [entry.generationID, entry.taskID, entry.kind.rawValue, entry.credits, entry.balance, entry.note, entry.recordedAt])
        guard let generationID = entry.generationID else { return }
        switch entry.kind {
        case .charge:
            try db.execute(sql: "UPDATE generations SET credits_charged = credits_charged + ? WHERE id = ?", arguments: [entry.credits, generationID])
        case .refund:
            try db.execute(sql: "UPDATE generations SET credits_refunded = credits_refunded + ? WHERE id = ?", arguments: [entry.credits, generationID])
        case .balance:
            break
        }
    }

    /// Totals from the ledger: overall, per day and per month (newest first), and the last
    /// balance reported.
    public func creditSummary() throws -> CreditSummary {
        try read("sum the credit ledger") { db in
            func totals(_ period: String) throws -> [CreditTotals] {
                try Row.fetchAll(db, sql: """
                    SELECT \(period) AS p, sum(CASE kind WHEN 'charge' THEN credits ELSE 0 END),
                           sum(CASE kind WHEN 'refund' THEN credits ELSE 0 END)
                    FROM credit_ledger WHERE kind <> 'balance' GROUP BY p ORDER BY p DESC
                    """).map { CreditTotals(period: $0[0] ?? "all", charged: $0[1] ?? 0, refunded: $0[2] ?? 0) }
            }
            let total = try totals("'all'").first ?? CreditTotals(period: "all", charged: 0, refunded: 0)
            let balance = try Row.fetchOne(db, sql: "SELECT balance, recorded_at FROM credit_ledger WHERE kind = 'balance' AND balance IS NOT NULL ORDER BY recorded_at DESC, id DESC LIMIT 1")
            return CreditSummary(
                total: total, perDay: try totals("substr(recorded_at, 1, 10)"), perMonth: try totals("substr(recorded_at, 1, 7)"),
                lastBalance: balance.map { (credits: $0[0], at: $0[1]) })
        }
    }
}
