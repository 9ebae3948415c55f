import Watch
import Foundation
import M4API
@testable import PluginCheck
import Testing
import TextSafety

@Suite("check: conditions, the status line, performance data")
struct PluginCheckTests {
    static func condition(_ text: String, _ severity: Severity = .critical) throws -> CheckCondition {
        try CheckCondition(parsing: text, severity: severity)
    }

    @Test("PATH<N and PATH>N on the metric paths, in the screen's units")
    func parsing() throws {
        let margin = try Self.condition("today.margin<10", .warning)
        #expect(margin.metric.path == "today.margin" && margin.comparison == .below && margin.threshold == 10 && margin.severity == .warning)
        let calls = try Self.condition(" active_calls.total > 250.5 ")
        #expect(calls.comparison == .above && calls.threshold == Decimal(string: "250.5"))
        #expect(try Self.condition("today.profit<-3").threshold == -3)
    }

    @Test("Mistakes are UNKNOWN with their reason", arguments: [
        ("today.margin=10", "expected PATH<N, PATH>N or PATH<N%baseline"),
        ("today.bogus<1", "unknown metric 'today.bogus'"),
        ("today.calls_per_minute<1", "needs more than one answer"),
        ("stale>60", "needs more than one answer"),
        ("today.margin<ten", "'ten' is not a number"),
        ("today.margin<", "'' is not a number"),
        ("today.margin<1e3", "'1e3' is not a number"),
    ])
    func mistakes(text: String, message: String) {
        #expect { try CheckCondition(parsing: text, severity: .warning) } throws: {
            ($0 as? CheckCondition.Invalid)?.message.contains(message) == true
        }
    }

    @Test("OK names the numbers on-call wants; perfdata has every metric of the answer")
    func ok() {
        let report = PluginReport.evaluate(Answers.seed, conditions: [], subject: "prod admin")
        #expect(report.status == .ok)
        #expect(report.line.hasPrefix("M4 OK - prod admin: 0 active calls, 4 calls today, revenue 1.45, margin 54% | "))
        let perf = report.line.split(separator: "|", maxSplits: 1)[1]
        #expect(perf.contains(" today.revenue=1.4475 "))
        #expect(perf.contains(" today.margin=54% "))
        #expect(perf.contains(" today.duration=345s;;;0 "))
        #expect(perf.contains(" month.self_cost=3.734166 "))
        #expect(perf.contains(" active_calls.total=0;;;0"))
        #expect(!report.line.contains("\n"))
    }

    @Test("The worst crossing decides; each names its metric, value and threshold; Nagios ranges in perfdata")
    func crossings() throws {
        let conditions = [try Self.condition("today.margin<60", .warning), try Self.condition("active_calls.total<1", .critical),
                          try Self.condition("today.revenue>1000", .critical)]
        let report = PluginReport.evaluate(Answers.seed, conditions: conditions, subject: "prod admin")
        #expect(report.status == .critical)
        #expect(report.line.hasPrefix("M4 CRITICAL - prod admin: today.margin 54% below 60% (warning), active_calls.total 0 below 1 (critical) | "))
        #expect(report.line.contains(" today.margin=54%;60:"))
        #expect(report.line.contains(" active_calls.total=0;;1:;0"))
        #expect(report.line.contains(" today.revenue=1.4475;;~:1000"))
        let warning = PluginReport.evaluate(Answers.admin(active: 9), conditions: conditions, subject: "prod admin")
        #expect(warning.status == .warning)
        #expect(warning.line.hasPrefix("M4 WARNING - prod admin: today.margin 54% below 60% (warning) | "))
    }

    @Test("A condition on a number the answer lacks is UNKNOWN, not OK")
    func missing() throws {
        let report = PluginReport.evaluate(Answers.simpleUser(activeShown: false), conditions: [try Self.condition("active_calls.total<1")],
                                           subject: "prod alice")
        #expect(report.status == .unknown)
        #expect(report.line.hasPrefix("M4 UNKNOWN - prod alice: not in the server's answer: active_calls.total | "))
        #expect(report.line.contains("balance=42.5"))
    }

    @Test("[[alerts]] rules with below/above become conditions for the users they name")
    func fromRules() {
        let rules = [AlertRule(name: "calls", metric: .activeCallsTotal, condition: .below(1), forSeconds: 30, severity: .critical, users: ["admin"]),
                     AlertRule(name: "loss", metric: .todayMargin, condition: .below(0), severity: .warning)] + AlertRule.builtIns
        let admin = CheckCondition.fromRules(rules, user: "admin")
        #expect(admin.map(\.text) == ["active_calls.total<1", "today.margin<0", "today.margin<0"])
        #expect(CheckCondition.fromRules(rules, user: "alice").map(\.text) == ["today.margin<0", "today.margin<0"])
    }

    @Test("UNKNOWN lines stay one line, with no perfdata separator from the error's text")
    func unknown() {
        let report = PluginReport.unknown("the server answered: a | b\nc\u{1B}[2J", subject: "prod admin")
        #expect(report.status == .unknown && report.status.rawValue == 3)
        #expect(report.line == "M4 UNKNOWN - prod admin: the server answered: a / b c\u{FFFD}[2J")
    }

    @Test("A hostile subject cannot reach the terminal, forge a line or inject perfdata", arguments: [
        "\u{1B}[31mX\u{07}\u{202E}", "prod\nM4 OK - all fine", "x | fake=1;;;0 ",
    ])
    func hostileSubject(subject: String) {
        let conditions = [try! CheckCondition(parsing: "active_calls.total<1", severity: .critical)]
        for report in [PluginReport.evaluate(Answers.seed, conditions: conditions, subject: subject),
                       PluginReport.evaluate(Answers.seed, conditions: [], subject: subject),
                       PluginReport.unknown("refused", subject: subject)] {
            #expect(!report.line.unicodeScalars.contains(where: TerminalSafeText.isUnsafe), "\(report.line.debugDescription)")
            #expect(report.line.split(separator: "|").count <= 2, "one perfdata separator at most: \(report.line)")
            #expect(!report.line.split(separator: "|").dropFirst().joined().contains("fake"), "no injected perfdata: \(report.line)")
        }
    }

    @Test("10,000 crossed rules make a short line: the first few named, the rest counted")
    func manyCrossings() {
        let conditions = (0..<10_000).map { try! CheckCondition(parsing: "active_calls.total<\($0 + 1)", severity: .warning) }
        let report = PluginReport.evaluate(Answers.seed, conditions: conditions, subject: "prod admin")
        #expect(report.status == .warning)
        #expect(report.line.contains("and 9992 more"), "\(report.line.prefix(400))")
        #expect(report.line.utf8.count < 1_500, "\(report.line.utf8.count) bytes")
    }

    @Test("Perfdata numbers are plain decimals", arguments: [("1.4475", "1.4475"), ("100", "100"), ("-0.5", "-0.5"), ("2.500", "2.5"), ("0", "0")])
    func numbers(input: String, output: String) {
        #expect(PerfData.number(Decimal(string: input)!) == output)
    }
}
