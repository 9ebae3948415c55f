import Foundation
import Simulator
import Testing
import TestSupport

/// "What did it look like at 03:12?": a fleet recorded with one server stopped half-way, then
/// replayed by the real binary in a real terminal.
@Suite("Replay end to end in tmux", .serialized)
struct ReplayEndToEndTests {
    static func simulator(seed: UInt64) async throws -> RunningSimulator {
        var settings = SimulatorSettings()
        settings.makeFleet(count: 2)
        return try await RunningSimulator.start(SimulatedServer(settings: settings, seed: seed, speed: 20, peakCallsPerMinute: 60))
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    /// `REPLAY Tue 1 Dec 10:21:43` on the bar: the clock part.
    static func barClock(_ screen: String) -> String? {
        guard let line = screen.split(separator: "\n").first, let range = line.range(of: #"REPLAY \w+ \d+ \w+ (\d\d:\d\d:\d\d)"#, options: .regularExpression) else {
            return nil
        }
        return String(line[range].suffix(8))
    }

    /// A row of the overview: its words.
    static func row(_ screen: String, starting prefix: String, after server: String) -> [Substring]? {
        let lines = screen.split(separator: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(" \(server) http") }) else { return nil }
        return lines[(start + 1)...].first { $0.dropFirst().hasPrefix(prefix) }?.split(separator: " ")
    }

    @Test("Record two servers, stop one half-way; --at before and after the stop shows each moment's states and numbers; steps move an answer; Esc is live")
    func twoServersOneStopped() async throws {
        let prod = try await Self.simulator(seed: 21)
        let lab = try await Self.simulator(seed: 22)
        defer { Task { await prod.stop(); await lab.stop() } }
        let dir = NSTemporaryDirectory() + "m4top-replay-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/config.toml"
        try """
        watch = ["prod", "lab"]
        users = "all"
        overview_interval = 1
        history = "\(dir)/history.sqlite"
        [profiles.prod]
        url = "\(prod.baseURL)"
        [profiles.lab]
        url = "\(lab.baseURL)"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let command = "M4TOP_SECRET=secret \(DashboardEndToEndTests.bin) --config \(config)"

        // Record: both live for a few seconds, then lab stops.
        let pane = try TmuxPane(width: 120, height: 30)
        try pane.run(command)
        try await pane.waitFor("every row live", timeout: 15) { $0.contains("all live") }
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let beforeStop = Date()
        try await Task.sleep(nanoseconds: 2_000_000_000)
        await lab.stop()
        try await pane.waitFor("lab down", timeout: 20) { $0.contains("✖ lab") && $0.contains("DOWN") }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let afterStop = Date()
        try await Task.sleep(nanoseconds: 1_000_000_000)
        try pane.keys("q")
        try await pane.expectShellUsable("q after recording")

        // Before the stop: both servers live, the REPLAY bar, no request to anyone.
        let requestsBefore = await prod.server.requests.total
        try pane.run("\(command) --at \(Self.iso(beforeStop))")
        let before = try await pane.waitFor("the fleet before the stop") { screen in
            screen.contains("REPLAY") && screen.contains("prod http") && screen.contains("lab http") && !screen.contains("reading")
                && Self.row(screen, starting: "Σ admin", after: "lab")?.contains("live") == true
        }
        #expect(!before.contains("DOWN") && !before.contains(" down "), "\(before)")
        #expect(before.split(separator: "\n").first?.contains("no server asked") == true)
        // The numbers are the store's at that moment: prod admin's calls as `history --at` prints them.
        let printed = try await Spawn.runWithStatus([DashboardEndToEndTests.bin, "history", "--config", config, "--at", Self.iso(beforeStop)])
        let columns = printed.output.split(separator: "\n").first?.split(separator: ",").map(String.init) ?? []
        let adminLine = printed.output.split(separator: "\n").first { $0.contains(",prod,admin,") }?.split(separator: ",", omittingEmptySubsequences: false)
        let calls = try #require(adminLine.flatMap { line in columns.firstIndex(of: "today.calls").map { String(line[$0]) } })
        let shownCalls = Self.row(before, starting: "Σ admin", after: "prod")?.map { $0.replacingOccurrences(of: ",", with: "") }
        #expect(shownCalls?.contains(calls) == true, "prod admin's calls \(calls) in \(String(describing: shownCalls))")
        // Not even the keys that poll: pause, refresh (they say why on the bar instead).
        try pane.keys("p", "r", "Space")
        try await pane.waitFor(text: "nothing is asked of a server during --at")
        try await Task.sleep(nanoseconds: 2_000_000_000)
        #expect(await prod.server.requests.total == requestsBefore, "--at sends nothing to any server")

        // One answer back, then forward: the moment moves.
        let clock = try #require(Self.barClock(try pane.screen()))
        try pane.keys("Left")
        let back = try await pane.waitFor("one answer back") { Self.barClock($0).map { $0 < clock } ?? false }
        try pane.keys("Right")
        try await pane.waitFor("one answer forward") { screen in
            guard let now = Self.barClock(screen), let earlier = Self.barClock(back) else { return false }
            return now > earlier
        }
        try pane.keys("q")
        try await pane.expectShellUsable("q in a replay")

        // After the stop: lab down, pinned as trouble; prod live.
        try pane.run("\(command) --at \(Self.iso(afterStop))")
        let after = try await pane.waitFor("the fleet after the stop") { screen in
            screen.contains("REPLAY") && screen.contains("✖ lab") && !screen.contains("reading")
        }
        #expect(after.contains("1/2 down"), "\(after)")
        #expect(Self.row(after, starting: "Σ admin", after: "lab")?.contains("down") == true)
        #expect(Self.row(after, starting: "Σ admin", after: "prod")?.contains("live") == true)

        // Esc: live, polling starts, prod's numbers move again.
        try pane.keys("Escape")
        try await pane.waitFor("live again") { !$0.contains("REPLAY") && $0.contains("prod http") }
        let asked = await prod.server.requests.total
        try await Task.sleep(nanoseconds: 3_000_000_000)
        #expect(await prod.server.requests.total > asked + 2, "prod is polled again")
        try pane.keys("q")
        try await pane.expectShellUsable("q after going live")
    }
}
