import Foundation
import M4API
import Watch

/// The fleet at one moment of the store, ready to draw: what the screens showed then.
package struct ReplayScene: Sendable {
    package let moment: Date
    package let fleet: FleetState
    package let formatted: [UserKey: FormattedSnapshot]
    package let figures: [UserKey: RowFigures]
    /// The user whose chart hour (and long range) was read, and the range.
    package let current: UserKey
    package let chartWindow: TimeInterval
    package let longChart: LongChart?
    /// What it was built from: a step carries it forward, reading only the users it changes.
    package let records: ReplayRecords
    /// Read from the store (not the empty scene shown while the first read runs).
    package var isRead = true
    /// Something the replay bar should say about this read (a server the store has no rows for).
    package var note: String?
    /// Moved on a screen of one user: only that user was read again, the others are as of an
    /// earlier moment (the overview reads them all again before it shows them).
    package var othersBehind = false

    /// Rebuilt from stored rows with `live`'s servers, rules and settings (`ReplayBuilder`);
    /// every row formatted once, as answers are live.
    package static func make(live: DashboardState, records: ReplayRecords, longChart: LongChart?) -> ReplayScene {
        let fleet = ReplayBuilder.fleet(from: live.fleetState, records: records)
        var formatted: [UserKey: FormattedSnapshot] = [:]
        var figures: [UserKey: RowFigures] = [:]
        for key in fleet.userStates.keys { format(key, fleet, current: live.current, &formatted, &figures) }
        return ReplayScene(moment: records.moment, fleet: fleet, formatted: formatted, figures: figures, current: live.current,
                           chartWindow: live.chartWindow, longChart: longChart, records: records)
    }

    /// One user's overview row, and the panels' text where a screen shows one user (the user on
    /// screen): what a live answer gets once when it arrives.
    private static func format(_ key: UserKey, _ fleet: FleetState, current: UserKey, _ formatted: inout [UserKey: FormattedSnapshot],
                               _ figures: inout [UserKey: RowFigures]) {
        guard let user = fleet.userStates[key], let latest = user.latest else {
            formatted[key] = nil
            figures[key] = nil
            return
        }
        figures[key] = RowFigures(latest, diff: user.diff, trends: user.trends)
        if key == current { formatted[key] = FormattedSnapshot.make(latest, diff: user.diff, trends: user.trends) }
    }

    /// This scene moved to `records.moment`, where only `changed` users have new rows (the
    /// user on screen and the chart range are this scene's).
    package func moved(records: ReplayRecords, changed: Set<UserKey>, longChart: LongChart?) -> ReplayScene {
        let fleet = ReplayBuilder.moved(self.fleet, records: records, changed: changed)
        var formatted = self.formatted
        var figures = self.figures
        for key in changed { Self.format(key, fleet, current: current, &formatted, &figures) }
        return ReplayScene(moment: records.moment, fleet: fleet, formatted: formatted, figures: figures, current: current,
                           chartWindow: chartWindow, longChart: longChart, records: records)
    }

    /// Nothing read yet: every row waiting, at the moment asked for.
    package static func empty(live: DashboardState, at moment: Date) -> ReplayScene {
        var scene = make(live: live, records: ReplayRecords(moment: moment, users: [:]), longChart: nil)
        scene.isRead = false
        return scene
    }
}

/// What a replay load asks the shell to read.
package struct ReplayRequest: Sendable, Equatable {
    package enum Target: Sendable, Equatable {
        case moment(Date)
        /// The nearest stored row after (or before) `from` among `users`' rows.
        case step(from: Date, forward: Bool, users: [UserKey])
    }

    /// Loads are numbered: only the newest one's answer is shown.
    package let number: Int
    package let target: Target

    package init(number: Int, target: Target) {
        self.number = number
        self.target = target
    }
}

/// Time travel: the screens show the store's fleet at `moment` while live polling goes on
/// underneath (`DashboardState.shown` swaps the scene in).
package struct ReplayState: Sendable {
    /// The moment on screen, or being loaded.
    package var moment: Date
    package var scene: ReplayScene?
    /// The newest load asked for; nil when none is running.
    package var loading: Int?
    /// Loads asked for so far (their numbers).
    package var requests = 0
    /// Steps pressed while a load ran (forward positive): taken one by one from where it lands.
    package var queuedSteps = 0
    /// Play forward, this many seconds a second; nil: still.
    package var speed: Double?
    /// Said on the replay bar until the next move (nothing stored there, a time that did not read).
    package var message: String?
    /// `--at`: no request went to any server; Esc starts polling.
    package var offline = false
    /// Baselines read for the scene's minute.
    package var baselines: [UserKey: UserBaseline] = [:]
    package var baselinesMinute: Int?

    package init(moment: Date) {
        self.moment = moment
    }

    /// The speeds of `*`, in turn.
    package static let speeds: [Double] = [1, 10, 60]
}

extension DashboardState {
    /// The state the screens draw: live, or in a replay the scene's fleet in place of the live
    /// one (the cursor, the screen, overlays and the theme stay this state's).
    package var shown: DashboardState {
        guard let replay, let scene = replay.scene else { return self }
        var copy = self
        copy.fleetState = scene.fleet
        copy.fleetState.baselines = replay.baselines
        copy.formatted = scene.formatted
        copy.figures = scene.figures
        copy.longChart = scene.longChart
        return copy
    }

    package var isReplaying: Bool { replay != nil }
}
