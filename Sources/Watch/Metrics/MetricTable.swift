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

/// A metric of the table, by name: what alerts, wall tiles, overview columns, `check`, the
/// exporter and the history store use. Text from a config file or a flag becomes one of these
/// at the boundary (`init(path:)`), so a typo is an error there, never a blank cell later.
package enum MetricID: String, Sendable, Hashable, CaseIterable {
    case todayCalls = "today.calls", todayDuration = "today.duration", todayRevenue = "today.revenue"
    case todaySelfCost = "today.self_cost", todayProfit = "today.profit", todayMargin = "today.margin"
    case todayPrice = "today.price", todayACD = "today.acd"
    case todayCallsPerMinute = "today.calls_per_minute", todayRevenuePerHour = "today.revenue_per_hour"
    case monthCalls = "month.calls", monthDuration = "month.duration", monthRevenue = "month.revenue"
    case monthSelfCost = "month.self_cost", monthProfit = "month.profit", monthMargin = "month.margin"
    case monthPrice = "month.price", monthACD = "month.acd"
    case activeCallsTotal = "active_calls.total", activeCallsAnswered = "active_calls.answered_calls"
    case activeCallsRinging = "active_calls.ringing"
    case balance
    case stale

    /// The path users write (`today.revenue`).
    package var path: String { rawValue }

    /// The metric named by a path, or nil for a path the table lacks.
    package init?(path: String) { self.init(rawValue: path) }

    /// What the table says of it.
    package var metric: Metric { MetricTable[self] }
}

/// One number the product knows, described once: where it comes from, what it is called on
/// screen, in JSON and for Prometheus, how it is formatted, whether up is good and since which
/// version of the history store it is stored.
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
        case acd(Period), callsPerMinute, revenuePerHour, ringing
    }

    /// Nil for a server element the table does not describe (`Metric.unknown`).
    package let id: MetricID?
    package let path: String
    package let label: String
    /// The label when a simple user's answer names the money `price` (e.g. `Price/h`).
    package let priceOnlyLabel: String?
    package let kind: MetricKind
    package let polarity: Polarity
    package let source: Source
    /// The Prometheus metric name, nil for what the exporter does not publish.
    package let exporterName: String?
    /// What it is, in a few words, where the label alone says too little (exporter help, docs).
    package let about: String?
    /// The history store's schema version from which this metric is stored; nil: never stored
    /// (it needs a history or a clock, not one answer).
    package let storedSince: Int?

    package var isDerived: Bool {
        if case .field = source { return false }
        return true
    }

    /// A rate: it takes a history of answers, not one answer (not stored, not checkable, not
    /// shown before a second answer). The one definition of "needs history".
    package var needsHistory: Bool {
        if case .derived(let derivation) = source { return derivation == .callsPerMinute || derivation == .revenuePerHour }
        return false
    }

    /// The section (panel) it is shown under, `today`, `month`, `active_calls`; nil for top level.
    package var section: String? {
        switch source {
        case .field(let section, _): return section
        case .derived(.acd(let period)): return period.rawValue
        case .derived(.callsPerMinute), .derived(.revenuePerHour): return Period.today.rawValue
        case .derived(.ringing): return FieldName.activeCalls
        case .staleness: return nil
        }
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
            case .revenuePerHour: return input.trends?.revenuePerHour
            case .ringing: return input.stats?.activeRinging
            }
        case .staleness:
            return input.staleSeconds
        }
    }

    /// A server element the table does not describe: shown under its own name, as sent.
    package static func unknown(section: String?, name: String) -> Metric {
        Metric(id: nil, path: section.map { "\($0).\(name)" } ?? name, label: name, priceOnlyLabel: nil, kind: .text,
               polarity: .neutral, source: .field(section: section, name: name), exporterName: nil, about: nil, storedSince: nil)
    }
}

extension Metric {
    /// A table entry: its path is its ID's. (In an extension, so the memberwise init stays.)
    init(_ id: MetricID, label: String, priceOnlyLabel: String? = nil, kind: MetricKind, polarity: Polarity, source: Source,
         exporterName: String? = nil, about: String? = nil, storedSince: Int?) {
        self.init(id: id, path: id.path, label: label, priceOnlyLabel: priceOnlyLabel, kind: kind, polarity: polarity,
                  source: source, exporterName: exporterName, about: about, storedSince: storedSince)
    }
}

/// The one table of metrics. Adding a metric is adding a `MetricID` case and an entry here
/// (and its test): the panels, `--once`, the exporter, `check`, the history store (a new
/// schema version, by rule) and docs/metrics.md pick it up.
package enum MetricTable {
    package static let all: [Metric] = periodMetrics(.today) + periodMetrics(.month) + activeCallMetrics + [
        Metric(.balance, label: "Balance", kind: .money, polarity: .upIsGood, source: .field(section: nil, name: FieldName.balance),
               exporterName: "m4_balance", about: "The user's balance", storedSince: 1),
        Metric(.stale, label: "Age", kind: .duration, polarity: .upIsBad, source: .staleness, storedSince: nil),
    ]

    /// A period's metrics: each a field of the period's section, plus ACD (and today's rates).
    private static func periodMetrics(_ period: Period) -> [Metric] {
        let today = period == .today
        let p = period.rawValue
        func field(_ id: MetricID, _ name: String, _ label: String, _ kind: MetricKind, _ polarity: Polarity, exporter: String) -> Metric {
            Metric(id, label: label, kind: kind, polarity: polarity, source: .field(section: p, name: name),
                   exporterName: "m4_\(p)_\(exporter)", storedSince: 1)
        }
        var metrics = [
            field(today ? .todayCalls : .monthCalls, FieldName.calls, "Calls", .count, .upIsGood, exporter: "calls"),
            field(today ? .todayDuration : .monthDuration, FieldName.duration, "Duration", .duration, .upIsGood, exporter: "duration_seconds"),
            field(today ? .todayRevenue : .monthRevenue, FieldName.revenue, "Revenue", .money, .upIsGood, exporter: "revenue"),
            field(today ? .todaySelfCost : .monthSelfCost, FieldName.selfCost, "Self cost", .money, .upIsBad, exporter: "self_cost"),
            field(today ? .todayProfit : .monthProfit, FieldName.profit, "Profit", .money, .upIsGood, exporter: "profit"),
            field(today ? .todayMargin : .monthMargin, FieldName.margin, "Margin", .percent, .upIsGood, exporter: "margin_ratio"),
            field(today ? .todayPrice : .monthPrice, FieldName.price, "Price", .money, .upIsGood, exporter: "price"),
            Metric(today ? .todayACD : .monthACD, label: "ACD", kind: .duration, polarity: .neutral, source: .derived(.acd(period)),
                   storedSince: 1),
        ]
        if today {
            metrics += [
                Metric(.todayCallsPerMinute, label: "Calls/min", kind: .rate, polarity: .neutral, source: .derived(.callsPerMinute),
                       storedSince: nil),
                Metric(.todayRevenuePerHour, label: "Revenue/h", priceOnlyLabel: "Price/h", kind: .money, polarity: .neutral,
                       source: .derived(.revenuePerHour), storedSince: nil),
            ]
        }
        return metrics
    }

    private static let activeCallMetrics: [Metric] = [
        Metric(.activeCallsTotal, label: "Total", kind: .count, polarity: .neutral,
               source: .field(section: FieldName.activeCalls, name: FieldName.total), exporterName: "m4_active_calls",
               about: "Calls in progress now, ringing or answered", storedSince: 1),
        Metric(.activeCallsAnswered, label: "Answered", kind: .count, polarity: .neutral,
               source: .field(section: FieldName.activeCalls, name: FieldName.answeredCalls), exporterName: "m4_active_calls_answered",
               about: "Answered calls in progress now", storedSince: 1),
        Metric(.activeCallsRinging, label: "Ringing", kind: .count, polarity: .neutral, source: .derived(.ringing), storedSince: 1),
    ]

    private static let byID: [MetricID: Metric] = Dictionary(uniqueKeysWithValues: all.compactMap { metric in metric.id.map { ($0, metric) } })
    private static let byPath: [String: Metric] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })

    /// Every `MetricID` has its entry (a test holds the table to that).
    package static subscript(id: MetricID) -> Metric { byID[id]! }

    /// The metric for a server element, described by the table or else as unknown.
    package static func field(section: String?, name: String) -> Metric {
        byPath[section.map { "\($0).\(name)" } ?? name] ?? .unknown(section: section, name: name)
    }

    /// Derived metrics shown under a section (its panel), in table order.
    package static func derived(in section: String) -> [Metric] {
        all.filter { $0.isDerived && $0.source != .staleness && $0.section == section }
    }
}
