import ArgumentParser
import CBuildInfo
import Curses
import Foundation
import Logging
import M4API
import Simulator
import Dashboard
import Watch

/// The version, in one place: `--version`, the man page, the Debian package and the tarball's
/// names (scripts/package reads it from the built binary) all come from `current`.
package enum M4TopVersion {
    package static let current = "0.3.0"
    /// The commit a release build was made from, or nil for a plain `swift build`.
    package static let commit: String? = stamp(m4top_build_commit())
    /// The build's date (UTC, from SOURCE_DATE_EPOCH when set, so a rebuild is identical).
    package static let buildDate: String? = stamp(m4top_build_date())

    /// `--version`: `0.3.0 (commit 5d55e20, built 2026-12-01)`, or `0.3.0` unstamped.
    package static var long: String {
        let parts = [commit.map { "commit \($0)" }, buildDate.map { "built \($0)" }].compactMap { $0 }
        return parts.isEmpty ? current : "\(current) (\(parts.joined(separator: ", ")))"
    }

    private static func stamp(_ text: UnsafePointer<CChar>) -> String? {
        let value = String(cString: text)
        return value.isEmpty ? nil : value
    }
}

/// `m4top`: the dashboard (default), `--once` for scripts, `simulate` for the embedded server.
package struct M4TopCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "m4top",
        abstract: "A live terminal dashboard for Kolmisoft M4 billing servers (quickstats_get).",
        discussion: """
        With no --url and no config file, m4top runs against its embedded simulator (--demo).
        The API secret comes from --secret-file, M4TOP_SECRET, or the config file; never the command line.
        Exit status: 0 ok, 1 API error, 2 usage or configuration error, 3 transport or response error.
        """,
        version: M4TopVersion.long,
        subcommands: [SimulateCommand.self, HistoryCommand.self, ExporterCommand.self, CheckCommand.self]
    )

    @OptionGroup package var connection: ConnectionOptions
    @OptionGroup package var polling: PollingOptions
    @OptionGroup package var screen: ScreenOptions

    @Flag(name: .long, help: "Fetch once, print, and exit (for scripts).")
    package var once = false

    @Option(name: .long, help: "Output of --once: text or json.")
    package var format: OneShotOutput.Format = .text

    @Option(name: .long, help: ArgumentHelp("Write a debug log to this file (never to the terminal).", valueName: "path"))
    package var logFile: String?

    @Flag(name: .long, help: "List the themes found, and where, then exit.")
    package var listThemes = false

    package init() {}

    package func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        LogSetup.bootstrapOnce(logFile: logFile)
        if listThemes {
            Console.out(ThemeCatalog(environment: environment).listing(background: BackgroundDetector.detect(environment: environment)))
            throw ExitRequest(.success)
        }
        let settings: RunSettings
        do {
            settings = try SettingsResolver.resolve(flags, environment: environment)
        } catch {
            reportConfigError(error)
            throw ExitRequest(.usage)
        }
        if once {
            if screen.at != nil {
                Console.error("m4top: --at replays on the dashboard; for the fleet at a moment as text use `m4top history --at TIME`")
                throw ExitRequest(.usage)
            }
            let status = await OneShot.run(settings: settings, format: format)
            throw ExitRequest(status)
        }
        let status = await LiveSession.run(settings: settings, environment: environment, color: screen.color, replayAt: screen.at)
        throw ExitRequest(status)
    }

    var flags: ConnectionFlags {
        var flags = connection.flags
        polling.apply(to: &flags)
        screen.apply(to: &flags)
        return flags
    }

    func reportConfigError(_ error: ConfigError) {
        if once && format == .json {
            Console.out(OneShotOutput.jsonError(kind: "config", message: error.message))
        }
        Console.error("m4top: \(error.message)")
    }
}

extension OneShotOutput.Format: ExpressibleByArgument {}
extension ScreenMode: ExpressibleByArgument {}

/// How to reach a server: shared by the dashboard, `--once`, `exporter` and `check`.
package struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("GUI base URL, e.g. https://pbx.example.com/billing.", valueName: "url"))
    package var url: String?

    @Option(name: .long, help: ArgumentHelp("File holding the API secret (mode 0600, or 0640 with a group you are in).", valueName: "path"))
    package var secretFile: String?

    @Option(name: .long, help: ArgumentHelp("The user whose name is left out of the hash (default: admin).", valueName: "name"))
    package var adminName: String?

    @Flag(name: .long, help: "Use GET instead of POST (the server's \"Allow GET API\" must be on).")
    package var get = false

    @Flag(name: .long, help: "Send no hash (the server has hash checking disabled).")
    package var noHash = false

    @Flag(name: .long, help: "Accept any TLS certificate (self-signed servers).")
    package var insecure = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for an answer (default: 10).", valueName: "seconds"))
    package var timeout: Double?

    @Option(name: .long, help: ArgumentHelp("Config file (default: $XDG_CONFIG_HOME/m4top/config.toml).", valueName: "path"))
    package var config: String?

    @Flag(name: .long, help: "Run against the embedded simulator on a free loopback port.")
    package var demo = false

    package init() {}

    package func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= Limits.timeout.upperBound) {
            throw ValidationError("--timeout must be more than 0 seconds and at most \(Int(Limits.timeout.upperBound))")
        }
        if demo && url != nil { throw ValidationError("--demo and --url exclude each other") }
    }

    /// The flags with these users and profiles.
    func flags(users: [String], profiles: [String]) -> ConnectionFlags {
        var flags = ConnectionFlags()
        flags.url = url
        flags.users = users
        flags.secretFile = secretFile
        flags.adminName = adminName
        flags.get = get
        flags.noHash = noHash
        flags.insecure = insecure
        flags.timeout = timeout
        flags.configPath = config
        flags.profiles = profiles
        flags.demo = demo
        return flags
    }
}

/// Which servers and users, and how to reach them: the dashboard, `--once` and `exporter`
/// watch several (`check` names one of each, with its own help).
package struct ConnectionOptions: ParsableArguments {
    @OptionGroup package var server: ServerOptions

    @Option(name: .customLong("user"), help: ArgumentHelp("A user to show (repeatable; the first is shown first). Default: admin.", valueName: "name"))
    package var users: [String] = []

    @Option(name: .customLong("profile"), help: ArgumentHelp("Profile (server) from the config file; repeat to watch several at once (default: the config's watch list).", valueName: "name"))
    package var profiles: [String] = []

    package init() {}

    package func validate() throws {
        if server.url != nil && profiles.count > 1 { throw ValidationError("--url names one server: it cannot be combined with several --profile") }
    }

    var flags: ConnectionFlags { server.flags(users: users, profiles: profiles) }
}

/// How often, and whom: shared by the dashboard and `exporter`.
package struct PollingOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Seconds between polls, at least 1, fractions allowed (default: 5).", valueName: "seconds"))
    package var interval: Double?

    @Flag(name: .long, help: "Watch every user of each server (its users_get list; needs the admin's secret).")
    package var allUsers = false

    @Option(name: .long, help: ArgumentHelp("Seconds between polls of users not on screen (default: 30).", valueName: "seconds"))
    package var overviewInterval: Double?

    package init() {}

    package func validate() throws {
        if let interval, !Limits.interval.contains(interval) {
            throw ValidationError("--interval must be at least 1 second and at most \(Int(Limits.interval.upperBound)) (1-86400)")
        }
        if let overviewInterval, !Limits.interval.contains(overviewInterval) {
            throw ValidationError("--overview-interval must be at least 1 second and at most \(Int(Limits.interval.upperBound)) (1-86400)")
        }
    }

    func apply(to flags: inout ConnectionFlags) {
        flags.interval = interval
        flags.allUsers = allUsers
        flags.overviewInterval = overviewInterval
    }
}

/// What the terminal shows: the dashboard's own flags.
package struct ScreenOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Screen to start on: \(ScreenMode.names) (default: overview for several servers or --all-users).", valueName: "screen"))
    package var start: ScreenMode?

    @Flag(name: .long, help: "Start on the wall (big numbers); the same as --start wall.")
    package var wall = false

    @Flag(name: .long, help: "Ring the terminal bell when an alert fires.")
    package var bell = false

    @Flag(name: .long, help: "Keep no history on disk (default: every snapshot in $XDG_STATE_HOME/m4top/history.sqlite).")
    package var noHistory = false

    @Option(name: .long, help: ArgumentHelp("The history store to keep and read (default: the config's history, else $XDG_STATE_HOME/m4top/history.sqlite).", valueName: "path"))
    package var history: String?

    @Flag(name: .long, help: "Read charts and baselines from the history store without writing to it (e.g. the exporter's store).")
    package var historyReadOnly = false

    @Option(name: .long, help: ArgumentHelp("Start in a replay of the history store at this moment, asking no server anything until Esc: 03:12, 'yesterday 14:00', --at=-2h, '2026-11-30 14:00' (the first server's time zone).", valueName: "time"))
    package var at: String?

    @Option(name: .long, help: ArgumentHelp("Rotate the wall and the dashboard through the watched users, this many seconds each (R pauses).", valueName: "seconds"))
    package var rotate: Double?

    @Option(name: .long, help: ArgumentHelp("Theme name or path to a theme file; auto (the default) picks by the terminal's background.", valueName: "name|path"))
    package var theme: String?

    @Option(name: .long, help: "Colour: auto, always or never (NO_COLOR is honoured under auto).")
    package var color: ColorChoice = .auto

    package init() {}

    package func validate() throws {
        if let rotate, !(rotate == 0 || Limits.interval.contains(rotate)) {
            throw ValidationError("--rotate must be 0 (off) or 1-86400 seconds")
        }
        if wall, let start, start != .wall { throw ValidationError("--wall and --start \(start.rawValue) exclude each other") }
        if noHistory && (history != nil || historyReadOnly) {
            throw ValidationError("--no-history and --\(history != nil ? "history" : "history-read-only") exclude each other")
        }
        if history?.isEmpty == true { throw ValidationError("--history needs a path") }
        if let at {
            guard let moment = MomentText.parse(at, now: Date(), timeZone: .current) else {
                throw ValidationError("--at: '\(at)' is not an age (2h), a time of day (03:12) or a date and time (2026-11-28 10:00)")
            }
            if moment > Date().addingTimeInterval(60) { throw ValidationError("--at: '\(at)' is in the future; a replay shows what was") }
        }
        if at != nil && noHistory { throw ValidationError("--at replays the history store: it excludes --no-history") }
    }

    func apply(to flags: inout ConnectionFlags) {
        flags.start = wall ? .wall : start
        flags.bell = bell
        flags.rotate = rotate
        flags.noHistory = noHistory
        flags.historyPath = history
        flags.historyReadOnly = historyReadOnly
        flags.theme = theme
    }
}

package enum ColorChoice: String, Sendable, CaseIterable, ExpressibleByArgument {
    case auto, always, never
}
