import Foundation
import M4API
import Prometheus
import Watch

/// One metric of the table as Prometheus sees it: its name (docs/metrics.md), its help line, and how
/// a value is scaled (a margin of 54 % is the ratio 0.54, as Prometheus's naming rules ask).
package struct ExportedMetric: Sendable {
    package let metric: Metric
    package let name: String
    package let help: String

    package var descriptor: MetricNameDescriptor { .named(name, help: help) }

    /// Every metric of `MetricTable` that has an exporter name, in table order.
    package static let all: [ExportedMetric] = MetricTable.all.compactMap { metric in
        metric.exporterName.map { ExportedMetric(metric: metric, name: $0, help: helpText(metric)) }
    }

    /// The value for Prometheus, or nil when the answer lacks it. Money stays decimal up to
    /// here; the exposition format itself is a float64.
    package func value(in stats: QuickStats) -> Double? {
        // A server element: straight from its text, which the parser has already checked is a
        // plain number (`number` is set). strtod rounds correctly; NSDecimalNumber.doubleValue
        // does not (3617.017433 would come out as 3617.0174329999995).
        if case .field(let section, let name) = metric.source {
            let field = section.map { stats.section($0)?[name] } ?? stats.field(name)
            guard let field, let number = field.number else { return nil }
            let value = Double(field.text) ?? Self.double(number)
            return metric.kind == .percent ? value / 100 : value
        }
        guard var value = metric.value(MetricInput(stats: stats)) else { return nil }
        if metric.kind == .percent { value /= 100 }
        return Self.double(value)
    }

    static func double(_ value: Decimal) -> Double {
        Double(value.description) ?? NSDecimalNumber(decimal: value).doubleValue
    }

    /// `today.revenue` -> "Revenue today (the server's day), in the server's currency, as
    /// quickstats_get reports it."
    static func helpText(_ metric: Metric) -> String {
        let when: String
        switch metric.section {
        case Period.today.rawValue?: when = " today (the server's day)"
        case Period.month.rawValue?: when = " this month (the server's month)"
        default: when = ""
        }
        let what = metric.about ?? metric.label
        let unit: String
        switch metric.kind {
        case .money: unit = ", in the server's currency"
        case .duration: unit = ", in seconds of call time"
        case .percent: unit = ", as a ratio of profit to revenue (0.54 is 54 %)"
        case .count, .rate, .text: unit = ""
        }
        return what + when + unit + ", as quickstats_get reports it."
    }
}

/// Label values as the exporter writes them.
package enum ExporterLabels {
    /// The `server` label: the profile's name, else (a server given by `--url` alone) its host.
    package static func server(name: String, displayURL: String) -> String {
        if !name.isEmpty { return name }
        return URL(string: displayURL)?.host ?? displayURL
    }

    /// The `kind` label of `m4_poll_errors_total`: what failed (FetchError's own words).
    package static let errorKinds: [FetchError.Kind] = [.api, .transport, .response]
}

extension MetricNameDescriptor {
    /// A descriptor for a name that is already whole (`m4_today_duration_seconds`): the names are
    /// the contract's (docs/metrics.md), written once in the metric table, not assembled from parts.
    package static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
