import Foundation
import M4API
import TextSafety
import Watch

/// The plugin's verdict, as Nagios, Icinga and the Zabbix agent read it: the exit status and one
/// line, `M4 STATUS - what | perfdata`.
package struct PluginReport: Sendable, Equatable {
    package enum Status: Int32, Sendable, Comparable {
        case ok = 0, warning = 1, critical = 2, unknown = 3

        package var word: String {
            switch self {
            case .ok: return "OK"
            case .warning: return "WARNING"
            case .critical: return "CRITICAL"
            case .unknown: return "UNKNOWN"
            }
        }

        package static func < (a: Status, b: Status) -> Bool { a.rawValue < b.rawValue }
    }

    package let status: Status
    package let line: String

    /// An answer checked against the conditions. `subject` names the user (and server).
    package static func evaluate(_ stats: QuickStats, conditions: [CheckCondition], subject rawSubject: String) -> PluginReport {
        let subject = safe(rawSubject)
        var status = Status.ok
        var crossed: [String] = []
        var missing: [String] = []
        for condition in conditions {
            guard let value = condition.metric.value(MetricInput(stats: stats)) else {
                missing.append(condition.metric.path)
                continue
            }
            guard condition.isCrossed(by: value) else { continue }
            status = max(status, condition.severity == .critical ? .critical : .warning)
            let word = condition.comparison == .below ? "below" : "above"
            crossed.append("\(condition.metric.path) \(display(value, condition.metric)) \(word) \(display(condition.threshold, condition.metric)) (\(condition.severity.rawValue))")
        }
        let perf = PerfData.line(stats, conditions: conditions)
        if !missing.isEmpty && crossed.isEmpty {
            return PluginReport(status: .unknown, line: "M4 UNKNOWN - \(subject): not in the server's answer: \(Self.unique(missing).joined(separator: ", ")) | \(perf)")
        }
        let text = crossed.isEmpty ? summary(stats) : Self.listed(Self.unique(crossed))
        return PluginReport(status: status, line: "M4 \(status.word) - \(subject): \(text)" + (perf.isEmpty ? "" : " | \(perf)"))
    }

    /// A failure before any answer: transport, API, configuration, time.
    package static func unknown(_ message: String, subject: String? = nil) -> PluginReport {
        failure(.unknown, message, subject: subject)
    }

    /// A server that cannot be reached, under `--unreachable critical`.
    package static func critical(_ message: String, subject: String? = nil) -> PluginReport {
        failure(.critical, message, subject: subject)
    }

    private static func failure(_ status: Status, _ message: String, subject: String?) -> PluginReport {
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        return PluginReport(status: status, line: "M4 \(status.word) - " + (subject.map { "\(safe($0)): " } ?? "") + safe(oneLine))
    }

    /// A name or message for the status line: no control characters, bidi overrides or line
    /// breaks (a newline would forge a second line; ESC would reach the web UI's terminal), and
    /// no `|` (what follows it is read as performance data).
    static func safe(_ text: String) -> String {
        TerminalSafeText.clean(text.replacingOccurrences(of: "|", with: "/"))
    }

    /// At most this many crossings are named; the rest are counted (10,000 matching rules once
    /// made a 357 KB line).
    static let listedCrossings = 8

    static func listed(_ crossed: [String]) -> String {
        guard crossed.count > listedCrossings else { return crossed.joined(separator: ", ") }
        return crossed.prefix(listedCrossings).joined(separator: ", ") + " and \(crossed.count - listedCrossings) more"
    }

    /// The OK line's words: what a person on call wants first.
    static func summary(_ stats: QuickStats) -> String {
        var parts: [String] = []
        let input = MetricInput(stats: stats)
        func add(_ id: MetricID, _ words: (String) -> String) {
            if let value = id.metric.value(input) { parts.append(words(display(value, id.metric))) }
        }
        add(.activeCallsTotal) { "\($0) active calls" }
        add(.todayCalls) { "\($0) calls today" }
        add(.todayRevenue) { "revenue \($0)" }
        add(.todayPrice) { "price \($0)" }
        add(.todayMargin) { "margin \($0)" }
        add(.balance) { "balance \($0)" }
        return parts.isEmpty ? "answered" : parts.joined(separator: ", ")
    }

    static func display(_ value: Decimal, _ metric: Metric) -> String {
        MetricFormat.format(value, kind: metric.kind) ?? "\(value)"
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}

/// Performance data in the plugin format: `'label'=value[UOM];warn;crit;min;max`, one item per
/// metric in the answer, thresholds as Nagios ranges where a condition names the metric.
package enum PerfData {
    package static func line(_ stats: QuickStats, conditions: [CheckCondition]) -> String {
        let input = MetricInput(stats: stats)
        return MetricTable.all.filter(CheckCondition.isCheckable).compactMap { metric -> String? in
            guard let value = metric.value(input) else { return nil }
            func range(_ severity: Severity) -> String {
                CheckCondition.nagiosRange(conditions.filter { $0.metric == metric && $0.severity == severity }) ?? ""
            }
            let warn = range(.warning), crit = range(.critical)
            var item = "\(metric.path)=\(number(value))\(unit(metric.kind));\(warn);\(crit)"
            if let minimum = minimum(metric.kind) { item += ";\(minimum)" }
            while item.hasSuffix(";") { item.removeLast() }
            return item
        }.joined(separator: " ")
    }

    /// Seconds and percents carry their unit; counts and money none ("c" would claim a
    /// counter that never goes down, and today's calls do at midnight).
    static func unit(_ kind: MetricKind) -> String {
        switch kind {
        case .duration: return "s"
        case .percent: return "%"
        case .count, .money, .rate, .text: return ""
        }
    }

    static func minimum(_ kind: MetricKind) -> String? {
        switch kind {
        case .count, .duration: return "0"
        case .money, .percent, .rate, .text: return nil
        }
    }

    /// A plain decimal number: digits, a point, maybe a minus; never an exponent or a grouping.
    /// At most six places (the server's money has six; a derived ACD would have thirty).
    package static func number(_ value: Decimal) -> String {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, 6, .plain)
        var text = NSDecimalNumber(decimal: rounded).description(withLocale: Locale(identifier: "en_US_POSIX"))
        if text.contains("."), !text.contains("e"), !text.contains("E") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
