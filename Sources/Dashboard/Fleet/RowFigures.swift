import Foundation
import M4API
import Watch

/// The overview's columns, in screen order (left to right).
package enum OverviewColumn: String, Sendable, CaseIterable {
    case user, state, age, active, activeDelta, calls, revenue, vsLastWeek, profit, margin, balance, callsPerMinute

    /// One column as a row of the overview's table: its title, the cells it takes (the user
    /// column takes what is left, within limits), which columns stay when the screen is narrow
    /// (lower first: who, whether to trust the row, the outage signal and the money come before
    /// the rest), and the metric its numbers are (`revenue` is a simple user's price for them).
    package struct Spec: Sendable {
        package let title: String
        package let width: Int
        package let keepPriority: Int
        package let metric: MetricID?
    }

    package var spec: Spec {
        switch self {
        case .user: return Spec(title: "USER", width: 12, keepPriority: 0, metric: nil)
        case .state: return Spec(title: "STATE", width: 7, keepPriority: 1, metric: nil)
        case .age: return Spec(title: "AGE", width: 7, keepPriority: 4, metric: nil)
        case .active: return Spec(title: "ACTIVE", width: 6, keepPriority: 2, metric: .activeCallsTotal)
        case .activeDelta: return Spec(title: "Δ", width: 4, keepPriority: 5, metric: nil)
        case .calls: return Spec(title: "CALLS", width: 7, keepPriority: 6, metric: .todayCalls)
        case .revenue: return Spec(title: "REVENUE", width: 11, keepPriority: 3, metric: .todayRevenue)
        // Today's revenue (a simple user's price) against the same time last week, in percent.
        case .vsLastWeek: return Spec(title: "VS 7D", width: 6, keepPriority: 8, metric: nil)
        case .profit: return Spec(title: "PROFIT", width: 11, keepPriority: 10, metric: .todayProfit)
        case .margin: return Spec(title: "MARGIN", width: 7, keepPriority: 7, metric: .todayMargin)
        case .balance: return Spec(title: "BALANCE", width: 11, keepPriority: 9, metric: .balance)
        case .callsPerMinute: return Spec(title: "CALLS/M", width: 7, keepPriority: 11, metric: .todayCallsPerMinute)
        }
    }

    package var metric: MetricID? { spec.metric }
    package var title: String { spec.title }
    package var width: Int { spec.width }
    package var keepPriority: Int { spec.keepPriority }

    /// A number of this column as the overview writes it (a rate to one decimal place).
    package func format(_ value: Decimal) -> String {
        if self == .vsLastWeek { return BaselineColumn.text(value) }
        switch metric?.metric.kind {
        case .money?: return MetricFormat.money(value)
        case .percent?: return MetricFormat.percent(value)
        case .rate?: return MetricFormat.money(value, places: 1)
        case nil where self != .activeDelta: return ""
        case .count?, .duration?, .text?, nil: return MetricFormat.count(value)
        }
    }

    /// Names sort A to Z first, numbers largest first: what a NOC looks for at the top.
    package var sortsDescendingFirst: Bool { self != .user }

    /// The columns that fit in `width` cells (one space between), dropped by priority, kept in
    /// screen order. `VS 7D` only when the store gave some baseline: never a column of blanks.
    package static func fitting(_ width: Int, baselines: Bool = false) -> [OverviewColumn] {
        var kept = allCases.filter { baselines || $0 != .vsLastWeek }
        func needed(_ columns: [OverviewColumn]) -> Int { columns.map(\.width).reduce(0, +) + columns.count + 1 }
        while needed(kept) > width, kept.count > 1, let drop = kept.max(by: { $0.keepPriority < $1.keepPriority }) {
            kept.removeAll { $0 == drop }
        }
        return kept
    }
}

/// A number per overview column, found by the column's place: a sort of ten thousand rows reads
/// one of each row's (a dictionary's hashing cost more than the rest of the lookup).
package struct ColumnValues: Sendable, Equatable {
    private var numbers = [Decimal?](repeating: nil, count: OverviewColumn.allCases.count)

    package init() {}

    package subscript(column: OverviewColumn) -> Decimal? {
        get { numbers[column.place] }
        set { numbers[column.place] = newValue }
    }
}

extension OverviewColumn {
    /// The column's place among `allCases`.
    var place: Int {
        switch self {
        case .user: return 0
        case .state: return 1
        case .age: return 2
        case .active: return 3
        case .activeDelta: return 4
        case .calls: return 5
        case .revenue: return 6
        case .vsLastWeek: return 7
        case .profit: return 8
        case .margin: return 9
        case .balance: return 10
        case .callsPerMinute: return 11
        }
    }
}

/// One answer's numbers as the overview shows them, read once per answer (not per frame).
package struct RowFigures: Sendable, Equatable {
    package var values = ColumnValues()
    /// The same, formatted once per answer (a frame draws many rows; formatting a decimal costs
    /// more than drawing it).
    package var texts: [OverviewColumn: String] = [:]
    /// Columns whose number changed with this answer (they flash).
    package var changed: Set<OverviewColumn> = []
    /// A simple user's answer: `revenue` is the price they pay.
    package var priceOnly = false

    package init() {}

    package init(_ stats: QuickStats, diff: SnapshotDiff, trends: Trends?) {
        priceOnly = stats.isPriceOnly
        let input = MetricInput(stats: stats, trends: trends)
        for column in OverviewColumn.allCases {
            guard var id = column.metric else { continue }
            if column == .revenue && priceOnly { id = .todayPrice }
            let metric = id.metric
            guard let value = metric.value(input) else { continue }
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
