@testable import App
import Dashboard
import Foundation
import History
import M4API
import Testing
import Watch

@Suite("Replay loads from a real store: a step reads only what changed and gives what a full read gives")
struct ReplayLoaderTests {
    let dir = TempDir()
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let names = ["prod"]

    func answer(_ calls: Int, active: Int) -> QuickStats {
        QuickStats(sections: [
            StatSection(name: "today", fields: [StatField(name: "calls", text: "\(calls)"), StatField(name: "duration", text: "\(calls * 61)"),
                                                StatField(name: "revenue", text: "\(calls).5"), StatField(name: "profit", text: "0.\(calls)")]),
            StatSection(name: "active_calls", fields: [StatField(name: "total", text: "\(active)")]),
        ])
    }

    /// Four users answering every 20 s at staggered times for ten minutes; user3's server
    /// connection fails from 300 s on (its rows only); an alert fires at 200 s and resolves at 400 s.
    func store() throws -> HistoryStore {
        let store = try HistoryStore.open(path: dir.path + "/history.sqlite").store
        var rows: [StoredSnapshot] = []
        for step in 0..<30 {
            for user in 0..<4 {
                let at = t0.addingTimeInterval(Double(step * 20 + user * 3))
                if user == 3 && step >= 15 {
                    rows.append(.failure(.transport(.timedOut(seconds: 10)), server: "prod", user: "user3", at: at))
                } else {
                    rows.append(.answer(answer(step * (user + 1), active: (step + user) % 6), server: "prod", user: "user\(user)", at: at))
                }
            }
        }
        try store.write(rows)
        try store.write(alertEvents: [
            StoredAlertEvent(time: t0.addingTimeInterval(200), server: "prod", user: "user1", kind: .fired, severity: .warning, rule: "busy", value: "5"),
            StoredAlertEvent(time: t0.addingTimeInterval(400), server: "prod", user: "user1", kind: .resolved, severity: .warning, rule: "busy", value: "1"),
        ])
        return store
    }

    func live() -> DashboardState {
        var state = DashboardState(servers: [ServerSetup(name: "prod", displayURL: "http://h/billing", adminName: "user0",
                                                         users: (0..<4).map { "user\($0)" })], interval: 5, start: .overview, now: t0.addingTimeInterval(900))
        state.alerts = AlertBook(rules: [AlertRule(name: "busy", metric: .activeCallsTotal, condition: .above(4))], bell: false)
        return state
    }

    func scene(_ target: ReplayRequest.Target, _ state: DashboardState, _ store: HistoryStore) throws -> ReplayScene {
        switch ReplayLoader.scene(for: ReplayRequest(number: 1, target: target), live: state, store: store, names: names, days: 8) {
        case .success(let scene): return scene
        case .failure(let failure): throw failure
        }
    }

    /// What the screens read of a scene, comparable.
    func summary(_ scene: ReplayScene) -> [String] {
        scene.fleet.watched.map { key in
            let user = scene.fleet.userStates[key]
            return "\(key.name) latest=\(user?.latest?.calls(.today).map { "\($0)" } ?? "-") at=\(user?.lastSuccess?.timeIntervalSince1970 ?? 0) "
                + "error=\(user?.lastError?.message ?? "-")x\(user?.consecutiveFailures ?? 0) diff=\(user?.diff.deltas.count ?? 0) "
                + "rate=\(user?.trends.callsPerMinute.map { "\($0)" } ?? "-") figures=\(scene.figures[key]?.texts.sorted { $0.key.rawValue < $1.key.rawValue }.map(\.value) ?? [])"
        } + ["down=\(scene.fleet.servers[0].failure?.message ?? "-")", "firing=\(scene.fleet.alerts.firing.map(\.rule.name))",
             "log=\(scene.fleet.alerts.log.count)", "now=\(scene.fleet.now.timeIntervalSince1970)"]
    }

    @Test("Step by step forward and back, and by a minute, through answers, failures and an alert: always what a full read gives")
    func stepsMatchFullReads() throws {
        let store = try store()
        var state = live()
        let start = try scene(.moment(t0.addingTimeInterval(190)), state, store)
        state.replay = ReplayState(moment: start.moment)
        state.replay?.scene = start
        var moved = 0
        for (index, forward) in ([Bool](repeating: true, count: 25) + [Bool](repeating: false, count: 12)).enumerated() {
            let from = try #require(state.replay?.scene)
            let next = try scene(.step(from: from.moment, forward: forward, users: state.fleet), state, store)
            if next.moment != from.moment { moved += 1 }
            var fresh = state
            fresh.replay = nil
            let full = try scene(.moment(next.moment), fresh, store)
            #expect(summary(next) == summary(full), "step \(index) to \(next.moment.timeIntervalSince(t0)) s")
            state.replay?.scene = next
            state.replay?.moment = next.moment
        }
        #expect(moved == 37, "every step moved")
        // A minute forward: also incremental when few users changed, and the same.
        let from = try #require(state.replay?.scene)
        let minute = try scene(.moment(from.moment.addingTimeInterval(60)), state, store)
        var fresh = state
        fresh.replay = nil
        #expect(summary(minute) == summary(try scene(.moment(minute.moment), fresh, store)))
        // Through the failures: user3 errs, the alert fired and resolved along the way.
        let late = try scene(.moment(t0.addingTimeInterval(350)), fresh, store)
        #expect(late.fleet.userStates[UserKey(server: 0, name: "user3")]?.consecutiveFailures == 3)
        #expect(late.fleet.alerts.firing.map(\.rule.name) == ["busy"])
        #expect(try scene(.moment(t0.addingTimeInterval(450)), fresh, store).fleet.alerts.firing.isEmpty)
    }

    @Test("On the dashboard a step reads the user on screen only (the same as a full read for it); the overview then reads everyone again")
    func dashboardSteps() throws {
        let store = try store()
        var state = live()
        state.screen = .dashboard
        state.current = UserKey(server: 0, name: "user2")
        let start = try scene(.moment(t0.addingTimeInterval(100)), state, store)
        state.replay = ReplayState(moment: start.moment)
        state.replay?.scene = start
        var scene = start
        for _ in 0..<3 {
            scene = try self.scene(.step(from: scene.moment, forward: true, users: [state.current]), state, store)
            state.replay?.scene = scene
            state.replay?.moment = scene.moment
        }
        #expect(scene.moment == t0.addingTimeInterval(146), "user2's answers come 6 s into each 20")
        var fresh = state
        fresh.replay = nil
        let full = try self.scene(.moment(scene.moment), fresh, store)
        #expect(summary(scene).filter { $0.hasPrefix("user2 ") } == summary(full).filter { $0.hasPrefix("user2 ") })
        #expect(scene.othersBehind, "the others were not read")
        // The overview asks for the moment again (ReplayUpdate.followKeys), and gets everyone.
        _ = DashboardUpdate.update(&state, .key(.character("o")))
        let request = try #require(state.replay?.loading)
        #expect(request > 0)
        let again = try self.scene(.moment(scene.moment), state, store)
        #expect(!again.othersBehind && summary(again) == summary(full))
    }

    @Test("A server the store holds no rows for is named, with the names it does hold")
    func missingServer() throws {
        let store = try store()
        let result = ReplayLoader.scene(for: ReplayRequest(number: 1, target: .moment(t0.addingTimeInterval(100))), live: live(), store: store,
                                        names: ["http://h/billing"], days: 8)
        guard case .success(let scene) = result else { Issue.record("no scene"); return }
        #expect(scene.note?.contains("no rows for http://h/billing (it holds prod") == true, "\(String(describing: scene.note))")
        #expect(try self.scene(.moment(t0.addingTimeInterval(100)), live(), store).note == nil, "found under its name: nothing to say")
    }

    @Test("A step past the last row says so; the store's absence is said, not a crash")
    func ends() throws {
        let store = try store()
        let state = live()
        let result = ReplayLoader.scene(for: ReplayRequest(number: 1, target: .step(from: t0.addingTimeInterval(10_000), forward: true, users: state.fleet)),
                                        live: state, store: store, names: names, days: 8)
        guard case .failure(let failure) = result else { Issue.record("a scene past the end"); return }
        #expect(failure.message == "no later row in the store")
    }
}
