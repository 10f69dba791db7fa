import Foundation
import GptimgCatalog
import GptimgGeneration
import GptimgSupport
import MCP

/// This server's limits on spending, and what is spent this month.
struct SpendingLimits {
    var policy: SpendingPolicy
    var spentThisMonth: Int

    var text: String {
        var text = "limits: at most \(policy.maxCreditsPerCall.map(String.init) ?? "any number of") credits a call"
        if let budget = policy.monthlyBudget {
            text += "; monthly budget \(budget), \(spentThisMonth) spent, \(max(0, budget - spentThisMonth)) left"
        } else {
            text +=
                "; no monthly budget (\(SpendingPolicy.budgetVariable) is not set), \(spentThisMonth) spent this month"
        }
        return text
    }

    var json: JSONOut {
        .object([
            ("max_credits_per_call", policy.maxCreditsPerCall.map(JSONOut.int) ?? .null),
            ("monthly_budget", policy.monthlyBudget.map(JSONOut.int) ?? .null),
            ("spent_this_month", .int(spentThisMonth)),
            ("remaining_this_month", policy.remaining(spentThisMonth: spentThisMonth).map(JSONOut.int) ?? .null),
        ])
    }
}

extension GptimgMCPServer {
    /// The policy from `--max-credits` and `GPTIMG_MONTHLY_BUDGET`, and this month's spending
    /// from the library's ledger.
    func spendingLimits() throws -> SpendingLimits {
        let policy = SpendingPolicy(
            maxCreditsPerCall: configuration.maxCreditsPerCall,
            monthlyBudget: try SpendingPolicy.monthlyBudget(environment: configuration.environment))
        return SpendingLimits(policy: policy, spentThisMonth: try SpendingPolicy.spentThisMonth(catalog))
    }

    func generationTools() -> [ToolSpec] {
        []
    }
}
