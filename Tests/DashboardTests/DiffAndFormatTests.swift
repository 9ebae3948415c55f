import Dashboard
import Watch
import Foundation
import M4API
import Testing

@Suite("Diffs, trends and formatting")
struct DiffAndFormatTests {
    @Test("Deltas for changed numbers only")
    func deltas() {
        let diff = SnapshotDiff.between(Fixture.admin(), Fixture.admin(calls: 6, revenue: "2.0001", cost: "0.6725", active: 3))
        #expect(diff.delta("today", "calls") == 2)
        #expect(diff.delta("today", "revenue") == Decimal(string: "0.5526"))
        #expect(diff.delta("today", "self_cost") == nil)
        #expect(diff.delta("active_calls", "total") == 3)
        #expect(diff.rolledOver.isEmpty)
    }

    @Test("A new month is also a new day")
    func newMonth() {
        let diff = SnapshotDiff.between(Fixture.admin(calls: 10, monthCalls: 100), Fixture.admin(calls: 1, duration: 10, monthCalls: 1, monthDuration: 10))
        #expect(diff.isNewMonth)
        #expect(diff.isNewDay)
        #expect(diff.deltas["today"] == nil)
        #expect(diff.deltas["month"] == nil)
    }

    @Test("Calls per minute and revenue per hour over the recent window")
    func rates() {
        var history = SnapshotHistory()
        history.append(Snapshot(time: Fixture.t0, stats: Fixture.admin(calls: 10, revenue: "1")))
        history.append(Snapshot(time: Fixture.t0.addingTimeInterval(60), stats: Fixture.admin(calls: 13, revenue: "1.5")))
        history.append(Snapshot(time: Fixture.t0.addingTimeInterval(120), stats: Fixture.admin(calls: 16, revenue: "2")))
        let trends = Trends.from(history)
        #expect(trends.callsPerMinute == 3)
        #expect(trends.revenuePerHour == 30)
        #expect(history.chart.count == 3, "the chart reads the history itself")
    }

    @Test("Rates count only since the latest midnight")
    func ratesAcrossMidnight() {
        var history = SnapshotHistory()
        history.append(Snapshot(time: Fixture.t0, stats: Fixture.admin(calls: 900, duration: 90000)))
        history.append(Snapshot(time: Fixture.t0.addingTimeInterval(60), stats: Fixture.admin(calls: 2, duration: 100)))
        history.append(Snapshot(time: Fixture.t0.addingTimeInterval(120), stats: Fixture.admin(calls: 4, duration: 200)))
        #expect(Trends.from(history).callsPerMinute == 2)
    }

    /// The rates as first written: walk back over the window while the counters only grew.
    static func walkedBack(_ history: SnapshotHistory, window: TimeInterval = 300) -> Trends {
        var trends = Trends()
        guard let last = history.points.last else { return trends }
        let recent = history.points.filter { $0.time >= last.time.addingTimeInterval(-window) }
        var first = last
        for point in recent.reversed().dropFirst() {
            guard point.todayCalls != nil || point.todayDuration != nil, !first.fellBack(from: point) else { break }
            first = point
        }
        let seconds = last.time.timeIntervalSince(first.time)
        guard seconds >= 1 else { return trends }
        let elapsed = Decimal(Int((seconds * 1000).rounded())) / 1000
        if let a = first.todayCalls, let b = last.todayCalls { trends.callsPerMinute = (b - a) * 60 / elapsed }
        if let a = first.todayRevenue, let b = last.todayRevenue { trends.revenuePerHour = (b - a) * 3600 / elapsed }
        return trends
    }

    @Test("Rates kept as answers come are the rates of a walk back over the window: midnights, gaps, seeds, thinning")
    func ratesKeptAsAnswersCome() {
        var generator = SplitMix(state: 25)
        for round in 0..<40 {
            var history = SnapshotHistory(retention: 900, capacity: 400)
            var calls = 100, time = Fixture.t0
            var seedPoints: [HistoryPoint] = []
            for step in 0..<300 {
                time = time.addingTimeInterval(Double(Int.random(in: 1...20, using: &generator)))
                switch Int.random(in: 0..<40, using: &generator) {
                case 0: calls = Int.random(in: 0...5, using: &generator)  // midnight
                case 1:  // an answer without today's counters
                    let monthOnly = QuickStats(sections: [Fixture.section("month", [("calls", "\(calls)")])])
                    history.append(Snapshot(time: time, stats: monthOnly))
                    continue
                default: calls += Int.random(in: 0...4, using: &generator)
                }
                let stats = Fixture.admin(calls: calls, duration: calls * 60, revenue: "\(calls).25")
                if round % 4 == 1 && step < 60 {
                    // The store's points, seeded before the run's first answer.
                    seedPoints.append(HistoryPoint(Snapshot(time: time, stats: stats)))
                    continue
                }
                history.append(Snapshot(time: time, stats: stats))
                if round % 4 == 1 && step == 60 { history.seed(SeedHistory(points: seedPoints, chart: [], latest: nil)) }
                if round % 4 == 2 && step % 97 == 0 { history.thin(toSpacing: 30) }
                #expect(Trends.from(history) == Self.walkedBack(history), "round \(round) step \(step)")
                #expect(Trends.from(history, window: 60) == Self.walkedBack(history, window: 60), "round \(round) step \(step), 60 s")
            }
        }
    }

    @Test("History is bounded by time and by count")
    func bounded() {
        var history = SnapshotHistory(retention: 100, capacity: 5)
        for i in 0..<20 { history.append(Snapshot(time: Fixture.t0.addingTimeInterval(Double(i * 10)), stats: Fixture.admin())) }
        #expect(history.count == 5)
        var byTime = SnapshotHistory(retention: 30, capacity: 100)
        for i in 0..<20 { byTime.append(Snapshot(time: Fixture.t0.addingTimeInterval(Double(i * 10)), stats: Fixture.admin())) }
        #expect(byTime.count == 4)
    }

    @Test("ACD is duration over calls")
    func acd() {
        #expect(Fixture.admin().acd(.today) == Decimal(345) / 4)
        #expect(Fixture.admin(calls: 0).acd(.today) == nil)
    }

    @Test("Money rounds half away from zero to 2 decimals, with separators; never via Double",
          arguments: [("2.305834", "2.31"), ("0.775", "0.78"), ("1.4475", "1.45"), ("-0.5", "-0.50"),
                      ("1234567.891", "1,234,567.89"), ("0", "0.00"), ("28.110331000000002", "28.11"), ("-0.004", "0.00")])
    func money(text: String, expected: String) {
        #expect(MetricFormat.money(Decimal(string: text)!) == expected)
    }

    @Test("Durations are h:mm:ss; counts get separators")
    func durationsAndCounts() {
        #expect(MetricFormat.duration(345) == "0:05:45")
        #expect(MetricFormat.duration(2182) == "0:36:22")
        #expect(MetricFormat.duration(3725) == "1:02:05")
        #expect(MetricFormat.duration(20_112_396) == "5,586:46:36")
        #expect(MetricFormat.count(57982) == "57,982")
        #expect(MetricFormat.count(-1234) == "-1,234")
        #expect(MetricFormat.delta(Decimal(string: "-0.125")!, kind: .money) == "-0.13")
        #expect(MetricFormat.delta(131, kind: .duration) == "+0:02:11")
        #expect(MetricFormat.value(StatField(name: "margin", text: "54"), kind: MetricTable.field(section: "today", name: "margin").kind) == "54%")
        #expect(MetricFormat.value(StatField(name: "mystery", text: "x1"), kind: MetricTable.field(section: "today", name: "mystery").kind) == "x1")
    }
}

/// A repeatable random sequence (SplitMix64) for the property tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
