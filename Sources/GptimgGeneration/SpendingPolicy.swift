import Foundation
import GptimgCatalog
import GptimgSupport

/// Limits on what a surface may spend when no one types each command: at most so many credits
/// a call, and at most a budget a calendar month (UTC), counted from the library's own credit
/// ledger (charged minus refunded, as `gptimg credits` sums it). The MCP server checks every
/// generating call against it before anything is recorded or sent; a refusal costs nothing.
public struct SpendingPolicy: Sendable, Hashable {
    /// The most one call may cost; nil: no limit.
    public var maxCreditsPerCall: Int?
    /// The most a calendar month may cost; nil: no limit.
    public var monthlyBudget: Int?

    public init(maxCreditsPerCall: Int? = nil, monthlyBudget: Int? = nil) {
        self.maxCreditsPerCall = maxCreditsPerCall
        self.monthlyBudget = monthlyBudget
    }

    /// The environment variable that sets the monthly budget, in credits.
    public static let budgetVariable = "GPTIMG_MONTHLY_BUDGET"

    /// `GPTIMG_MONTHLY_BUDGET` from `environment`: nil when unset or empty; a refusal when it is
    /// not a whole number of credits (a typo must not lift the limit).
    public static func monthlyBudget(environment: [String: String]) throws(SpendingRefusal) -> Int? {
        guard let text = environment[budgetVariable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return nil
        }
        guard let budget = Int(text), budget >= 0 else {
            throw SpendingRefusal(
                "\(budgetVariable) \"\(text.prefix(20))\" is not a whole number of credits (such as 200); "
                    + "fix it or unset it")
        }
        return budget
    }

    /// The calendar month (UTC) of `date` as the ledger's dates begin: `YYYY-MM`.
    public static func month(of date: Date) -> String {
        String(Timestamp(date).iso8601.prefix(7))
    }

    /// Net credits (charged minus refunded) the ledger records for the month of `now`.
    public static func spentThisMonth(_ catalog: Catalog, now: Date = Date()) throws -> Int {
        let month = month(of: now)
        return try catalog.creditSummary().perMonth.first { $0.period == month }?.net ?? 0
    }

    /// Nil when a call costing `cost` fits both limits; otherwise why it does not.
    public func refusal(cost: Int, spentThisMonth spent: Int) -> SpendingRefusal? {
        if let limit = maxCreditsPerCall, cost > limit {
            return SpendingRefusal(
                "this costs \(cost) credits, more than the \(limit) one call may spend (--max-credits \(limit)): "
                    + "ask for fewer images, or have the user raise --max-credits")
        }
        if let budget = monthlyBudget, spent + cost > budget {
            let left = max(0, budget - spent)
            return SpendingRefusal(
                "this costs \(cost) credits, and \(spent) of this month's budget of \(budget) are spent "
                    + "(\(Self.budgetVariable)): \(left) remain")
        }
        return nil
    }

    /// What is left this month, when there is a budget.
    public func remaining(spentThisMonth spent: Int) -> Int? {
        monthlyBudget.map { max(0, $0 - spent) }
    }
}

/// Why spending was refused: one line naming the limit and what to do.
public struct SpendingRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
