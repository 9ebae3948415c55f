import Foundation
import M4API
import Screen

/// Everything that happens to the dashboard.
public enum Event: Sendable {
    case key(Key)
    /// The one-second clock: ages, countdowns and highlights move on.
    case tick(Date)
    /// The poll timer fired.
    case pollDue(Date)
    case fetched(user: String, result: Result<QuickStats, FetchError>, at: Date)
    case resized(width: Int, height: Int)
}

/// What the shell must do after an update.
public enum Effect: Sendable, Equatable {
    case fetch(user: String)
    case suspend
    case quit
}

/// The pure heart of the dashboard: `update(&state, event)` returns the effects to carry out.
/// No terminal, no network, no clock of its own: everything it needs arrives in the event.
public enum DashboardUpdate {
    public static func update(_ state: inout DashboardState, _ event: Event) -> [Effect] {
        switch event {
        case .tick(let now):
            state.now = now
            return []
        case .pollDue(let now):
            state.now = now
            return pollIfDue(&state)
        case .resized(let width, let height):
            state.width = width
            state.height = height
            state.needsFullRedraw = true
            return []
        case .fetched(let user, let result, let at):
            state.now = max(state.now, at)
            return finish(&state, user: user, result: result, at: at)
        case .key(let key):
            return handle(key, &state)
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
            if let previous = userState.history.latest?.stats {
                let diff = SnapshotDiff.between(previous, stats)
                userState.diff = diff
                userState.changedAt = diff.deltas.isEmpty ? userState.changedAt : at
                if diff.isNewMonth {
                    userState.rollover = ("month", at)
                } else if diff.isNewDay {
                    userState.rollover = ("day", at)
                }
            } else {
                userState.diff = SnapshotDiff()
            }
            if let now = stats.activeCalls?["total"]?.number {
                let before = userState.history.latest?.stats.activeCalls?["total"]?.number
                if now > 0 {
                    userState.activeCallsDrop = nil
                } else if let before, before >= DashboardState.outageThreshold {
                    userState.activeCallsDrop = (before, at)
                }
            }
            userState.history.append(Snapshot(time: at, stats: stats))
            userState.trends = Trends.from(userState.history)
            userState.lastSuccess = at
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

    // MARK: Keys

    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        switch state.overlay {
        case .help:
            switch KeyMap.action(for: key, in: KeyMap.help) {
            case .quit: return [.quit]
            case .closeOverlay: state.overlay = .none
            default: break
            }
            return []
        case .userList(let selection):
            switch KeyMap.action(for: key, in: KeyMap.userList) {
            case .quit: return [.quit]
            case .listUp: state.overlay = .userList(selection: max(0, selection - 1))
            case .listDown: state.overlay = .userList(selection: min(state.users.count - 1, selection + 1))
            case .listChoose:
                state.overlay = .none
                return switchUser(&state, to: selection)
            case .closeOverlay: state.overlay = .none
            default: break
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
        case .jumpToUser(let index):
            guard index < state.users.count else { return [] }
            return switchUser(&state, to: index)
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
            state.needsFullRedraw = true
        case .toggleHelp:
            state.overlay = .help
        case .redraw:
            state.needsFullRedraw = true
        case .suspend:
            return [.suspend]
        case .quit:
            return [.quit]
        case .listUp, .listDown, .listChoose, .closeOverlay:
            break
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
        // Re-plan the next poll from the last attempt with the new interval.
        for user in state.users {
            guard var userState = state.userStates[user], userState.consecutiveFailures == 0,
                  let last = userState.lastSuccess else { continue }
            userState.nextPoll = last.addingTimeInterval(next)
            state.userStates[user] = userState
        }
    }
}
