import ArgumentParser
import Watch
import Foundation
import History

/// `m4top history`: the stored snapshots as CSV (a header row, one row per snapshot) or one
/// JSON object per line, for a spreadsheet or `jq`. An empty result is not an error.
package struct HistoryCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print the stored snapshots (CSV or JSON lines).",
        usage: """
        m4top history [--profile NAME] [--user NAME] [--since 24h|TIME] [--until TIME] [--format csv|json] [--config PATH]
          m4top history --at TIME [--profile NAME] [--user NAME] [--format csv|json]
          m4top history --alerts [--since 24h|TIME] [--until TIME] [--format csv|json]
        """,
        discussion: """
        Columns: time (UTC, ISO 8601), server (the profile's name, or the URL), \
        user, status (ok, error, or minute for a minute's last values older than a day), error (its kind), then \
        every metric path. --at TIME: one row per server and user, its latest at or before TIME (the fleet as it \
        stood then). --alerts: the alert log instead (time, server, user, event, severity, rule, value). \
        TIME: 2h (ago), 03:12, yesterday 14:00, 2026-11-30 14:00 (local), or with Z or an offset. \
        The store: $XDG_STATE_HOME/m4top/history.sqlite, or the config's history = "PATH".
        """
    )

    @Option(name: .long, help: ArgumentHelp("Config file (for its history path).", valueName: "path"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The store to read (default: the config's history, else $XDG_STATE_HOME/m4top/history.sqlite).", valueName: "path"))
    var history: String?

    @Option(name: .customLong("profile"), help: ArgumentHelp("Only this server (a profile's name, or the URL it was watched by).", valueName: "name"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Only this user.", valueName: "name"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp("From: an age (90s, 30m, 24h, 7d) or a time (2026-11-28T10:00, local; or with Z).", valueName: "when"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Until: as --since.", valueName: "when"))
    var until: String?

    @Option(name: .long, help: ArgumentHelp("The fleet as of this moment: each user's latest row at or before it.", valueName: "when"))
    var at: String?

    @Flag(name: .long, help: "The alert log (fired, resolved, acknowledged, ended) instead of snapshots.")
    var alerts = false

    @Option(name: .long, help: "csv or json (one object per line).")
    var format: Format = .csv

    @Flag(name: .long, help: "Convert a store written by an earlier m4top to this version's layout first (in place, once; the only time this command writes).")
    var convert = false

    enum Format: String, ExpressibleByArgument {
        case csv, json
    }

    package init() {}

    package func validate() throws {
        if let since, Self.parseWhen(since, now: Date()) == nil { throw ValidationError("--since: '\(since)' is not an age (24h) or a time (2026-11-28T10:00)") }
        if let until, Self.parseWhen(until, now: Date()) == nil { throw ValidationError("--until: '\(until)' is not an age (24h) or a time (2026-11-28T10:00)") }
        if let at, Self.parseWhen(at, now: Date()) == nil { throw ValidationError("--at: '\(at)' is not an age (2h), a time of day (03:12) or a date and time (2026-11-28 10:00)") }
        if at != nil && (since != nil || until != nil) { throw ValidationError("--at is one moment: it excludes --since and --until") }
        if at != nil && alerts { throw ValidationError("--at and --alerts exclude each other (use --until for the log up to a moment)") }
    }

    package func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let path: String
        do {
            var flags = ConnectionFlags()
            flags.configPath = config
            if let history {
                path = FileAccess.expandTilde(history, environment: environment)
            } else {
                path = try Self.storePath(flags: flags, environment: environment)
            }
        } catch {
            Console.error("m4top history: \(error.message)")
            throw ExitRequest(.usage)
        }
        let now = Date()
        var snapshots: [StoredSnapshot] = []
        var events: [StoredAlertEvent] = []
        if FileManager.default.fileExists(atPath: path) {
            do {
                // The writer's open migrates in place; a file that is not a store is still an error.
                if convert, (try? HistoryStore.openReadOnly(path: path)) == nil {
                    var converting = false
                    try HistoryStore.openReadOnlyOrConvert(path: path) { notice in
                        converting = true
                        Console.error("m4top history: \(notice)")
                    }
                    if converting { Console.error("m4top history: converted \(path) to this version's layout") }
                }
                // Read-only: a broken file is reported, never moved aside or replaced.
                let store = try HistoryStore.openReadOnly(path: path)
                let from = since.flatMap { Self.parseWhen($0, now: now) }, to = until.flatMap { Self.parseWhen($0, now: now) }
                if alerts {
                    events = try store.alertEvents(since: from, until: to)
                        .filter { (server == nil || $0.server == server) && (user == nil || $0.user == user) }
                } else if let moment = at.flatMap({ Self.parseWhen($0, now: now) }) {
                    snapshots = try store.fleet(at: moment, server: server, user: user)
                } else {
                    snapshots = try store.snapshots(server: server, user: user, since: from, until: to)
                }
                if store.damagedRows > 0 {
                    Console.error("m4top history: skipped \(store.damagedRows) damaged row\(store.damagedRows == 1 ? "" : "s") in \(path) (a value of the wrong type)")
                }
            } catch {
                Console.error("m4top history: \(error.message)")
                throw ExitRequest(.transport)
            }
        } else {
            Console.error("m4top history: no store at \(path) yet: nothing has been recorded")
        }
        if alerts {
            FileHandle.standardOutput.write(Data(Self.alertLog(events, format: format).utf8))
            return
        }
        let ids = MetricTable.storedMetrics.compactMap(\.id)
        var out = ""
        switch format {
        case .csv:
            out += (["time", "server", "user", "status", "error"] + ids.map(\.path)).joined(separator: ",") + "\n"
            for snapshot in snapshots { out += Self.csvRow(snapshot, metrics: ids) + "\n" }
        case .json:
            for snapshot in snapshots { out += Self.jsonLine(snapshot, metrics: ids) + "\n" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// The store's path from the config (`history`), else the default; "off" is an error here.
    static func storePath(flags: ConnectionFlags, environment: [String: String]) throws(ConfigError) -> String {
        let defaultPath = ConfigFile.defaultPath(environment: environment)
        var file: ConfigFile?
        if let configPath = flags.configPath.map({ FileAccess.expandTilde($0, environment: environment) }) {
            file = try ConfigFile.load(path: configPath)
        } else if FileManager.default.fileExists(atPath: defaultPath) {
            file = try ConfigFile.load(path: defaultPath)
        }
        switch file?.history {
        case "off"?: throw ConfigError("\(file?.path ?? "config"): history = \"off\": nothing is stored")
        case let path?: return FileAccess.expandTilde(path, environment: environment)
        case nil: return HistoryStore.defaultPath(environment: environment)
        }
    }

    /// `24h`, `30m`, `90s`, `7d` before now; `03:12`, `yesterday 14:00`; or a date and time,
    /// local when it has no zone (`MomentText`).
    static func parseWhen(_ text: String, now: Date) -> Date? {
        MomentText.parse(text, now: now, timeZone: .current)
    }

    /// The alert log, oldest first: CSV with a header, or one JSON object per line.
    static func alertLog(_ events: [StoredAlertEvent], format: Format) -> String {
        var out = format == .csv ? "time,server,user,event,severity,rule,value\n" : ""
        for event in events {
            let fields: [(String, String?)] = [("time", timeText(event.time)), ("server", event.server), ("user", event.user),
                                               ("event", event.kind.rawValue), ("severity", event.severity.rawValue),
                                               ("rule", event.rule), ("value", event.value)]
            switch format {
            case .csv: out += fields.map { csvField($0.1 ?? "") }.joined(separator: ",") + "\n"
            case .json: out += "{" + fields.compactMap { name, value in value.map { "\"\(name)\": \(jsonString($0))" } }.joined(separator: ", ") + "}\n"
            }
        }
        return out
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    static func timeText(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func status(_ snapshot: StoredSnapshot) -> String {
        snapshot.isMinute ? "minute" : snapshot.ok ? "ok" : "error"
    }

    static func csvRow(_ snapshot: StoredSnapshot, metrics ids: [MetricID]) -> String {
        let fixed = [timeText(snapshot.time), csvField(snapshot.server), csvField(snapshot.user), status(snapshot), snapshot.errorKind ?? ""]
        return (fixed + ids.map { snapshot.metrics[$0].map { "\($0)" } ?? "" }).joined(separator: ",")
    }

    /// One object per line; numbers as exact decimal text (JSON numbers), absent ones left out.
    static func jsonLine(_ snapshot: StoredSnapshot, metrics ids: [MetricID]) -> String {
        let string = jsonString
        var parts = ["\"time\": \(string(timeText(snapshot.time)))", "\"server\": \(string(snapshot.server))",
                     "\"user\": \(string(snapshot.user))", "\"status\": \(string(status(snapshot)))"]
        if let kind = snapshot.errorKind { parts.append("\"error\": \(string(kind))") }
        for id in ids { if let value = snapshot.metrics[id] { parts.append("\(string(id.path)): \(value)") } }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
