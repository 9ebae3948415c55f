import Foundation
@testable import History
import M4API
import Testing
import Watch

@Suite("The store read for a replay: each user's rows at a moment, steps from row to row")
struct HistoryReplayTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let alice = UserKey(server: 0, name: "alice")
    let bob = UserKey(server: 0, name: "bob")
    let carol = UserKey(server: 0, name: "carol")

    func answer(calls: Int, active: Int) -> QuickStats {
        QuickStats(sections: [
            StatSection(name: "today", fields: [StatField(name: "calls", text: "\(calls)"), StatField(name: "duration", text: "\(calls * 60)"),
                                                StatField(name: "revenue", text: "\(calls).25")]),
            StatSection(name: "active_calls", fields: [StatField(name: "total", text: "\(active)")]),
        ])
    }

    /// alice answers every 30 s for ten minutes; bob answers twice, then fails three times (the
    /// server down); carol has no row.
    func filled(_ folder: StoreFolder) throws -> HistoryStore {
        let store = try HistoryStore.open(path: folder.file).store
        var rows: [StoredSnapshot] = []
        for step in 0..<20 {
            rows.append(.answer(answer(calls: step, active: step % 4), server: "prod", user: "alice", at: t0.addingTimeInterval(Double(step) * 30)))
        }
        rows.append(.answer(answer(calls: 7, active: 2), server: "prod", user: "bob", at: t0.addingTimeInterval(10)))
        rows.append(.answer(answer(calls: 8, active: 3), server: "prod", user: "bob", at: t0.addingTimeInterval(100)))
        for second in [200.0, 260, 320] {
            rows.append(.failure(.transport(.cannotConnect(host: "h", port: 1, reason: "connection refused")), server: "prod", user: "bob",
                                 at: t0.addingTimeInterval(second)))
        }
        try store.write(rows)
        return store
    }

    var users: [(key: UserKey, server: String)] { [(alice, "prod"), (bob, "prod"), (carol, "prod")] }

    @Test("Each user's latest answer at or before the moment, the one before it, and the rates' window")
    func latestAtOrBefore() throws {
        let folder = StoreFolder()
        let store = try filled(folder)
        let moment = t0.addingTimeInterval(95)  // alice's 3rd answer was at 90 s
        let records = try store.replayUsers(users, at: moment, window: 300)
        let alice = try #require(records[self.alice])
        #expect(alice.latest?.time == t0.addingTimeInterval(90))
        #expect(alice.latest?.stats.calls(.today) == 3)
        #expect(alice.previous?.time == t0.addingTimeInterval(60) && alice.previous?.stats.calls(.today) == 2)
        // The rates need the window's first answer and the latest: three rows read, not the window.
        #expect(alice.points.map(\.time) == [0, 60, 90].map { t0.addingTimeInterval($0) })
        let onScreen = try #require(try store.replayUsers(users, at: moment, window: 300, chart: self.alice, chartWindow: 3600)[self.alice])
        #expect(onScreen.points.map(\.time) == (0...3).map { t0.addingTimeInterval(Double($0) * 30) }, "the user on screen: its chart's every answer")
        #expect(alice.points.last?.todayRevenue == Decimal(string: "3.25"), "money exact")
        #expect(alice.chart.last?.level == 3)
        #expect(alice.failure == nil)
        let bob = try #require(records[self.bob])
        #expect(bob.latest?.time == t0.addingTimeInterval(10) && bob.previous == nil, "one answer so far")
        #expect(records[carol] == nil, "no row yet: nothing")
        // Before any row at all: nobody.
        #expect(try store.replayUsers(users, at: t0.addingTimeInterval(-1), window: 300).isEmpty)
    }

    @Test("Across midnight inside the rates' window, every answer of the window is read (as the screen's rates need)")
    func midnightInWindow() throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        let calls = [50, 60, 70, 1, 3, 5]
        try store.write(calls.enumerated().map { index, count in
            .answer(answer(calls: count, active: 1), server: "prod", user: "alice", at: t0.addingTimeInterval(Double(index) * 30))
        })
        let moment = t0.addingTimeInterval(160)
        let sparse = try #require(try store.replayUsers([(alice, "prod")], at: moment, window: 300)[alice])
        let full = try #require(try store.replayUsers([(alice, "prod")], at: moment, window: 300, chart: alice, chartWindow: 300)[alice])
        #expect(sparse.points == full.points && sparse.points.count == 6)
    }

    @Test("A failure after a success: the run of failures (count, since when) and its message")
    func failureAfterSuccess() throws {
        let folder = StoreFolder()
        let store = try filled(folder)
        let bob = try #require(try store.replayUsers(users, at: t0.addingTimeInterval(330), window: 300)[self.bob])
        #expect(bob.latest?.time == t0.addingTimeInterval(100) && bob.previous?.time == t0.addingTimeInterval(10))
        let failure = try #require(bob.failure)
        #expect(failure.count == 3 && failure.since == t0.addingTimeInterval(200) && failure.at == t0.addingTimeInterval(320))
        #expect(failure.error.kind == .transport && failure.error.message.contains("connection refused"))
        // Long after (outside the window), the failure is still the newest row.
        let later = try #require(try store.replayUsers(users, at: t0.addingTimeInterval(3_000), window: 300)[self.bob])
        #expect(later.failure?.count == 3 && later.latest?.time == t0.addingTimeInterval(100))
        // Between the answers and the failures: no failure yet.
        #expect(try store.replayUsers(users, at: t0.addingTimeInterval(150), window: 300)[self.bob]?.failure == nil)
    }

    @Test("A step lands on the nearest row after or before, among the users asked; none past the ends")
    func steps() throws {
        let folder = StoreFolder()
        let store = try filled(folder)
        #expect(try store.neighbourTime(of: [(alice, "prod")], from: t0.addingTimeInterval(95), forward: true) == t0.addingTimeInterval(120))
        #expect(try store.neighbourTime(of: [(alice, "prod")], from: t0.addingTimeInterval(90), forward: false) == t0.addingTimeInterval(60))
        #expect(try store.neighbourTime(of: users, from: t0.addingTimeInterval(90), forward: true) == t0.addingTimeInterval(100), "bob's answer is nearer")
        #expect(try store.neighbourTime(of: [(bob, "prod")], from: t0.addingTimeInterval(100), forward: true) == t0.addingTimeInterval(200), "a failure is a row")
        #expect(try store.neighbourTime(of: users, from: t0, forward: false) == nil)
        #expect(try store.neighbourTime(of: users, from: t0.addingTimeInterval(600), forward: true) == nil)
    }

    @Test("Older than a day only minute rows are left: the minute's last values stand for its answers")
    func minuteRows() throws {
        let folder = StoreFolder()
        let store = try filled(folder)
        try store.prune(now: t0.addingTimeInterval(3 * 86_400), days: 8)
        #expect(try store.counts().snapshots == 0)
        let records = try store.replayUsers(users, at: t0.addingTimeInterval(95), window: 300)
        let alice = try #require(records[self.alice])
        // t0 is 40 s into its minute: minute A holds the answer at 0 s, B those at 30 and 60 s,
        // C those at 90 and 120 s. At 95 s, C is not over: B is the latest, seen at its end (80 s).
        #expect(alice.latest?.time == t0.addingTimeInterval(80))
        #expect(alice.latest?.stats.calls(.today) == 2, "B's last value")
        #expect(alice.previous?.time == t0.addingTimeInterval(20) && alice.previous?.stats.calls(.today) == 0)
        #expect(try store.neighbourTime(of: [(self.alice, "prod")], from: t0.addingTimeInterval(80), forward: true) == t0.addingTimeInterval(140))
        #expect(try store.neighbourTime(of: [(self.alice, "prod")], from: t0.addingTimeInterval(80), forward: false) == t0.addingTimeInterval(20))
        let later = try #require(try store.replayUsers(users, at: t0.addingTimeInterval(140), window: 300)[self.alice])
        #expect(later.latest?.stats.calls(.today) == 4 && later.latest?.time == t0.addingTimeInterval(140))
    }

    @Test("A start's seeds (points, chart, latest answer) are what the full rows give, minute rows included")
    func seedsMatchFullRows() throws {
        let folder = StoreFolder()
        let store = try filled(folder)
        try store.prune(now: t0.addingTimeInterval(86_400 + 200), days: 8)  // the first 200 s become minute rows
        let since = t0.addingTimeInterval(-60)
        let seeds = try store.seeds(for: users, since: since)
        for (key, _) in users {
            let rows = try store.snapshots(server: "prod", user: key.name, since: since).filter(\.ok)
            let latest = try store.latestAnswer(server: "prod", user: key.name)
            guard !rows.isEmpty || latest != nil else {
                #expect(seeds[key] == nil)
                continue
            }
            let seed = try #require(seeds[key])
            #expect(seed.points == rows.map { HistoryPoint(time: $0.time, todayCalls: $0.metrics[.todayCalls], todayDuration: $0.metrics[.todayDuration],
                                                           todayRevenue: $0.metrics[.todayRevenue] ?? $0.metrics[.todayPrice]) }, "\(key.name)")
            #expect(seed.chart.map(\.level) == rows.compactMap { $0.metrics[.activeCallsTotal].map { NSDecimalNumber(decimal: $0).doubleValue } })
            #expect(seed.latest?.time == latest?.time && seed.latest?.stats == latest?.stats)
        }
        #expect(seeds[alice]?.points.count == 4 + 13, "four minute rows for the first 200 s, thirteen answers after")
    }

    @Test("Five values of a row read without the rest, exactly, and plain decimals read fast and exactly")
    func partialDecode() {
        let metrics: [MetricID: Decimal] = [.todayCalls: 12, .todayRevenue: Decimal(string: "-1234.567890")!, .activeCallsTotal: 0,
                                            .todayProfit: 5]
        let values = HistoryStore.decode(HistoryStore.encode(metrics), only: HistoryStore.pointMetrics)
        #expect(values == [12, nil, Decimal(string: "-1234.567890"), nil, 0])
        for text in ["0", "-0", "7", "0.1", "-12.50", "123456789012345678", "00012.300", ".5", "5."] {
            #expect(PlainDecimal.parse(Array(text.utf8)) == Decimal(string: text), "\(text)")
        }
        for text in ["1e5", "1234567890123456789012", "1.2.3", "--1", "", "-", "."] {
            #expect(PlainDecimal.parse(Array(text.utf8)) == nil, "\(text) goes to the slow path")
        }
    }
}
