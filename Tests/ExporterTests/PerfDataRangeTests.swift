import Foundation
@testable import PluginCheck
import Testing
import Watch

/// The plugin guidelines' range grammar, read by code written apart from the generator: a
/// range `[@]start:end` (start `~` for minus infinity, end empty for plus infinity, `N` alone
/// for `0:N`) alerts when the value is outside it, or inside it with `@`.
struct GuidelinesRange {
    let inverted: Bool
    let start: Decimal?
    let end: Decimal?

    init?(_ text: String) {
        var body = Substring(text)
        inverted = body.hasPrefix("@")
        if inverted { body = body.dropFirst() }
        guard !body.isEmpty else { return nil }
        let parts = body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 1 {
            start = 0
            guard let end = Decimal(string: String(parts[0])) else { return nil }
            self.end = end
            return
        }
        if parts[0] == "~" {
            start = nil
        } else {
            guard let start = Decimal(string: String(parts[0])) else { return nil }
            self.start = start
        }
        if parts[1].isEmpty {
            end = nil
        } else {
            guard let end = Decimal(string: String(parts[1])) else { return nil }
            self.end = end
        }
        if let start, let end, start > end { return nil }
    }

    func alerts(_ value: Decimal) -> Bool {
        let inside = (start.map { value >= $0 } ?? true) && (end.map { value <= $0 } ?? true)
        return inverted ? inside : !inside
    }
}

@Suite("check: perfdata thresholds are the ranges the guidelines define")
struct PerfDataRangeTests {
    static func condition(_ text: String, _ severity: Severity = .critical) throws -> CheckCondition {
        try CheckCondition(parsing: text, severity: severity)
    }

    /// The crit field of one perfdata item.
    static func critical(_ line: String, _ label: String) -> String? {
        let perf = line.split(separator: "|", maxSplits: 1).last.map(String.init) ?? ""
        guard let item = perf.split(separator: " ").first(where: { $0.hasPrefix(label + "=") }) else { return nil }
        let fields = item.split(separator: ";", omittingEmptySubsequences: false)
        return fields.count > 2 ? String(fields[2]) : ""
    }

    @Test("A band (below and above) is one range, L:U, that alerts where the check does", arguments: [
        ["active_calls.total<1", "active_calls.total>10"],
        ["active_calls.total>10", "active_calls.total<1", "active_calls.total<3"],
        ["active_calls.total<1"],
        ["active_calls.total>10"],
        ["active_calls.total>10", "active_calls.total>4"],
        ["active_calls.total<10", "active_calls.total>4"],
        ["active_calls.total<5", "active_calls.total>5"],
    ])
    func bands(_ texts: [String]) throws {
        let conditions = try texts.map { try Self.condition($0) }
        for active in [0, 1, 2, 3, 4, 5, 6, 10, 11, 51] {
            let report = PluginReport.evaluate(Answers.admin(active: active), conditions: conditions, subject: "prod admin")
            let text = try #require(Self.critical(report.line, "active_calls.total"), "\(report.line)")
            let range = try #require(GuidelinesRange(text), "'\(text)' is not a range of the guidelines")
            #expect(range.alerts(Decimal(active)) == (report.status == .critical), "\(texts) at \(active): '\(text)', \(report.status)")
        }
    }

    @Test("The issue's case: 51 active calls with <1 and >10 critical is 1:10, read as CRITICAL")
    func reportedCase() throws {
        let conditions = [try Self.condition("active_calls.total<1"), try Self.condition("active_calls.total>10")]
        let report = PluginReport.evaluate(Answers.admin(active: 51), conditions: conditions, subject: "prod admin")
        #expect(report.status == .critical)
        #expect(report.line.contains(" active_calls.total=51;;1:10;0"), "\(report.line)")
    }
}
