import Dashboard
import Foundation
import TextSafety

/// One value of the config file being read, with what an error about it must name: the file
/// and line (`document`), the key as written there (`key`) and its full name (`name`,
/// `profiles.prod.interval`).
struct ConfigValue {
    let document: TOMLDocument
    let key: String
    let name: String
    let value: TOMLDocument.Value

    /// `config.toml:4: key 'profiles.prod.interval': must be at least 1 second`
    func error(_ message: String) -> ConfigError {
        ConfigError("\(document.location(ofKey: key)): key '\(name)': \(message)")
    }

    /// `… must be a string, not an integer`
    func typeError(_ wanted: String) -> ConfigError { error("must be \(wanted), not \(value.typeName)") }

    func string() throws(ConfigError) -> String {
        guard case .string(let text) = value else { throw typeError("a string") }
        return text
    }

    func number(_ wanted: String = "a number of seconds") throws(ConfigError) -> Double {
        switch value {
        case .integer(let n): return Double(n)
        case .float(let n): return n
        default: throw typeError(wanted)
        }
    }

    func flag() throws(ConfigError) -> Bool {
        guard case .boolean(let on) = value else { throw typeError("true or false") }
        return on
    }
}

/// The keys a profile (a server) may set, as one table: the key's name in the file, how its
/// value is read into a `ProfileConfig`, and how a `[profiles.NAME]` table inherits it from the
/// top level. The list of known keys, the reader and the merge all come from here.
struct ProfileKey: Sendable {
    let name: String
    let read: @Sendable (ConfigValue, inout ProfileConfig) throws(ConfigError) -> Void
    /// `(result, profile, base)`: what the merged profile takes from the base.
    let inherit: @Sendable (inout ProfileConfig, ProfileConfig, ProfileConfig) -> Void

    /// A key with a field of its own: the profile's value, else the base's.
    static func field<Value>(_ name: String, _ path: WritableKeyPath<ProfileConfig, Value?> & Sendable,
                             _ parse: @escaping @Sendable (ConfigValue) throws(ConfigError) -> Value) -> ProfileKey {
        ProfileKey(name: name, read: { value, profile throws(ConfigError) in profile[keyPath: path] = try parse(value) },
                   inherit: { result, profile, base in result[keyPath: path] = profile[keyPath: path] ?? base[keyPath: path] })
    }

    /// A key of a group the profile takes from the base only as a whole: when it sets none of
    /// the group's keys (a profile naming any secret source replaces the base's secret).
    static func grouped(_ name: String, _ path: WritableKeyPath<ProfileConfig, String?> & Sendable,
                        group: [WritableKeyPath<ProfileConfig, String?> & Sendable]) -> ProfileKey {
        ProfileKey(name: name, read: { value, profile throws(ConfigError) in profile[keyPath: path] = try value.string() },
                   inherit: { result, profile, base in
                       guard group.allSatisfy({ profile[keyPath: $0] == nil }) else { return }
                       result[keyPath: path] = base[keyPath: path]
                   })
    }

    static let secretSources: [WritableKeyPath<ProfileConfig, String?> & Sendable] = [\.secretFile, \.secretCommand, \.secret]

    static let table: [ProfileKey] = [
        .field("url", \.url) { value throws(ConfigError) in try value.string() },
        users,
        .field("admin_name", \.adminName) { value throws(ConfigError) in try value.string() },
        .field("method", \.method) { value throws(ConfigError) in
            let method = try value.string().lowercased()
            guard method == "post" || method == "get" else {
                throw value.error("must be \"post\" or \"get\", not \"\(TerminalSafeText.excerpt(method))\"")
            }
            return method
        },
        .grouped("secret_file", \.secretFile, group: secretSources),
        .grouped("secret_command", \.secretCommand, group: secretSources),
        .grouped("secret", \.secret, group: secretSources),
        .field("interval", \.interval) { value throws(ConfigError) in
            let seconds = try value.number()
            guard seconds >= 1 else { throw value.error("must be at least 1 second") }
            return seconds
        },
        .field("timeout", \.timeout) { value throws(ConfigError) in
            let seconds = try value.number()
            guard seconds > 0 else { throw value.error("must be more than 0 seconds") }
            return seconds
        },
        .field("theme", \.theme) { value throws(ConfigError) in try value.string() },
        .field("insecure", \.insecure) { value throws(ConfigError) in try value.flag() },
        .field("no_hash", \.noHash) { value throws(ConfigError) in try value.flag() },
        .field("timezone", \.timeZone) { value throws(ConfigError) in
            let zone = try value.string()
            guard TimeZone(identifier: zone) != nil else {
                throw value.error("unknown time zone '\(TerminalSafeText.excerpt(zone))' (use a name like Europe/Vilnius or UTC)")
            }
            return zone
        },
        .field("max_in_flight", \.maxInFlight) { value throws(ConfigError) in
            guard case .integer(let count) = value.value, (1...ConfigFile.maxInFlightLimit).contains(count) else {
                throw value.error("must be a whole number of requests, 1-\(ConfigFile.maxInFlightLimit)")
            }
            return count
        },
        .field("max_rate", \.maxRate) { value throws(ConfigError) in
            let rate = try value.number("a number of requests per second")
            guard rate > 0, rate <= ConfigFile.maxRateLimit else {
                throw value.error("must be more than 0 and at most \(Int(ConfigFile.maxRateLimit)) requests per second")
            }
            return rate
        },
        .field("probe_any_user", \.probeAnyUser) { value throws(ConfigError) in try value.flag() },
    ]

    /// `users`: a list, one name, or "all" (the server's own list). A list and "all" replace
    /// each other: the profile's choice wins.
    static let users = ProfileKey(name: "users", read: { value, profile throws(ConfigError) in
        switch value.value {
        case .string("all"): profile.allUsers = true
        case .string(let one): profile.users = [one]
        case .array(let list):
            var users: [String] = []
            for item in list {
                guard case .string(let user) = item, !user.isEmpty else { throw value.typeError("a list of user names") }
                users.append(user)
            }
            guard !users.isEmpty else { throw value.error("the list is empty") }
            profile.users = users
        default: throw value.typeError("a list of user names")
        }
    }, inherit: { result, profile, base in
        guard profile.users == nil && profile.allUsers == nil else { return }
        result.users = base.users
        result.allUsers = base.allUsers
    })
}
