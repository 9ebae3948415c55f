import Foundation
import TextSafety
import M4API

/// Everything a run needs, resolved from flags, then the config file, then defaults.
package struct RunSettings: Sendable {
    package enum Target: Sendable, Equatable {
        case server(URL)
        /// The embedded simulator; `automatic` when chosen because nothing else was configured.
        case demo(automatic: Bool)
    }

    package var target: Target
    package var users: [String]
    package var adminName: String
    package var method: RequestMethod
    package var hashDisabled: Bool
    package var insecureTLS: Bool
    package var timeout: Double
    package var interval: Double
    package var theme: String?
    /// Where the theme name came from, for error messages: `--theme` or the config key.
    package var themeOrigin = "--theme"
    package var secret: String?
    package var profileName: String?
    /// The server's time zone: a new date there is a new day. The local zone unless configured.
    package var timeZone: TimeZone = .current

    package func connection(methodURL: URL) -> ConnectionSettings {
        ConnectionSettings(methodURL: methodURL, method: method,
                           signer: RequestSigner(adminName: adminName, hashDisabled: hashDisabled),
                           timeoutSeconds: timeout, insecureTLS: insecureTLS)
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
    package var profile: String?
    package var theme: String?
    package var demo = false

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

    package static func resolve(_ flags: ConnectionFlags, environment: [String: String]) throws(ConfigError) -> RunSettings {
        let defaultPath = ConfigFile.defaultPath(environment: environment)
        let configPath = flags.configPath.map { FileAccess.expandTilde($0, environment: environment) }
        var config: ConfigFile?
        if let configPath {
            config = try ConfigFile.load(path: configPath)  // named explicitly: must exist
        } else if FileManager.default.fileExists(atPath: defaultPath) {
            config = try ConfigFile.load(path: defaultPath)
        }
        if flags.profile != nil && config == nil {
            throw ConfigError("--profile \(flags.profile!): no config file (looked for \(configPath ?? defaultPath))")
        }
        let profile = try config?.profile(named: flags.profile) ?? ProfileConfig()
        let where_ = config?.path ?? "config"

        let target: RunSettings.Target
        if flags.demo {
            target = .demo(automatic: false)
        } else if let url = flags.url ?? profile.url {
            do {
                target = .server(try QuickStatsEndpoint.methodURL(fromBase: url))
            } catch {
                throw ConfigError(flags.url != nil ? "--url: \(error)" : "\(where_): key 'url': \(error)")
            }
        } else if config == nil {
            target = .demo(automatic: true)
        } else {
            throw ConfigError("\(where_): no url for this profile: set url = \"https://host/billing\" or pass --url")
        }

        var isDemo = false
        if case .demo = target { isDemo = true }
        var users = flags.users.isEmpty ? (profile.users ?? []) : flags.users
        if users.isEmpty { users = isDemo ? demoUsers : ["admin"] }
        if let empty = users.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ConfigError("--user: empty user name '\(empty)'")
        }
        // A name is shown in the header, in errors and in JSON: nothing in it may act on a terminal.
        if let odd = users.first(where: { $0.unicodeScalars.contains(where: TerminalSafeText.isUnsafe) }) {
            throw ConfigError("--user: a user name cannot contain control characters ('\(TerminalSafeText.excerpt(odd))')")
        }
        var unique: [String] = []
        for user in users where !unique.contains(user) { unique.append(user) }

        let interval = flags.interval ?? profile.interval ?? 5
        guard Limits.interval.contains(interval) else {
            throw ConfigError("\(flags.interval != nil ? "--interval" : "\(where_): key 'interval'"): must be \(Limits.describe(Limits.interval)) seconds, not \(interval)")
        }
        let timeout = flags.timeout ?? profile.timeout ?? 10
        guard Limits.timeout.contains(timeout), timeout > 0 else {
            throw ConfigError("\(flags.timeout != nil ? "--timeout" : "\(where_): key 'timeout'"): must be more than 0 and at most \(Int(Limits.timeout.upperBound)) seconds, not \(timeout)")
        }

        let hashDisabled = flags.noHash || (profile.noHash ?? false)
        var secret: String?
        if !isDemo {
            secret = try SecretSource.resolve(flagFile: flags.secretFile, environment: environment, profile: profile, config: config)
            if secret == nil && !hashDisabled {
                throw ConfigError("no API secret: set M4TOP_SECRET, pass --secret-file PATH, or set secret_file in \(config?.path ?? defaultPath) (or --no-hash if the server has hash checking off)")
            }
        }
        var settings = RunSettings(target: target, users: unique, adminName: flags.adminName ?? profile.adminName ?? "admin",
                           method: flags.get || profile.method == "get" ? .get : .post,
                           hashDisabled: hashDisabled, insecureTLS: flags.insecure || (profile.insecure ?? false),
                           timeout: timeout, interval: interval, theme: flags.theme ?? profile.theme,
                           secret: secret, profileName: flags.profile ?? config?.defaultProfile)
        if let zone = profile.timeZone, let timeZone = TimeZone(identifier: zone) { settings.timeZone = timeZone }
        if flags.theme == nil, profile.theme != nil, let config {
            settings.themeOrigin = "\(config.document.location(ofKey: "theme")): key 'theme'"
        }
        return settings
    }
}
