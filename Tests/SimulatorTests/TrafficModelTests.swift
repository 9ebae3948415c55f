import Foundation
import Simulator
import Testing

@Suite("Traffic model")
struct TrafficModelTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("The same seed gives the same traffic; another seed does not")
    func determinism() {
        let start = Self.date("2026-11-28T10:00:00Z")
        var a = TrafficModel(users: ["alice", "bob"], start: start, seed: 5)
        var b = TrafficModel(users: ["alice", "bob"], start: start, seed: 5)
        var c = TrafficModel(users: ["alice", "bob"], start: start, seed: 6)
        let later = start.addingTimeInterval(3600)
        a.advance(to: later); b.advance(to: later); c.advance(to: later)
        #expect(a.system == b.system)
        #expect(a.users == b.users)
        #expect(a.activeCalls().total == b.activeCalls().total)
        #expect(a.system != c.system)
    }

    @Test("Month is never below today; users never add up to more than the system", arguments: [1, 2, 3, 99] as [UInt64])
    func invariants(seed: UInt64) {
        var model = TrafficModel(users: ["alice", "bob", "carol"], start: Self.date("2026-11-17T08:00:00Z"), seed: seed)
        var time = Self.date("2026-11-17T08:00:00Z")
        for _ in 0..<24 {
            time = time.addingTimeInterval(1800)
            model.advance(to: time)
            let system = model.system
            #expect(system.month.calls >= system.today.calls)
            #expect(system.month.duration >= system.today.duration)
            #expect(system.month.revenue >= system.today.revenue)
            let users = ["alice", "bob", "carol"].compactMap { model.totals(forUser: $0) }
            #expect(users.map(\.today.calls).reduce(0, +) <= system.today.calls)
            #expect(users.map(\.month.calls).reduce(0, +) <= system.month.calls)
            #expect(users.map(\.month.revenue).reduce(0, +) <= system.month.revenue)
            for user in users { #expect(user.month.calls >= user.today.calls) }
            let active = model.activeCalls()
            #expect(active.answered <= active.total)
        }
        #expect(model.system.today.calls > 0)
        #expect(model.system.month.calls > model.system.today.calls, "backfill gives a lived-in month")
    }

    @Test("Today resets at midnight; the month carries on")
    func midnight() {
        var model = TrafficModel(users: ["alice"], start: Self.date("2026-11-28T23:50:00Z"), seed: 3)
        model.advance(to: Self.date("2026-11-28T23:59:59Z"))
        let before = model.system
        #expect(before.today.calls > 0)
        model.advance(to: Self.date("2026-11-29T00:03:00Z"))
        let after = model.system
        #expect(after.today.calls < before.today.calls)
        #expect(after.month.calls >= before.month.calls)
        #expect(after.month.calls - after.today.calls >= before.month.calls - 1)
    }

    @Test("Today and the month reset at the month's start")
    func monthStart() {
        var model = TrafficModel(users: ["alice"], start: Self.date("2026-11-30T23:00:00Z"), seed: 4)
        model.advance(to: Self.date("2026-11-30T23:59:30Z"))
        #expect(model.system.month.calls > 1000)
        model.advance(to: Self.date("2026-12-01T00:30:00Z"))
        #expect(model.system.month == model.system.today)
        #expect(model.totals(forUser: "alice")?.month == model.totals(forUser: "alice")?.today)
    }

    @Test("--speed: simulated time runs X times faster than the clock, so midnight comes in seconds")
    func speed() {
        let real = Date()
        let clock = SimulatedClock(start: Self.date("2026-11-28T23:59:00Z"), speed: 600, realStart: real)
        #expect(clock.now(real: real.addingTimeInterval(0.5)) == Self.date("2026-11-29T00:04:00Z"))
        var skipping = clock
        skipping.skip(3600)
        #expect(skipping.now(real: real) == Self.date("2026-11-29T00:59:00Z"))
    }

    @Test("Balances fall as users call; margin follows profit")
    func balancesAndMargin() {
        let start = Self.date("2026-11-28T09:00:00Z")
        var model = TrafficModel(users: ["alice"], start: start, seed: 8)
        let before = model.balance(forUser: "alice")!
        model.advance(to: start.addingTimeInterval(7200))
        #expect(model.balance(forUser: "alice")! < before)
        #expect(CallTotals().margin == 0, "no revenue, no margin")
        #expect(SimulatedSample.seedTotals.margin == 54)
    }
}

/// The seed page's "today": revenue 1.4475, self cost 0.6725 -> margin 54.
enum SimulatedSample {
    static var seedTotals: CallTotals {
        var totals = CallTotals()
        totals.revenue = Decimal(string: "1.4475")!
        totals.selfCost = Decimal(string: "0.6725")!
        return totals
    }
}
