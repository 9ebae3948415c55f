import Foundation
import M4API

/// Which way is good news.
package enum Polarity: Sendable, Equatable {
    case upIsGood, upIsBad, neutral

    /// +1 when this change is good news, -1 when bad, 0 when neutral or no change.
    package func meaning(of change: Decimal) -> Int {
        guard change != 0 else { return 0 }
        switch self {
        case .upIsGood: return change > 0 ? 1 : -1
        case .upIsBad: return change > 0 ? -1 : 1
        case .neutral: return 0
        }
    }
}

/// Everything a metric's value can be read from.
package struct MetricInput: Sendable {
    package var stats: QuickStats?
    package var trends: Trends?
    /// Seconds since the last successful answer.
    package var staleSeconds: Decimal?

    package init(stats: QuickStats?, trends: Trends? = nil, staleSeconds: Decimal? = nil) {
        self.stats = stats
        self.trends = trends
        self.staleSeconds = staleSeconds
    }
}

/// One number the product knows, described once: where it comes from, what it is called on
/// screen, in JSON and for Prometheus, how it is formatted and whether up is good. Alerts, wall
/// tiles, overview columns, `check` and the exporter name metrics by `path`.
package struct Metric: Sendable, Equatable {
    package enum Source: Sendable, Equatable {
        /// An element the server sends; `section` nil for a top-level element (`balance`).
        case field(section: String?, name: String)
        /// Computed from other values.
        case derived(Derivation)
        /// Seconds since the last success: known to the dashboard, not the server.
        case staleness
    }

    package enum Derivation: Sendable, Equatable {
        case acd(Period), callsPerMinute, takingsPerHour, ringing
    }

    package let path: String
    package let label: String
    /// The label when a simple user's answer names the money `price` (e.g. `Price/h`).
    package let priceOnlyLabel: String?
    package let kind: MetricKind
    package let polarity: Polarity
    package let source: Source
    /// The Prometheus metric name (DESIGN.md), nil for what the exporter does not publish.
    package let exporterName: String?

    /// The key inside its section in `--once` JSON: the server's element name. Derived metrics
    /// are not printed there (the JSON keeps what the server sent).
    package var jsonKey: String? {
        if case .field(_, let name) = source { return name }
        return nil
    }

    package var isDerived: Bool {
        if case .field = source { return false }
        return true
    }

    package func label(priceOnly: Bool) -> String { priceOnly ? (priceOnlyLabel ?? label) : label }

    /// The value, when the input has it.
    package func value(_ input: MetricInput) -> Decimal? {
        switch source {
        case .field(let section, let name):
            guard let stats = input.stats else { return nil }
            return section.map { stats.section($0)?.number(name) } ?? stats.field(name)?.number
        case .derived(let derivation):
            switch derivation {
            case .acd(let period): return input.stats?.acd(period)
            case .callsPerMinute: return input.trends?.callsPerMinute
            case .takingsPerHour: return input.trends?.revenuePerHour
            case .ringing: return input.stats?.activeRinging
            }
        case .staleness:
            return input.staleSeconds
        }
    }

    /// A server element the table does not describe: shown under its own name, as sent.
    package static func unknown(section: String?, name: String) -> Metric {
        Metric(path: section.map { "\($0).\(name)" } ?? name, label: name, priceOnlyLabel: nil, kind: .text,
               polarity: .neutral, source: .field(section: section, name: name), exporterName: nil)
    }
}

/// The one table of metrics. Adding a metric is adding an entry here (and its test): the
/// panels, `--once`, and everything that names metrics by path pick it up.
package enum MetricTable {
    package static let all: [Metric] = periodMetrics(.today) + periodMetrics(.month) + activeCallMetrics + [
        Metric(path: FieldName.balance, label: "Balance", priceOnlyLabel: nil, kind: .money, polarity: .upIsGood,
               source: .field(section: nil, name: FieldName.balance), exporterName: "m4_balance"),
        Metric(path: "stale", label: "Age", priceOnlyLabel: nil, kind: .duration, polarity: .upIsBad,
               source: .staleness, exporterName: nil),
    ]

    private static func periodMetrics(_ period: Period) -> [Metric] {
        let p = period.rawValue
        func field(_ name: String, _ label: String, _ kind: MetricKind, _ polarity: Polarity, exporter: String) -> Metric {
            Metric(path: "\(p).\(name)", label: label, priceOnlyLabel: nil, kind: kind, polarity: polarity,
                   source: .field(section: p, name: name), exporterName: "m4_\(p)_\(exporter)")
        }
        var metrics = [
            field(FieldName.calls, "Calls", .count, .upIsGood, exporter: "calls"),
            field(FieldName.duration, "Duration", .duration, .upIsGood, exporter: "duration_seconds"),
            field(FieldName.revenue, "Revenue", .money, .upIsGood, exporter: "revenue"),
            field(FieldName.selfCost, "Self cost", .money, .upIsBad, exporter: "self_cost"),
            field(FieldName.profit, "Profit", .money, .upIsGood, exporter: "profit"),
            field(FieldName.margin, "Margin", .percent, .upIsGood, exporter: "margin_ratio"),
            field(FieldName.price, "Price", .money, .upIsGood, exporter: "price"),
            Metric(path: "\(p).acd", label: "ACD", priceOnlyLabel: nil, kind: .duration, polarity: .neutral,
                   source: .derived(.acd(period)), exporterName: nil),
        ]
        if period == .today {
            metrics += [
                Metric(path: "today.calls_per_minute", label: "Calls/min", priceOnlyLabel: nil, kind: .rate,
                       polarity: .neutral, source: .derived(.callsPerMinute), exporterName: nil),
                Metric(path: "today.revenue_per_hour", label: "Revenue/h", priceOnlyLabel: "Price/h", kind: .money,
                       polarity: .neutral, source: .derived(.takingsPerHour), exporterName: nil),
            ]
        }
        return metrics
    }

    private static let activeCallMetrics: [Metric] = [
        Metric(path: "active_calls.total", label: "Total", priceOnlyLabel: nil, kind: .count, polarity: .neutral,
               source: .field(section: FieldName.activeCalls, name: FieldName.total), exporterName: "m4_active_calls"),
        Metric(path: "active_calls.answered_calls", label: "Answered", priceOnlyLabel: nil, kind: .count, polarity: .neutral,
               source: .field(section: FieldName.activeCalls, name: FieldName.answeredCalls),
               exporterName: "m4_active_calls_answered"),
        Metric(path: "active_calls.ringing", label: "Ringing", priceOnlyLabel: nil, kind: .count, polarity: .neutral,
               source: .derived(.ringing), exporterName: nil),
    ]

    private static let byPath: [String: Metric] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })

    /// The metric at a path such as `today.revenue`, or nil for a path the table lacks.
    package static func metric(_ path: String) -> Metric? { byPath[path] }

    /// The metric for a server element, described by the table or else as unknown.
    package static func field(section: String?, name: String) -> Metric {
        byPath[section.map { "\($0).\(name)" } ?? name] ?? .unknown(section: section, name: name)
    }

    /// Derived metrics shown under a section (its panel), in table order.
    package static func derived(in section: String) -> [Metric] {
        all.filter { metric in
            guard metric.isDerived, metric.source != .staleness else { return false }
            return metric.path.hasPrefix(section + ".")
        }
    }
}
