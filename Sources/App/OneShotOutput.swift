import Dashboard
import Watch
import Foundation
import M4API
import Screen

/// What `--once` prints: the contract's JSON, or a compact text summary for people and cron mail.
package enum OneShotOutput {
    package enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    // MARK: JSON

    /// The keys m4top writes itself. A server element with one of these names is written as
    /// `quickstats_NAME`, so that a server can never make a reader see its own `server` or `user`.
    package static let ownKeys: Set<String> = ["server", "user", "fetched_at", "error", "forecast"]

    /// One end-of-day projection for `--once`: the metric, the value, and the day it was scaled by.
    package struct ForecastLine: Sendable {
        package let metric: MetricID
        package let value: Decimal
        package let basis: BaselineMoment
    }

    /// One answer in the contract's shape; numbers keep the exact decimal text the server sent.
    /// Sections go by their canonical names: an older server's `this_month` is `month`.
    package static func json(server: String, user: String, fetchedAt: Date, stats: QuickStats, forecast: [ForecastLine] = []) -> String {
        var members: [(String, String)] = [("server", quote(server)), ("user", quote(user)),
                                           ("fetched_at", quote(timestamp(fetchedAt)))]
        func key(_ name: String) -> String { ownKeys.contains(name) ? "quickstats_" + name : name }
        for section in stats.sections {
            let inner = section.fields.map { "\(quote($0.name)): \(jsonValue($0.text))" }.joined(separator: ", ")
            members.append((key(section.name), "{" + inner + "}"))
        }
        for field in stats.fields { members.append((key(field.name), jsonValue(field.text))) }
        // Today's projections to midnight from the history store (absent without one).
        if !forecast.isEmpty {
            let inner = forecast.map { line in
                "\(quote(line.metric.rawValue)): {\"value\": \(line.value), \"basis\": \(quote(line.basis.kind == .lastWeek ? "last_week" : "yesterday")), "
                    + "\"basis_at\": \(quote(timestamp(line.basis.time)))}"
            }
            members.append(("forecast", "{" + inner.joined(separator: ", ") + "}"))
        }
        return "{" + members.map { "\(quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    package static func jsonError(kind: String, message: String, hint: String? = nil) -> String {
        var inner = "\"kind\": \(quote(kind)), \"message\": \(quote(message))"
        if let hint { inner += ", \"hint\": \(quote(hint))" }
        return "{\"error\": {\(inner)}}"
    }

    /// A number literal when the text is one that m4top itself reads exactly (at most 38
    /// significant digits, exponent within ±100: every common JSON reader takes it as a finite
    /// number); a string with the exact text otherwise (`1e400` would read as infinity); null
    /// when empty.
    static func jsonValue(_ text: String) -> String {
        if text.isEmpty { return "null" }
        return NumberText.isJSONNumber(text) && NumberText.decimal(text) != nil ? text : quote(text)
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    // MARK: Text

    package static func text(server: String, user: String, fetchedAt: Date, stats: QuickStats) -> String {
        var lines = ["\(server)  user \(user)  \(timestamp(fetchedAt))"]
        let formatted = FormattedSnapshot.make(stats)
        let periods = Period.allCases.filter { formatted.periods[$0] != nil }
        if !periods.isEmpty {
            // One row per label, in order of first appearance; a period without it shows `-`.
            var labels: [String] = []
            for period in periods { for row in formatted.periods[period]! where !labels.contains(row.label) { labels.append(row.label) } }
            var rows: [[String]] = [[""] + periods.map(\.title)]
            for label in labels {
                let values = periods.map { period in formatted.periods[period]!.first { $0.label == label }?.value ?? "-" }
                if values.allSatisfy({ $0 == "-" }) { continue }
                rows.append([label] + values)
            }
            let widths = (0..<rows[0].count).map { column in rows.map { CharacterWidth.of($0[column]) }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { index, cell in
                    let pad = String(repeating: " ", count: widths[index] - CharacterWidth.of(cell))
                    return index == 0 ? cell + pad : pad + cell
                }
                lines.append(cells.joined(separator: "   "))
            }
        }
        if let active = formatted.activeCalls {
            lines.append(activeLine(active))
        } else {
            lines.append("Active calls  not shown for this user")
        }
        // Under a heading of their own and indented: an element the server named `server` or
        // `user` must not read as one of m4top's own lines.
        if !formatted.extras.isEmpty {
            lines.append("Also in the answer:")
            for row in formatted.extras { lines.append("  \(row.label)  \(row.value)") }
        }
        return lines.joined(separator: "\n")
    }

    /// `Active calls  3 (2 answered, 1 ringing)`, then anything else the server sent there.
    static func activeLine(_ rows: [MetricRow]) -> String {
        func value(_ id: MetricID) -> String? { rows.first { $0.metric.id == id }?.value }
        var line = "Active calls  " + (value(.activeCallsTotal) ?? "-")
        if let answered = value(.activeCallsAnswered), let ringing = value(.activeCallsRinging), ringing != "-" {
            line += " (\(answered) answered, \(ringing) ringing)"
        }
        let described: [MetricID] = [.activeCallsTotal, .activeCallsAnswered, .activeCallsRinging]
        for row in rows where !(row.metric.id.map(described.contains) ?? false) {
            line += ", \(row.label) \(row.value)"
        }
        return line
    }
}
