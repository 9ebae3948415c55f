@testable import App
import Foundation
import History
import Simulator
import Testing
import Watch

@Suite("The demo's week of history, and reading a store without writing it")
struct DemoHistoryTests {
    let dir = TempDir()

    func resolve(_ flags: ConnectionFlags) throws -> RunSettings {
        try SettingsResolver.resolve(flags, environment: ["XDG_CONFIG_HOME": dir.path, "HOME": dir.path, "XDG_STATE_HOME": dir.path])
    }

    @Test("A seeded week gives every demo user last week's and yesterday's values at this minute, and a forecast")
    func seededWeek() throws {
        var flags = ConnectionFlags()
        flags.demo = true
        let settings = try resolve(flags)
        let lab = try #require(settings.servers.first { $0.name == "lab" })
        let now = Date()
        let plan = DemoPlan(server: lab, now: now)
        let (store, _) = try HistoryStore.open(path: dir.path + "/seeded.sqlite")
        let week = plan.simulateWeek(days: 8, now: now)
        try DemoHistory.seed(store, weeks: [week], now: now)

        let requests = plan.users.map { BaselineRequest(server: "lab", user: $0, timeZone: plan.timeZone) }
        let baselines = try store.baselines(for: requests, now: now)
        for (user, baseline) in zip(plan.users, baselines) {
            #expect(baseline.lastWeek != nil && baseline.yesterday != nil, "\(user): \(baseline)")
            #expect(baseline.lastWeek?.endOfDay != nil, "\(user): last week's day is whole, for the forecast")
        }
        // Today's traffic (where the live simulator carries on) against last week's: the same
        // weekday and hour, other calls: close, not equal.
        let today = Decimal(week.model.system.today.calls)
        let admin = try #require(baselines.first)
        let lastWeek = try #require(admin.lastWeek?.metrics[.todayCalls])
        #expect(today > 100 && lastWeek > 100, "late morning in the demo's zone: \(today) and \(lastWeek) calls")
        let percent = try #require(admin.percentVsLastWeek(.todayCalls, current: today))
        #expect(percent > -30 && percent < 30, "\(percent)%")
        let forecast = try #require(admin.forecast(.todayCalls, current: today))
        #expect(forecast.value > today, "a late-morning forecast is above today so far")

        // No seam: the last stored answer is the live simulator's traffic a few seconds earlier.
        let latest = try #require(try store.latestAnswer(server: "lab", user: "admin"))
        #expect(now.timeIntervalSince(latest.time) <= DemoHistory.recentSpacing * 2)
        let stored = try #require(latest.stats.calls(.today))
        #expect(stored <= today && today - stored < 10, "stored \(stored), live \(today)")
        // The last hour has a row every few seconds (the one-hour chart's columns), older days fewer.
        let lastHour = try store.snapshots(server: "lab", user: "admin", since: now.addingTimeInterval(-3_600))
        #expect(lastHour.count >= 200, "\(lastHour.count) rows in the last hour")
    }

    @Test("The demo's temporary store is private, and gone when the run ends")
    func temporaryStore() throws {
        var flags = ConnectionFlags()
        flags.demo = true
        let history = HistorySetup.openDemo(try resolve(flags))
        let folder = try #require(history.temporaryFolder)
        #expect(history.recorder != nil && history.store != nil)
        #expect(!folder.hasPrefix(dir.path), "never the user's state folder")
        let mode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        history.close()
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test("--history-read-only (history_read_only): charts and baselines read, nothing written or created")
    func readOnly() throws {
        let path = dir.path + "/exporter.sqlite"
        let (store, _) = try HistoryStore.open(path: path)
        let answer = StoredSnapshot(server: "prod", user: "admin", time: Date(), ok: true, metrics: [.todayCalls: 7])
        try store.write([answer])
        let config = dir.write("config.toml", """
        history = "\(path)"
        history_read_only = true
        [profiles.prod]
        url = "http://127.0.0.1:9/billing"
        users = ["admin"]
        """)
        var flags = ConnectionFlags()
        flags.configPath = config
        flags.profiles = ["prod"]
        let settings = try SettingsResolver.resolve(flags, environment: ["HOME": dir.path, "M4TOP_SECRET": "s"])
        #expect(settings.historyReadOnly && settings.historyPath == path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        let history = HistorySetup.open(settings, demo: false)
        #expect(history.recorder == nil, "no writer")
        let rows = try #require(history.store).snapshots(server: "prod", user: "admin")
        #expect(rows.map(\.metrics[.todayCalls]) == [7])
        history.close()
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == size)

        var missing = settings
        missing.historyPath = dir.path + "/none/history.sqlite"
        let none = HistorySetup.open(missing, demo: false)
        #expect(none.store == nil && none.notice?.contains("read-only") == true, "\(none.notice ?? "")")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/none"), "a read-only run creates nothing")
    }

    @Test("--history PATH before the config's; --no-history excludes --history and --history-read-only")
    func historyFlags() throws {
        var flags = ConnectionFlags()
        flags.demo = true
        flags.historyPath = dir.path + "/mine.sqlite"
        #expect(try resolve(flags).historyPath == dir.path + "/mine.sqlite")
        #expect(throws: (any Error).self) { try M4TopCommand.parse(["--no-history", "--history", "/tmp/x.sqlite"]) }
        #expect(throws: (any Error).self) { try M4TopCommand.parse(["--no-history", "--history-read-only"]) }
        let command = try M4TopCommand.parse(["--history", "/tmp/x.sqlite", "--history-read-only"])
        var parsed = ConnectionFlags()
        command.screen.apply(to: &parsed)
        #expect(parsed.historyPath == "/tmp/x.sqlite" && parsed.historyReadOnly)
    }
}
