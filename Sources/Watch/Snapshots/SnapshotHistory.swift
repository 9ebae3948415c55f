import DequeModule
import Foundation
import M4API

/// One successful answer and when it arrived.
package struct Snapshot: Sendable, Equatable {
    package let time: Date
    package let stats: QuickStats

    package init(time: Date, stats: QuickStats) {
        self.time = time
        self.stats = stats
    }
}

/// What the charts and rates need of one answer: a few numbers, whatever the answer's size.
/// History keeps these, not whole answers, so a server sending huge answers cannot grow memory.
package struct HistoryPoint: Sendable, Equatable {
    package let time: Date
    package let todayCalls: Decimal?
    package let todayDuration: Decimal?
    /// Revenue, or a simple user's price.
    package let todayRevenue: Decimal?

    package init(time: Date, todayCalls: Decimal?, todayDuration: Decimal?, todayRevenue: Decimal?) {
        self.time = time
        self.todayCalls = todayCalls
        self.todayDuration = todayDuration
        self.todayRevenue = todayRevenue
    }

    package init(_ snapshot: Snapshot) {
        time = snapshot.time
        todayCalls = snapshot.stats.calls(.today)
        todayDuration = snapshot.stats.duration(.today)
        todayRevenue = snapshot.stats.revenue(.today)
    }

    /// It has today's calls or duration: a rollover can be told at it.
    var hasCounters: Bool { todayCalls != nil || todayDuration != nil }

    /// Today's counters fell from `earlier` to this point: midnight passed in between.
    package func fellBack(from earlier: HistoryPoint) -> Bool {
        SnapshotDiff.countersFell(calls: (earlier.todayCalls, todayCalls), duration: (earlier.todayDuration, todayDuration))
    }
}

/// Active calls at one time, as the chart reads them: 16 bytes, so a frame walks an hour of
/// them without touching the larger points. Converted once per answer, not once per frame (a
/// count, never money, so a `Double` is exact enough to draw).
package struct ChartSample: Sendable, Equatable {
    package let time: Double
    package let level: Double

    package init(time: Double, level: Double) {
        self.time = time
        self.level = level
    }
}

/// What the store remembers of a user from before this run: points for the rates, samples for
/// the chart, and the last answer in full (to diff the first new answer against).
package struct SeedHistory: Sendable, Equatable {
    package var points: [HistoryPoint]
    package var chart: [ChartSample]
    package var latest: Snapshot?

    package init(points: [HistoryPoint], chart: [ChartSample], latest: Snapshot?) {
        self.points = points
        self.chart = chart
        self.latest = latest
    }
}

/// A bounded, time-ordered history of one user: the latest answer in full, and compact points
/// kept for `retention` seconds and at most `capacity` entries, so memory stays flat over days
/// on a wall screen.
package struct SnapshotHistory: Sendable {
    package let retention: TimeInterval
    package let capacity: Int
    package private(set) var points = Deque<HistoryPoint>()
    /// Active calls for the chart, oldest first (answers without active calls are left out).
    package private(set) var chart = Deque<ChartSample>()
    package private(set) var latest: Snapshot?
    /// Where the latest run of points begins in which today's counters never fell and every
    /// point before the last had calls or duration: rates are read from within it. Kept as
    /// points come (one comparison an answer), not found by walking back over the window on
    /// every answer (a fifth of an answer's cost at a 1 s poll).
    package private(set) var runStart: Date?

    /// An hour: the chart's span and what rates are read from.
    package static let defaultRetention: TimeInterval = 3600

    package init(retention: TimeInterval = defaultRetention, capacity: Int = 4096) {
        self.retention = retention
        self.capacity = capacity
    }

    package var count: Int { points.count }

    package mutating func append(_ snapshot: Snapshot) {
        latest = snapshot
        let point = HistoryPoint(snapshot)
        // The run goes on past the previous point only when it had counters and they did not fall.
        let runGoesOn = points.last.map { $0.hasCounters && !point.fellBack(from: $0) } ?? false
        if !runGoesOn || runStart == nil { runStart = point.time }
        points.append(point)
        if let total = snapshot.stats.activeTotal {
            chart.append(ChartSample(time: snapshot.time.timeIntervalSince1970, level: NSDecimalNumber(decimal: total).doubleValue))
        }
        let oldest = snapshot.time.addingTimeInterval(-retention)
        while let first = points.first, first.time < oldest || points.count > capacity {
            points.removeFirst()
        }
        let oldestSecond = (points.first?.time ?? snapshot.time).timeIntervalSince1970
        while let first = chart.first, first.time < oldestSecond { chart.removeFirst() }
    }

    /// Earlier points from the store, placed before anything this run has seen (and within the
    /// retention); the stored last answer becomes `latest` only when nothing newer came yet.
    package mutating func seed(_ seed: SeedHistory) {
        let firstNow = points.first?.time ?? .distantFuture
        let firstChart = chart.first?.time ?? .greatestFiniteMagnitude
        let oldest = (points.last?.time ?? seed.latest?.time ?? Date()).addingTimeInterval(-retention)
        let olderPoints = seed.points.filter { $0.time < firstNow && $0.time >= oldest }.suffix(capacity - points.count)
        points.insert(contentsOf: olderPoints, at: 0)
        chart.insert(contentsOf: seed.chart.filter { $0.time < firstChart && $0.time >= oldest.timeIntervalSince1970 }, at: 0)
        if latest == nil { latest = seed.latest }
        findRunStart()
    }

    /// The run's start found by walking back from the latest point (after points came other
    /// than one at the end).
    private mutating func findRunStart() {
        guard var first = points.last else { runStart = nil; return }
        for point in points.reversed().dropFirst() {
            guard point.hasCounters, !first.fellBack(from: point) else { break }
            first = point
        }
        runStart = first.time
    }

    /// The first point at or after `time` (points are in time order), or nil.
    package func firstPoint(from time: Date) -> HistoryPoint? {
        var low = 0, high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle].time < time { low = middle + 1 } else { high = middle }
        }
        return low < points.count ? points[low] : nil
    }

    /// More points than one per `spacing` over the retention: a user that was on screen.
    package func isDenserThan(_ spacing: TimeInterval) -> Bool {
        spacing > 0 && points.count > Int(retention / spacing) + 2
    }

    /// Keeps points at least `spacing` apart (and the latest): what a user off screen needs for
    /// its rates and a later chart, at a fraction of the memory.
    package mutating func thin(toSpacing spacing: TimeInterval) {
        guard let last = points.last else { return }
        var kept = Deque<HistoryPoint>()
        var keptChart = Deque<ChartSample>()
        var previous: Date?
        for point in points where point == last || previous.map({ point.time.timeIntervalSince($0) >= spacing }) ?? true {
            kept.append(point)
            previous = point.time
        }
        var previousSample: Double?
        for sample in chart where sample == chart.last || previousSample.map({ sample.time - $0 >= spacing }) ?? true {
            keptChart.append(sample)
            previousSample = sample.time
        }
        points = kept
        chart = keptChart
        findRunStart()
    }
}
