import M4API

/// docs/metrics.md, written from the metric table: what a user, a Prometheus query or a config
/// file may name. A test holds the file to this text, so the reference cannot drift from the
/// table (`M4TOP_UPDATE_DOCS=1 swift test --filter MetricReference` rewrites it).
package enum MetricReference {
    package static func markdown() -> String {
        var lines = [
            "# Metrics",
            "",
            "<!-- Generated from the metric table (Sources/Watch/Metrics/MetricTable.swift) by MetricReference;",
            "     a test fails when this file is stale. Rewrite it with:",
            "     M4TOP_UPDATE_DOCS=1 swift test --filter MetricReference -->",
            "",
            "Every number m4top knows, described once. A **path** is what a config file (`wall`,",
            "`[[alerts]]`) and `m4top check --warning/--critical` name; a typo there is an error naming",
            "the file, line and key. **`--once` JSON** is where the server's own value appears in",
            "`m4top --once --format json` (section and element name, the exact decimal text the server",
            "sent); derived values are not in the JSON. **Prometheus** is the exporter's gauge (labels",
            "`server` and `user`); values are in base units, a margin as a ratio. **Stored** is the",
            "history store's schema version from which the value is kept in every snapshot.",
            "",
            "| path | label | kind | up is | `--once` JSON | Prometheus | stored | what it is |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for metric in MetricTable.all {
            let label = metric.priceOnlyLabel.map { "\(metric.label) (simple user: \($0))" } ?? metric.label
            let json: String
            switch metric.source {
            case .field(let section?, let name): json = "`\(section).\(name)`"
            case .field(nil, let name): json = "`\(name)` (top level)"
            case .derived, .staleness: json = "-"
            }
            let exporter = metric.exporterName.map { "`\($0)`" } ?? "-"
            let stored = metric.storedSince.map { "v\($0)" } ?? "-"
            lines.append("| `\(metric.path)` | \(label) | \(kind(metric)) | \(polarity(metric.polarity)) | \(json) | \(exporter) | \(stored) | \(about(metric)) |")
        }
        lines += [
            "",
            "A simple user's answer names its money `price` (what the user pays) and may carry",
            "`balance`; active calls reach a simple user only when the server shows them. An element",
            "the table does not describe is still shown, under its own name, and kept in the history",
            "store's raw answer.",
            "",
            "Exporter series that are not table metrics: `m4_up`, `m4_last_success_timestamp_seconds`,",
            "`m4_poll_errors_total{kind}`, `m4_users_watched{server}`, `m4_exporter_build_info{version}`",
            "(see [integrations](integrations.md)).",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    static func kind(_ metric: Metric) -> String {
        switch metric.kind {
        case .count: return "count"
        case .duration: return metric.source == .staleness ? "seconds (h:mm:ss)" : "seconds of call time (h:mm:ss)"
        case .money: return "money, server's currency"
        case .percent: return "percent"
        case .rate: return "per minute"
        case .text: return "text"
        }
    }

    static func polarity(_ polarity: Polarity) -> String {
        switch polarity {
        case .upIsGood: return "good"
        case .upIsBad: return "bad"
        case .neutral: return "neutral"
        }
    }

    static func about(_ metric: Metric) -> String {
        if let about = metric.about { return about }
        switch metric.source {
        case .field(let section, _):
            let when = section == Period.today.rawValue ? "today (the server's day)" : section == Period.month.rawValue ? "this month" : ""
            return "\(metric.label) \(when)".trimmingCharacters(in: .whitespaces)
        case .derived(.acd(let period)): return "Average call duration \(period == .today ? "today" : "this month"): duration / calls"
        case .derived(.callsPerMinute): return "Calls per minute over the last 5 minutes (needs two answers; not stored)"
        case .derived(.revenuePerHour): return "Revenue (a simple user's price) per hour over the last 5 minutes (needs two answers)"
        case .derived(.ringing): return "Calls ringing now: total - answered_calls"
        case .staleness: return "Seconds since the last successful answer (known to m4top, not the server)"
        }
    }
}
