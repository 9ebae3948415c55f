import ArgumentParser
import Foundation
import Logging
import M4API
import Simulator

/// `m4top`: the dashboard (default), `--once` for scripts, `simulate` for the embedded server.
public struct M4TopCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "m4top",
        abstract: "A live terminal dashboard for Kolmisoft M4 billing servers (quickstats_get).",
        discussion: """
        With no --url and no config file, m4top runs against its embedded simulator (--demo).
        The API secret comes from --secret-file, M4TOP_SECRET, or the config file; never the command line.
        Exit status: 0 ok, 1 API error, 2 usage or configuration error, 3 transport or response error.
        """,
        subcommands: [SimulateCommand.self]
    )

    @OptionGroup public var connection: ConnectionOptions

    @Flag(name: .long, help: "Fetch once, print, and exit (for scripts).")
    public var once = false

    @Option(name: .long, help: "Output of --once: text or json.")
    public var format: OneShotOutput.Format = .text

    @Option(name: .long, help: ArgumentHelp("Write a debug log to this file (never to the terminal).", valueName: "path"))
    public var logFile: String?

    @Flag(name: .long, help: "List the themes found, and where, then exit.")
    public var listThemes = false

    public init() {}

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        Logging.bootstrapOnce(logFile: logFile)
        if listThemes {
            print(ThemeCatalog(environment: environment).listing())
            throw ExitRequest(.success)
        }
        let settings: RunSettings
        do {
            settings = try SettingsResolver.resolve(connection.flags, environment: environment)
        } catch {
            reportConfigError(error)
            throw ExitRequest(.usage)
        }
        if once {
            let status = await OneShot.run(settings: settings, format: format)
            throw ExitRequest(status)
        }
        let status = await LiveSession.run(settings: settings, environment: environment, color: connection.color)
        throw ExitRequest(status)
    }

    func reportConfigError(_ error: ConfigError) {
        if once && format == .json {
            print(OneShotOutput.jsonError(kind: "config", message: error.message))
        }
        Console.error("m4top: \(error.message)")
    }
}

extension OneShotOutput.Format: ExpressibleByArgument {}

/// Connection flags shared by the dashboard and `--once`.
public struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("GUI base URL, e.g. https://pbx.example.com/billing.", valueName: "url"))
    public var url: String?

    @Option(name: .customLong("user"), help: ArgumentHelp("A user to show (repeatable; the first is shown first). Default: admin.", valueName: "name"))
    public var users: [String] = []

    @Option(name: .long, help: ArgumentHelp("File holding the API secret (mode 0600).", valueName: "path"))
    public var secretFile: String?

    @Option(name: .long, help: ArgumentHelp("The user whose name is left out of the hash (default: admin).", valueName: "name"))
    public var adminName: String?

    @Flag(name: .long, help: "Use GET instead of POST (the server's \"Allow GET API\" must be on).")
    public var get = false

    @Flag(name: .long, help: "Send no hash (the server has hash checking disabled).")
    public var noHash = false

    @Flag(name: .long, help: "Accept any TLS certificate (self-signed servers).")
    public var insecure = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for an answer (default: 10).", valueName: "seconds"))
    public var timeout: Double?

    @Option(name: .long, help: ArgumentHelp("Seconds between polls, at least 1, fractions allowed (default: 5).", valueName: "seconds"))
    public var interval: Double?

    @Option(name: .long, help: ArgumentHelp("Config file (default: $XDG_CONFIG_HOME/m4top/config.toml).", valueName: "path"))
    public var config: String?

    @Option(name: .long, help: ArgumentHelp("Profile (server) from the config file.", valueName: "name"))
    public var profile: String?

    @Option(name: .long, help: ArgumentHelp("Theme name or path to a theme file.", valueName: "name|path"))
    public var theme: String?

    @Option(name: .long, help: "Colour: auto, always or never (NO_COLOR is honoured under auto).")
    public var color: ColorChoice = .auto

    @Flag(name: .long, help: "Run against the embedded simulator on a free loopback port.")
    public var demo = false

    public init() {}

    public func validate() throws {
        if let interval, !(interval >= 1) { throw ValidationError("--interval must be at least 1 second") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be more than 0 seconds") }
        if demo && url != nil { throw ValidationError("--demo and --url exclude each other") }
    }

    var flags: ConnectionFlags {
        var flags = ConnectionFlags()
        flags.url = url
        flags.users = users
        flags.secretFile = secretFile
        flags.adminName = adminName
        flags.get = get
        flags.noHash = noHash
        flags.insecure = insecure
        flags.timeout = timeout
        flags.interval = interval
        flags.configPath = config
        flags.profile = profile
        flags.theme = theme
        flags.demo = demo
        return flags
    }
}

public enum ColorChoice: String, Sendable, CaseIterable, ExpressibleByArgument {
    case auto, always, never
}
