import Dashboard
import Foundation
import M4API

/// What `--once` prints: the contract's JSON, or a compact text summary for people and cron mail.
public enum OneShotOutput {
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    // MARK: JSON

    /// One answer in the contract's shape; numbers keep the exact decimal text the server sent.
    public static func json(server: String, user: String, fetchedAt: Date, stats: QuickStats) -> String {
        var members: [(String, String)] = [("server", quote(server)), ("user", quote(user)),
                                           ("fetched_at", quote(timestamp(fetchedAt)))]
        for section in stats.sections {
            let inner = section.fields.map { "\(quote($0.name)): \(jsonValue($0.text))" }.joined(separator: ", ")
            members.append((section.name, "{" + inner + "}"))
        }
        for field in stats.fields { members.append((field.name, jsonValue(field.text))) }
        return "{" + members.map { "\(quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    public static func jsonError(kind: String, message: String, hint: String? = nil) -> String {
        var inner = "\"kind\": \(quote(kind)), \"message\": \(quote(message))"
        if let hint { inner += ", \"hint\": \(quote(hint))" }
        return "{\"error\": {\(inner)}}"
    }

    /// A number literal when the text is one, a string otherwise, null when empty.
    static func jsonValue(_ text: String) -> String {
        if text.isEmpty { return "null" }
        return NumberText.isJSONNumber(text) ? text : quote(text)
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

    public static func text(server: String, user: String, fetchedAt: Date, stats: QuickStats) -> String {
        var lines = ["\(server)  user \(user)  \(timestamp(fetchedAt))"]
        let periods = stats.sections.filter { $0.name == "today" || $0.name == "month" || $0.name == "this_month" }
        if !periods.isEmpty {
            var names: [String] = []
            for section in periods { for field in section.fields where !names.contains(field.name) { names.append(field.name) } }
            var rows: [[String]] = [[""] + periods.map { $0.name == "today" ? "Today" : "Month" }]
            for name in names {
                rows.append([MetricCatalog.label(name)] + periods.map { section in
                    section[name].map { MetricFormat.value($0) } ?? "-"
                })
            }
            let acd = periods.map { section -> String in
                guard let calls = section["calls"]?.number, calls > 0, let duration = section["duration"]?.number else { return "-" }
                return MetricFormat.duration(duration / calls)
            }
            if acd.contains(where: { $0 != "-" }) { rows.append(["ACD"] + acd) }
            let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { index, cell in
                    index == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                               : String(repeating: " ", count: widths[index] - cell.count) + cell
                }
                lines.append(cells.joined(separator: "   "))
            }
        }
        if let active = stats.activeCalls {
            lines.append(activeLine(active))
        } else {
            lines.append("Active calls  not shown for this user")
        }
        for section in stats.sections where !["today", "month", "this_month", "active_calls"].contains(section.name) {
            lines.append("\(section.name): " + section.fields.map { "\($0.name) \($0.text)" }.joined(separator: ", "))
        }
        for field in stats.fields {
            lines.append("\(MetricCatalog.label(field.name))  \(MetricFormat.value(field))")
        }
        return lines.joined(separator: "\n")
    }

    static func activeLine(_ active: StatSection) -> String {
        let total = active["total"]?.number
        let answered = active["answered_calls"]?.number
        var line = "Active calls  " + (active["total"].map { MetricFormat.value($0) } ?? "-")
        if let total, let answered {
            line += " (\(MetricFormat.count(answered)) answered, \(MetricFormat.count(total - answered)) ringing)"
        }
        for field in active.fields where field.name != "total" && field.name != "answered_calls" {
            line += ", \(field.name) \(field.text)"
        }
        return line
    }
}
