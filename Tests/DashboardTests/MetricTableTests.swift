import Dashboard
import Watch
import Foundation
import M4API
import Testing

@Suite("The metric table")
struct MetricTableTests {
    /// The contract's metric paths (docs/metrics.md): every one is described, once.
    static let contractPaths = ["today.calls", "today.duration", "today.revenue", "today.self_cost", "today.profit",
                                "today.margin", "today.price", "month.calls", "month.duration", "month.revenue",
                                "month.self_cost", "month.profit", "month.margin", "month.price", "active_calls.total",
                                "active_calls.answered_calls", "balance", "today.acd", "today.calls_per_minute",
                                "today.revenue_per_hour", "active_calls.ringing", "stale"]

    @Test("Every contract path is in the table, and no path twice")
    func paths() {
        for path in Self.contractPaths { #expect(MetricID(path: path)?.metric != nil, "\(path)") }
        #expect(Set(MetricTable.all.map(\.path)).count == MetricTable.all.count)
        #expect(MetricID(path: "today.nonsense")?.metric == nil)
    }

    @Test("Exporter names follow the contract; money is not a counter; margin is a ratio")
    func exporterNames() {
        #expect(MetricID(path: "active_calls.total")?.metric.exporterName == "m4_active_calls")
        #expect(MetricID(path: "active_calls.answered_calls")?.metric.exporterName == "m4_active_calls_answered")
        #expect(MetricID(path: "today.duration")?.metric.exporterName == "m4_today_duration_seconds")
        #expect(MetricID(path: "month.margin")?.metric.exporterName == "m4_month_margin_ratio")
        #expect(MetricID(path: "balance")?.metric.exporterName == "m4_balance")
        #expect(MetricTable.all.compactMap(\.exporterName).allSatisfy { !$0.hasSuffix("_total") })
    }

    @Test("Polarity: more revenue is good, more cost is bad, active calls are neutral")
    func polarity() {
        #expect(MetricID(path: "today.revenue")?.metric.polarity.meaning(of: 1) == 1)
        #expect(MetricID(path: "today.self_cost")?.metric.polarity.meaning(of: 1) == -1)
        #expect(MetricID(path: "today.self_cost")?.metric.polarity.meaning(of: -1) == 1)
        #expect(MetricID(path: "active_calls.total")?.metric.polarity.meaning(of: 5) == 0)
    }

    @Test("Values by path: server fields, derived figures, a simple user's price, staleness")
    func values() {
        let admin = MetricInput(stats: Fixture.admin(active: 7, answered: 5))
        #expect(MetricID(path: "today.calls")?.metric.value(admin) == 4)
        #expect(MetricID(path: "month.margin")?.metric.value(admin) == 38)
        #expect(MetricID(path: "today.acd")?.metric.value(admin) == Decimal(345) / 4)
        #expect(MetricID(path: "active_calls.ringing")?.metric.value(admin) == 2)
        #expect(MetricID(path: "today.calls_per_minute")?.metric.value(admin) == nil, "no history, no rate")
        let simple = MetricInput(stats: Fixture.simpleUser())
        #expect(MetricID(path: "balance")?.metric.value(simple) == Decimal(string: "42.5"))
        #expect(MetricID(path: "today.price")?.metric.value(simple) == Decimal(string: "0.3"))
        #expect(MetricID(path: "today.revenue_per_hour")?.metric.label(priceOnly: true) == "Price/h")
        #expect(MetricID(path: "stale")?.metric.value(MetricInput(stats: nil, staleSeconds: 42)) == 42)
        // An older server's this_month answers to month.* paths.
        let mor = MetricInput(stats: QuickStats(sections: [StatSection(name: "this_month", fields: [StatField(name: "calls", text: "19")])]))
        #expect(MetricID(path: "month.calls")?.metric.value(mor) == 19)
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
