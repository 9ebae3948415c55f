import Watch
import Foundation

/// One threshold of `m4top check`: `--warning 'today.margin<10'`, `--critical 'active_calls.total<1'`,
/// or a `[[alerts]]` rule with `below`/`above`. Values are in the units the screen uses (a margin
/// of 10 is 10 %).
package struct CheckCondition: Sendable, Equatable {
    package enum Comparison: String, Sendable {
        case below = "<", above = ">"
    }

    package let metric: Metric
    package let comparison: Comparison
    package let threshold: Decimal
    package let severity: Severity
    /// `PATH<N%baseline`: `threshold` is a percent of the same time last week, made absolute by
    /// `against(base:)` before the answer is judged.
    package let percentOfBaseline: Bool

    package init(metric: Metric, comparison: Comparison, threshold: Decimal, severity: Severity, percentOfBaseline: Bool = false) {
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
        self.severity = severity
        self.percentOfBaseline = percentOfBaseline
    }

    /// The condition with its threshold in the metric's units: N % of `base`.
    package func against(base: Decimal) -> CheckCondition {
        CheckCondition(metric: metric, comparison: comparison, threshold: base * threshold / 100, severity: severity)
    }

    /// The suffix that makes a threshold a percent of last week's value.
    package static let baselineSuffix = "%baseline"

    /// A usage mistake: the plugin says UNKNOWN with these words.
    package struct Invalid: Error, Sendable, Equatable {
        package let message: String

        package init(message: String) { self.message = message }
    }

    /// `PATH<N` or `PATH>N`, e.g. `today.margin<10`; `PATH<N%baseline` for N % of the same time
    /// last week (from the history store), e.g. `today.calls<50%baseline`.
    package init(parsing text: String, severity: Severity) throws(Invalid) {
        let flag = "--\(severity.rawValue) '\(text)'"
        guard let index = text.firstIndex(where: { $0 == "<" || $0 == ">" }), let comparison = Comparison(rawValue: String(text[index])) else {
            throw Invalid(message: "\(flag): expected PATH<N, PATH>N or PATH<N%baseline, e.g. 'active_calls.total<1'")
        }
        let path = text[..<index].trimmingCharacters(in: .whitespaces)
        var number = text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
        let relative = number.lowercased().hasSuffix(Self.baselineSuffix)
        if relative { number = String(number.dropLast(Self.baselineSuffix.count)).trimmingCharacters(in: .whitespaces) }
        guard let metric = MetricID(path: path)?.metric else {
            throw Invalid(message: "\(flag): unknown metric '\(path)'; one of: \(Self.checkablePaths.joined(separator: ", "))")
        }
        guard Self.isCheckable(metric) else {
            throw Invalid(message: "\(flag): \(path) needs more than one answer; one of: \(Self.checkablePaths.joined(separator: ", "))")
        }
        guard let threshold = Decimal(string: number, locale: Locale(identifier: "en_US_POSIX")), !number.isEmpty,
              number.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }) else {
            throw Invalid(message: "\(flag): '\(number)' is not a number")
        }
        if relative && threshold <= 0 { throw Invalid(message: "\(flag): a percent of last week must be more than 0") }
        self.init(metric: metric, comparison: comparison, threshold: threshold, severity: severity, percentOfBaseline: relative)
    }

    /// The `[[alerts]]` rules that a single answer can decide, for this user.
    package static func fromRules(_ rules: [AlertRule], user: String) -> [CheckCondition] {
        rules.compactMap { rule in
            guard rule.applies(to: user), let metric = rule.metric?.metric, isCheckable(metric) else { return nil }
            switch rule.condition {
            case .below(let limit): return CheckCondition(metric: metric, comparison: .below, threshold: limit, severity: rule.severity)
            case .above(let limit): return CheckCondition(metric: metric, comparison: .above, threshold: limit, severity: rule.severity)
            // A baseline rule needs the history store, which the check does not read.
            case .fellToZero, .serverSilent, .belowBaseline, .aboveBaseline: return nil
            }
        }
    }

    /// What one answer can tell: not the rates (they need two answers), not `stale`.
    package static func isCheckable(_ metric: Metric) -> Bool {
        !metric.needsHistory && metric.source != .staleness
    }

    package static var checkablePaths: [String] { MetricTable.all.filter(isCheckable).map(\.path) }

    package func isCrossed(by value: Decimal) -> Bool {
        comparison == .below ? value < threshold : value > threshold
    }

    /// The one Nagios range that alerts exactly when any of `conditions` (one metric, one
    /// severity) is crossed, per the plugin guidelines' grammar (a range alerts outside
    /// `start:end`; `@` alerts inside): below L is `L:`, above U is `~:U`, both a band `L:U`.
    /// Below L and above U with U < L leave no value clear: `@~:` (alert always). Nil: none.
    package static func nagiosRange(_ conditions: [CheckCondition]) -> String? {
        let lower = conditions.filter { $0.comparison == .below }.map(\.threshold).max()
        let upper = conditions.filter { $0.comparison == .above }.map(\.threshold).min()
        switch (lower, upper) {
        case (nil, nil): return nil
        case (let low?, nil): return "\(PerfData.number(low)):"
        case (nil, let high?): return "~:\(PerfData.number(high))"
        case (let low?, let high?):
            return low <= high ? "\(PerfData.number(low)):\(PerfData.number(high))" : "@~:"
        }
    }

    /// "today.margin<10", as written.
    package var text: String { "\(metric.path)\(comparison.rawValue)\(PerfData.number(threshold))" }
}
