import Foundation
import M4API
import Simulator

/// What the numbers come from: a real server, or the embedded simulator started for this run.
final class ServerTarget: Sendable {
    let client: M4Client
    let displayURL: String
    let simulator: RunningSimulator?
    let automaticDemo: Bool

    var isDemo: Bool { simulator != nil }

    private init(client: M4Client, displayURL: String, simulator: RunningSimulator?, automaticDemo: Bool) {
        self.client = client
        self.displayURL = displayURL
        self.simulator = simulator
        self.automaticDemo = automaticDemo
    }

    static func open(_ settings: RunSettings) async throws(ConfigError) -> ServerTarget {
        switch settings.target {
        case .server(let url):
            let client = M4Client(settings: settings.connection(methodURL: url), secret: settings.secret)
            return ServerTarget(client: client, displayURL: QuickStatsEndpoint.displayBase(of: url),
                                simulator: nil, automaticDemo: false)
        case .demo(let automatic):
            var simSettings = SimulatorSettings()
            simSettings.secret = DemoNotice.randomSecret()
            simSettings.adminName = settings.adminName
            simSettings.users = settings.users.filter { $0 != settings.adminName }
            // A demo starts in the busy late morning and runs 10x, so calls come and go within
            // seconds whatever the hour of the day the newcomer tries it.
            let server = SimulatedServer(settings: simSettings, seed: UInt64(Date().timeIntervalSince1970), speed: 10,
                                         start: DemoNotice.busyStart(), timeZone: .current)
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
            return ServerTarget(client: client, displayURL: simulator.baseURL, simulator: simulator, automaticDemo: automatic)
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

    /// Today at 10:30 local time.
    static func busyStart(now: Date = Date()) -> Date {
        Calendar.current.date(bySettingHour: 10, minute: 30, second: 0, of: now) ?? now
    }

    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
    }
}
