import Foundation
import M4API

/// The overview's columns, in screen order (left to right).
package enum OverviewColumn: String, Sendable, CaseIterable {
    case user, state, age, active, activeDelta, calls, takings, profit, margin, balance, callsPerMinute

    /// The metric (DESIGN.md path) each number column shows; `takings` is revenue, or a simple
    /// user's price.
    package var metricPath: String? {
        switch self {
        case .active: return "active_calls.total"
        case .calls: return "today.calls"
        case .takings: return "today.revenue"
        case .profit: return "today.profit"
        case .margin: return "today.margin"
        case .balance: return "balance"
        case .callsPerMinute: return "today.calls_per_minute"
        case .user, .state, .age, .activeDelta: return nil
        }
    }

    package var title: String {
        switch self {
        case .user: return "USER"
        case .state: return "STATE"
        case .age: return "AGE"
        case .active: return "ACTIVE"
        case .activeDelta: return "Δ"
        case .calls: return "CALLS"
        case .takings: return "REVENUE"
        case .profit: return "PROFIT"
        case .margin: return "MARGIN"
        case .balance: return "BALANCE"
        case .callsPerMinute: return "CALLS/M"
        }
    }

    /// Cells this column takes (the user column takes what is left, within limits).
    package var width: Int {
        switch self {
        case .user: return 12
        case .state: return 7
        case .age: return 7
        case .active: return 6
        case .activeDelta: return 4
        case .calls: return 7
        case .takings, .profit, .balance: return 11
        case .margin: return 7
        case .callsPerMinute: return 7
        }
    }

    /// Which columns stay when the screen is narrow: lower first. Who, whether to trust the
    /// row, the outage signal and the money come before the rest (README: "The overview").
    package var keepPriority: Int {
        switch self {
        case .user: return 0
        case .state: return 1
        case .active: return 2
        case .takings: return 3
        case .age: return 4
        case .activeDelta: return 5
        case .calls: return 6
        case .margin: return 7
        case .balance: return 8
        case .profit: return 9
        case .callsPerMinute: return 10
        }
    }

    /// A number of this column as the overview writes it.
    package func format(_ value: Decimal) -> String {
        switch self {
        case .active, .calls, .activeDelta: return MetricFormat.count(value)
        case .takings, .profit, .balance: return MetricFormat.money(value)
        case .margin: return MetricFormat.percent(value)
        case .callsPerMinute: return MetricFormat.money(value, places: 1)
        case .user, .state, .age: return ""
        }
    }

    /// Names sort A to Z first, numbers largest first: what a NOC looks for at the top.
    package var sortsDescendingFirst: Bool { self != .user }

    /// The columns that fit in `width` cells (one space between), dropped by priority, kept in
    /// screen order.
    package static func fitting(_ width: Int) -> [OverviewColumn] {
        var kept = allCases
        func needed(_ columns: [OverviewColumn]) -> Int { columns.map(\.width).reduce(0, +) + columns.count + 1 }
        while needed(kept) > width, kept.count > 1, let drop = kept.max(by: { $0.keepPriority < $1.keepPriority }) {
            kept.removeAll { $0 == drop }
        }
        return kept
    }
}

/// One answer's numbers as the overview shows them, read once per answer (not per frame).
package struct RowFigures: Sendable, Equatable {
    package var values: [OverviewColumn: Decimal] = [:]
    /// The same, formatted once per answer (a frame draws many rows; formatting a decimal costs
    /// more than drawing it).
    package var texts: [OverviewColumn: String] = [:]
    /// Columns whose number changed with this answer (they flash).
    package var changed: Set<OverviewColumn> = []
    /// A simple user's answer: `takings` is the price they pay.
    package var priceOnly = false

    package init() {}

    package init(_ stats: QuickStats, diff: SnapshotDiff, trends: Trends?) {
        priceOnly = stats.isPriceOnly
        let input = MetricInput(stats: stats, trends: trends)
        for column in OverviewColumn.allCases {
            guard var path = column.metricPath else { continue }
            if column == .takings && priceOnly { path = "today.price" }
            guard let metric = MetricTable.metric(path), let value = metric.value(input) else { continue }
            values[column] = value
            texts[column] = column.format(value)
            if case .field(let section, let name) = metric.source, let change = diff.delta(section ?? "", name), change != 0 {
                changed.insert(column)
            }
        }
        if let change = diff.delta(FieldName.activeCalls, FieldName.total) {
            values[.activeDelta] = change
            if change != 0 { changed.insert(.activeDelta) }
        }
    }
}
