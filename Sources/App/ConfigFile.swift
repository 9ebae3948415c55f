import Dashboard
import Watch
import Foundation
import TextSafety

/// A configuration mistake: names the file (and line where known), the key, and what is wrong.
package struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    package let message: String
    /// Longer messages are cut: they only get long by quoting what the user wrote.
    static let maximumLength = 1_000

    package init(_ message: String) {
        self.message = message.count > Self.maximumLength ? String(message.prefix(Self.maximumLength)) + "…" : message
    }
    package var description: String { message }
}

/// One server's settings as written in the config file; every field optional.
package struct ProfileConfig: Sendable, Equatable {
    package var url: String?
    package var users: [String]?
    package var adminName: String?
    package var method: String?
    package var secretFile: String?
    package var secretCommand: String?
    package var secret: String?
    package var interval: Double?
    package var timeout: Double?
    package var theme: String?
    package var insecure: Bool?
    package var noHash: Bool?
    /// The server's time zone (`Europe/Vilnius`): its "today" starts at its midnight.
    package var timeZone: String?
    /// `users = "all"`: the server's own list (users_get).
    package var allUsers: Bool?
    package var maxInFlight: Int?
    package var maxRate: Double?
    /// `probe_any_user = true`: /probe may ask for users the profile does not watch or list.
    package var probeAnyUser: Bool?

    package init() {}
}

/// `config.toml`: top-level keys form the unnamed profile; `[profiles.NAME]` tables name others.
///
/// ```toml
/// default_profile = "prod"
/// [profiles.prod]
/// url = "https://pbx.example.com/billing"
/// users = ["admin", "alice"]
/// secret_file = "~/.config/m4top/prod.secret"
/// ```
package struct ConfigFile: Sendable {
    package let path: String
    package let defaultProfile: String?
    package let base: ProfileConfig
    package let profiles: [String: ProfileConfig]
    /// `watch = ["prod", "lab"]`: profiles watched at once.
    package let watch: [String]
    /// `overview_interval`: seconds between polls of users not on screen.
    package let overviewInterval: Double?
    /// `bell`: ring the terminal bell when an alert fires.
    package let bell: Bool?
    /// `rotate`: seconds per user in the wall's and the dashboard's rotation (0: off).
    package let rotate: Double?
    /// `wall`: the wall's tiles, as metric paths.
    package let wall: [MetricID]?
    /// `[[alerts]]`: nil when the file has none (the built-in rules apply).
    package let alerts: [AlertRule]?
    /// `history`: the store's path, or "off".
    package let history: String?
    /// `history_days`: how long minute rows are kept.
    package let historyDays: Int?
    /// `history_read_only = true`: the dashboard reads the store and never writes it.
    package let historyReadOnly: Bool
    /// Why the file may not hold `secret` (see SecretFilePermissions), nil when it may.
    package let secretProblem: String?
    let document: TOMLDocument

    static let profileKeys = ProfileKey.table.map(\.name)
    static let globalKeys = ["default_profile", "watch", "overview_interval", "bell", "rotate", "wall", "history", "history_days", "history_read_only", "baseline_alert", "[[alerts]]", "[profiles.NAME]"]
    static let alertKeys = ["name", "metric", "below", "above", "below_baseline", "above_baseline", "min_baseline", "for", "severity", "users"]
    /// Limits of the per-server budget: past these a setting is a typo, not a policy.
    static let maxInFlightLimit = 64
    static let maxRateLimit: Double = 1_000

    /// `$XDG_CONFIG_HOME/m4top/config.toml`, or `~/.config/m4top/config.toml`.
    package static func defaultPath(environment: [String: String]) -> String {
        configDirectory(environment: environment) + "/config.toml"
    }

    package static func configDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/m4top" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/m4top"
    }

    /// A config file is a few lines; anything larger is a mistake (a log, a device).
    static let maximumBytes = 1 << 20

    package static func load(path: String) throws(ConfigError) -> ConfigFile {
        let data: Data
        do {
            data = try FileAccess.readSmallFile(path, limit: maximumBytes)
        } catch {
            throw ConfigError("\(path): cannot read the config file (\(error.reason))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("\(path): the config file is not UTF-8 text")
        }
        let document: TOMLDocument
        do {
            document = try TOMLDocument(path: path, text: text)
        } catch {
            throw ConfigError("\(error.path):\(error.line): invalid TOML: \(error.reason)")
        }
        return try ConfigFile(document: document, secretProblem: FileAccess.secretProblem(path))
    }

    init(document: TOMLDocument, secretProblem: String?) throws(ConfigError) {
        self.document = document
        self.path = document.path
        self.secretProblem = secretProblem
        var defaultProfile: String?
        var watch: [String] = []
        var watchedNames: Set<String> = []
        var overviewInterval: Double?
        var bell: Bool?
        var baselineAlert = false
        var rotate: Double?
        var wall: [MetricID]?
        var alerts: [AlertRule]?
        var history: String?
        var historyDays: Int?
        var historyReadOnly = false
        var profiles: [String: ProfileConfig] = [:]
        var baseEntries: [(String, TOMLDocument.Value)] = []
        for (key, value) in document.root {
            let entry = ConfigValue(document: document, key: key, name: key, value: value)
            switch key {
            case "default_profile":
                defaultProfile = try entry.string()
            case "watch":
                guard case .array(let list) = value else { throw Self.typeError(document, key, value, "a list of profile names") }
                for item in list {
                    guard case .string(let name) = item else { throw Self.typeError(document, key, value, "a list of profile names") }
                    if watchedNames.insert(name).inserted { watch.append(name) }  // a set: 50,000 names took 5 s
                }
            case "overview_interval":
                let seconds = try entry.number()
                guard Limits.interval.contains(seconds) else {
                    throw entry.error("must be \(Limits.describe(Limits.interval)) seconds, not \(seconds)")
                }
                overviewInterval = seconds
            case "history":
                guard case .string(let text) = value, !text.isEmpty else { throw Self.typeError(document, key, value, "a path, or \"off\"") }
                history = text
            case "history_days":
                guard case .integer(let days) = value, (1...3650).contains(days) else {
                    throw ConfigError("\(document.location(ofKey: key)): key 'history_days': must be a whole number of days, 1-3650")
                }
                historyDays = days
            case "history_read_only":
                historyReadOnly = try entry.flag()
            case "bell":
                bell = try entry.flag()
            case "baseline_alert":
                baselineAlert = try entry.flag()
            case "rotate":
                let seconds = try entry.number()
                guard seconds == 0 || Limits.interval.contains(seconds) else {
                    throw entry.error("must be 0 (off) or 1-86400 seconds, not \(seconds)")
                }
                rotate = seconds
            case "wall":
                guard case .array(let list) = value else { throw Self.typeError(document, key, value, "a list of metric paths") }
                guard !list.isEmpty else {
                    throw ConfigError("\(document.location(ofKey: key)): key 'wall': the list is empty; name at least one metric path, or leave the key out for the default")
                }
                var ids: [MetricID] = []
                for item in list {
                    guard case .string(let path) = item else { throw Self.typeError(document, key, value, "a list of metric paths") }
                    guard let id = MetricID(path: path), id != .stale else {
                        throw ConfigError("\(document.location(ofKey: key)): key 'wall': unknown metric path '\(TerminalSafeText.excerpt(path))' (known: \(Self.metricPaths))")
                    }
                    ids.append(id)
                }
                wall = ids
            case "alerts":
                guard case .array(let list) = value else { throw Self.typeError(document, key, value, "[[alerts]] tables") }
                var rules: [AlertRule] = []
                for (index, item) in list.enumerated() {
                    guard let entries = item.tableEntries else { throw Self.typeError(document, key, value, "[[alerts]] tables") }
                    rules.append(try Self.alertRule(entries, index: index, document: document))
                }
                alerts = rules
            case "profiles":
                guard let tables = value.tableEntries else { throw Self.typeError(document, key, value, "a table of profiles") }
                for (name, profile) in tables {
                    guard let entries = profile.tableEntries else {
                        throw Self.typeError(document, "profiles.\(name)", profile, "a table")
                    }
                    profiles[name] = try Self.profile(entries, prefix: "profiles.\(name).", document: document)
                }
            default:
                baseEntries.append((key, value))
            }
        }
        self.base = try Self.profile(baseEntries, prefix: "", document: document)
        self.defaultProfile = defaultProfile
        self.profiles = profiles
        self.watch = watch
        self.overviewInterval = overviewInterval
        self.bell = bell
        self.rotate = rotate
        self.wall = wall
        // `baseline_alert = true` adds the built-in baseline rule to the configured rules (or to
        // the built-ins when there are none).
        self.alerts = baselineAlert ? (alerts ?? AlertRule.builtIns) + [AlertRule.baselineBuiltIn] : alerts
        self.history = history
        self.historyDays = historyDays
        self.historyReadOnly = historyReadOnly
        if let defaultProfile, profiles[defaultProfile] == nil {
            throw ConfigError("\(document.location(ofKey: "default_profile")): key 'default_profile': no [profiles.\(defaultProfile)] in the file")
        }
        if let unknown = watch.first(where: { profiles[$0] == nil }) {
            throw ConfigError("\(document.location(ofKey: "watch")): key 'watch': no [profiles.\(TerminalSafeText.excerpt(unknown))] in the file")
        }
    }

    /// The profile to use: `--profile`, else `default_profile`, else the top-level keys.
    package func profile(named name: String?) throws(ConfigError) -> ProfileConfig {
        guard let wanted = name ?? defaultProfile else { return base }
        guard let profile = profiles[wanted] else {
            let known = profiles.keys.sorted()
            throw ConfigError("\(path): no profile '\(wanted)'" + (known.isEmpty ? " (the file defines none)" : " (known: \(known.joined(separator: ", ")))"))
        }
        return profile.merged(over: base)
    }

    private static func profile(_ entries: [(String, TOMLDocument.Value)], prefix: String,
                                document: TOMLDocument) throws(ConfigError) -> ProfileConfig {
        var profile = ProfileConfig()
        for (key, value) in entries {
            guard let entry = ProfileKey.table.first(where: { $0.name == key }) else {
                throw ConfigError("\(document.location(ofKey: key)): unknown key '\(TerminalSafeText.excerpt(prefix + key))' (known: \(profileKeys.joined(separator: ", ")), \(globalKeys.joined(separator: ", ")))")
            }
            try entry.read(ConfigValue(document: document, key: key, name: prefix + key, value: value), &profile)
        }
        return profile
    }

    static var metricPaths: String {
        MetricID.allCases.map(\.path).joined(separator: ", ")
    }

    /// One `[[alerts]]` table. Every mistake names the file, the line and the key.
    static func alertRule(_ entries: [(String, TOMLDocument.Value)], index: Int, document: TOMLDocument) throws(ConfigError) -> AlertRule {
        func place(_ key: String?) -> String { document.location(ofKey: key, inArrayOfTables: "alerts", index: index) }
        func fail(_ key: String, _ message: String) -> ConfigError {
            ConfigError("\(place(key)): [[alerts]] #\(index + 1): key '\(key)': \(message)")
        }
        var name: String?, metric: MetricID?, below: Decimal?, above: Decimal?, seconds: Double = 0
        var belowBaseline: Decimal?, aboveBaseline: Decimal?, minBaseline: Decimal = 0
        var severity = Severity.critical, users: [String]?
        for (key, value) in entries {
            func number() throws(ConfigError) -> Double {
                switch value {
                case .integer(let n): return Double(n)
                case .float(let n): return n
                default: throw fail(key, "must be a number, not \(value.typeName)")
                }
            }
            switch key {
            case "name":
                guard case .string(let text) = value, !text.isEmpty else { throw fail(key, "must be a name in quotes") }
                name = TerminalSafeText.clean(text)
            case "metric":
                guard case .string(let path) = value else { throw fail(key, "must be a metric path in quotes") }
                guard let id = MetricID(path: path) else {
                    throw fail(key, "unknown metric path '\(TerminalSafeText.excerpt(path))' (known: \(metricPaths))")
                }
                metric = id
            // Through the shortest text of the number: 0.1 stays 0.1, not 0.1000000000000000055.
            case "below", "above":
                let limit = try number()
                // TOML's inf and nan are numbers; no value is ever below -inf or above nan.
                guard limit.isFinite else { throw fail(key, "must be a finite number, not \(limit)") }
                if key == "below" { below = Decimal(string: String(limit)) } else { above = Decimal(string: String(limit)) }
            case "below_baseline", "above_baseline":
                let percent = try number()
                guard percent.isFinite, percent > 0, percent <= 100_000 else {
                    throw fail(key, "must be a percent of the same time last week, more than 0 (e.g. 50), not \(percent)")
                }
                if key == "below_baseline" { belowBaseline = Decimal(string: String(percent)) } else { aboveBaseline = Decimal(string: String(percent)) }
            case "min_baseline":
                let minimum = try number()
                guard minimum.isFinite, minimum >= 0 else { throw fail(key, "must be 0 or more, not \(minimum)") }
                minBaseline = Decimal(string: String(minimum)) ?? 0
            case "for":
                seconds = try number()
                guard seconds >= 0, seconds <= 86_400 * 7 else { throw fail(key, "must be 0 to 604800 seconds, not \(seconds)") }
            case "severity":
                guard case .string(let text) = value, let level = Severity(rawValue: text.lowercased()) else {
                    throw fail(key, "must be \"critical\" or \"warning\"")
                }
                severity = level
            case "users":
                guard case .array(let list) = value else { throw fail(key, "must be a list of user names") }
                var names: [String] = []
                for item in list {
                    guard case .string(let user) = item, !user.isEmpty else { throw fail(key, "must be a list of user names") }
                    names.append(user)
                }
                // An empty list would apply the rule to nobody, silently.
                guard !names.isEmpty else { throw fail(key, "is empty: the rule would apply to nobody; leave users out to apply it to everyone") }
                users = names
            default:
                throw ConfigError("\(place(key)): [[alerts]] #\(index + 1): unknown key '\(TerminalSafeText.excerpt(key))' (known: \(alertKeys.joined(separator: ", ")))")
            }
        }
        guard let metric else {
            throw ConfigError("\(place(nil)): [[alerts]] #\(index + 1): no metric (e.g. metric = \"active_calls.total\")")
        }
        let condition: AlertRule.Condition
        let given = [below.map { _ in "below" }, above.map { _ in "above" }, belowBaseline.map { _ in "below_baseline" },
                     aboveBaseline.map { _ in "above_baseline" }].compactMap { $0 }
        guard given.count == 1 else {
            if given.isEmpty {
                throw ConfigError("\(place(nil)): [[alerts]] #\(index + 1): needs below = N, above = N, below_baseline = PERCENT or above_baseline = PERCENT")
            }
            throw fail(given[1], "a rule has one of below, above, below_baseline, above_baseline; this one has \(given.joined(separator: " and "))")
        }
        if let limit = below { condition = .below(limit) }
        else if let limit = above { condition = .above(limit) }
        else if let percent = belowBaseline { condition = .belowBaseline(percent: percent, minBaseline: minBaseline) }
        else { condition = .aboveBaseline(percent: aboveBaseline ?? 0, minBaseline: minBaseline) }
        if minBaseline > 0 && belowBaseline == nil && aboveBaseline == nil {
            throw fail("min_baseline", "applies to below_baseline and above_baseline rules only")
        }
        return AlertRule(name: name ?? "\(metric.path) \(given[0].replacingOccurrences(of: "_", with: " "))", metric: metric, condition: condition,
                         forSeconds: seconds, severity: severity, users: users)
    }

    private static func typeError(_ document: TOMLDocument, _ name: String, _ value: TOMLDocument.Value,
                                  _ wanted: String) -> ConfigError {
        let key = name.split(separator: ".").last.map(String.init) ?? name
        return ConfigError("\(document.location(ofKey: key)): key '\(name)': must be \(wanted), not \(value.typeName)")
    }
}

extension ProfileConfig {
    /// This profile's keys, falling back to `base` for those it does not set.
    func merged(over base: ProfileConfig) -> ProfileConfig {
        var result = self
        for key in ProfileKey.table { key.inherit(&result, self, base) }
        return result
    }
}
