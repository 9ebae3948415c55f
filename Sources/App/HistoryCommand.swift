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
        usage: "m4top history [--profile NAME] [--user NAME] [--since 24h|TIME] [--format csv|json] [--config PATH]",
        discussion: """
        Columns: time (UTC, ISO 8601), server (the profile's name, or the URL), \
        user, status (ok, error, or minute for a minute's last values older than a day), error (its kind), then \
        every metric path. The store: $XDG_STATE_HOME/m4top/history.sqlite, or the config's history = "PATH".
        """
    )

    @Option(name: .long, help: ArgumentHelp("Config file (for its history path).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("profile"), help: ArgumentHelp("Only this server (a profile's name, or the URL it was watched by).", valueName: "name"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Only this user.", valueName: "name"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp("From: an age (90s, 30m, 24h, 7d) or a time (2026-11-28T10:00, local; or with Z).", valueName: "when"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Until: as --since.", valueName: "when"))
    var until: String?

    @Option(name: .long, help: "csv or json (one object per line).")
    var format: Format = .csv

    enum Format: String, ExpressibleByArgument {
        case csv, json
    }

    package init() {}

    package func validate() throws {
        if let since, Self.parseWhen(since, now: Date()) == nil { throw ValidationError("--since: '\(since)' is not an age (24h) or a time (2026-11-28T10:00)") }
        if let until, Self.parseWhen(until, now: Date()) == nil { throw ValidationError("--until: '\(until)' is not an age (24h) or a time (2026-11-28T10:00)") }
    }

    package func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let path: String
        do {
            var flags = ConnectionFlags()
            flags.configPath = config
            path = try Self.storePath(flags: flags, environment: environment)
        } catch {
            Console.error("m4top history: \(error.message)")
            throw ExitRequest(.usage)
        }
        let now = Date()
        var snapshots: [StoredSnapshot] = []
        if FileManager.default.fileExists(atPath: path) {
            do {
                // Read-only: a broken file is reported, never moved aside or replaced.
                let store = try HistoryStore.openReadOnly(path: path)
                snapshots = try store.snapshots(server: server, user: user, since: since.flatMap { Self.parseWhen($0, now: now) },
                                                until: until.flatMap { Self.parseWhen($0, now: now) })
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

    /// `24h`, `30m`, `90s`, `7d` before now; or an ISO 8601 time, local when it has no zone.
    static func parseWhen(_ text: String, now: Date) -> Date? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount >= 0, amount.isFinite {
            return now.addingTimeInterval(-amount * unit)
        }
        let withZone = ISO8601DateFormatter()
        if let date = withZone.date(from: text) { return date }
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = .current
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    static func timeText(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func status(_ snapshot: StoredSnapshot) -> String {
        snapshot.isMinute ? "minute" : snapshot.ok ? "ok" : "error"
    }

    static func csvRow(_ snapshot: StoredSnapshot, metrics ids: [MetricID]) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let fixed = [timeText(snapshot.time), field(snapshot.server), field(snapshot.user), status(snapshot), snapshot.errorKind ?? ""]
        return (fixed + ids.map { snapshot.metrics[$0].map { "\($0)" } ?? "" }).joined(separator: ",")
    }

    /// One object per line; numbers as exact decimal text (JSON numbers), absent ones left out.
    static func jsonLine(_ snapshot: StoredSnapshot, metrics ids: [MetricID]) -> String {
        func string(_ text: String) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        var parts = ["\"time\": \(string(timeText(snapshot.time)))", "\"server\": \(string(snapshot.server))",
                     "\"user\": \(string(snapshot.user))", "\"status\": \(string(status(snapshot)))"]
        if let kind = snapshot.errorKind { parts.append("\"error\": \(string(kind))") }
        for id in ids { if let value = snapshot.metrics[id] { parts.append("\(string(id.path)): \(value)") } }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
