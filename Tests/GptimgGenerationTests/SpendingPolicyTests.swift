import Foundation
import GptimgCatalog
import GptimgGeneration
import Testing

/// The limits a surface without a person at each command spends within (`gptimg mcp`).
@Suite struct SpendingPolicyTests {
    @Test func theMonthlyBudgetComesFromTheEnvironmentAndATypoIsRefused() throws {
        #expect(try SpendingPolicy.monthlyBudget(environment: [:]) == nil)
        #expect(try SpendingPolicy.monthlyBudget(environment: ["GPTIMG_MONTHLY_BUDGET": ""]) == nil)
        #expect(try SpendingPolicy.monthlyBudget(environment: ["GPTIMG_MONTHLY_BUDGET": " 200 "]) == 200)
        for typo in ["200 credits", "-5", "1e3", "two hundred"] {
            #expect(throws: SpendingRefusal.self, "\(typo)") {
                try SpendingPolicy.monthlyBudget(environment: ["GPTIMG_MONTHLY_BUDGET": typo])
            }
        }
    }

    @Test func aCallIsRefusedAboveEitherLimitAndNamesIt() {
        let policy = SpendingPolicy(maxCreditsPerCall: 8, monthlyBudget: 100)
        #expect(policy.refusal(cost: 8, spentThisMonth: 92) == nil)
        #expect(policy.refusal(cost: 10, spentThisMonth: 0)?.description.contains("--max-credits 8") == true)
        let overBudget = policy.refusal(cost: 4, spentThisMonth: 98)
        #expect(overBudget?.description.contains("98 of this month's budget of 100") == true)
        #expect(overBudget?.description.contains("2 remain") == true)
        #expect(SpendingPolicy().refusal(cost: 1000, spentThisMonth: 1_000_000) == nil)
        #expect(policy.remaining(spentThisMonth: 120) == 0)
    }

    /// This month's net from the ledger: last month's charges and refunds do not count.
    @Test func spentThisMonthIsTheLedgersNetForTheCalendarMonth() async throws {
        try await withLibrary { catalog in
            try catalog.recordCredits(CreditEntry(kind: .charge, credits: 8, recordedAt: "2026-11-30T23:59:59Z"))
            try catalog.recordCredits(CreditEntry(kind: .charge, credits: 6, recordedAt: "2026-12-01T00:00:00Z"))
            try catalog.recordCredits(CreditEntry(kind: .refund, credits: 2, recordedAt: "2026-12-06T10:00:00Z"))
            try catalog.recordCredits(
                CreditEntry(kind: .balance, credits: 0, balance: 500, recordedAt: "2026-12-06T10:00:00Z"))
            let december = try #require(ISO8601DateFormatter().date(from: "2026-12-06T12:00:00Z"))
            #expect(try SpendingPolicy.spentThisMonth(catalog, now: december) == 4)
            let january = try #require(ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z"))
            #expect(try SpendingPolicy.spentThisMonth(catalog, now: january) == 0)
        }
    }
}
