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
    /// Images kept (picked, or rated 4 or more) that a task of the API made (imports cost nothing).
    public var keptImages: Int = 0

    /// Net credits over kept images, nil when none is kept: what a keeper costs.
    public var creditsPerKeptImage: Double? {
        keptImages > 0 ? Double(total.net) / Double(keptImages) : nil
    }
}

/// How `gptimg credits --by` groups spending.
public enum CreditGrouping: String, Sendable, CaseIterable {
    case day, month, collection, tag, batch

    /// `day|month|collection|tag|batch`, for help and error lines.
    public static let listed = allCases.map(\.rawValue).joined(separator: "|")
}

/// Credits charged, refunded and net for one group (a day, a collection, a batch run…), and
/// how many tasks they came from.
public struct CreditGroup: Sendable, Hashable {
    /// The day (`2026-12-06`), month (`2026-12`), collection or tag name, or batch run
    /// (`<file id>:<round>`); `(none)` for tasks in no collection, with no tag or from no batch.
    public var key: String
    public var tasks: Int
    public var charged: Int
    public var refunded: Int
    public var net: Int { charged - refunded }
    /// For a batch run: when its first task was recorded, and its first prompt.
    public var firstAt: String?
    public var firstPrompt: String?

    public init(
        key: String, tasks: Int, charged: Int, refunded: Int, firstAt: String? = nil, firstPrompt: String? = nil
    ) {
        self.key = key
        self.tasks = tasks
        self.charged = charged
        self.refunded = refunded
        self.firstAt = firstAt
        self.firstPrompt = firstPrompt
    }

    /// The key that stands for "no collection", "no tag" and "no batch".
    public static let none = "(none)"
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
            let kept =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM images i JOIN generations g ON g.id = i.generation_id
                        WHERE (i.pick = 1 OR i.rating >= 4) AND g.source <> 'import'
                        """) ?? 0
            return CreditSummary(
                total: total, perDay: try totals("substr(recorded_at, 1, 10)"),
                perMonth: try totals("substr(recorded_at, 1, 7)"),
                lastBalance: balance.map { (credits: $0.balance ?? 0, at: $0.recordedAt) }, keptImages: kept)
        }
    }

    /// Spending grouped for `gptimg credits --by`. Days and months sum the ledger (by when each
    /// charge and refund was recorded, newest first). Collections and tags sum the tasks whose
    /// images are in them (or that asked for them when they were sent): a task whose images are
    /// in two collections counts in both, so those rows can add up to more than the total;
    /// tasks in none are `(none)`. Batches sum each run of a batch file (`--again` starts a new
    /// run), newest first. Imported images cost nothing and are left out.
    public func credits(by grouping: CreditGrouping) throws -> [CreditGroup] {
        try read("sum the credit ledger") { db in
            switch grouping {
            case .day, .month:
                let period = grouping == .day ? "substr(recorded_at, 1, 10)" : "substr(recorded_at, 1, 7)"
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(period) AS key, count(DISTINCT generation_id) AS tasks,
                               sum(CASE kind WHEN 'charge' THEN credits ELSE 0 END) AS charged,
                               sum(CASE kind WHEN 'refund' THEN credits ELSE 0 END) AS refunded
                        FROM credit_ledger WHERE kind <> 'balance' GROUP BY key ORDER BY key DESC
                        """
                ).map(Self.creditGroup)
            case .collection, .tag:
                // (task, name) pairs: where its images are, and what it asked for.
                let members =
                    grouping == .collection
                    ? """
                    SELECT i.generation_id AS gid, c.name AS name FROM collection_images ci
                        JOIN collections c ON c.id = ci.collection_id JOIN images i ON i.id = ci.image_id
                    UNION SELECT id, requested_collection FROM generations
                        WHERE requested_collection IS NOT NULL AND requested_collection <> ''
                    """
                    : """
                    SELECT i.generation_id AS gid, t.name AS name FROM image_tags it
                        JOIN tags t ON t.id = it.tag_id JOIN images i ON i.id = it.image_id
                    UNION SELECT g.id, j.value FROM generations g, json_each(g.requested_tags) j
                        WHERE json_valid(g.requested_tags) AND j.type = 'text'
                    """
                return try Row.fetchAll(
                    db,
                    sql: """
                        WITH member(gid, name) AS (\(members)),
                        named(gid, name) AS (
                            SELECT gid, name FROM member GROUP BY gid, name COLLATE NOCASE
                            UNION ALL SELECT g.id, '\(CreditGroup.none)' FROM generations g
                                WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.gid = g.id))
                        SELECT n.name AS key, count(*) AS tasks, sum(g.credits_charged) AS charged,
                               sum(g.credits_refunded) AS refunded
                        FROM named n JOIN generations g ON g.id = n.gid
                        WHERE g.source <> 'import'
                        GROUP BY n.name COLLATE NOCASE
                        ORDER BY sum(g.credits_charged) - sum(g.credits_refunded) DESC, n.name COLLATE NOCASE
                        """
                ).map(Self.creditGroup)
            case .batch:
                return try Self.batchCredits(db)
            }
        }
    }

    private static func creditGroup(_ row: Row) -> CreditGroup {
        CreditGroup(
            key: row.lenientText(Column("key")) ?? CreditGroup.none, tasks: row.lenientInt(Column("tasks")) ?? 0,
            charged: row.lenientInt(Column("charged")) ?? 0, refunded: row.lenientInt(Column("refunded")) ?? 0)
    }

    /// Each run of a batch file: its tasks' keys begin "<file id>:<round>:".
    private static func batchCredits(_ db: Database) throws -> [CreditGroup] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT batch_key, created_at, substr(prompt, 1, 80) AS prompt, credits_charged, credits_refunded
                FROM generations WHERE source <> 'import' ORDER BY created_at, id
                """)
        var groups: [String: CreditGroup] = [:]
        var order: [String] = []
        for row in rows {
            let parts = (row.lenientText(Column("batch_key")) ?? "").split(
                separator: ":", omittingEmptySubsequences: false)
            let key = parts.count >= 2 ? parts[0] + ":" + parts[1] : CreditGroup.none
            if groups[key] == nil {
                order.append(key)
                groups[key] = CreditGroup(
                    key: key, tasks: 0, charged: 0, refunded: 0, firstAt: row.lenientText(Column("created_at")),
                    firstPrompt: row.lenientText(Column("prompt")))
            }
            groups[key]!.tasks += 1
            groups[key]!.charged += row.lenientInt(Column("credits_charged")) ?? 0
            groups[key]!.refunded += row.lenientInt(Column("credits_refunded")) ?? 0
        }
        // Newest run first; tasks from no batch last.
        return order.reversed().filter { $0 != CreditGroup.none }.compactMap { groups[$0] }
            + (groups[CreditGroup.none].map { [$0] } ?? [])
    }
}
