import Foundation
import M4API
import Watch

/// One metric as shown: label, value and change, formatted once when an answer arrives.
package struct MetricRow: Sendable, Equatable {
    package let metric: Metric
    package let label: String
    package let value: String
    /// The change since the previous answer, signed (`+0.50`); nil when nothing changed.
    package let delta: String?
    package let deltaIsUp: Bool
    /// +1 good news, -1 bad news, 0 neutral (from the metric's polarity).
    package let meaning: Int

    init(metric: Metric, label: String, value: String, change: Decimal? = nil) {
        self.metric = metric
        self.label = label
        self.value = value
        let text = change.flatMap { MetricFormat.delta($0, kind: metric.kind) }
        self.delta = text
        self.deltaIsUp = (change ?? 0) > 0
        self.meaning = text == nil ? 0 : metric.polarity.meaning(of: change ?? 0)
    }
}

/// An answer turned into rows for every panel and for `--once` text. Server elements keep
/// their document order; the table's derived metrics follow the section they belong to.
package struct FormattedSnapshot: Sendable, Equatable {
    /// Rows per period; a period the server did not send has no entry.
    package var periods: [Period: [MetricRow]] = [:]
    /// Total first, then the rest; nil when the server does not show active calls to this user.
    package var activeCalls: [MetricRow]?
    /// Top-level values (a simple user's balance) and sections no panel is made for.
    package var extras: [MetricRow] = []

    package init() {}

    package static func make(_ stats: QuickStats, diff: SnapshotDiff = SnapshotDiff(), trends: Trends? = nil) -> FormattedSnapshot {
        var result = FormattedSnapshot()
        let input = MetricInput(stats: stats, trends: trends)
        let priceOnly = stats.isPriceOnly
        func rows(of section: StatSection, label: (Metric) -> String) -> [MetricRow] {
            section.fields.map { field in
                let metric = MetricTable.field(section: section.name, name: field.name)
                return MetricRow(metric: metric, label: label(metric), value: MetricFormat.value(field, kind: metric.kind),
                                 change: diff.delta(section.name, field.name))
            }
        }
        func derivedRows(_ section: String) -> [MetricRow] {
            MetricTable.derived(in: section).map { metric in
                MetricRow(metric: metric, label: metric.label(priceOnly: priceOnly),
                          value: MetricFormat.derived(metric.value(input), kind: metric.kind))
            }
        }
        for period in Period.allCases {
            guard let section = stats.section(period) else { continue }
            var periodRows = rows(of: section) { $0.label }
            // Rates need history; without it (`--once`) they are left out rather than shown empty.
            periodRows += derivedRows(period.rawValue).filter { trends != nil || !$0.metric.needsHistory }
            result.periods[period] = periodRows
        }
        if let active = stats.activeCalls {
            result.activeCalls = rows(of: active) { $0.label } + derivedRows(active.name)
        }
        result.extras = stats.fields.map { field in
            let metric = MetricTable.field(section: nil, name: field.name)
            return MetricRow(metric: metric, label: metric.label, value: MetricFormat.value(field, kind: metric.kind),
                             change: diff.delta("", field.name))
        }
        for section in stats.otherSections {
            result.extras += rows(of: section) { $0.path }
        }
        return result
    }
}
