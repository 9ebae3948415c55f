import Foundation
import Logging
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
    /// How a demo server was made, and the week it simulated first (for the dashboard's history).
    let demoPlan: DemoPlan?
    let demoWeek: DemoWeek?

    var isDemo: Bool { simulator != nil }

    /// What the fleet needs to know of it.
    var setup: ServerSetup {
        ServerSetup(name: settings.name, displayURL: displayURL, adminName: settings.adminName, users: settings.users,
                    listsAllUsers: settings.allUsers, timeZone: settings.timeZone, budget: settings.budget)
    }

    private init(settings: ServerSettings, client: M4Client, displayURL: String, simulator: RunningSimulator?, automaticDemo: Bool,
                 demoPlan: DemoPlan? = nil, demoWeek: DemoWeek? = nil) {
        self.demoPlan = demoPlan
        self.demoWeek = demoWeek
        self.settings = settings
        self.client = client
        self.displayURL = displayURL
        self.simulator = simulator
        self.automaticDemo = automaticDemo
    }

    /// Every watched server, opened in order; on a failure those already open are closed.
    /// `demoDays`: a demo server first simulates that many days, for the dashboard's history.
    static func openAll(_ servers: [ServerSettings], demoDays: Int? = nil) async throws(ConfigError) -> [ServerTarget] {
        var opened: [ServerTarget] = []
        for server in servers {
            do {
                opened.append(try await open(server, demoDays: demoDays))
            } catch {
                for target in opened { await target.close() }
                throw error
            }
        }
        return opened
    }

    static func open(_ settings: ServerSettings, demoDays: Int? = nil) async throws(ConfigError) -> ServerTarget {
        switch settings.target {
        case .server(let url):
            let client = M4Client(settings: settings.connection(methodURL: url), secret: settings.secret, logger: apiLogger(settings))
            return ServerTarget(settings: settings, client: client, displayURL: QuickStatsEndpoint.displayBase(of: url),
                                simulator: nil, automaticDemo: false)
        case .demo(let automatic):
            let plan = DemoPlan(server: settings)
            let week = demoDays.map { plan.simulateWeek(days: $0, now: Date()) }
            let simulator: RunningSimulator
            do {
                simulator = try await RunningSimulator.start(plan.makeServer(continuing: week))
            } catch {
                throw ConfigError("cannot start the embedded simulator: \(error)")
            }
            let url = try! QuickStatsEndpoint.methodURL(fromBase: simulator.baseURL)
            var demo = settings
            demo.hashDisabled = false
            let client = M4Client(settings: demo.connection(methodURL: url), secret: plan.settings.secret, logger: apiLogger(settings))
            return ServerTarget(settings: settings, client: client, displayURL: simulator.baseURL, simulator: simulator,
                                automaticDemo: automatic, demoPlan: plan, demoWeek: week)
        }
    }

    /// The debug log's lines of one server's requests name the server (its profile; `-` for `--url`).
    static func apiLogger(_ settings: ServerSettings) -> Logger {
        var logger = Logger(label: "m4top.api")
        logger[metadataKey: "server"] = "\(settings.name.isEmpty ? "-" : settings.name)"
        return logger
    }

    func close() async {
        await simulator?.stop()
    }
}
