import Foundation

/// How loud an alert is.
package enum Severity: String, Sendable, CaseIterable, Comparable {
    case warning, critical

    /// The word a firing alert carries on screen (colour never carries it alone).
    package var word: String { self == .critical ? "CRIT" : "WARN" }

    package static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .critical }
}

/// One rule: a condition on a metric (or on a server's silence) that must hold `forSeconds`
/// before the alert fires.
package struct AlertRule: Sendable, Equatable {
    package enum Condition: Sendable, Equatable {
        case below(Decimal)
        case above(Decimal)
        /// Active calls fell to zero from at least this many (the classic outage signal).
        case fellToZero(from: Decimal)
        /// A server has failed every request for this many intervals.
        case serverSilent(intervals: Double)
        /// Below / above this percent of the same time last week (from the history store), judged
        /// only when last week's value was at least `minBaseline` (quiet nights stay quiet).
        case belowBaseline(percent: Decimal, minBaseline: Decimal)
        case aboveBaseline(percent: Decimal, minBaseline: Decimal)
    }

    package var name: String
    /// The metric it watches; nil for `serverSilent`.
    package var metric: MetricID?
    package var condition: Condition
    package var forSeconds: TimeInterval
    package var severity: Severity
    /// User names it applies to; nil: every watched user.
    package var users: [String]?

    package init(name: String, metric: MetricID?, condition: Condition, forSeconds: TimeInterval = 0,
                 severity: Severity = .critical, users: [String]? = nil) {
        self.name = name
        self.metric = metric
        self.condition = condition
        self.forSeconds = forSeconds
        self.severity = severity
        self.users = users
    }

    /// Without `[[alerts]]` in the config: active calls falling to zero from 5 or more, a server
    /// that does not answer for 3 intervals, and selling at a loss for 5 minutes.
    package static let builtIns: [AlertRule] = [
        AlertRule(name: "active calls fell to zero", metric: .activeCallsTotal, condition: .fellToZero(from: 5),
                  severity: .critical),
        AlertRule(name: "server not answering", metric: nil, condition: .serverSilent(intervals: 3), severity: .critical),
        AlertRule(name: "selling at a loss", metric: .todayMargin, condition: .below(0), forSeconds: 300, severity: .warning),
    ]

    /// `baseline_alert = true`: the classic outage is not zero but half of what it always is at
    /// this hour. Active calls below 50 % of the same minute last week for 10 minutes, when last
    /// week had at least 10.
    package static let baselineBuiltIn = AlertRule(name: "active calls below half of last week", metric: .activeCallsTotal,
                                                   condition: .belowBaseline(percent: 50, minBaseline: 10), forSeconds: 600,
                                                   severity: .warning)

    /// The rule in a few words, for the help screen, the log and the README.
    package var summary: String {
        switch condition {
        case .below(let limit): return "\(metric?.path ?? "?") below \(limit)" + forText
        case .above(let limit): return "\(metric?.path ?? "?") above \(limit)" + forText
        case .fellToZero(let from): return "\(metric?.path ?? "?") falls to 0 from \(from) or more" + forText
        case .serverSilent(let intervals): return "no answer from a server for \(MetricFormat.count(Decimal(intervals))) intervals"
        case .belowBaseline(let percent, let minimum):
            return "\(metric?.path ?? "?") below \(percent)% of the same time last week (when that was \(minimum) or more)" + forText
        case .aboveBaseline(let percent, let minimum):
            return "\(metric?.path ?? "?") above \(percent)% of the same time last week (when that was \(minimum) or more)" + forText
        }
    }

    private var forText: String {
        forSeconds > 0 ? " for \(MetricFormat.age(forSeconds))" : ""
    }

    package func applies(to user: String) -> Bool {
        users.map { $0.contains(user) } ?? true
    }

    /// Is the condition met by `value`? (`fellToZero` and `serverSilent` are decided by the
    /// book, which knows the history.)
    func holds(_ value: Decimal) -> Bool {
        switch condition {
        case .below(let limit): return value < limit
        case .above(let limit): return value > limit
        case .fellToZero, .serverSilent, .belowBaseline, .aboveBaseline: return false
        }
    }

    /// A baseline rule against `base` (last week's value at this time): does `value` break it,
    /// and is it clear of it by 5 % (hysteresis)? Nil when the rule is not a baseline rule or
    /// there is nothing to judge against (no base, or a base under `minBaseline`).
    func judge(_ value: Decimal, base: Decimal?) -> (holds: Bool, clear: Bool)? {
        switch condition {
        case .belowBaseline(let percent, let minimum):
            guard let base, base >= minimum else { return nil }
            let threshold = base * percent / 100
            return (value < threshold, value >= threshold * Decimal(string: "1.05")!)
        case .aboveBaseline(let percent, let minimum):
            guard let base, base >= minimum else { return nil }
            let threshold = base * percent / 100
            return (value > threshold, value <= threshold * Decimal(string: "0.95")!)
        default:
            return nil
        }
    }

    /// Last week's value a baseline rule compares with (`BaselineValues.base`).
    package func base(from lastWeek: BaselineValues?) -> Decimal? {
        guard let metric else { return nil }
        if case .aboveBaseline = condition { return lastWeek?.base(of: metric, below: false) }
        return lastWeek?.base(of: metric, below: true)
    }

    package var isBaselineRule: Bool {
        switch condition {
        case .belowBaseline, .aboveBaseline: return true
        default: return false
        }
    }

    /// Is `value` clear of the threshold by the hysteresis band (so a value hovering on the
    /// threshold neither fires nor resolves on every poll)? The band is 5% of the threshold,
    /// at least one unit of the metric's kind (a count, a percent point, a cent, a second);
    /// for a count the next whole number is clear.
    func isClear(_ value: Decimal, kind: MetricKind) -> Bool {
        switch condition {
        case .below(let limit): return value >= limit + band(limit, kind)
        case .above(let limit): return value <= limit - band(limit, kind)
        case .fellToZero, .serverSilent, .belowBaseline, .aboveBaseline: return true
        }
    }

    private func band(_ limit: Decimal, _ kind: MetricKind) -> Decimal {
        let magnitude = limit < 0 ? -limit : limit
        let relative = magnitude * Decimal(string: "0.05")!
        switch kind {
        case .count: return 0
        case .percent: return max(relative, 1)
        case .money: return max(relative, Decimal(string: "0.01")!)
        case .duration: return max(relative, 1)
        case .rate, .text: return relative
        }
    }
}
