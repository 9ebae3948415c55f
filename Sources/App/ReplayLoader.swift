import Dashboard
import Foundation
import History
import Watch

/// Reads what a replay shows from the history store, off the main queue: the moment a step
/// lands on, every watched user's rows there, the servers' user lists, the alert log, the
/// chart of the user on screen; then the scene is built (`ReplayScene.make`), also off it.
package enum ReplayLoader {
    /// Rates read over five minutes before the moment, as live (`Trends.from`).
    static let trendWindow: TimeInterval = 300

    package static func scene(for request: ReplayRequest, live: DashboardState, store: HistoryStore, names: [String],
                              days: Int) -> Result<ReplayScene, ReplayFailureText> {
        do throws(HistoryError) {
            guard let moment = try moment(of: request.target, live: live, store: store, names: names) else {
                guard case .step(_, let forward, let users) = request.target else { return .failure(ReplayFailureText("no such moment")) }
                return .failure(ReplayFailureText("no \(forward ? "later" : "earlier") row in the store" + (users.count == 1 ? " for \(users[0].name)" : "")))
            }
            var lists: [Int: [String]] = [:]
            for (index, server) in live.servers.enumerated() where server.listsAllUsers {
                if let list = try store.userList(server: names[index], at: moment), !list.users.isEmpty { lists[index] = list.users }
            }
            var wanted: [(key: UserKey, server: String)] = []
            for index in live.servers.indices {
                for name in lists[index] ?? live.servers[index].users { wanted.append((UserKey(server: index, name: name), names[index])) }
            }
            let log = try store.alertEvents(since: moment.addingTimeInterval(-Double(days) * 86_400), until: moment, limit: 10_000)
                .compactMap { $0.event(serverNames: names) }
            var longChart: LongChart?
            if live.chartWindow > Trends.chartWindow {
                let chart = ChartReader.read(store, server: names[live.current.server], user: live.current.name, window: live.chartWindow, until: moment)
                longChart = LongChart(key: live.current, window: live.chartWindow, samples: chart.recent, loadedAt: moment, lastWeek: chart.lastWeek)
            }
            let frame = ReplayRecords(moment: moment, users: [:], userLists: lists, alertLog: log)
            if let moved = try moved(live: live, to: frame, wanted: wanted, store: store, longChart: longChart) { return .success(moved) }
            var records = frame
            records.users = try store.replayUsers(wanted, at: moment, window: trendWindow, chart: live.current, chartWindow: Trends.chartWindow)
            var scene = ReplayScene.make(live: live, records: records, longChart: longChart)
            scene.note = try missingServers(records, live: live, store: store, names: names)
            return .success(scene)
        } catch {
            return .failure(ReplayFailureText("cannot read the store: \(error.message)"))
        }
    }

    /// A watched server the store holds no rows for at all (stored under another name: a
    /// profile then, a URL now), with the names it does hold.
    static func missingServers(_ records: ReplayRecords, live: DashboardState, store: HistoryStore, names: [String]) throws(HistoryError) -> String? {
        let found = Set(records.users.keys.map(\.server))
        let silent = live.servers.indices.filter { !found.contains($0) }
        guard !silent.isEmpty else { return nil }
        let stored = try store.storedServerNames()
        let unknown = silent.map { names[$0] }.filter { !stored.contains($0) }
        guard !unknown.isEmpty, !stored.isEmpty else { return nil }
        let held = stored.prefix(5).joined(separator: ", ") + (stored.count > 5 ? ", …" : "")
        return "the store has no rows for \(unknown.joined(separator: ", ")) (it holds \(held): servers are stored under their profile's name)"
    }

    /// Where a load lands: the moment asked for, or a step's nearest row (never past now).
    static func moment(of target: ReplayRequest.Target, live: DashboardState, store: HistoryStore, names: [String]) throws(HistoryError) -> Date? {
        switch target {
        case .moment(let at):
            return at
        case .step(let from, let forward, let users):
            let stored = users.map { (key: $0, server: names[$0.server]) }
            guard let found = try store.neighbourTime(of: stored, from: from, forward: forward), !forward || found <= live.now else { return nil }
            return found
        }
    }

    /// The scene on screen moved to `frame`'s moment, reading only the users with rows in
    /// between (a user's state depends on its own rows alone); nil when a full read is due (the
    /// user on screen, the range or the lists changed, or most users moved).
    static func moved(live: DashboardState, to frame: ReplayRecords, wanted: [(key: UserKey, server: String)], store: HistoryStore,
                      longChart: LongChart?) throws(HistoryError) -> ReplayScene? {
        guard let previous = live.replay?.scene, previous.isRead, previous.current == live.current, previous.chartWindow == live.chartWindow,
              previous.records.userLists == frame.userLists else { return nil }
        let changed = try store.usersWithRows(wanted, between: previous.moment, and: frame.moment)
        // A screen of one user (the dashboard, the wall) needs only that user's rows at once: a
        // step there moves a thousand users' rows by 30 s, a full read. The overview reads them
        // all again when it comes up (`othersBehind`).
        let oneUser = Screens.kind(live.screen).followsCurrentUser
        let few = changed.count <= wanted.count / 4
        guard (few && !previous.othersBehind) || oneUser else { return nil }
        let reread = few ? changed : changed.intersection([live.current])
        var records = frame
        records.users = previous.records.users
        let fresh = try store.replayUsers(wanted.filter { reread.contains($0.key) }, at: frame.moment, window: trendWindow,
                                          chart: live.current, chartWindow: Trends.chartWindow)
        for key in reread { records.users[key] = fresh[key] }
        var scene = previous.moved(records: records, changed: reread, longChart: longChart)
        scene.othersBehind = previous.othersBehind || reread.count < changed.count
        return scene
    }
}

/// Why a replay load showed nothing, for the replay bar.
package struct ReplayFailureText: Error {
    package let message: String
    init(_ message: String) { self.message = message }
}

/// A user's active calls over a range ending at a moment (a minute's peak per point where only
/// minute rows are left), and the same range a week earlier moved a week on (24 h and 7 d).
enum ChartReader {
    static func read(_ store: HistoryStore, server: String, user: String, window: TimeInterval,
                     until end: Date) -> (recent: [ChartSample], lastWeek: [ChartSample]) {
        func samples(since: Date, until: Date, shift: TimeInterval) -> [ChartSample] {
            let rows = (try? store.snapshots(server: server, user: user, since: since, until: until)) ?? []
            return rows.compactMap { row in
                (row.activePeak ?? row.metrics[.activeCallsTotal]).map {
                    ChartSample(time: row.time.timeIntervalSince1970 + shift, level: NSDecimalNumber(decimal: $0).doubleValue)
                }
            }
        }
        let week: TimeInterval = 7 * 86_400
        let recent = samples(since: end.addingTimeInterval(-window), until: end, shift: 0)
        let lastWeek = window >= LongChart.lastWeekFrom
            ? samples(since: end.addingTimeInterval(-window - week), until: end.addingTimeInterval(-week), shift: week) : []
        return (recent, lastWeek)
    }
}
