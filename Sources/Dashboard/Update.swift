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
    case fetched(user: String, result: Result<QuickStats, FetchError>, at: Date)
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
    case fetch(user: String)
    /// Forget what the terminal shows and paint every cell again.
    case repaint
    /// Switch the terminal's colours to this theme (then repaint).
    case applyTheme(String)
    /// Give the terminal back and stop (Ctrl-Z); a `.resumed` event follows.
    case suspend
    /// Restore the terminal and exit with this status.
    case quit(status: Int32)
}

/// The pure heart of the dashboard: `update(&state, event)` returns the effects to carry out.
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
            return []
        case .pollDue(let now):
            state.now = now
            return pollIfDue(&state)
        case .resized(let width, let height), .resumed(let width, let height):
            state.width = width
            state.height = height
            return [.repaint]
        case .fetched(let user, let result, let at):
            state.now = max(state.now, at)
            return finish(&state, user: user, result: result, at: at)
        case .key(let key):
            return handle(key, &state)
        case .signal(let number):
            return [.quit(status: signalStatus(number))]
        case .hangUp:
            return [.quit(status: signalStatus(hangUpSignal))]
        }
    }

    // MARK: Polling

    static func pollIfDue(_ state: inout DashboardState) -> [Effect] {
        guard let due = state.nextPollDue, due <= state.now else { return [] }
        return startFetch(&state, user: state.currentUser)
    }

    /// Starts a request unless one is already in flight for that user (then it is remembered).
    static func startFetch(_ state: inout DashboardState, user: String) -> [Effect] {
        var userState = state.userStates[user] ?? UserState()
        if userState.isInFlight {
            userState.refreshQueued = true
            state.userStates[user] = userState
            return []
        }
        userState.inFlightSince = state.now
        userState.refreshQueued = false
        state.userStates[user] = userState
        return [.fetch(user: user)]
    }

    static func finish(_ state: inout DashboardState, user: String, result: Result<QuickStats, FetchError>, at: Date) -> [Effect] {
        var userState = state.userStates[user] ?? UserState()
        userState.inFlightSince = nil
        switch result {
        case .success(let stats):
            record(stats, at: at, in: &userState, calendar: state.calendar)
            userState.lastError = nil
            userState.lastErrorAt = nil
            userState.consecutiveFailures = 0
            userState.nextPoll = at.addingTimeInterval(state.interval)
        case .failure(let error):
            userState.lastError = error
            userState.lastErrorAt = at
            userState.consecutiveFailures += 1
            userState.nextPoll = at.addingTimeInterval(state.backoff(failures: userState.consecutiveFailures))
        }
        let queued = userState.refreshQueued
        state.userStates[user] = userState
        if queued && user == state.currentUser { return startFetch(&state, user: user) }
        if queued {
            state.userStates[user]?.refreshQueued = false
        }
        return []
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
            case .up, .down, .choose, nil: break
            }
            return []
        case .userList(let selection):
            switch KeyMap.action(for: key, in: KeyMap.userList) {
            case .quit: return [.quit(status: quitStatus)]
            case .up: state.overlay = .userList(selection: max(0, selection - 1))
            case .down: state.overlay = .userList(selection: min(state.users.count - 1, selection + 1))
            case .choose:
                state.overlay = .none
                return switchUser(&state, to: selection)
            case .close: state.overlay = .none
            case nil: break
            }
            return []
        case .none:
            guard let action = KeyMap.action(for: key, in: KeyMap.main) else { return [] }
            return perform(action, &state)
        }
    }

    static func perform(_ action: Action, _ state: inout DashboardState) -> [Effect] {
        switch action {
        case .refresh:
            return startFetch(&state, user: state.currentUser)
        case .nextUser:
            return switchUser(&state, to: (state.current + 1) % state.users.count)
        case .previousUser:
            return switchUser(&state, to: (state.current + state.users.count - 1) % state.users.count)
        case .jumpToUser(let number):
            return switchUser(&state, to: number - 1)
        case .openUserList:
            state.overlay = .userList(selection: state.current)
        case .togglePause:
            state.paused.toggle()
            if !state.paused { return pollIfDue(&state) }
        case .slower:
            changeInterval(&state, faster: false)
        case .faster:
            changeInterval(&state, faster: true)
            return pollIfDue(&state)
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

    /// Polling follows the user on screen; each user keeps their own history.
    static func switchUser(_ state: inout DashboardState, to index: Int) -> [Effect] {
        guard index != state.current, state.users.indices.contains(index) else { return [] }
        state.current = index
        let userState = state.currentState
        // Fresh enough data is shown as is; otherwise fetch at once.
        if let last = userState.lastSuccess, state.now.timeIntervalSince(last) < state.interval, userState.lastError == nil {
            return []
        }
        if userState.isInFlight { return [] }
        state.userStates[state.currentUser]?.nextPoll = state.now
        return state.paused && userState.lastSuccess != nil ? [] : startFetch(&state, user: state.currentUser)
    }

    static func changeInterval(_ state: inout DashboardState, faster: Bool) {
        let steps = DashboardState.intervalSteps
        let next = faster ? steps.last(where: { $0 < state.interval }) : steps.first(where: { $0 > state.interval })
        guard let next else { return }
        state.interval = next
        // Re-plan the next poll from the last success with the new interval.
        for user in state.users {
            guard var userState = state.userStates[user], userState.consecutiveFailures == 0,
                  let last = userState.lastSuccess else { continue }
            userState.nextPoll = last.addingTimeInterval(next)
            state.userStates[user] = userState
        }
    }
}
