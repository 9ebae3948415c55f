@testable import App
import Foundation
import History
import M4API
import PluginCheck
import Simulator
import Testing
import Watch

@Suite("--once --format json: a forecast object from the history store, over loopback")
struct OneShotForecastTests {
    /// Profile `prod` (user admin, UTC days) at `url`, its history in `store`.
    static func settings(url: String, store: String, in dir: TempDir) throws -> RunSettings {
        let config = dir.write("config.toml", """
        history = "\(store)"
        [profiles.prod]
        url = "\(url)"
        users = ["admin"]
        timezone = "UTC"
        """)
        var flags = ConnectionFlags()
        flags.configPath = config
        flags.profiles = ["prod"]
        return try SettingsResolver.resolve(flags, environment: ["HOME": dir.path, "M4TOP_SECRET": "s3cret"])
    }

    @Test("With last week stored: today's calls scaled by last week's rest of the day; without a store: no forecast key")
    func forecast() async throws {
        var simSettings = SimulatorSettings()
        simSettings.secret = "s3cret"
        let simulator = try await RunningSimulator.start(SimulatedServer(settings: simSettings, seed: 3))
        defer { Task { await simulator.stop() } }
        let dir = TempDir()
        let store = dir.path + "/history.sqlite"
        let settings = try Self.settings(url: simulator.baseURL, store: store, in: dir)
        let target = try #require(try await ServerTarget.openAll(settings.servers).first)
        let stats = try await target.client.fetch(user: "admin")
        let now = Date()
        let calls = try #require(MetricTable[.todayCalls].value(MetricInput(stats: stats)))
        #expect(OneShot.forecast(nil, target: target, user: "admin", stats: stats, now: now).isEmpty, "no store: no forecast")

        // Last week: 100 calls at this time, 400 by its midnight.
        let written = try HistoryStore.open(path: store).store
        let moment = try #require(BaselineMoment.moment(.lastWeek, at: now, timeZone: TimeZone(identifier: "UTC")!))
        try written.write([
            StoredSnapshot(server: "prod", user: "admin", time: moment.time.addingTimeInterval(-60), ok: true, metrics: [.todayCalls: 100]),
            StoredSnapshot(server: "prod", user: "admin", time: moment.dayEnd.addingTimeInterval(-30), ok: true, metrics: [.todayCalls: 400]),
        ])
        let reader = try HistoryStore.openReadOnly(path: store)
        let lines = OneShot.forecast(reader, target: target, user: "admin", stats: stats, now: now)
        let line = try #require(lines.first { $0.metric == .todayCalls })
        #expect(line.value == calls * 4, "\(calls) so far × 400 / 100")
        #expect(line.basis.kind == .lastWeek)
        let json = OneShotOutput.json(server: "prod", user: "admin", fetchedAt: now, stats: stats, forecast: lines)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let forecast = try #require(object["forecast"] as? [String: [String: Any]])
        #expect((forecast["today.calls"]?["value"] as? NSNumber)?.intValue == NSDecimalNumber(decimal: calls * 4).intValue)
        #expect(forecast["today.calls"]?["basis"] as? String == "last_week")
        #expect((forecast["today.calls"]?["basis_at"] as? String)?.hasSuffix("Z") == true)
        await target.close()
    }
}

@Suite("check: PATH<N%baseline against the history store")
struct CheckBaselineTests {
    @Test("50%baseline becomes half of last week's value; no row or no store is UNKNOWN with the reason")
    func againstLastWeek() throws {
        let dir = TempDir()
        let store = dir.path + "/history.sqlite"
        let settings = try OneShotForecastTests.settings(url: "http://127.0.0.1:9/billing", store: store, in: dir)
        let server = try #require(settings.servers.first)
        let utc = TimeZone(identifier: "UTC")!
        let now = Date()
        let conditions = [try CheckCondition(parsing: "today.calls<50%baseline", severity: .critical),
                          try CheckCondition(parsing: "active_calls.total<1", severity: .warning)]
        #expect(conditions[0].percentOfBaseline && !conditions[1].percentOfBaseline)

        // No store yet: UNKNOWN's reason.
        guard case .failure(let missing) = CheckCommand.againstBaseline(conditions, settings: settings, server: server, user: "admin", timeZone: utc, now: now) else {
            Issue.record("a store that does not exist gave a baseline")
            return
        }
        #expect(missing.message.contains("needs the history store"), "\(missing.message)")

        let written = try HistoryStore.open(path: store).store
        let moment = try #require(BaselineMoment.moment(.lastWeek, at: now, timeZone: utc))
        try written.write([StoredSnapshot(server: "prod", user: "other", time: moment.time.addingTimeInterval(-60), ok: true, metrics: [.todayCalls: 100])])
        guard case .failure(let noRow) = CheckCommand.againstBaseline(conditions, settings: settings, server: server, user: "admin", timeZone: utc, now: now) else {
            Issue.record("no row for admin gave a baseline")
            return
        }
        #expect(noRow.message.contains("no baseline for today.calls") && noRow.message.contains("prod admin"), "\(noRow.message)")

        try written.write([StoredSnapshot(server: "prod", user: "admin", time: moment.time.addingTimeInterval(-60), ok: true, metrics: [.todayCalls: 100])])
        let made = try CheckCommand.againstBaseline(conditions, settings: settings, server: server, user: "admin", timeZone: utc, now: now).get()
        #expect(made[0].threshold == 50 && !made[0].percentOfBaseline, "50 % of 100")
        #expect(made[1] == conditions[1], "absolute conditions untouched")
    }

    @Test("Parsing: a percent of last week must be positive; the hint names the form")
    func parsing() {
        #expect(throws: CheckCondition.Invalid.self) { try CheckCondition(parsing: "today.calls<0%baseline", severity: .critical) }
        do {
            _ = try CheckCondition(parsing: "today.calls=5", severity: .critical)
        } catch {
            #expect(error.message.contains("PATH<N%baseline"))
        }
    }
}
