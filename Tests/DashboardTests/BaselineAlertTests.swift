import Dashboard
import Foundation
import M4API
import Testing
import Watch

@Suite("Baseline alert rules: below/above a percent of last week, for, min_baseline, hysteresis")
struct BaselineAlertTests {
    let t0 = Fixture.t0
    let admin = Fixture.key("admin")
    let utc = TimeZone(identifier: "UTC")!

    func input(active: Int) -> MetricInput { MetricInput(stats: Fixture.admin(active: active)) }

    /// Last week at this minute: active calls between `low` and `high`.
    func baseline(low: Decimal, high: Decimal) -> UserBaseline {
        let moment = BaselineMoment.moment(.lastWeek, at: t0, timeZone: utc)!
        return UserBaseline(lastWeek: BaselineValues(moment: moment, rowTime: moment.time, metrics: [.activeCallsTotal: high],
                                                     activeRange: low...high, endOfDay: nil))
    }

    @Test("The built-in: below half of last week's lowest for 10 minutes fires, logs the base, resolves 5 % clear of the line")
    func builtIn() throws {
        var book = AlertBook(rules: [AlertRule.baselineBuiltIn])
        let usual = baseline(low: 40, high: 48)  // the line: 20 calls
        let rang = book.observe(admin, input: input(active: 19), activeCallsDrop: nil, baseline: usual, now: t0)
        #expect(!rang)
        #expect(book.firing.isEmpty, "pending: the for window is 10 minutes")
        _ = book.tick(now: t0.addingTimeInterval(599), servers: [])
        #expect(book.firing.isEmpty)
        _ = book.observe(admin, input: input(active: 18), activeCallsDrop: nil, baseline: usual, now: t0.addingTimeInterval(600))
        let alert = try #require(book.firing.first)
        #expect(alert.rule.name == "active calls below half of last week")
        #expect(alert.status.value.contains("40 last week") && alert.status.value.contains("-55%"), "\(alert.status.value)")
        // 20 is the line; 20.9 is not yet clear (5 %: 21); 21 is.
        _ = book.observe(admin, input: input(active: 20), activeCallsDrop: nil, baseline: usual, now: t0.addingTimeInterval(700))
        #expect(!book.firing.isEmpty, "on the line, not clear of it")
        _ = book.observe(admin, input: input(active: 21), activeCallsDrop: nil, baseline: usual, now: t0.addingTimeInterval(800))
        _ = book.observe(admin, input: input(active: 22), activeCallsDrop: nil, baseline: usual, now: t0.addingTimeInterval(1100))
        #expect(book.firing.isEmpty, "resolved by the answer that finds it clear for half its for")
        #expect(book.log.contains { $0.kind == .resolved })
    }

    @Test("min_baseline: a quiet night last week (9 calls) never alarms, even at 0 now")
    func quietNight() {
        var book = AlertBook(rules: [AlertRule.baselineBuiltIn])
        for minute in 0..<30 {
            _ = book.observe(admin, input: input(active: 0), activeCallsDrop: nil, baseline: baseline(low: 9, high: 12),
                             now: t0.addingTimeInterval(Double(minute) * 60))
        }
        #expect(book.firing.isEmpty)
    }

    @Test("No row last week: nothing judged, never a 0 baseline")
    func absent() {
        var book = AlertBook(rules: [AlertRule.baselineBuiltIn])
        for minute in 0..<30 {
            _ = book.observe(admin, input: input(active: 0), activeCallsDrop: nil, baseline: nil, now: t0.addingTimeInterval(Double(minute) * 60))
        }
        #expect(book.firing.isEmpty)
    }

    @Test("above_baseline compares with last week's highest of the minute")
    func above() {
        let rule = AlertRule(name: "surge", metric: .activeCallsTotal, condition: .aboveBaseline(percent: 200, minBaseline: 5))
        var book = AlertBook(rules: [rule])
        _ = book.observe(admin, input: input(active: 90), activeCallsDrop: nil, baseline: baseline(low: 10, high: 50), now: t0)
        #expect(book.firing.isEmpty, "90 is not above 200 % of 50")
        _ = book.observe(admin, input: input(active: 101), activeCallsDrop: nil, baseline: baseline(low: 10, high: 50), now: t0.addingTimeInterval(5))
        #expect(book.firing.first?.rule.name == "surge")
    }
}
