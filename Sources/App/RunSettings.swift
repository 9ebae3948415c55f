import Foundation
import TextSafety
import M4API
import Dashboard
import Watch
import History

/// One watched server, resolved from flags, then its profile, then defaults.
package struct ServerSettings: Sendable {
    package enum Target: Sendable, Equatable {
        case server(URL)
        /// The embedded simulator; `automatic` when chosen because nothing else was configured.
        case demo(automatic: Bool)
    }

    /// The profile's name (`prod`), or empty for `--url` / the config's top-level keys.
    package var name: String
    package var target: Target
    /// The users to watch (with `allUsers`: the fallback when users_get is refused).
    package var users: [String]
    /// `users = "all"` or `--all-users`: the list comes from the server's users_get.
    package var allUsers = false
    package var adminName: String
    package var method: RequestMethod
    package var hashDisabled: Bool
    package var insecureTLS: Bool
    package var timeout: Double
    package var secret: String?
    /// The server's time zone: a new date there is a new day. The local zone unless configured.
    package var timeZone: TimeZone = .current
    package var budget = ServerBudget()
    /// The profile's own `interval` (or `--interval`): how fresh a `/probe` answer must be.
    package var interval: Double = 5
    /// `/probe` may ask for any user name, not only those watched or listed.
    package var probeAnyUser = false

    package var isDemo: Bool {
        if case .demo = target { return true }
        return false
    }

    package func connection(methodURL: URL) -> ConnectionSettings {
        ConnectionSettings(methodURL: methodURL, method: method,
                           signer: RequestSigner(adminName: adminName, hashDisabled: hashDisabled),
                           timeoutSeconds: timeout, insecureTLS: insecureTLS)
    }
}

/// Everything a run needs: the servers, and how the screen polls and looks.
package struct RunSettings: Sendable {
    package var servers: [ServerSettings]
    package var interval: Double
    package var overviewInterval: Double = FleetState.defaultOverviewInterval
    /// `--start`; nil: the overview for a fleet, else the dashboard.
    package var start: ScreenMode?
    package var theme: String?
    /// Where the theme name came from, for error messages: `--theme` or the config key.
    package var themeOrigin = "--theme"
    /// Ring the terminal bell when an alert fires.
    package var bell = false
    /// Seconds per user in the wall's and the dashboard's rotation; 0 is off.
    package var rotate: Double = 0
    /// The wall's tiles; nil: the defaults.
    package var wallMetrics: [MetricID]?
    /// `[[alerts]]`; nil: the built-in rules.
    package var alertRules: [AlertRule]?
    /// The history store; nil: keep nothing on disk (`--no-history`, `history = "off"`).
    package var historyPath: String?
    package var historyDays = RunSettings.defaultHistoryDays
    /// Read the store, never write it (`--history-read-only`, `history_read_only`): another
    /// process (the exporter) records.
    package var historyReadOnly = false
    /// Eight: "the same time last week" and the rest of that day (a forecast's scale) must still
    /// be in the store; with seven, pruning took last week's minute just as it was asked for.
    package static let defaultHistoryDays = 8

    /// The embedded simulator was chosen only because nothing was configured (no `--url`, no
    /// config file). Fine for a newcomer's dashboard; never for a service or a plugin, which
    /// would report simulated revenue as a server's.
    package var isAutomaticDemo: Bool {
        servers.contains { $0.target == .demo(automatic: true) }
    }

    /// The screen to start on: `--start`, else the overview when several servers are watched or
    /// users come from users_get, else the dashboard.
    package var startScreen: ScreenMode {
        start ?? (servers.count > 1 || servers.contains(where: \.allUsers) ? .overview : .dashboard)
    }
}

/// The connection flags as parsed, before the config file is consulted.
package struct ConnectionFlags: Sendable, Equatable {
    package var url: String?
    package var users: [String] = []
    package var secretFile: String?
    package var adminName: String?
    package var get = false
    package var noHash = false
    package var insecure = false
    package var timeout: Double?
    package var interval: Double?
    package var configPath: String?
    /// `--profile`, repeatable: several watch several servers at once.
    package var profiles: [String] = []
    package var theme: String?
    package var demo = false
    package var allUsers = false
    package var overviewInterval: Double?
    package var start: ScreenMode?
    package var bell = false
    package var rotate: Double?
    package var noHistory = false
    /// `--history PATH`: before the config's `history`.
    package var historyPath: String?
    package var historyReadOnly = false

    package init() {}
}

/// The ranges numbers from flags and the config must fall in: far past any sensible value, and
/// small enough that no conversion to a timer or an integer can overflow.
package enum Limits {
    package static let interval: ClosedRange<Double> = 1...86_400
    package static let timeout: ClosedRange<Double> = 0...3_600

    static func describe(_ range: ClosedRange<Double>) -> String {
        "\(Int(range.lowerBound))-\(Int(range.upperBound))"
    }
}

package enum SettingsResolver {
    package static let demoUsers = ["admin", "alice", "bob", "carol"]
    static let demoOverviewInterval: TimeInterval = 10

    package static func resolve(_ flags: ConnectionFlags, environment: [String: String]) throws(ConfigError) -> RunSettings {
        let defaultPath = ConfigFile.defaultPath(environment: environment)
        let configPath = flags.configPath.map { FileAccess.expandTilde($0, environment: environment) }
        var config: ConfigFile?
        if let configPath {
            config = try ConfigFile.load(path: configPath)  // named explicitly: must exist
        } else if FileManager.default.fileExists(atPath: defaultPath) {
            config = try ConfigFile.load(path: defaultPath)
        }
        if let first = flags.profiles.first, config == nil {
            throw ConfigError("--profile \(first): no config file (looked for \(configPath ?? defaultPath))")
        }
        // Which profiles: --profile (repeatable), else the config's `watch` (unless --url names
        // one server), else the default profile.
        var names: [String?] = flags.profiles.map { Optional($0) }
        if names.isEmpty, flags.url == nil, !flags.demo, let watch = config?.watch, !watch.isEmpty { names = watch }
        if names.isEmpty { names = [nil] }
        if names.count > 1 && flags.url != nil {
            throw ConfigError("--url names one server: it cannot be combined with several profiles (use url = in each [profiles.NAME])")
        }
        let servers: [ServerSettings]
        if flags.demo || (flags.url == nil && config == nil) {
            servers = demoServers(flags, automatic: !flags.demo)
        } else {
            var list: [ServerSettings] = []
            for name in names {
                list.append(try resolveServer(name: name, flags: flags, config: config, environment: environment))
            }
            servers = list
        }

        let first = try config?.profile(named: names[0]) ?? ProfileConfig()
        let where_ = config?.path ?? "config"
        let interval = flags.interval ?? first.interval ?? 5
        guard Limits.interval.contains(interval) else {
            throw ConfigError("\(flags.interval != nil ? "--interval" : "\(where_): key 'interval'"): must be \(Limits.describe(Limits.interval)) seconds, not \(interval)")
        }
        var settings = RunSettings(servers: servers, interval: interval, start: flags.start, theme: flags.theme ?? first.theme)
        // The demo's servers are small and busy: their rows move every few seconds.
        let defaultOverview = servers.contains(where: \.isDemo) ? Self.demoOverviewInterval : FleetState.defaultOverviewInterval
        settings.overviewInterval = flags.overviewInterval ?? config?.overviewInterval ?? defaultOverview
        settings.bell = flags.bell || (config?.bell ?? false)
        settings.rotate = flags.rotate ?? config?.rotate ?? 0
        settings.wallMetrics = config?.wall
        settings.alertRules = config?.alerts
        // The demo shows the baseline alert firing (its traffic drop): the built-in, a minute's `for`.
        if servers.contains(where: \.isDemo) {
            var rule = AlertRule.baselineBuiltIn
            rule.forSeconds = 60
            settings.alertRules = (config?.alerts ?? AlertRule.builtIns).filter { $0.name != rule.name } + [rule]
        }
        settings.historyDays = config?.historyDays ?? RunSettings.defaultHistoryDays
        settings.historyReadOnly = flags.historyReadOnly || (config?.historyReadOnly ?? false)
        switch flags.historyPath ?? config?.history {
        case _ where flags.noHistory: settings.historyPath = nil
        case "off"?: settings.historyPath = nil
        case let path?: settings.historyPath = FileAccess.absolute(FileAccess.expandTilde(path, environment: environment))
        case nil: settings.historyPath = HistoryStore.defaultPath(environment: environment)
        }
        if flags.theme == nil, first.theme != nil, let config {
            settings.themeOrigin = "\(config.document.location(ofKey: "theme")): key 'theme'"
        }
        return settings
    }

    /// `--demo` (or nothing configured): two simulated servers, `prod` and `lab`, so a newcomer
    /// sees the overview; `--user` picks prod's users.
    static func demoServers(_ flags: ConnectionFlags, automatic: Bool) -> [ServerSettings] {
        let zone = DemoNotice.busyZone()
        func demo(_ name: String, users: [String], allUsers: Bool) -> ServerSettings {
            var server = ServerSettings(name: name, target: .demo(automatic: automatic), users: users, allUsers: allUsers,
                                        adminName: flags.adminName ?? "admin", method: flags.get ? .get : .post, hashDisabled: false,
                                        insecureTLS: false, timeout: flags.timeout ?? 10, interval: flags.interval ?? 5)
            server.timeZone = zone
            return server
        }
        if !flags.users.isEmpty {
            return [demo("demo", users: unique(flags.users), allUsers: false)]
        }
        return [demo("prod", users: demoUsers, allUsers: true), demo("lab", users: ["admin"], allUsers: true)]
    }

    /// One profile (nil: `default_profile`, else the top-level keys) with the flags over it.
    static func resolveServer(name: String?, flags: ConnectionFlags, config: ConfigFile?,
                              environment: [String: String]) throws(ConfigError) -> ServerSettings {
        let defaultPath = ConfigFile.defaultPath(environment: environment)
        let profile = try config?.profile(named: name) ?? ProfileConfig()
        let profileName = name ?? config?.defaultProfile ?? ""
        let where_ = config?.path ?? "config"
        let label = profileName.isEmpty ? "" : " (profile \(profileName))"

        guard let url = flags.url ?? profile.url else {
            throw ConfigError("\(where_): no url for this profile\(label): set url = \"https://host/billing\" or pass --url")
        }
        let target: ServerSettings.Target
        do {
            target = .server(try QuickStatsEndpoint.methodURL(fromBase: url))
        } catch {
            throw ConfigError(flags.url != nil ? "--url: \(error)" : "\(where_): key 'url'\(label): \(error)")
        }

        let adminName = flags.adminName ?? profile.adminName ?? "admin"
        let allUsers = flags.allUsers || (profile.allUsers ?? false)
        var users = flags.users.isEmpty ? (profile.users ?? []) : flags.users
        if let empty = users.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ConfigError("--user: empty user name '\(empty)'")
        }
        // A name is shown in the header, in errors and in JSON: nothing in it may act on a terminal.
        if let odd = users.first(where: { $0.unicodeScalars.contains(where: TerminalSafeText.isUnsafe) }) {
            throw ConfigError("--user: a user name cannot contain control characters ('\(TerminalSafeText.excerpt(odd))')")
        }
        // With the server's list, the admin's row (the server's totals) comes first.
        if allUsers { users = [adminName] + users.filter { $0 != adminName } }
        if users.isEmpty { users = [adminName] }

        let timeout = flags.timeout ?? profile.timeout ?? 10
        guard Limits.timeout.contains(timeout), timeout > 0 else {
            throw ConfigError("\(flags.timeout != nil ? "--timeout" : "\(where_): key 'timeout'"): must be more than 0 and at most \(Int(Limits.timeout.upperBound)) seconds, not \(timeout)")
        }
        let hashDisabled = flags.noHash || (profile.noHash ?? false)
        let secret = try SecretSource.resolve(flagFile: flags.secretFile, environment: environment, profile: profile, config: config,
                                              timeout: timeout)
        if secret == nil && !hashDisabled {
            throw ConfigError("no API secret\(label): set M4TOP_SECRET, pass --secret-file PATH, or set secret_file in \(config?.path ?? defaultPath) (or --no-hash if the server has hash checking off)")
        }
        var server = ServerSettings(name: profileName, target: target, users: unique(users), allUsers: allUsers,
                                    adminName: adminName, method: flags.get || profile.method == "get" ? .get : .post,
                                    hashDisabled: hashDisabled, insecureTLS: flags.insecure || (profile.insecure ?? false),
                                    timeout: timeout, secret: secret)
        if let zone = profile.timeZone, let timeZone = TimeZone(identifier: zone) { server.timeZone = timeZone }
        server.budget = ServerBudget(maxInFlight: profile.maxInFlight ?? ServerBudget.defaultMaxInFlight,
                                     maxRate: profile.maxRate ?? ServerBudget.defaultMaxRate)
        server.interval = flags.interval ?? profile.interval ?? 5
        server.probeAnyUser = profile.probeAnyUser ?? false
        return server
    }

    static func unique(_ users: [String]) -> [String] {
        var seen: Set<String> = []
        return users.filter { seen.insert($0).inserted }
    }
}
