import ArgumentParser
import Watch
import Foundation
import History
import M4API
import PluginCheck

/// `m4top check`: a Nagios/Icinga plugin for one user. One line, `M4 OK|WARNING|CRITICAL|UNKNOWN
/// - ...`, performance data after `|`, exit 0/1/2/3. Every failure (a bad flag, the config, the
/// network, the API) is UNKNOWN, and it never runs longer than `--timeout` plus a second.
package struct CheckCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check one user's numbers, as a Nagios/Icinga plugin (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).",
        usage: "m4top check [--profile NAME] [--user NAME] [--warning 'PATH<N' ...] [--critical 'PATH<N' ...] [<options>]",
        discussion: """
        Conditions are PATH<N or PATH>N on the metric paths, in the screen's units (a margin of 10 is 10 %):
          m4top check --profile prod --user admin --critical 'active_calls.total<1' --warning 'today.margin<10'

        Without --warning and --critical, the config's [[alerts]] rules with below/above apply (their \
        `for` does not: a check sees one answer).

        Paths: \(CheckCondition.checkablePaths.joined(separator: ", ")).
        """
    )

    @OptionGroup package var server: ServerOptions

    // Arrays only so that a second --user or --profile is refused, not silently taken.
    @Option(name: .customLong("user"), help: ArgumentHelp("The user to check (default: the profile's first user, else admin).", valueName: "name"))
    package var users: [String] = []

    @Option(name: .customLong("profile"), help: ArgumentHelp("The profile (server) from the config file to check; needed when the config watches several.", valueName: "name"))
    package var profiles: [String] = []

    @Option(name: .long, help: ArgumentHelp("A condition that makes the check WARNING, e.g. 'today.margin<10' (repeatable).", valueName: "PATH<N"))
    package var warning: [String] = []

    @Option(name: .long, help: ArgumentHelp("A condition that makes the check CRITICAL, e.g. 'active_calls.total<1' (repeatable).", valueName: "PATH<N"))
    package var critical: [String] = []

    /// What a server that cannot be reached is: UNKNOWN by the plugin guidelines, or CRITICAL as
    /// check_http and check_tcp say for a refused port (for NOCs that do not page on UNKNOWN).
    package enum Unreachable: String, Sendable, CaseIterable, ExpressibleByArgument {
        case unknown, critical
    }

    @Option(name: .long, help: ArgumentHelp("A server that cannot be reached (refused, no answer in time, TLS failure): unknown (the default) or critical.", valueName: "unknown|critical"))
    package var unreachable: Unreachable = .unknown

    @Flag(name: [.customShort("V"), .customLong("version")], help: "Print the plugin's version and exit 3, as monitoring plugins do.")
    package var showVersion = false

    package init() {}

    package func validate() throws {
        if showVersion { return }
        if users.count > 1 { throw ValidationError("check looks at one user: give --user once") }
        if profiles.count > 1 { throw ValidationError("check looks at one server: give --profile once") }
    }

    package func run() async throws {
        if showVersion {
            print("m4top check \(M4TopVersion.long)")
            throw ExitRequest(ExitStatus(rawValue: PluginReport.Status.unknown.rawValue))
        }
        let report = await check()
        // Written at once, and checked: a line Nagios never got (stdout on a full disk, a closed
        // pipe) is no verdict.
        let bytes = Array((report.line + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if written != bytes.count {
            Console.error("m4top check: could not write the status line (\(String(cString: strerror(errno))))")
            throw ExitRequest(ExitStatus(rawValue: PluginReport.Status.unknown.rawValue))
        }
        throw ExitRequest(ExitStatus(rawValue: report.status.rawValue))
    }

    func check() async -> PluginReport {
        let conditions: [CheckCondition]
        do throws(CheckCondition.Invalid) {
            conditions = try warning.map { text throws(CheckCondition.Invalid) in try CheckCondition(parsing: text, severity: .warning) }
                + critical.map { text throws(CheckCondition.Invalid) in try CheckCondition(parsing: text, severity: .critical) }
        } catch {
            return .unknown(error.message)
        }
        let settings: RunSettings
        do throws(ConfigError) {
            settings = try SettingsResolver.resolve(server.flags(users: users, profiles: profiles), environment: ProcessInfo.processInfo.environment)
        } catch {
            return .unknown(error.message)
        }
        if settings.isAutomaticDemo {
            return .unknown(ExporterCommand.nothingConfigured(ProcessInfo.processInfo.environment, verb: "check"))
        }
        let named = settings.servers.filter { !$0.isDemo }
        if named.count > 1 {
            return .unknown("the config watches \(named.map(\.name).joined(separator: ", ")): name one server with --profile")
        }
        guard let server = settings.servers.first else { return .unknown("no server configured") }
        let user = users.first ?? (server.allUsers || server.users.isEmpty ? server.adminName : server.users[0])
        let subject = (server.name.isEmpty ? "" : "\(server.name) ") + user
        let rules = conditions.isEmpty ? CheckCondition.fromRules(settings.alertRules ?? [], user: user) : conditions

        let target: ServerTarget
        do throws(ConfigError) {
            target = try await ServerTarget.open(server)
        } catch {
            return .unknown(error.message, subject: subject)
        }
        let result = await Self.fetch(user: user, from: target.client, within: server.timeout + 0.5)
        await target.close()
        switch result {
        case .success(let stats):
            guard rules.contains(where: \.percentOfBaseline) else { return .evaluate(stats, conditions: rules, subject: subject) }
            switch Self.againstBaseline(rules, settings: settings, server: server, user: user, timeZone: target.setup.timeZone) {
            case .success(let absolute): return .evaluate(stats, conditions: absolute, subject: subject)
            case .failure(let reason): return .unknown(reason.message, subject: subject)
            }
        case .failure(let error):
            let kind = error.kind == .api ? "the server answered" : "\(error.kind.rawValue) error"
            return unreached("\(kind): \(error.message)", subject: subject, isUnreachable: error.kind == .transport)
        case nil:
            return unreached("no answer within \(MetricFormat.count(Decimal(server.timeout))) s (timeout)", subject: subject, isUnreachable: true)
        }
    }

    /// `PATH<N%baseline` conditions made absolute from the history store's same time last week
    /// (read-only). No store, or no row then: UNKNOWN with the reason, never a guess.
    static func againstBaseline(_ rules: [CheckCondition], settings: RunSettings, server: ServerSettings, user: String,
                                timeZone: TimeZone, now: Date = Date()) -> Result<[CheckCondition], CheckCondition.Invalid> {
        guard let path = settings.historyPath else {
            return .failure(.init(message: "a %baseline condition needs the history store, and history is off"))
        }
        let store: HistoryStore
        do throws(HistoryError) { store = try HistoryStore.openReadOnly(path: path) } catch {
            return .failure(.init(message: "a %baseline condition needs the history store: \(error.message)"))
        }
        let name = server.storeName
        let lastWeek: BaselineValues?
        do throws(HistoryError) { lastWeek = try store.baseline(server: name, user: user, now: now, timeZone: timeZone).lastWeek } catch {
            return .failure(.init(message: error.message))
        }
        var absolute: [CheckCondition] = []
        for rule in rules {
            guard rule.percentOfBaseline else { absolute.append(rule); continue }
            guard let base = rule.metric.id.flatMap({ lastWeek?.base(of: $0, below: rule.comparison == .below) }) else {
                let when = BaselineMoment.moment(.lastWeek, at: now, timeZone: timeZone)?.label(timeZone: timeZone) ?? "a week ago"
                return .failure(.init(message: "no baseline for \(rule.metric.path): \(path) has no row for \(name) \(user) at \(when) (m4top exporter or a dashboard records them)"))
            }
            absolute.append(rule.against(base: base))
        }
        return .success(absolute)
    }

    /// A failure before any answer: UNKNOWN, or CRITICAL for an unreachable server when asked.
    func unreached(_ message: String, subject: String, isUnreachable: Bool) -> PluginReport {
        guard isUnreachable, unreachable == .critical else { return .unknown(message, subject: subject) }
        return .critical(message, subject: subject)
    }

    /// The fetch, or nil when it outlives `seconds` (the client's own timeout should end it
    /// first; this is the plugin's promise to its scheduler).
    static func fetch(user: String, from client: M4Client, within seconds: Double) async -> Result<QuickStats, FetchError>? {
        await withTaskGroup(of: Result<QuickStats, FetchError>?.self) { group in
            group.addTask { await client.fetchResult(user: user) }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
