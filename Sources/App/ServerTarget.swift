import Foundation
import M4API
import Simulator
import Watch

/// What one server's numbers come from: a real server, or the embedded simulator started for
/// this run.
final class ServerTarget: Sendable {
    let settings: ServerSettings
    let client: M4Client
    let displayURL: String
    let simulator: RunningSimulator?
    let automaticDemo: Bool

    var isDemo: Bool { simulator != nil }

    /// What the fleet needs to know of it.
    var setup: ServerSetup {
        ServerSetup(name: settings.name, displayURL: displayURL, adminName: settings.adminName, users: settings.users,
                    listsAllUsers: settings.allUsers, timeZone: settings.timeZone, budget: settings.budget)
    }

    private init(settings: ServerSettings, client: M4Client, displayURL: String, simulator: RunningSimulator?, automaticDemo: Bool) {
        self.settings = settings
        self.client = client
        self.displayURL = displayURL
        self.simulator = simulator
        self.automaticDemo = automaticDemo
    }

    /// Every watched server, opened in order; on a failure those already open are closed.
    static func openAll(_ servers: [ServerSettings]) async throws(ConfigError) -> [ServerTarget] {
        var opened: [ServerTarget] = []
        for server in servers {
            do {
                opened.append(try await open(server))
            } catch {
                for target in opened { await target.close() }
                throw error
            }
        }
        return opened
    }

    static func open(_ settings: ServerSettings) async throws(ConfigError) -> ServerTarget {
        switch settings.target {
        case .server(let url):
            let client = M4Client(settings: settings.connection(methodURL: url), secret: settings.secret)
            return ServerTarget(settings: settings, client: client, displayURL: QuickStatsEndpoint.displayBase(of: url),
                                simulator: nil, automaticDemo: false)
        case .demo(let automatic):
            var simSettings = DemoNotice.simulatorSettings(for: settings)
            simSettings.secret = DemoNotice.randomSecret()
            // A demo starts in the busy late morning and runs 10x, so calls come and go within
            // seconds whatever the hour of the day the newcomer tries it.
            let server = SimulatedServer(settings: simSettings, seed: UInt64(Date().timeIntervalSince1970) &+ UInt64(settings.name.count),
                                         speed: 10, start: DemoNotice.busyStart(), timeZone: .current,
                                         peakCallsPerMinute: settings.name == "lab" ? 4 : 12)
            let simulator: RunningSimulator
            do {
                simulator = try await RunningSimulator.start(server)
            } catch {
                throw ConfigError("cannot start the embedded simulator: \(error)")
            }
            let url = try! QuickStatsEndpoint.methodURL(fromBase: simulator.baseURL)
            var demo = settings
            demo.hashDisabled = false
            let client = M4Client(settings: demo.connection(methodURL: url), secret: simSettings.secret)
            return ServerTarget(settings: settings, client: client, displayURL: simulator.baseURL, simulator: simulator,
                                automaticDemo: automatic)
        }
    }

    func close() async {
        await simulator?.stop()
    }
}

enum DemoNotice {
    static let realServer = "m4top --url https://HOST/billing --user NAME --secret-file PATH"

    /// On stderr, for `--once`.
    static func text(automatic: Bool) -> String {
        (automatic ? "m4top: no --url and no config file, so this is the embedded simulator: " : "m4top: demo mode: ")
            + "the numbers are simulated. For a real server: \(realServer)"
    }

    /// On the dashboard's status line.
    static let onScreen = "DEMO: simulated numbers from the embedded M4 simulator. Real server: \(realServer)"

    /// The demo servers: `prod` a small carrier (a few named users and a fleet, some blocked or
    /// hidden), `lab` a quiet test box; `--user` names the users instead.
    static func simulatorSettings(for server: ServerSettings) -> SimulatorSettings {
        var settings = SimulatorSettings()
        settings.adminName = server.adminName
        switch (server.name, server.allUsers) {
        case ("prod", true):
            settings.makeFleet(count: 24)
            settings.users = ["alice", "bob", "carol"] + settings.users
        case ("lab", true):
            settings.users = ["dave", "erin", "frank"]
            settings.blockedUsers = ["frank"]
        default:
            settings.users = server.users.filter { $0 != server.adminName }
        }
        return settings
    }

    /// Today at 10:30 local time.
    static func busyStart(now: Date = Date()) -> Date {
        Calendar.current.date(bySettingHour: 10, minute: 30, second: 0, of: now) ?? now
    }

    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
    }
}
