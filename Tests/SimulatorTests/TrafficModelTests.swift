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

    /// Calls answered between two times (a day's worth at most: today resets at midnight).
    static func calls(seed: UInt64, from start: String, hours: Double, factor: Double = 1) -> Int {
        var model = TrafficModel(users: [], start: date(start), seed: seed, backfill: false)
        model.trafficFactor = factor
        model.advance(to: date(start).addingTimeInterval(hours * 3600))
        return model.system.today.calls
    }

    @Test("A week has a shape: a Wednesday afternoon is busier than a Sunday's, and the same seed gives the same week")
    func weeklyShape() {
        // Wed 25 Nov and Sun 29 Nov 2026, 13:00-17:00 UTC, three seeds each.
        for seed in [1, 2, 3] as [UInt64] {
            let wednesday = Self.calls(seed: seed, from: "2026-11-25T13:00:00Z", hours: 4)
            let sunday = Self.calls(seed: seed, from: "2026-11-29T13:00:00Z", hours: 4)
            #expect(Double(sunday) < Double(wednesday) * 0.5, "seed \(seed): Sunday \(sunday), Wednesday \(wednesday)")
            #expect(Self.calls(seed: seed, from: "2026-11-25T13:00:00Z", hours: 4) == wednesday)
        }
    }

    @Test("The traffic-drop factor: a third of the arrivals")
    func trafficDrop() {
        let normal = Self.calls(seed: 4, from: "2026-11-25T09:00:00Z", hours: 6)
        let dropped = Self.calls(seed: 4, from: "2026-11-25T09:00:00Z", hours: 6, factor: 1.0 / 3)
        let ratio = Double(dropped) / Double(normal)
        #expect(ratio > 0.25 && ratio < 0.42, "\(dropped) of \(normal)")
    }

    @Test("The server's traffic-drop fault slows arrivals from when it comes on")
    func serverTrafficDrop() async {
        let start = Self.date("2026-11-25T09:00:00Z")
        func callsAfterTwoHours(dropping: Bool) async -> Int {
            let server = SimulatedServer(seed: 9, start: start)
            let before = await server.snapshot().model.system.today.calls
            if dropping { await server.setFault(.trafficDrop, seconds: nil) }
            await server.skip(seconds: 7200)
            return await server.snapshot().model.system.today.calls - before
        }
        let normal = await callsAfterTwoHours(dropping: false)
        let dropped = await callsAfterTwoHours(dropping: true)
        #expect(Double(dropped) < Double(normal) * 0.45, "\(dropped) of \(normal)")
        #expect(Double(dropped) > Double(normal) * 0.2, "\(dropped) of \(normal)")
    }

    @Test("A scheduled fault comes on after its delay and stays until cleared")
    func scheduledFault() {
        let now = Self.date("2026-11-25T09:00:00Z")
        var board = FaultBoard()
        board.schedule(.trafficDrop, after: 60, now: now)
        #expect(!board.isOn(.trafficDrop, now: now.addingTimeInterval(59)))
        #expect(board.isOn(.trafficDrop, now: now.addingTimeInterval(60)))
        #expect(board.isOn(.trafficDrop, now: now.addingTimeInterval(86_400)))
        #expect(board.start(of: .trafficDrop) == now.addingTimeInterval(60))
        board.clear(.trafficDrop)
        #expect(!board.isOn(.trafficDrop, now: now.addingTimeInterval(120)))
        #expect(board.start(of: .trafficDrop) == nil)
        board.set(.trafficDrop, for: nil, now: now)
        #expect(board.isOn(.trafficDrop, now: now), "set, not scheduled: on at once")
    }

    @Test("Money in millionths: written as the server writes sums; margin rounded half away from zero")
    func money() {
        let cases: [(Int, String)] = [(0, "0"), (1_447_500, "1.4475"), (-500_000, "-0.5"), (12_000_000, "12"), (1, "0.000001"),
                                      (-12_000_001, "-12.000001"), (3_734_166, "3.734166")]
        for (micros, text) in cases {
            #expect(Money.text(micros: micros) == text)
            #expect(Money.text(micros: micros) == AnswerXML.money(Money.decimal(micros: micros)), "the same text Decimal gave")
            #expect(Money.micros(Decimal(string: text)!) == micros)
        }
        #expect(Money.micros(Decimal(string: "0.0000015")!) == 2)
        #expect(Money.micros(Decimal(string: "-0.0000015")!) == -2)
        var totals = CallTotals()
        totals.revenue = 1
        totals.selfCost = Decimal(string: "1.005")!
        #expect(totals.margin == -1, "-0.5% rounds away from zero")
        totals.revenue = 2
        totals.selfCost = Decimal(string: "1.99")!
        #expect(totals.margin == 1, "0.5%")
        totals.selfCost = Decimal(string: "1.991")!
        #expect(totals.margin == 0, "0.45%")
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
