import Foundation
import M4API

/// What changed between two answers of the same user.
public struct SnapshotDiff: Sendable, Equatable {
    /// Non-zero deltas by section name, then field name. Top-level fields use the section "".
    public var deltas: [String: [String: Decimal]] = [:]
    /// Sections whose counters fell back: a new day (`today`) or a new month (`month`).
    public var rolledOver: Set<String> = []

    public init() {}

    public func delta(_ section: String, _ field: String) -> Decimal? { deltas[section]?[field] }

    public var isNewDay: Bool { rolledOver.contains("today") }
    public var isNewMonth: Bool { rolledOver.contains("month") || rolledOver.contains("this_month") }

    /// Compares two answers. Counters that fall back are a rollover, never a negative delta.
    public static func between(_ old: QuickStats, _ new: QuickStats) -> SnapshotDiff {
        var diff = SnapshotDiff()
        for period in ["today", "month", "this_month"] {
            guard let before = old.section(period), let after = new.section(period) else { continue }
            if fellBack(before, after) { diff.rolledOver.insert(period) }
        }
        // A new month is a new day too.
        if diff.isNewMonth { diff.rolledOver.insert("today") }
        for section in new.sections where !diff.rolledOver.contains(section.name) {
            guard let before = old.section(section.name) else { continue }
            diff.deltas[section.name] = deltas(before.fields, section.fields)
        }
        diff.deltas[""] = deltas(old.fields, new.fields)
        diff.deltas = diff.deltas.filter { !$0.value.isEmpty }
        return diff
    }

    /// Calls or duration fell: the period started again.
    static func fellBack(_ before: StatSection, _ after: StatSection) -> Bool {
        for counter in ["calls", "duration"] {
            if let b = before[counter]?.number, let a = after[counter]?.number, a < b { return true }
        }
        return false
    }

    private static func deltas(_ before: [StatField], _ after: [StatField]) -> [String: Decimal] {
        var result: [String: Decimal] = [:]
        for field in after {
            guard let new = field.number, let old = before.first(where: { $0.name == field.name })?.number else { continue }
            let change = new - old
            if change != 0 { result[field.name] = change }
        }
        return result
    }
}

/// Figures derived from the history: rates, ACD and the active-calls series.
public struct Trends: Sendable, Equatable {
    public var callsPerMinute: Decimal?
    public var revenuePerHour: Decimal?
    public var activeSeries: [Decimal] = []

    public init() {}

    /// The most points the sparkline can use: wider than any terminal.
    public static let seriesLimit = 1024

    /// Rates over the last `window` seconds, counted only since the latest rollover.
    public static func from(_ history: SnapshotHistory, window: TimeInterval = 300) -> Trends {
        var trends = Trends()
        let recent = history.recent(window)
        trends.activeSeries = history.snapshots.suffix(seriesLimit).compactMap { $0.stats.activeCalls?["total"]?.number }
        guard let last = recent.last else { return trends }
        // Walk back while today's counters only grow: that run has no midnight inside it.
        var first = last
        for snapshot in recent.reversed().dropFirst() {
            guard let earlier = snapshot.stats.today, let later = first.stats.today,
                  !SnapshotDiff.fellBack(earlier, later) else { break }
            first = snapshot
        }
        let seconds = last.time.timeIntervalSince(first.time)
        guard seconds >= 1 else { return trends }
        let elapsed = Decimal(Int((seconds * 1000).rounded())) / 1000
        if let a = first.stats.today?["calls"]?.number, let b = last.stats.today?["calls"]?.number {
            trends.callsPerMinute = (b - a) * 60 / elapsed
        }
        let money = ["revenue", "price"]
        if let name = money.first(where: { last.stats.today?[$0]?.number != nil }),
           let a = first.stats.today?[name]?.number, let b = last.stats.today?[name]?.number {
            trends.revenuePerHour = (b - a) * 3600 / elapsed
        }
        return trends
    }

    /// Average call duration of a period: duration / calls, nil without calls.
    public static func acd(_ section: StatSection?) -> Decimal? {
        guard let calls = section?["calls"]?.number, calls > 0, let duration = section?["duration"]?.number else { return nil }
        return duration / calls
    }
}
