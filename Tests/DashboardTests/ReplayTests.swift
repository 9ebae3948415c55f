import Dashboard
import Foundation
import M4API
import Screen
import Testing
import Watch

@Suite("Time travel on the screens: keys, the scene swapped in, the bar and frames, back to live")
struct ReplayTests {
    let utc = TimeZone(identifier: "UTC")!
    let t0 = Fixture.t0

    /// Live: admin and alice answered at t0 (admin 4 calls, alice 3).
    func live() -> DashboardState {
        var state = Fixture.state()
        _ = DashboardUpdate.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 4)), at: t0))
        _ = DashboardUpdate.update(&state, .fetched(Fixture.key("alice"), result: .success(Fixture.admin(calls: 3)), at: t0))
        _ = DashboardUpdate.update(&state, .tick(t0.addingTimeInterval(1)))
        return state
    }

    /// What the store would give an hour earlier: admin with 1 call, alice nothing yet.
    func scene(_ state: DashboardState, at moment: Date) -> ReplayScene {
        let answer = Snapshot(time: moment.addingTimeInterval(-2), stats: Fixture.admin(calls: 1, revenue: "0.25"))
        let record = ReplayUserRecord(points: [HistoryPoint(answer)], latest: answer)
        return ReplayScene.make(live: state, records: ReplayRecords(moment: moment, users: [Fixture.key("admin"): record]), longChart: nil)
    }

    func loads(_ effects: [Effect]) -> [ReplayRequest] {
        effects.compactMap { if case .loadReplay(let request) = $0 { return request } else { return nil } }
    }

    @Test("T goes one answer back of the user on screen; the scene replaces the numbers, live goes on underneath")
    func stepBackFromLive() throws {
        var state = live()
        let request = try #require(loads(DashboardUpdate.update(&state, .key(.character("T")))).first)
        #expect(request.target == .step(from: state.now, forward: false, users: [Fixture.key("admin")]))
        #expect(state.isReplaying)
        #expect(state.shown.userStates[Fixture.key("admin")]?.latest == nil, "nothing from live while the store is read")
        let moment = t0.addingTimeInterval(-3_600)
        let effects = DashboardUpdate.update(&state, .replayLoaded(number: request.number, scene: scene(state, at: moment)))
        #expect(effects == [.loadReplayBaselines(at: moment)])
        #expect(state.replay?.moment == moment)
        #expect(state.shown.currentState.latest?.calls(.today) == 1)
        #expect(state.currentState.latest?.calls(.today) == 4, "live kept")
        // A live answer arriving during the replay changes live, not the screen.
        _ = DashboardUpdate.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 9)), at: t0.addingTimeInterval(5)))
        #expect(state.currentState.latest?.calls(.today) == 9 && state.shown.currentState.latest?.calls(.today) == 1)
        // A load that is not the newest is dropped.
        _ = DashboardUpdate.update(&state, .replayLoaded(number: request.number + 7, scene: scene(state, at: t0)))
        #expect(state.replay?.moment == moment)
    }

    @Test("b f B F move by a minute and an hour, ← → by an answer; a move past now is live again; Esc is live")
    func moves() throws {
        var state = live()
        _ = DashboardUpdate.update(&state, .key(.character("T")))
        let first = try #require(state.replay?.loading)
        let moment = t0.addingTimeInterval(-7_200)
        _ = DashboardUpdate.update(&state, .replayLoaded(number: first, scene: scene(state, at: moment)))
        for (key, target) in [(Key.character("b"), moment.addingTimeInterval(-60)), (.character("f"), moment.addingTimeInterval(60)),
                              (.character("B"), moment.addingTimeInterval(-3_600)), (.character("F"), moment.addingTimeInterval(3_600))] {
            var copy = state
            #expect(loads(DashboardUpdate.update(&copy, .key(key))).map(\.target) == [.moment(target)], "\(key)")
        }
        var copy = state
        #expect(loads(DashboardUpdate.update(&copy, .key(.right))).map(\.target) == [.step(from: moment, forward: true, users: [Fixture.key("admin")])])
        // A step pressed while a load runs is taken from where the load lands.
        #expect(loads(DashboardUpdate.update(&copy, .key(.right))).isEmpty && copy.replay?.queuedSteps == 1)
        // On the overview a step looks at every user's rows.
        copy = state
        _ = DashboardUpdate.update(&copy, .key(.character("o")))
        #expect(loads(DashboardUpdate.update(&copy, .key(.left))).map(\.target)
                == [.step(from: moment, forward: false, users: [Fixture.key("admin"), Fixture.key("alice")])])
        // An hour forward from a quarter of an hour ago is the future: live again.
        copy = state
        _ = DashboardUpdate.update(&copy, .key(.character("F")))
        let next = try #require(copy.replay?.loading)
        _ = DashboardUpdate.update(&copy, .replayLoaded(number: next, scene: scene(copy, at: t0.addingTimeInterval(-900))))
        _ = DashboardUpdate.update(&copy, .key(.character("F")))
        #expect(copy.isReplaying == false)
        #expect(DashboardUpdate.update(&state, .key(.escape)) == [.repaint])
        #expect(!state.isReplaying && state.shown.currentState.latest?.calls(.today) == 4)
    }

    @Test("@ takes a typed time in the server's zone; a time that does not read is said, not guessed")
    func typedTime() throws {
        var state = live()
        _ = DashboardUpdate.update(&state, .key(.character("@")))
        #expect(state.momentPrompt == "" && !state.isReplaying)
        for character in "-2h" { _ = DashboardUpdate.update(&state, .key(.character(character))) }
        let text = DashboardView(glyphs: .unicode, timeZone: utc).render(state).text
        #expect(text.hasPrefix(" Go to: -2h_"), "\(text.prefix(80))")
        let effects = DashboardUpdate.update(&state, .key(.enter))
        #expect(loads(effects).map(\.target) == [.moment(state.now.addingTimeInterval(-7_200))])
        #expect(state.momentPrompt == nil && state.isReplaying)
        _ = DashboardUpdate.update(&state, .key(.character("@")))
        for character in "nonsense" { _ = DashboardUpdate.update(&state, .key(.character(character))) }
        _ = DashboardUpdate.update(&state, .key(.backspace))
        #expect(state.momentPrompt == "nonsens")
        #expect(loads(DashboardUpdate.update(&state, .key(.enter))).isEmpty)
        #expect(state.momentPrompt == "nonsens" && state.momentPromptProblem == "not a time", "the prompt stays, saying why")
        #expect(DashboardView(glyphs: .unicode, timeZone: utc).render(state).text.hasPrefix(" Go to: nonsens_   not a time: try 03:12"))
        // Esc leaves the prompt, not the replay; Enter on nothing just closes it.
        _ = DashboardUpdate.update(&state, .key(.escape))
        #expect(state.momentPrompt == nil && state.isReplaying)
        _ = DashboardUpdate.update(&state, .key(.character("@")))
        #expect(DashboardUpdate.update(&state, .key(.enter)).isEmpty && state.momentPrompt == nil)
        _ = DashboardUpdate.update(&state, .key(.character("@")))
        _ = DashboardUpdate.update(&state, .key(.escape))
        #expect(state.momentPrompt == nil && state.isReplaying)
    }

    @Test("P plays forward a second a second, * speeds up to 10x and 60x; a read under way holds the next step")
    func play() throws {
        var state = live()
        _ = DashboardUpdate.update(&state, .key(.character("T")))
        let moment = t0.addingTimeInterval(-600)
        _ = DashboardUpdate.update(&state, .replayLoaded(number: try #require(state.replay?.loading), scene: scene(state, at: moment)))
        _ = DashboardUpdate.update(&state, .key(.character("P")))
        #expect(loads(DashboardUpdate.update(&state, .tick(t0.addingTimeInterval(2)))).map(\.target) == [.moment(moment.addingTimeInterval(1))])
        #expect(loads(DashboardUpdate.update(&state, .tick(t0.addingTimeInterval(3)))).isEmpty, "the last read is still running")
        _ = DashboardUpdate.update(&state, .replayLoaded(number: try #require(state.replay?.loading), scene: scene(state, at: moment.addingTimeInterval(1))))
        _ = DashboardUpdate.update(&state, .key(.character("*")))
        _ = DashboardUpdate.update(&state, .key(.character("*")))
        #expect(state.replay?.speed == 60)
        #expect(loads(DashboardUpdate.update(&state, .tick(t0.addingTimeInterval(4)))).map(\.target) == [.moment(moment.addingTimeInterval(61))])
        _ = DashboardUpdate.update(&state, .key(.character("P")))
        #expect(state.replay?.speed == nil)
    }

    @Test("The bar says REPLAY and the moment; the header and every frame take the replay's colours; help lists its keys")
    func looks() throws {
        var state = live()
        state.width = 100
        state.height = 30
        _ = DashboardUpdate.update(&state, .key(.character("T")))
        let moment = t0.addingTimeInterval(-3_600)
        _ = DashboardUpdate.update(&state, .replayLoaded(number: try #require(state.replay?.loading), scene: scene(state, at: moment)))
        let canvas = DashboardView(glyphs: .unicode, timeZone: utc).render(state)
        let lines = canvas.text.components(separatedBy: "\n")
        #expect(lines[0].contains("REPLAY Wed 18 Nov 10:06:40"), "\(lines[0])")
        #expect(lines[0].contains("1h 00m ago") && lines[0].contains("Esc live"), "\(lines[0])")
        #expect(canvas.roles(row: 0).allSatisfy { $0 == .replay })
        #expect(canvas.roles(row: 1).contains(.replay), "the header")
        let roles = (0..<canvas.height).flatMap { canvas.roles(row: $0) }
        #expect(roles.contains(.replayBorder) && !roles.contains(.border), "no live frame colour left")
        #expect(lines.contains { $0.contains("Calls") && $0.contains(" 1") }, "the past's numbers")
        #expect(!lines.joined().contains("next poll"), "the live poll plan is not the past's")
        let live = DashboardView(glyphs: .unicode, timeZone: utc).render(self.live())
        #expect(!live.text.contains("REPLAY") && (0..<live.height).flatMap { live.roles(row: $0) }.contains(.border))
        _ = DashboardUpdate.update(&state, .key(.character("?")))
        let help = DashboardView(glyphs: .unicode, timeZone: utc).render(state).text
        #expect(help.contains("one answer back") && help.contains("back to live"))
    }

    @Test("In a replay, x acknowledges nothing (the alerts shown are the past's) and the overview's keys move through the replayed rows")
    func keysOnTheReplayedScreen() throws {
        var state = live()
        state.alerts = AlertBook(rules: [AlertRule(name: "busy", metric: .todayCalls, condition: .above(2))], bell: false)
        _ = DashboardUpdate.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 5)), at: t0.addingTimeInterval(2)))
        #expect(state.alerts.firing.count == 1)
        _ = DashboardUpdate.update(&state, .key(.character("o")))
        _ = DashboardUpdate.update(&state, .key(.character("T")))
        _ = DashboardUpdate.update(&state, .replayLoaded(number: try #require(state.replay?.loading), scene: scene(state, at: t0.addingTimeInterval(-60))))
        _ = DashboardUpdate.update(&state, .key(.character("x")))
        #expect(state.alerts.firing.first?.status.acknowledged == false)
        // Live, alice earns more and sorts first; in the replay she has no row yet and sorts last.
        _ = DashboardUpdate.update(&state, .fetched(Fixture.key("alice"), result: .success(Fixture.admin(revenue: "9")), at: t0.addingTimeInterval(3)))
        state.overview.sort = .revenue
        state.overview.descending = true
        _ = DashboardUpdate.update(&state, .key(.end))
        #expect(state.overview.selection == Fixture.key("alice"))
        _ = DashboardUpdate.update(&state, .key(.home))
        #expect(state.overview.selection == Fixture.key("admin"), "the replayed order, not live's")
        _ = DashboardUpdate.update(&state, .key(.enter))
        #expect(state.screen == .dashboard && state.current == Fixture.key("admin") && state.isReplaying)
    }

    @Test("--at starts offline: nothing asked of any server until Esc, then polling and user lists start")
    func offlineStart() {
        var state = Fixture.state()
        let effects = ReplayUpdate.startOffline(&state, at: t0.addingTimeInterval(-86_400))
        #expect(loads(effects).map(\.target) == [.moment(t0.addingTimeInterval(-86_400))])
        #expect(DashboardUpdate.update(&state, .pollDue(t0)).allSatisfy { if case .fetch = $0 { return false } else { return true } })
        #expect(state.replay?.offline == true)
        // Nothing that would ask a server does: pause, refresh, on any screen.
        for key in [Key.character("p"), .character(" "), .character("r"), .character("+"), .character("-")] {
            #expect(!DashboardUpdate.update(&state, .key(key)).contains { if case .fetch = $0 { return true } else { return false } }, "\(key)")
        }
        #expect(state.replay?.message?.contains("nothing is asked") == true && state.paused)
        // The users are the stored list's: u goes through them, not through this run's two.
        let listed = ReplayRecords(moment: t0.addingTimeInterval(-86_400), users: [:], userLists: [0: ["admin", "alice", "bob"]])
        _ = DashboardUpdate.update(&state, .replayLoaded(number: state.replay?.loading ?? 0,
                                                         scene: ReplayScene.make(live: state, records: listed, longChart: nil)))
        _ = DashboardUpdate.update(&state, .key(.character("u")))
        _ = DashboardUpdate.update(&state, .key(.character("u")))
        #expect(state.current == Fixture.key("bob"))
        let back = DashboardUpdate.update(&state, .key(.escape))
        #expect(back.contains { if case .fetch = $0 { return true } else { return false } }, "\(back)")
        #expect(state.current == Fixture.key("admin"), "bob is not watched live: back to the first user")
        #expect(!state.paused)
    }
}
