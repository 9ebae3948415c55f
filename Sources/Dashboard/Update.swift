import Foundation
import M4API
import Screen

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
    case chartLoaded(UserKey, window: TimeInterval, samples: [ChartSample], at: Date)
    /// A server's `users_get` answered (or failed).
    case userListFetched(server: Int, result: Result<[M4User], FetchError>, at: Date)
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
    /// Restore the terminal and exit with this status.
    case quit(status: Int32)
}

extension PollOutcome {
    /// A failure that says the server is unwell (no answer, not the API, API switched off)
    /// backs off the whole server; one that is about this user only marks this user.
    package init(_ error: FetchError) {
        switch error {
        case .transport, .response: self = .serverFailure
        case .api(let apiError): self = apiError.concernsServer ? .serverFailure : .userFailure
        }
    }
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
        switch event {
        case .tick(let now):
            state.now = now
            let servers = state.servers.map { (failingSince: $0.failingSince, interval: state.interval) }
            let ring = state.alerts.tick(now: now, servers: servers)
            return rotate(&state) + (ring ? [.bell] : []) + longChartIfNeeded(&state)
        case .pollDue(let now):
            state.now = now
            return startDue(&state)
        case .resized(let width, let height), .resumed(let width, let height):
            state.width = width
            state.height = height
            OverviewNavigation.keepSelectionVisible(&state)
            return [.repaint]
        case .fetched(let key, let result, let at):
            state.now = max(state.now, at)
            return finish(&state, key: key, result: result, at: at)
        case .userListFetched(let server, let result, let at):
            state.now = max(state.now, at)
            return finishUserList(&state, server: server, result: result, at: at)
        case .historyLoaded(let seeds):
            for (key, seed) in seeds { seedHistory(&state, key: key, seed) }
            return []
        case .chartLoaded(let key, let window, let samples, let at):
            state.longChart = LongChart(key: key, window: window, samples: samples, loadedAt: at)
            return []
        case .key(let key):
            return handle(key, &state)
        case .signal(let number):
            return [.quit(status: signalStatus(number))]
        case .hangUp:
            return [.quit(status: signalStatus(hangUpSignal))]
        }
    }

    // MARK: Polling

    /// Every request the scheduler lets out now.
    static func startDue(_ state: inout DashboardState) -> [Effect] {
        state.scheduler.start(now: state.now).map { job in
            switch job {
            case .quickstats(let key):
                state.userStates[key]?.inFlightSince = state.now
                return .fetch(key)
            case .userList(let server):
                return .fetchUserList(server: server)
            }
        }
    }

    static func finish(_ state: inout DashboardState, key: UserKey, result: Result<QuickStats, FetchError>, at: Date) -> [Effect] {
        let outcome: PollOutcome
        if var userState = state.userStates[key] {
            userState.inFlightSince = nil
            switch result {
            case .success(let stats):
                if state.keepsScreenDetail {
                    record(stats, at: at, in: &userState, calendar: state.calendar(of: key))
                } else {
                    // Headless (the exporter): the latest answer, and nothing drawn from it.
                    userState.history.replaceLatest(Snapshot(time: at, stats: stats))
                    userState.lastSuccess = at
                }
                userState.lastError = nil
                userState.lastErrorAt = nil
                userState.consecutiveFailures = 0
            case .failure(let error):
                userState.lastError = error
                userState.lastErrorAt = at
                userState.consecutiveFailures += 1
            }
            state.userStates[key] = userState
            var row = state.rows[key] ?? RowSummary()
            switch result {
            case .success(let stats):
                if state.keepsScreenDetail { row.figures = RowFigures(stats, diff: userState.diff, trends: userState.trends) }
                row.lastSuccess = at
                row.changedAt = userState.changedAt
                row.problem = nil
            case .failure(let error):
                row.problem = RowState(problem: error)
            }
            state.rows[key] = row
        }
        switch result {
        case .success: outcome = .success
        case .failure(let error): outcome = PollOutcome(error)
        }
        noteServer(&state, key.server, outcome: outcome, error: result.failure, at: at)
        state.scheduler.finish(.quickstats(key), outcome: outcome, now: at)
        var ring = false
        if case .success = result, let userState = state.userStates[key] {
            let input = MetricInput(stats: userState.latest, trends: userState.trends, staleSeconds: 0)
            ring = state.alerts.observe(key, input: input, activeCallsDrop: userState.activeCallsDrop, now: at)
        }
        return startDue(&state) + (ring ? [.bell] : [])
    }

    /// A server's user list: watched users follow it; a refusal keeps the configured users.
    static func finishUserList(_ state: inout DashboardState, server: Int, result: Result<[M4User], FetchError>, at: Date) -> [Effect] {
        let outcome: PollOutcome
        switch result {
        case .success(let list):
            outcome = .success
            let users = state.servers[server].watchedUsers(from: list)
            state.updateServer(server) { watched in
                watched.directory = Dictionary(list.map { ($0.username, $0) }, uniquingKeysWith: { first, _ in first })
                watched.userList = .listed(count: users.count - 1, hiddenLeftOut: list.filter(\.hidden).count, at: at)
            }
            state.setUsers(users, server: server)
        case .failure(let error):
            outcome = PollOutcome(error)
            state.updateServer(server) { watched in
                watched.userList = outcome == .userFailure ? .refused(error.message) : .failed(error.message)
            }
        }
        noteServer(&state, server, outcome: outcome, error: result.failure, at: at)
        state.scheduler.finish(.userList(server: server), outcome: outcome, now: at)
        OverviewNavigation.keepSelectionVisible(&state)
        return startDue(&state)
    }

    /// A server-wide failure is remembered on the server (its rows say `down`) until it answers.
    private static func noteServer(_ state: inout DashboardState, _ server: Int, outcome: PollOutcome, error: FetchError?, at: Date) {
        state.updateServer(server) { watched in
            if outcome == .serverFailure {
                if watched.failure == nil { watched.failingSince = at }
                watched.failure = error
            } else {
                watched.failure = nil
                watched.failingSince = nil
            }
        }
    }

    /// Earlier points from the store go before this run's; a user not yet polled shows its last
    /// stored numbers (marked stale by their age) and its chart at once.
    static func seedHistory(_ state: inout DashboardState, key: UserKey, _ seed: SeedHistory) {
        guard var userState = state.userStates[key] else { return }
        userState.history.seed(seed)
        userState.trends = Trends.from(userState.history)
        if userState.formatted == nil, let latest = userState.history.latest {
            userState.formatted = FormattedSnapshot.make(latest.stats, trends: userState.trends)
            userState.lastSuccess = latest.time
            var row = state.rows[key] ?? RowSummary()
            row.figures = RowFigures(latest.stats, diff: SnapshotDiff(), trends: userState.trends)
            row.lastSuccess = latest.time
            state.rows[key] = row
        }
        state.userStates[key] = userState
    }

    /// A successful answer: diff against the previous one, rollover, outage signal, history,
    /// trends, and the rows formatted once for every frame until the next answer.
    static func record(_ stats: QuickStats, at: Date, in userState: inout UserState, calendar: Calendar) {
        if let previous = userState.history.latest {
            let newDate = !calendar.isDate(previous.time, inSameDayAs: at)
            let newMonth = !calendar.isDate(previous.time, equalTo: at, toGranularity: .month)
            let diff = SnapshotDiff.between(previous.stats, stats, newDate: newDate, newMonth: newMonth)
            userState.diff = diff
            userState.changedAt = diff.deltas.isEmpty ? userState.changedAt : at
            if diff.isNewMonth {
                userState.rollover = Rollover(period: .month, at: at)
            } else if diff.isNewDay {
                userState.rollover = Rollover(period: .today, at: at)
            }
        } else {
            userState.diff = SnapshotDiff()
        }
        if let now = stats.activeTotal {
            if now > 0 {
                userState.activeCallsDrop = nil
            } else if let before = userState.history.latest?.stats.activeTotal, before >= DashboardState.outageThreshold {
                userState.activeCallsDrop = ActiveCallsDrop(from: before, at: at)
            }
        }
        userState.history.append(Snapshot(time: at, stats: stats))
        userState.trends = Trends.from(userState.history)
        userState.formatted = FormattedSnapshot.make(stats, diff: userState.diff, trends: userState.trends)
        userState.lastSuccess = at
    }

    // MARK: Keys

    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        switch state.overlay {
        case .help:
            switch KeyMap.action(for: key, in: KeyMap.help) {
            case .quit: return [.quit(status: quitStatus)]
            case .close: state.overlay = .none
            case .up, .down, .choose, .acknowledge, nil: break
            }
            return []
        case .alertLog(let scroll):
            switch KeyMap.action(for: key, in: KeyMap.alertLog) {
            case .quit: return [.quit(status: quitStatus)]
            case .up: state.overlay = .alertLog(scroll: min(scroll + 1, max(0, state.alerts.log.count - 1)))
            case .down: state.overlay = .alertLog(scroll: max(0, scroll - 1))
            case .acknowledge: state.alerts.acknowledgeAll(now: state.now)
            case .close: state.overlay = .none
            case .choose, nil: break
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
            case .acknowledge, nil: break
            }
            return []
        case .none:
            if state.screen == .overview {
                if state.overview.editingFilter { return OverviewNavigation.editFilter(key, &state) }
                if let action = KeyMap.action(for: key, in: KeyMap.overview) { return performOverview(action, &state) }
            }
            guard let action = KeyMap.action(for: key, in: KeyMap.main) else { return [] }
            return perform(action, &state)
        }
    }

    static func perform(_ action: Action, _ state: inout DashboardState) -> [Effect] {
        switch action {
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
        case .toggleOverview:
            return show(state.screen == .overview ? .dashboard : .overview, &state)
        case .toggleWall:
            return show(state.screen == .wall ? .dashboard : .wall, &state)
        case .openAlertLog:
            state.overlay = .alertLog(scroll: 0)
        case .acknowledgeAlerts:
            state.alerts.acknowledgeAll(now: state.now)
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
            state.overlay = .help
        case .redraw:
            return [.repaint]
        case .suspend:
            return [.suspend]
        case .quit:
            return [.quit(status: quitStatus)]
        }
        return []
    }

    static func performOverview(_ action: OverviewAction, _ state: inout DashboardState) -> [Effect] {
        switch action {
        case .open:
            guard let selection = state.overview.selection, state.fleet.contains(selection) else { return [] }
            state.current = selection
            return show(.dashboard, &state)
        case .refreshAll:
            for server in state.servers.indices where state.servers[server].listsAllUsers {
                state.scheduler.wantUserList(server: server, now: state.now)
            }
            if let selection = state.overview.selection { state.scheduler.refresh(selection, now: state.now) }
            return startDue(&state)
        default:
            OverviewNavigation.perform(action, &state)
            return []
        }
    }

    /// The dashboard and the wall poll their user every interval; the overview polls everyone
    /// alike.
    static func show(_ screen: ScreenMode, _ state: inout DashboardState) -> [Effect] {
        state.screen = screen
        if state.rotation.isOn && !state.rotation.paused { state.rotation.nextAt = state.now.addingTimeInterval(state.rotation.period) }
        if screen == .overview {
            state.overview.selection = state.current
            state.scheduler.setFocus(nil, now: state.now)
            compactHistories(&state)
            OverviewNavigation.keepSelectionVisible(&state)
        } else {
            state.scheduler.setFocus(state.current, now: state.now)
        }
        return startDue(&state)
    }

    /// A range longer than memory: ask the shell to read it (once a minute at most; the reply
    /// marks it loaded, and a request in flight is not repeated before then).
    static func longChartIfNeeded(_ state: inout DashboardState) -> [Effect] {
        guard state.screen != .overview, state.needsLongChart else { return [] }
        // Marked as loading (empty, now) so that ticks do not ask again while the read runs.
        let pending = state.longChart.map { $0.key == state.current && $0.window == state.chartWindow } ?? false
        if !pending { state.longChart = LongChart(key: state.current, window: state.chartWindow, samples: [], loadedAt: state.now) }
        return [.loadChart(state.current, window: state.chartWindow)]
    }

    /// `--rotate`: on the dashboard and the wall, the next user when the period is up.
    static func rotate(_ state: inout DashboardState) -> [Effect] {
        guard state.rotation.isOn, !state.rotation.paused, state.screen != .overview, state.fleet.count > 1 else { return [] }
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
        if state.screen == .overview {
            state.overview.selection = state.current
            OverviewNavigation.keepSelectionVisible(&state)
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

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
