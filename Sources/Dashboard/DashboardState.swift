import DequeModule
import Foundation
import M4API
import Watch

/// Active calls over a range longer than the hour kept in memory, from the history store.
package struct LongChart: Sendable, Equatable {
    package let key: UserKey
    package let window: TimeInterval
    package let samples: Deque<ChartSample>
    package let loadedAt: Date
    /// The same range a week earlier, its times moved a week on so that it lines up (24 h and 7
    /// d ranges): drawn behind this week's bars.
    package let lastWeek: Deque<ChartSample>

    package init(key: UserKey, window: TimeInterval, samples: [ChartSample], loadedAt: Date, lastWeek: [ChartSample] = []) {
        self.key = key
        self.window = window
        self.samples = Deque(samples)
        self.loadedAt = loadedAt
        self.lastWeek = Deque(lastWeek)
    }

    /// Ranges this long or longer draw last week's curve behind this week's.
    package static let lastWeekFrom: TimeInterval = 86_400
}

/// `--rotate`: the dashboard and the wall go through the watched users, one period each.
package struct Rotation: Sendable, Equatable {
    /// Seconds per user; 0 is off.
    package var period: TimeInterval = 0
    package var paused = false
    package var nextAt: Date?

    package init(period: TimeInterval = 0) {
        self.period = period
    }

    package var isOn: Bool { period > 0 }
}

/// The terminal UI's state, as plain data: the fleet's state (`fleetState`, changed by
/// `FleetUpdate`) wrapped in what only a screen has: which user and screen are up, overlays,
/// charts, themes, the terminal's size, and each user's numbers formatted once per answer.
/// `DashboardUpdate` changes it, the views draw it.
package struct DashboardState: Sendable {
    package enum Overlay: Sendable, Equatable {
        case none
        /// `?`: every key of the screen; `scroll` lines from the top.
        case help(scroll: Int)
        case userList(selection: Int)
        /// `a`: every firing, resolution and acknowledgement; `scroll` lines from the newest.
        case alertLog(scroll: Int)
        /// `v`: the last answer of the user on screen, exactly as sent; `scroll` lines from the top.
        case answer(scroll: Int)
    }

    /// Servers, users, answers, the scheduler and alerts: everything that is not the screen.
    package var fleetState: FleetState
    package var current: UserKey
    package var screen: ScreenMode
    package var overview = OverviewState()
    /// The latest answer of each user, formatted once when it arrives (not once per frame).
    package var formatted: [UserKey: FormattedSnapshot] = [:]
    /// What each overview row shows, read once per answer: a frame reads a thousand of them.
    package var figures: [UserKey: RowFigures] = [:]
    package var overlay = Overlay.none
    package var rotation = Rotation()
    /// The wall's tiles; nil: the defaults for an admin or a simple user.
    package var wallMetrics: [MetricID]?
    /// Which of `chartRanges` the charts show (`[` `]`).
    package var chartRangeIndex = 1
    /// A range longer than memory keeps, read from the history store for the user on screen.
    package var longChart: LongChart?
    /// Yesterday's and last week's numbers at this time of day, per user (the fleet's: alert
    /// rules judge by them too); a user without any has no entry.
    package var baselines: [UserKey: UserBaseline] { fleetState.baselines }
    /// The themes `t` cycles through; the shell holds the themes themselves, by name.
    package let themeNames: [String]
    package var themeIndex = 0
    /// Shown while the numbers come from the embedded simulator.
    package var demoNotice: String?
    /// Something the user should read once (history moved aside, or off): shown for a minute.
    package var notice: (text: String, until: Date)?
    package var width = 80
    package var height = 24
    /// Time travel (`T`, `@`, `--at`): the store's fleet at a moment is on screen.
    package var replay: ReplayState?
    /// `@`: a moment being typed (live or in a replay).
    package var momentPrompt: String?
    /// Why the typed moment was not taken (shown in the prompt until the text changes).
    package var momentPromptProblem: String?

    // The fleet's parts the screens read most, by their short names.
    package var servers: [WatchedServer] { fleetState.servers }
    /// Every watched user, server by server: the order of `u`, `1`-`9` and the user list.
    package var fleet: [UserKey] { fleetState.watched }
    package var userStates: [UserKey: UserState] {
        get { fleetState.userStates }
        _modify { yield &fleetState.userStates }
    }
    package var scheduler: PollScheduler {
        get { fleetState.scheduler }
        _modify { yield &fleetState.scheduler }
    }
    package var alerts: AlertBook {
        get { fleetState.alerts }
        _modify { yield &fleetState.alerts }
    }
    package var now: Date {
        get { fleetState.now }
        set { fleetState.now = newValue }
    }
    package var paused: Bool {
        get { scheduler.paused }
        set { scheduler.paused = newValue }
    }
    package var interval: TimeInterval {
        get { scheduler.interval }
        set { scheduler.interval = newValue }
    }

    /// The standard interval steps of `+` and `-`.
    package static let intervalSteps: [TimeInterval] = [1, 2, 3, 5, 10, 15, 30, 60, 120, 300]
    /// Changed cells stay highlighted this long.
    package static let highlightSeconds: TimeInterval = 2
    /// The chart ranges of `[` and `]`: 15 min, 1 h, 6 h, 24 h, 7 days.
    package static let chartRanges: [TimeInterval] = [900, 3_600, 21_600, 86_400, 604_800]
    /// The wall's tiles without `wall = [...]`.
    package static let adminWall: [MetricID] = [.activeCallsTotal, .todayRevenue, .todayProfit, .todayMargin]
    package static let userWall: [MetricID] = [.activeCallsTotal, .todayPrice, .balance]

    package var chartWindow: TimeInterval { Self.chartRanges[chartRangeIndex] }

    /// What the chart of the user on screen draws: the store's samples for a long range (with
    /// this run's newer ones after them), else the hour in memory.
    package var chartSamples: Deque<ChartSample> {
        let memory = currentState.history.chart
        guard chartWindow > currentState.history.retention, let long = longChart, long.key == current, long.window == chartWindow else {
            return memory
        }
        let last = long.samples.last?.time ?? -.greatestFiniteMagnitude
        return long.samples + memory.filter { $0.time > last }
    }

    /// Last week's curve for the chart on screen, when its range has one loaded.
    package var chartLastWeek: Deque<ChartSample> {
        guard let long = longChart, long.key == current, long.window == chartWindow else { return [] }
        return long.lastWeek
    }

    /// The long range is wanted and not loaded (or older than a minute).
    package var needsLongChart: Bool {
        guard chartWindow > currentState.history.retention else { return false }
        guard let long = longChart, long.key == current, long.window == chartWindow else { return true }
        return now.timeIntervalSince(long.loadedAt) >= 60
    }

    /// The tiles of the wall for the user on screen.
    package var wallTiles: [MetricID] {
        wallMetrics ?? (currentState.latest?.isPriceOnly == true || (!isAdminShown && currentState.latest == nil) ? Self.userWall : Self.adminWall)
    }

    /// A fleet: the servers with their first users, polled as the settings say.
    package init(servers setups: [ServerSetup], interval: TimeInterval, overviewInterval: TimeInterval = FleetState.defaultOverviewInterval,
                 start: ScreenMode = .dashboard, themeNames: [String] = ["default"], now: Date = Date()) {
        let first = UserKey(server: 0, name: setups.first?.users.first ?? "")
        self.init(fleet: FleetState(servers: setups, interval: interval, overviewInterval: overviewInterval,
                                    focus: Screens.kind(start).followsCurrentUser ? first : nil, now: now),
                  start: start, themeNames: themeNames)
    }

    /// The screens around a fleet already made; the first watched user is on screen.
    package init(fleet: FleetState, start: ScreenMode = .dashboard, themeNames: [String] = ["default"]) {
        self.fleetState = fleet
        self.screen = start
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.current = fleet.watched[0]
        overview.selection = current
    }

    /// One server and its users: the single-server dashboard.
    package init(server: String, users: [String], adminName: String, interval: TimeInterval,
                 themeNames: [String] = ["default"], now: Date = Date(), timeZone: TimeZone = .current) {
        self.init(servers: [ServerSetup(name: "", displayURL: server, adminName: adminName, users: users, timeZone: timeZone)],
                  interval: interval, themeNames: themeNames, now: now)
    }

    // MARK: The user on screen

    package var currentServer: WatchedServer { servers[current.server] }
    package var currentUser: String { current.name }
    package var currentState: UserState { userStates[current] ?? UserState() }
    package var currentFormatted: FormattedSnapshot? { formatted[current] }
    package var isAdminShown: Bool { isAdmin(current) }
    /// Where the user on screen is, for the header.
    package var server: String { currentServer.displayURL }
    package var currentIndex: Int { fleet.firstIndex(of: current) ?? 0 }
    package var themeName: String { themeNames[themeIndex] }

    package func isAdmin(_ key: UserKey) -> Bool { fleetState.isAdmin(key) }

    /// The user on screen has had no success for three intervals: never shown as fresh.
    package var isStale: Bool { fleetState.isStale(current) }

    package func isStale(_ key: UserKey) -> Bool { fleetState.isStale(key) }

    /// The numbers on screen changed a moment ago.
    package var isHighlightActive: Bool { isHighlightActive(current) }

    package func isHighlightActive(_ key: UserKey) -> Bool {
        guard let changedAt = userStates[key]?.changedAt else { return false }
        return now.timeIntervalSince(changedAt) < Self.highlightSeconds
    }

    /// When the poll timer should fire next, or nil when only an answer or a key can start one.
    package var nextPollDue: Date? { fleetState.nextPollDue }
}
