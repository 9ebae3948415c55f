import Foundation
import M4API

/// What changed between two answers of the same user.
package struct SnapshotDiff: Sendable, Equatable {
    /// Non-zero deltas by canonical section name, then field name. Top-level fields use "".
    package var deltas: [String: [String: Decimal]] = [:]
    /// Periods whose counters started again: a new day, a new month.
    package var rolledOver: Set<Period> = []

    package init() {}

    package func delta(_ section: String, _ field: String) -> Decimal? { deltas[section]?[field] }
    /// The change of a metric that the server sends, by metric.
    package func delta(_ metric: Metric) -> Decimal? {
        guard case .field(let section, let name) = metric.source else { return nil }
        return delta(section ?? "", name)
    }

    package var isNewDay: Bool { rolledOver.contains(.today) }
    package var isNewMonth: Bool { rolledOver.contains(.month) }

    /// Compares two answers. Counters that fall back, or a new calendar date (`newDate`), are a
    /// rollover, never a negative delta.
    package static func between(_ old: QuickStats, _ new: QuickStats, newDate: Bool = false, newMonth: Bool = false) -> SnapshotDiff {
        var diff = SnapshotDiff()
        for period in Period.allCases {
            guard let before = old.section(period), let after = new.section(period) else { continue }
            if fellBack(before, after) { diff.rolledOver.insert(period) }
        }
        if newDate { diff.rolledOver.insert(.today) }
        if newMonth { diff.rolledOver.insert(.month) }
        // A new month is a new day too.
        if diff.isNewMonth { diff.rolledOver.insert(.today) }
        for section in new.sections where !diff.rolledOver.contains(where: { $0.rawValue == section.name }) {
            guard let before = old.section(section.name) else { continue }
            diff.deltas[section.name] = deltas(before.fields, section.fields)
        }
        diff.deltas[""] = deltas(old.fields, new.fields)
        diff.deltas = diff.deltas.filter { !$0.value.isEmpty }
        return diff
    }

    /// Calls or duration fell: the period started again.
    static func fellBack(_ before: StatSection, _ after: StatSection) -> Bool {
        countersFell(calls: (before.number(FieldName.calls), after.number(FieldName.calls)),
                     duration: (before.number(FieldName.duration), after.number(FieldName.duration)))
    }

    /// The one rule for a period starting again, on answers and on history points alike.
    static func countersFell(calls: (before: Decimal?, after: Decimal?), duration: (before: Decimal?, after: Decimal?)) -> Bool {
        // Two checks written out: an array of the pairs was a heap allocation per call.
        if let b = calls.before, let a = calls.after, a < b { return true }
        if let b = duration.before, let a = duration.after, a < b { return true }
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

/// Figures derived from the history: rates.
package struct Trends: Sendable, Equatable {
    package var callsPerMinute: Decimal?
    /// Revenue per hour (price per hour for a simple user).
    package var revenuePerHour: Decimal?

    package init() {}

    /// The time the active-calls chart spans: the history's retention.
    package static let chartWindow: TimeInterval = 3600

    /// Rates over the last `window` seconds, counted only since the latest rollover.
    package static func from(_ history: SnapshotHistory, window: TimeInterval = 300) -> Trends {
        var trends = Trends()
        guard let last = history.points.last else { return trends }
        // From the window's start or the latest run in which today's counters only grew (no
        // midnight inside it), whichever is later.
        let from = max(last.time.addingTimeInterval(-window), history.runStart ?? last.time)
        let first = history.firstPoint(from: from) ?? last
        let seconds = last.time.timeIntervalSince(first.time)
        guard seconds >= 1 else { return trends }
        let elapsed = Decimal(Int((seconds * 1000).rounded())) / 1000
        if let a = first.todayCalls, let b = last.todayCalls {
            trends.callsPerMinute = (b - a) * 60 / elapsed
        }
        if let a = first.todayRevenue, let b = last.todayRevenue {
            trends.revenuePerHour = (b - a) * 3600 / elapsed
        }
        return trends
    }
}
