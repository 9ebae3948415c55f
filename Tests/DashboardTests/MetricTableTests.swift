import Dashboard
import Foundation
import M4API
import Testing

@Suite("The metric table")
struct MetricTableTests {
    /// DESIGN.md's metric paths: every one is described, once.
    static let contractPaths = ["today.calls", "today.duration", "today.revenue", "today.self_cost", "today.profit",
                                "today.margin", "today.price", "month.calls", "month.duration", "month.revenue",
                                "month.self_cost", "month.profit", "month.margin", "month.price", "active_calls.total",
                                "active_calls.answered_calls", "balance", "today.acd", "today.calls_per_minute",
                                "today.revenue_per_hour", "active_calls.ringing", "stale"]

    @Test("Every contract path is in the table, and no path twice")
    func paths() {
        for path in Self.contractPaths { #expect(MetricTable.metric(path) != nil, "\(path)") }
        #expect(Set(MetricTable.all.map(\.path)).count == MetricTable.all.count)
        #expect(MetricTable.metric("today.nonsense") == nil)
    }

    @Test("Exporter names follow DESIGN.md; money is not a counter; margin is a ratio")
    func exporterNames() {
        #expect(MetricTable.metric("active_calls.total")?.exporterName == "m4_active_calls")
        #expect(MetricTable.metric("active_calls.answered_calls")?.exporterName == "m4_active_calls_answered")
        #expect(MetricTable.metric("today.duration")?.exporterName == "m4_today_duration_seconds")
        #expect(MetricTable.metric("month.margin")?.exporterName == "m4_month_margin_ratio")
        #expect(MetricTable.metric("balance")?.exporterName == "m4_balance")
        #expect(MetricTable.all.compactMap(\.exporterName).allSatisfy { !$0.hasSuffix("_total") })
    }

    @Test("Polarity: more revenue is good, more cost is bad, active calls are neutral")
    func polarity() {
        #expect(MetricTable.metric("today.revenue")?.polarity.meaning(of: 1) == 1)
        #expect(MetricTable.metric("today.self_cost")?.polarity.meaning(of: 1) == -1)
        #expect(MetricTable.metric("today.self_cost")?.polarity.meaning(of: -1) == 1)
        #expect(MetricTable.metric("active_calls.total")?.polarity.meaning(of: 5) == 0)
    }

    @Test("Values by path: server fields, derived figures, a simple user's price, staleness")
    func values() {
        let admin = MetricInput(stats: Fixture.admin(active: 7, answered: 5))
        #expect(MetricTable.metric("today.calls")?.value(admin) == 4)
        #expect(MetricTable.metric("month.margin")?.value(admin) == 38)
        #expect(MetricTable.metric("today.acd")?.value(admin) == Decimal(345) / 4)
        #expect(MetricTable.metric("active_calls.ringing")?.value(admin) == 2)
        #expect(MetricTable.metric("today.calls_per_minute")?.value(admin) == nil, "no history, no rate")
        let simple = MetricInput(stats: Fixture.simpleUser())
        #expect(MetricTable.metric("balance")?.value(simple) == Decimal(string: "42.5"))
        #expect(MetricTable.metric("today.price")?.value(simple) == Decimal(string: "0.3"))
        #expect(MetricTable.metric("today.revenue_per_hour")?.label(priceOnly: true) == "Price/h")
        #expect(MetricTable.metric("stale")?.value(MetricInput(stats: nil, staleSeconds: 42)) == 42)
        // An older server's this_month answers to month.* paths.
        let mor = MetricInput(stats: QuickStats(sections: [StatSection(name: "this_month", fields: [StatField(name: "calls", text: "19")])]))
        #expect(MetricTable.metric("month.calls")?.value(mor) == 19)
    }

    @Test("A metric in the table reaches the panels' rows: derived ones after their section's fields")
    func formattedRows() {
        let formatted = FormattedSnapshot.make(Fixture.admin(), trends: Trends())
        let labels = formatted.periods[.today]?.map(\.label)
        #expect(labels == ["Calls", "Duration", "Revenue", "Self cost", "Profit", "Margin", "ACD", "Calls/min", "Revenue/h"])
        #expect(formatted.periods[.month]?.map(\.label).last == "ACD")
        #expect(formatted.activeCalls?.map(\.label) == ["Total", "Answered", "Ringing"])
        let oneShot = FormattedSnapshot.make(Fixture.admin())
        #expect(oneShot.periods[.today]?.map(\.label).contains("Calls/min") == false, "rates need history")
    }
}
