import Dashboard
import Watch
import Foundation
import M4API
import Screen
import Testing

@Suite("Dashboard update: polling, keys, failures, users")
struct UpdateTests {
    typealias U = DashboardUpdate
    let t0 = Fixture.t0

    /// Starts with one successful poll of the first user at t0.
    func started(_ stats: QuickStats = Fixture.admin()) -> DashboardState {
        var state = Fixture.state()
        #expect(U.update(&state, .pollDue(t0)) == [.fetch(Fixture.key("admin"))])
        #expect(U.update(&state, .fetched(Fixture.key("admin"), result: .success(stats), at: t0)) == [])
        return state
    }

    @Test("The first poll fetches at once; then one poll per interval, never two in flight")
    func polling() {
        var state = started()
        #expect(state.nextPoll == t0.addingTimeInterval(5))
        #expect(state.nextPollDue == t0.addingTimeInterval(0.208), "alice's first request: as soon as the server's rate allows after the admin's")
        #expect(U.update(&state, .pollDue(t0.addingTimeInterval(0.1))) == [], "the server's rate gap (max_rate 5) first")
        #expect(U.update(&state, .pollDue(t0.addingTimeInterval(0.3))) == [.fetch(Fixture.key("alice"))])
        #expect(U.update(&state, .pollDue(t0.addingTimeInterval(2))) == [], "the admin is not due yet")
        #expect(U.update(&state, .pollDue(t0.addingTimeInterval(5))) == [.fetch(Fixture.key("admin"))])
        #expect(U.update(&state, .pollDue(t0.addingTimeInterval(6))) == [], "never two in flight for one user")
    }

    @Test("r while a request is in flight is remembered, not doubled, and runs when it ends")
    func refreshWhileInFlight() {
        var state = started()
        _ = U.update(&state, .tick(t0.addingTimeInterval(0.5)))  // past the server's rate gap
        #expect(U.update(&state, .key(.character("r"))) == [.fetch(Fixture.key("admin"))])
        #expect(U.update(&state, .key(.character("r"))) == [])
        #expect(U.update(&state, .key(.character("r"))) == [])
        #expect(state.scheduler.isInFlight(Fixture.key("admin")))
        let effects = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 5)), at: t0.addingTimeInterval(1)))
        #expect(effects == [.fetch(Fixture.key("admin"))], "one queued refresh, once")
    }

    @Test("Failures back off, doubling up to a minute; success resets; last good numbers stay")
    func backoff() {
        var state = started()
        var time = t0
        var waits: [TimeInterval] = []
        for _ in 0..<6 {
            time = state.nextPoll!
            #expect(U.update(&state, .pollDue(time)) == [.fetch(Fixture.key("admin"))])
            _ = U.update(&state, .fetched(Fixture.key("admin"), result: .failure(.transport(.timedOut(seconds: 10))), at: time))
            waits.append(state.nextPoll!.timeIntervalSince(time))
        }
        #expect(waits == [5, 10, 20, 40, 60, 60])
        #expect(state.currentState.latest == Fixture.admin(), "last good numbers kept")
        #expect(state.currentState.lastError == .transport(.timedOut(seconds: 10)))
        _ = U.update(&state, .tick(time.addingTimeInterval(0.5)))
        #expect(U.update(&state, .key(.character("r"))) == [.fetch(Fixture.key("admin"))], "r retries at once")
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin()), at: time.addingTimeInterval(1)))
        #expect(state.currentState.consecutiveFailures == 0)
        #expect(state.currentState.lastError == nil)
    }

    @Test("Stale after three intervals without success, never before")
    func stale() {
        var state = started()
        _ = U.update(&state, .tick(t0.addingTimeInterval(15)))
        #expect(!state.isStale)
        _ = U.update(&state, .tick(t0.addingTimeInterval(15.5)))
        #expect(state.isStale)
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin()), at: t0.addingTimeInterval(16)))
        #expect(!state.isStale)
    }

    @Test("Pause stops polling; resume polls when due; r still works while paused")
    func pause() {
        var state = started()
        #expect(U.update(&state, .key(.character("p"))) == [])
        #expect(state.paused)
        #expect(state.nextPollDue == nil)
        #expect(U.update(&state, .pollDue(t0.addingTimeInterval(30))) == [])
        #expect(U.update(&state, .key(.character("p"))) == [.fetch(Fixture.key("admin"))])
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin()), at: t0.addingTimeInterval(30)))
        _ = U.update(&state, .key(.character(" ")))
        _ = U.update(&state, .tick(t0.addingTimeInterval(31)))
        #expect(U.update(&state, .key(.character("r"))) == [.fetch(Fixture.key("admin"))])
    }

    @Test("Switching users fetches the new user at once and keeps each user's history")
    func users() {
        var state = started()
        _ = U.update(&state, .tick(t0.addingTimeInterval(0.5)))
        #expect(U.update(&state, .key(.tab)) == [.fetch(Fixture.key("alice"))])
        #expect(state.currentUser == "alice")
        _ = U.update(&state, .fetched(Fixture.key("alice"), result: .success(Fixture.simpleUser()), at: t0.addingTimeInterval(1)))
        #expect(state.currentState.latest == Fixture.simpleUser())
        #expect(U.update(&state, .key(.character("U"))) == [], "admin's data is fresh: no fetch")
        #expect(state.currentUser == "admin")
        #expect(state.userStates[Fixture.key("admin")]?.history.count == 1)
        #expect(state.userStates[Fixture.key("alice")]?.history.count == 1)
        #expect(U.update(&state, .key(.character("2"))) == [], "alice's data is still fresh")
        #expect(state.currentUser == "alice")
        #expect(U.update(&state, .key(.character("9"))) == [], "no ninth user")
        #expect(state.currentUser == "alice")
        #expect(U.update(&state, .key(.backTab)) == [])
        #expect(state.currentUser == "admin")
    }

    @Test("A late answer for another user is kept for that user, not shown as the current one")
    func lateAnswer() {
        var state = started()
        _ = U.update(&state, .tick(t0.addingTimeInterval(0.5)))
        _ = U.update(&state, .key(.tab))          // alice in flight
        _ = U.update(&state, .key(.tab))          // back to admin
        _ = U.update(&state, .fetched(Fixture.key("alice"), result: .success(Fixture.simpleUser()), at: t0.addingTimeInterval(2)))
        #expect(state.currentUser == "admin")
        #expect(state.currentState.latest == Fixture.admin())
        #expect(state.userStates[Fixture.key("alice")]?.latest == Fixture.simpleUser())
    }

    @Test("+ and - step the interval and re-plan the next poll")
    func interval() {
        var state = started()
        _ = U.update(&state, .key(.character("+")))
        #expect(state.interval == 10)
        #expect(state.nextPoll == t0.addingTimeInterval(10))
        _ = U.update(&state, .key(.character("-")))
        _ = U.update(&state, .key(.character("-")))
        _ = U.update(&state, .key(.character("-")))
        #expect(state.interval == 2)
        for _ in 0..<5 { _ = U.update(&state, .key(.character("-"))) }
        #expect(state.interval == 1, "never below one second")
    }

    @Test("A rollover is a new day, not a huge negative delta")
    func rollover() {
        var state = started(Fixture.admin(calls: 500, duration: 60000, monthCalls: 9000, monthDuration: 900_000))
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 2, duration: 100, monthCalls: 9002, monthDuration: 900_100)),
                                      at: t0.addingTimeInterval(5)))
        let diff = state.currentState.diff
        #expect(diff.isNewDay)
        #expect(!diff.isNewMonth)
        #expect(diff.delta("today", "calls") == nil)
        #expect(diff.delta("month", "calls") == 2)
        #expect(state.currentState.rollover?.period == .today)
        #expect(state.currentState.trends.callsPerMinute == nil, "one answer since midnight: no rate yet, never a negative one")
    }

    @Test("Active calls falling from many to none is flagged until calls come back")
    func outageSignal() {
        var state = started(Fixture.admin(active: 23, answered: 20))
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(active: 0)), at: t0.addingTimeInterval(5)))
        #expect(state.currentState.activeCallsDrop?.from == 23)
        let text = DashboardView(glyphs: .unicode, timeZone: TimeZone(identifier: "UTC")!).render(state).text
        #expect(text.contains("CRIT active calls fell to zero: 0 (from 23)"), "the built-in rule, on the status line")
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(active: 0)), at: t0.addingTimeInterval(10)))
        #expect(state.currentState.activeCallsDrop != nil, "still none: still flagged")
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(active: 2)), at: t0.addingTimeInterval(15)))
        #expect(state.currentState.activeCallsDrop == nil)
        var quiet = started(Fixture.admin(active: 3))
        _ = U.update(&quiet, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(active: 0)), at: t0.addingTimeInterval(5)))
        #expect(quiet.currentState.activeCallsDrop == nil, "a small fall is normal at night")
    }

    @Test("Help and user list overlays take their own keys; q always quits")
    func overlays() {
        var state = started()
        _ = U.update(&state, .key(.character("?")))
        #expect(state.overlay == .help(scroll: 0))
        #expect(U.update(&state, .key(.character("r"))) == [], "r does nothing under help")
        _ = U.update(&state, .key(.escape))
        #expect(state.overlay == .none)
        _ = U.update(&state, .key(.character("l")))
        #expect(state.overlay == .userList(selection: 0))
        _ = U.update(&state, .key(.down))
        _ = U.update(&state, .key(.down))
        #expect(state.overlay == .userList(selection: 1), "stops at the last user")
        _ = U.update(&state, .tick(t0.addingTimeInterval(0.5)))
        #expect(U.update(&state, .key(.enter)) == [.fetch(Fixture.key("alice"))])
        #expect(state.overlay == .none)
        _ = U.update(&state, .key(.character("?")))
        #expect(U.update(&state, .key(.character("q"))) == [.quit(status: 0)])
        #expect(U.update(&state, .key(.control("c"))) == [.quit(status: 0)])
    }

    @Test("t cycles themes; Ctrl-L repaints; Ctrl-Z suspends and the return repaints; all as effects")
    func misc() {
        var state = started()
        #expect(U.update(&state, .key(.character("t"))) == [.applyTheme("light")])
        #expect(state.themeName == "light")
        #expect(U.update(&state, .key(.character("t"))) == [.applyTheme("default")])
        #expect(U.update(&state, .key(.control("l"))) == [.repaint])
        #expect(U.update(&state, .key(.control("z"))) == [.suspend])
        #expect(U.update(&state, .resumed(width: 100, height: 30)) == [.repaint])
        #expect(state.width == 100 && state.height == 30)
        #expect(U.update(&state, .resized(width: 90, height: 25)) == [.repaint])
    }

    @Test("Signals end the run with 128 + the signal's number; a hang-up without one as SIGHUP; q with 0")
    func signals() {
        var state = started()
        #expect(U.update(&state, .signal(SIGTERM)) == [.quit(status: 143)])
        #expect(U.update(&state, .signal(SIGHUP)) == [.quit(status: 129)])
        #expect(U.update(&state, .signal(SIGINT)) == [.quit(status: 130)])
        #expect(U.update(&state, .hangUp) == [.quit(status: 129)])
        #expect(U.update(&state, .key(.character("q"))) == [.quit(status: 0)])
    }

    @Test("fetching… appears only once a request has taken 0.3 s: a quick answer repaints nothing for it")
    func fetchingNotice() {
        var state = Fixture.state()
        _ = U.update(&state, .pollDue(t0))
        #expect(state.pollPlan == .next(in: 0))
        _ = U.update(&state, .tick(t0.addingTimeInterval(0.2)))
        #expect(state.pollPlan == .next(in: 0))
        _ = U.update(&state, .tick(t0.addingTimeInterval(0.4)))
        #expect(state.pollPlan == .fetching)
    }

    @Test("Across a restart after midnight: the stored last answer is yesterday's, so no delta and no spike")
    func restartAfterMidnight() {
        var state = DashboardState(server: "http://h/billing", users: ["admin"], adminName: "admin", interval: 5,
                                   now: Fixture.t0, timeZone: TimeZone(identifier: "UTC")!)
        let evening = Date(timeIntervalSince1970: 1_795_046_390)  // 2026-11-18 23:59:50 UTC
        let seed = SeedHistory(points: [], chart: [ChartSample(time: evening.timeIntervalSince1970, level: 40)],
                               latest: Snapshot(time: evening, stats: Fixture.admin(calls: 900, duration: 90000, active: 40)))
        _ = U.update(&state, .historyLoaded([Fixture.key("admin"): seed]))
        #expect(state.currentState.history.chart.count == 1, "yesterday's chart point is drawn")
        let morning = evening.addingTimeInterval(3_600)
        _ = U.update(&state, .tick(morning))
        #expect(state.isStale, "old numbers are shown as stale until the first poll")
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 12, duration: 700, active: 3)), at: morning))
        #expect(state.currentState.diff.isNewDay)
        #expect(state.currentState.diff.delta("today", "calls") == nil, "never -888")
        #expect(state.currentState.trends.callsPerMinute == nil, "no rate across midnight")
    }

    @Test("A new calendar date is a new day even when the counters still grow")
    func calendarDay() {
        var state = DashboardState(server: "http://h/billing", users: ["admin"], adminName: "admin", interval: 5,
                                   now: Fixture.t0, timeZone: TimeZone(identifier: "UTC")!)
        let evening = Date(timeIntervalSince1970: 1_795_046_390)  // 2026-11-18 23:59:50 UTC
        _ = U.update(&state, .pollDue(evening))
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 500, duration: 60000)), at: evening))
        let morning = evening.addingTimeInterval(20)
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 582, duration: 61000)), at: morning))
        #expect(state.currentState.diff.isNewDay)
        #expect(state.currentState.diff.delta("today", "calls") == nil, "never +82 against another day's count")
        #expect(state.currentState.rollover?.period == .today)
    }

    @Test("Every binding in the key table reaches its action, and help lists them all")
    func keyTable() {
        for binding in KeyMap.main {
            for key in binding.keys {
                #expect(KeyMap.action(for: key, in: KeyMap.main) == binding.action, "\(key.label)")
            }
            #expect(KeyMap.action(named: binding.action.name) == binding.action, "stable name \(binding.action.name)")
        }
        let names = KeyMap.main.map(\.action.name)
        #expect(Set(names).count == Set(KeyMap.main.map(\.action)).count, "one name per action")
        #expect(KeyMap.action(for: .escape, in: KeyMap.userList) == .close)
        #expect(KeyMap.action(for: .character("3"), in: KeyMap.main) == .jumpToUser(3))
        let help = KeyMap.helpLines()
        #expect(help.count == KeyMap.main.count - 8, "1-9 is one line")
        #expect(help.contains { $0.keys == "1-9" })
        #expect(help.contains { $0.keys == "u Tab" && $0.text == "next user" })
        #expect(help.contains { $0.keys == "q Ctrl-C" && $0.text == "quit" })
        #expect(KeyMap.action(for: .character("z"), in: KeyMap.main) == nil)
    }
}
