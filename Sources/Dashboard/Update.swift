import Foundation
import M4API
import Screen
import Watch

/// Everything that happens to the dashboard.
package enum Event: Sendable {
    case key(Key)
    /// The one-second clock: ages, countdowns and highlights move on.
    case tick(Date)
    /// The poll timer fired.
    case pollDue(Date)
    case fetched(UserKey, result: Result<QuickStats, FetchError>, at: Date)
    /// The store's memory of the watched users, read at start (charts before the first poll).
    case historyLoaded([UserKey: SeedHistory])
    /// A long chart range, read from the store.
    case chartLoaded(UserKey, window: TimeInterval, samples: [ChartSample], at: Date, lastWeek: [ChartSample] = [])
    /// Baselines read from the store (for these users; one without any is left out).
    case baselinesLoaded([UserKey: UserBaseline], for: Set<UserKey>)
    /// A server's `users_get` answered (or failed).
    case userListFetched(server: Int, result: Result<[M4User], FetchError>, at: Date)
    /// A replay's scene, read from the store for load `number`.
    case replayLoaded(number: Int, scene: ReplayScene)
    /// Load `number` found nothing to show (no row there, the store unreadable): why.
    case replayFailed(number: Int, message: String)
    /// Baselines at a replayed moment.
    case replayBaselinesLoaded([UserKey: UserBaseline], at: Date)
    case resized(width: Int, height: Int)
    /// Back from Ctrl-Z (`fg`), at the terminal's size now.
    case resumed(width: Int, height: Int)
    /// SIGTERM, SIGHUP, SIGINT or SIGQUIT arrived.
    case signal(Int32)
    /// The terminal went away (stdin hung up) without a signal.
    case hangUp
}

/// What the shell must do after an update.
package enum Effect: Sendable, Equatable {
    case fetch(UserKey)
    case fetchUserList(server: Int)
    /// Forget what the terminal shows and paint every cell again.
    case repaint
    /// Switch the terminal's colours to this theme (then repaint).
    case applyTheme(String)
    /// Give the terminal back and stop (Ctrl-Z); a `.resumed` event follows.
    case suspend
    /// Ring the terminal bell (an alert fired).
    case bell
    /// Read this user's active calls over `window` from the history store (a long chart range).
    case loadChart(UserKey, window: TimeInterval)
    /// Read the fleet at a moment from the store (a replay); `.replayLoaded` brings it.
    case loadReplay(ReplayRequest)
    /// Read every watched user's baselines as of a replayed moment.
    case loadReplayBaselines(at: Date)
    /// Restore the terminal and exit with this status.
    case quit(status: Int32)
}

/// The pure heart of the program: `update(&state, event)` returns the effects to carry out.
/// No terminal, no network, no clock of its own: everything it needs arrives in the event.
package enum DashboardUpdate {
    /// `q`: a normal ending.
    package static let quitStatus: Int32 = 0
    /// A signal ends the program with 128 + its number, as shells and supervisors expect.
    package static func signalStatus(_ signal: Int32) -> Int32 { 128 + signal }
    /// A hang-up without a signal is reported as SIGHUP would be.
    package static let hangUpSignal: Int32 = 1

    package static func update(_ state: inout DashboardState, _ event: Event) -> [Effect] {
        let effects = take(event, &state)
        formatCurrent(&state)
        return effects
    }

    private static func take(_ event: Event, _ state: inout DashboardState) -> [Effect] {
        if let fleetEvent = event.fleetEvent {
            let effects = FleetUpdate.update(&state.fleetState, fleetEvent).map(Effect.init)
            return effects + followFleet(&state, fleetEvent)
        }
        switch event {
        case .resized(let width, let height), .resumed(let width, let height):
            state.width = width
            state.height = height
            OverviewNavigation.keepSelectionVisible(&state)
            return [.repaint]
        case .chartLoaded(let key, let window, let samples, let at, let lastWeek):
            state.longChart = LongChart(key: key, window: window, samples: samples, loadedAt: at, lastWeek: lastWeek)
            return []
        case .baselinesLoaded(let baselines, let users):
            for key in users { state.fleetState.baselines[key] = baselines[key] }
            return []
        case .replayLoaded(let number, let scene):
            return ReplayUpdate.loaded(scene, number: number, &state)
        case .replayFailed(let number, let message):
            ReplayUpdate.failed(message, number: number, &state)
            return []
        case .replayBaselinesLoaded(let baselines, let moment):
            ReplayUpdate.baselinesLoaded(baselines, at: moment, &state)
            return []
        case .key(let key):
            return handle(key, &state)
        case .signal(let number):
            return [.quit(status: signalStatus(number))]
        case .hangUp:
            return [.quit(status: signalStatus(hangUpSignal))]
        case .tick, .pollDue, .fetched, .userListFetched, .historyLoaded:
            return []
        }
    }

    // MARK: Following the fleet

    /// What the screens make of a fleet event the core has taken in: rows and panels formatted
    /// once per answer, the user on screen kept among the watched, the clock's screen duties.
    static func followFleet(_ state: inout DashboardState, _ event: FleetEvent) -> [Effect] {
        switch event {
        case .tick:
            return rotate(&state) + longChartIfNeeded(&state) + ReplayUpdate.tick(&state, elapsed: 1)
        case .pollDue:
            return []
        case .fetched(let key, .success, _):
            format(&state, key)
            return []
        case .fetched:
            return []
        case .userListFetched(let server, _, _):
            followUsers(&state, server: server)
            return []
        case .historyLoaded(let seeds):
            for key in seeds.keys where state.figures[key] == nil { format(&state, key) }
            return []
        }
    }

    /// The user's latest answer as the overview's row shows it, and as the dashboard's panels
    /// show it when the user is on screen. A user off screen gets its panels' rows only when it
    /// comes on screen (`formatCurrent`): ten thousand users answer, one is looked at.
    static func format(_ state: inout DashboardState, _ key: UserKey) {
        guard let userState = state.userStates[key], let latest = userState.latest else { return }
        state.figures[key] = RowFigures(latest, diff: userState.diff, trends: userState.trends)
        if key == state.current {
            state.formatted[key] = FormattedSnapshot.make(latest, diff: userState.diff, trends: userState.trends)
        } else {
            // Formatted from an older answer: made again from the newest when it is wanted.
            state.formatted[key] = nil
        }
    }

    /// The user on screen has its panels' rows, from its latest answer, after every event (the
    /// user changed by a key, by rotation, from the overview, or a user list): the same rows an
    /// answer would have made, since they come from the same answer, diff and trends.
    static func formatCurrent(_ state: inout DashboardState) {
        let key = state.current
        guard state.formatted[key] == nil, let userState = state.userStates[key], let latest = userState.latest else { return }
        state.formatted[key] = FormattedSnapshot.make(latest, diff: userState.diff, trends: userState.trends)
    }

    /// A server's users changed: the user on screen and the overview's cursor stay on watched
    /// users; what was formatted for users gone is dropped.
    static func followUsers(_ state: inout DashboardState, server: Int) {
        let watched = state.userStates
        if watched[state.current] == nil { state.current = UserKey(server: server, name: state.servers[server].users[0]) }
        if let selection = state.overview.selection, watched[selection] == nil { state.overview.selection = state.current }
        state.formatted = state.formatted.filter { watched[$0.key] != nil }
        state.figures = state.figures.filter { watched[$0.key] != nil }
        OverviewNavigation.keepSelectionVisible(&state)
    }

    /// Every request the scheduler lets out now.
    static func startDue(_ state: inout DashboardState) -> [Effect] {
        FleetUpdate.startDue(&state.fleetState).map(Effect.init)
    }

    // MARK: Keys

    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        if state.momentPrompt != nil { return ReplayUpdate.editPrompt(key, &state) }
        if state.replay != nil { return ReplayUpdate.handle(key, &state) + ReplayUpdate.followKeys(&state) }
        return handleKey(key, &state)
    }

    /// A key on the screens, overlays first (in a replay, on the replayed state: `ReplayUpdate`).
    static func handleKey(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        switch state.overlay {
        case .help(let scroll):
            let page = HelpOverlay.listRows(height: state.height)
            let last = max(0, HelpOverlay.lines(state).count - page)
            switch KeyMap.action(for: key, in: KeyMap.help) {
            case .quit: return [.quit(status: quitStatus)]
            case .close: state.overlay = .none
            case .up: state.overlay = .help(scroll: max(0, scroll - 1))
            case .down: state.overlay = .help(scroll: min(last, scroll + 1))
            case .pageUp: state.overlay = .help(scroll: max(0, scroll - page))
            case .pageDown: state.overlay = .help(scroll: min(last, scroll + page))
            case .choose, .acknowledge, nil: break
            }
            return []
        case .alertLog(let scroll):
            switch KeyMap.action(for: key, in: KeyMap.alertLog) {
            case .quit: return [.quit(status: quitStatus)]
            case .up: state.overlay = .alertLog(scroll: min(scroll + 1, max(0, state.alerts.log.count - 1)))
            case .down: state.overlay = .alertLog(scroll: max(0, scroll - 1))
            case .acknowledge where !state.isReplaying: state.alerts.acknowledgeAll(now: state.now)
            case .close: state.overlay = .none
            case .acknowledge, .choose, .pageUp, .pageDown, nil: break
            }
            return []
        case .answer(let scroll):
            let (page, last) = AnswerOverlay.pageRows(state)
            switch KeyMap.action(for: key, in: KeyMap.answer) {
            case .quit: return [.quit(status: quitStatus)]
            case .close: state.overlay = .none
            case .up: state.overlay = .answer(scroll: max(0, min(last, scroll) - 1))
            case .down: state.overlay = .answer(scroll: min(last, scroll + 1))
            case .pageUp: state.overlay = .answer(scroll: max(0, min(last, scroll) - page))
            case .pageDown: state.overlay = .answer(scroll: min(last, scroll + page))
            case .choose, .acknowledge, nil: break
            }
            return []
        case .userList(let selection):
            switch KeyMap.action(for: key, in: KeyMap.userList) {
            case .quit: return [.quit(status: quitStatus)]
            case .up: state.overlay = .userList(selection: max(0, selection - 1))
            case .down: state.overlay = .userList(selection: min(state.fleet.count - 1, selection + 1))
            case .choose:
                state.overlay = .none
                return switchUser(&state, to: selection)
            case .close: state.overlay = .none
            case .acknowledge, .pageUp, .pageDown, nil: break
            }
            return []
        case .none:
            if let effects = Screens.kind(state.screen).handle(key, &state) { return effects }
            guard let action = KeyMap.action(for: key, in: KeyMap.main) else { return [] }
            return perform(action, &state)
        }
    }

    static func perform(_ action: Action, _ state: inout DashboardState) -> [Effect] {
        switch action {
        case .startReplay:
            return ReplayUpdate.start(&state)
        case .goToTime:
            state.momentPrompt = ""
        case .refresh:
            state.scheduler.refresh(state.current, now: state.now)
            return startDue(&state)
        case .nextUser:
            return switchUser(&state, to: (state.currentIndex + 1) % state.fleet.count)
        case .previousUser:
            return switchUser(&state, to: (state.currentIndex + state.fleet.count - 1) % state.fleet.count)
        case .jumpToUser(let number):
            return switchUser(&state, to: number - 1)
        case .openUserList:
            state.overlay = .userList(selection: state.currentIndex)
        case .toggleScreen(let mode):
            return show(state.screen == mode ? .dashboard : mode, &state)
        case .openAlertLog:
            state.overlay = .alertLog(scroll: 0)
        case .openAnswer:
            state.overlay = .answer(scroll: 0)
        case .acknowledgeAlerts:
            // In a replay the alerts on screen are the past's: nothing to acknowledge there.
            if !state.isReplaying { state.alerts.acknowledgeAll(now: state.now) }
        case .toggleRotation:
            guard state.rotation.isOn else { return [] }
            state.rotation.paused.toggle()
            state.rotation.nextAt = state.rotation.paused ? nil : state.now.addingTimeInterval(state.rotation.period)
        case .shorterChart:
            state.chartRangeIndex = max(0, state.chartRangeIndex - 1)
            return longChartIfNeeded(&state)
        case .longerChart:
            state.chartRangeIndex = min(DashboardState.chartRanges.count - 1, state.chartRangeIndex + 1)
            return longChartIfNeeded(&state)
        case .togglePause:
            state.paused.toggle()
            if !state.paused { return startDue(&state) }
        case .slower:
            changeInterval(&state, faster: false)
        case .faster:
            changeInterval(&state, faster: true)
            return startDue(&state)
        case .nextTheme:
            state.themeIndex = (state.themeIndex + 1) % state.themeNames.count
            return [.applyTheme(state.themeName)]
        case .showHelp:
            state.overlay = .help(scroll: 0)
        case .redraw:
            return [.repaint]
        case .suspend:
            return [.suspend]
        case .quit:
            return [.quit(status: quitStatus)]
        }
        return []
    }

    /// A screen that follows the user on screen (the dashboard, the wall) polls it every
    /// interval; one that does not (the overview) polls everyone alike.
    package static func show(_ screen: ScreenMode, _ state: inout DashboardState) -> [Effect] {
        state.screen = screen
        if state.rotation.isOn && !state.rotation.paused { state.rotation.nextAt = state.now.addingTimeInterval(state.rotation.period) }
        let kind = Screens.kind(screen)
        if kind.followsCurrentUser {
            state.scheduler.setFocus(state.current, now: state.now)
        } else {
            state.scheduler.setFocus(nil, now: state.now)
            compactHistories(&state)
        }
        kind.appear(&state)
        return startDue(&state)
    }

    /// Does the screen up show one user (its charts, its rotation)?
    static func followsCurrentUser(_ state: DashboardState) -> Bool { Screens.kind(state.screen).followsCurrentUser }

    /// A range longer than memory: ask the shell to read it (once a minute at most; the reply
    /// marks it loaded, and a request in flight is not repeated before then).
    static func longChartIfNeeded(_ state: inout DashboardState) -> [Effect] {
        guard followsCurrentUser(state), state.needsLongChart, !state.isReplaying else { return [] }
        // Marked as loading (empty, now) so that ticks do not ask again while the read runs.
        let pending = state.longChart.map { $0.key == state.current && $0.window == state.chartWindow } ?? false
        if !pending { state.longChart = LongChart(key: state.current, window: state.chartWindow, samples: [], loadedAt: state.now) }
        return [.loadChart(state.current, window: state.chartWindow)]
    }

    /// `--rotate`: on the dashboard and the wall, the next user when the period is up.
    static func rotate(_ state: inout DashboardState) -> [Effect] {
        // A replay holds the rotation: its clock is the past's.
        guard state.rotation.isOn, !state.rotation.paused, !state.isReplaying, followsCurrentUser(state), state.fleet.count > 1 else { return [] }
        guard let next = state.rotation.nextAt else {
            state.rotation.nextAt = state.now.addingTimeInterval(state.rotation.period)
            return []
        }
        guard state.now >= next else { return [] }
        state.rotation.nextAt = state.now.addingTimeInterval(state.rotation.period)
        return switchUser(&state, to: (state.currentIndex + 1) % state.fleet.count)
    }

    /// Switches to another user of the fleet: on the dashboard it becomes the focus (fetched at
    /// once unless its numbers are fresh); on the overview the cursor goes to it.
    static func switchUser(_ state: inout DashboardState, to index: Int) -> [Effect] {
        guard state.fleet.indices.contains(index), state.fleet[index] != state.current else { return [] }
        state.current = state.fleet[index]
        guard followsCurrentUser(state) else {
            Screens.kind(state.screen).appear(&state)
            return []
        }
        state.scheduler.setFocus(state.current, now: state.now)
        compactHistories(&state)
        return startDue(&state)
    }

    /// Users off screen keep a history thin enough for their overview row (one point per
    /// overview interval), so a fleet of a thousand stays small.
    static func compactHistories(_ state: inout DashboardState) {
        let spacing = state.scheduler.overviewInterval
        for key in state.fleet where key != state.scheduler.focus {
            guard let history = state.userStates[key]?.history, history.isDenserThan(spacing) else { continue }
            state.userStates[key]?.history.thin(toSpacing: spacing)
        }
    }

    static func changeInterval(_ state: inout DashboardState, faster: Bool) {
        let steps = DashboardState.intervalSteps
        let next = faster ? steps.last(where: { $0 < state.interval }) : steps.first(where: { $0 > state.interval })
        guard let next else { return }
        state.interval = next
        state.scheduler.replanFocus()
    }
}

extension Event {
    /// The events that belong to the fleet, screen or not.
    package var fleetEvent: FleetEvent? {
        switch self {
        case .tick(let now): return .tick(now)
        case .pollDue(let now): return .pollDue(now)
        case .fetched(let key, let result, let at): return .fetched(key, result: result, at: at)
        case .userListFetched(let server, let result, let at): return .userListFetched(server: server, result: result, at: at)
        case .historyLoaded(let seeds): return .historyLoaded(seeds)
        case .key, .chartLoaded, .baselinesLoaded, .replayLoaded, .replayFailed, .replayBaselinesLoaded, .resized, .resumed, .signal, .hangUp:
            return nil
        }
    }
}

extension Effect {
    init(_ effect: FleetEffect) {
        switch effect {
        case .fetch(let key): self = .fetch(key)
        case .fetchUserList(let server): self = .fetchUserList(server: server)
        case .bell: self = .bell
        }
    }
}
