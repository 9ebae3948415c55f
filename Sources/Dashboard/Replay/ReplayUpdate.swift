import Foundation
import Screen
import Watch

/// What a key does in a replay (before the screen's and the dashboard's tables).
package enum ReplayAction: String, Hashable, Sendable {
    case answerBack = "replay-answer-back"
    case answerForward = "replay-answer-forward"
    case minuteBack = "replay-minute-back"
    case minuteForward = "replay-minute-forward"
    case hourBack = "replay-hour-back"
    case hourForward = "replay-hour-forward"
    case goToTime = "replay-go-to"
    case play = "replay-play"
    case faster = "replay-speed"
    case live = "replay-live"

    package var name: String { rawValue }
}

/// Time travel's moves: into a replay, through it, and back to live. The store is read by the
/// shell (`Effect.loadReplay`); the scene arrives as `Event.replayLoaded`.
package enum ReplayUpdate {
    /// `T` from live: one answer back from now (of the user on screen; of anyone on the overview).
    static func start(_ state: inout DashboardState) -> [Effect] {
        enter(&state, at: state.now)
        return step(&state, forward: false)
    }

    /// Into a replay at `moment` (nothing drawn from live meanwhile: rows wait for the store).
    static func enter(_ state: inout DashboardState, at moment: Date) {
        var replay = ReplayState(moment: moment)
        replay.scene = ReplayScene.empty(live: state, at: moment)
        state.replay = replay
        state.overlay = .none
    }

    /// `--at`: the program starts in a replay and asks no server anything until `Esc`.
    package static func startOffline(_ state: inout DashboardState, at moment: Date) -> [Effect] {
        enter(&state, at: moment)
        state.replay?.offline = true
        state.paused = true
        return load(&state, .moment(moment))
    }

    static func load(_ state: inout DashboardState, _ target: ReplayRequest.Target) -> [Effect] {
        guard var replay = state.replay else { return [] }
        let number = replay.requests + 1
        replay.requests = number
        replay.loading = number
        replay.message = nil
        if case .moment(let moment) = target {
            replay.moment = moment
            replay.queuedSteps = 0
        }
        state.replay = replay
        return [.loadReplay(ReplayRequest(number: number, target: target))]
    }

    static func jump(_ state: inout DashboardState, to moment: Date) -> [Effect] {
        if state.replay == nil { enter(&state, at: moment) }
        // The future is live: a jump past now goes back to it.
        guard moment < state.now else { return goLive(&state) }
        return load(&state, .moment(moment))
    }

    static func step(_ state: inout DashboardState, forward: Bool) -> [Effect] {
        guard let replay = state.replay else { return [] }
        // Where a load lands is not known yet: the step is taken from there when it does.
        if replay.loading != nil {
            state.replay?.queuedSteps += forward ? 1 : -1
            return []
        }
        let users = Screens.kind(state.screen).followsCurrentUser ? [state.current] : (replay.scene?.fleet.watched ?? state.fleet)
        return load(&state, .step(from: replay.moment, forward: forward, users: users))
    }

    static func goLive(_ state: inout DashboardState) -> [Effect] {
        guard let replay = state.replay else { return [] }
        state.replay = nil
        if replay.offline {
            // Started with --at: polling starts now, user lists first.
            state.paused = false
            for server in state.servers.indices where state.servers[server].listsAllUsers {
                state.scheduler.wantUserList(server: server, now: state.now)
            }
        }
        // The user or screen chosen in the replay is polled as live polls it.
        if !state.fleet.contains(state.current) { state.current = state.fleet[0] }
        return [.repaint] + DashboardUpdate.show(state.screen, &state)
    }

    // MARK: Keys

    /// The dashboard's actions that act on live polling, not on what is shown.
    static let liveActions: Set<Action> = [.refresh, .togglePause, .slower, .faster]

    /// A key in a replay: its own table first; keys about polling act on live (none sends a
    /// request after `--at`); every other key acts on the replayed screens (their users, rows
    /// and overlays), whose cursor, screen, user and overlay are then kept.
    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        let free = state.overlay == .none && !state.overview.editingFilter
        // Esc clears a kept overview filter before it leaves the replay.
        let clearsFilter = key == .escape && state.screen == .overview && !state.overview.filter.isEmpty
        if free, !clearsFilter, let action = KeyMap.action(for: key, in: KeyMap.replay) { return perform(action, &state) }
        let claimed = Screens.kind(state.screen).ownKeys.contains { $0.keys.contains(key) }
        if free, !claimed, let action = KeyMap.action(for: key, in: KeyMap.main), liveActions.contains(action) {
            guard state.replay?.offline != true else {
                state.replay?.message = "nothing is asked of a server during --at: Esc goes live and starts polling"
                return []
            }
            return DashboardUpdate.perform(action, &state)
        }
        var shown = state.shown
        let effects = DashboardUpdate.handleKey(key, &shown)
        state.current = shown.current
        state.screen = shown.screen
        state.overview = shown.overview
        state.overlay = shown.overlay
        state.chartRangeIndex = shown.chartRangeIndex
        state.themeIndex = shown.themeIndex
        state.rotation.paused = shown.rotation.paused
        // Requests and reads were the replayed copy's; the terminal's effects are real.
        return effects.filter { effect in
            switch effect {
            case .quit, .applyTheme, .repaint, .suspend: return true
            default: return false
            }
        }
    }

    static func perform(_ action: ReplayAction, _ state: inout DashboardState) -> [Effect] {
        guard let moment = state.replay?.moment else { return [] }
        // A move by hand stops playing, as a player's step does.
        if ![.play, .faster, .goToTime].contains(action) { state.replay?.speed = nil }
        switch action {
        case .answerBack: return step(&state, forward: false)
        case .answerForward: return step(&state, forward: true)
        case .minuteBack: return jump(&state, to: moment.addingTimeInterval(-60))
        case .minuteForward: return jump(&state, to: moment.addingTimeInterval(60))
        case .hourBack: return jump(&state, to: moment.addingTimeInterval(-3_600))
        case .hourForward: return jump(&state, to: moment.addingTimeInterval(3_600))
        case .goToTime: state.momentPrompt = ""
        case .play:
            let playing = state.replay?.speed != nil
            state.replay?.speed = playing ? nil : ReplayState.speeds[0]
        case .faster:
            let speeds = ReplayState.speeds
            let index = state.replay?.speed.flatMap { speeds.firstIndex(of: $0) }.map { ($0 + 1) % speeds.count } ?? 0
            state.replay?.speed = speeds[index]
        case .live: return goLive(&state)
        }
        return []
    }

    /// `@`: the typed moment, in the zone of the server on screen; Enter goes, Esc gives up.
    static func editPrompt(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        guard let text = state.momentPrompt else { return [] }
        switch key {
        case .escape:
            state.momentPrompt = nil
            state.momentPromptProblem = nil
        case .backspace:
            state.momentPrompt = String(text.dropLast())
            state.momentPromptProblem = nil
        case .enter:
            let typed = text.trimmingCharacters(in: .whitespaces)
            guard !typed.isEmpty else {
                state.momentPrompt = nil
                return []
            }
            let zone = state.currentServer.calendar.timeZone
            guard let moment = MomentText.parse(typed, now: state.now, timeZone: zone) else {
                // The prompt stays, with what was wrong: nothing moves on a typo.
                state.momentPromptProblem = "not a time"
                return []
            }
            state.momentPrompt = nil
            state.momentPromptProblem = nil
            return jump(&state, to: moment)
        case .character(let character) where text.count < 40 && !character.isNewline:
            state.momentPrompt = text + String(character)
            state.momentPromptProblem = nil
        default:
            break
        }
        return []
    }

    // MARK: Events

    static func loaded(_ scene: ReplayScene, number: Int, _ state: inout DashboardState) -> [Effect] {
        guard var replay = state.replay, replay.loading == number else { return [] }
        replay.loading = nil
        replay.moment = scene.moment
        replay.scene = scene
        replay.message = scene.note
        state.replay = replay
        // Steps pressed meanwhile, one at a time; a user or range changed meanwhile, read again.
        var next: [Effect] = []
        if replay.queuedSteps != 0 {
            let forward = replay.queuedSteps > 0
            state.replay?.queuedSteps -= forward ? 1 : -1
            next = step(&state, forward: forward)
        } else {
            next = followKeys(&state)
        }
        // Baselines move with the clock: read again when the minute changes.
        let minute = Self.minute(of: scene.moment)
        guard replay.baselinesMinute != minute else { return next }
        state.replay?.baselinesMinute = minute
        return [.loadReplayBaselines(at: scene.moment)] + next
    }

    /// Minutes since 1970, for any stored time (one far off, edited by hand, is clamped).
    static func minute(of moment: Date) -> Int {
        let minutes = (moment.timeIntervalSince1970 / 60).rounded(.down)
        guard minutes.isFinite else { return 0 }
        return Int(max(-1e15, min(1e15, minutes)))
    }

    /// The store changed under the replay (the demo's week arrived): its moment read again, in full.
    package static func reread(_ state: inout DashboardState) -> [Effect] {
        guard let replay = state.replay else { return [] }
        state.replay?.scene?.isRead = false
        return load(&state, .moment(replay.moment))
    }

    static func failed(_ message: String, number: Int, _ state: inout DashboardState) {
        guard state.replay?.loading == number else { return }
        state.replay?.loading = nil
        state.replay?.speed = nil
        state.replay?.queuedSteps = 0
        state.replay?.message = message
    }

    static func baselinesLoaded(_ baselines: [UserKey: UserBaseline], at moment: Date, _ state: inout DashboardState) {
        guard let replay = state.replay, replay.baselinesMinute == minute(of: moment) else { return }
        state.replay?.baselines = baselines
    }

    /// The clock: a playing replay moves on by its speed (and goes live when it reaches now).
    static func tick(_ state: inout DashboardState, elapsed: TimeInterval) -> [Effect] {
        guard let replay = state.replay, let speed = replay.speed, replay.loading == nil else { return [] }
        return jump(&state, to: replay.moment.addingTimeInterval(speed * elapsed))
    }

    /// After a key: the user on screen or the chart range changed under a replay, so its scene
    /// is read again at the same moment (a chart hour is read for the user on screen only).
    static func followKeys(_ state: inout DashboardState) -> [Effect] {
        guard let replay = state.replay, replay.loading == nil, let scene = replay.scene else { return [] }
        let behind = scene.othersBehind && !Screens.kind(state.screen).followsCurrentUser
        guard scene.current != state.current || scene.chartWindow != state.chartWindow || behind else { return [] }
        return load(&state, .moment(replay.moment))
    }
}
