import DequeModule
import Foundation
import M4API

/// A new day or month, and when it was seen.
package struct Rollover: Sendable, Equatable {
    package let period: Period
    package let at: Date
}

/// Active calls fell from many to none: the classic outage signal on a NOC wall.
package struct ActiveCallsDrop: Sendable, Equatable {
    package let from: Decimal
    package let at: Date
}

/// Everything one user's panel and overview row need: history, what changed, how it stands.
/// When the next poll is due is the scheduler's business, not the user's.
package struct UserState: Sendable {
    package var history = SnapshotHistory()
    package var diff = SnapshotDiff()
    package var trends = Trends()
    /// The latest answer, formatted once when it arrives (not once per frame).
    package var formatted: FormattedSnapshot?
    /// When the latest diff arrived: changed cells stay highlighted for a moment after it.
    package var changedAt: Date?
    package var rollover: Rollover?
    /// Kept until calls come back.
    package var activeCallsDrop: ActiveCallsDrop?
    package var lastSuccess: Date?
    package var lastError: FetchError?
    package var lastErrorAt: Date?
    package var consecutiveFailures = 0
    package var inFlightSince: Date?

    package init() {}

    package var isInFlight: Bool { inFlightSince != nil }
    package var latest: QuickStats? { history.latest?.stats }

    /// The rollover, while it is recent enough to mention on screen.
    package func recentRollover(now: Date) -> Rollover? {
        guard let rollover, now.timeIntervalSince(rollover.at) < DashboardState.rolloverNoticeSeconds else { return nil }
        return rollover
    }
}

/// Which screen is up.
package enum ScreenMode: String, Sendable, CaseIterable {
    case dashboard, overview, wall
}

/// Active calls over a range longer than the hour kept in memory, from the history store.
package struct LongChart: Sendable, Equatable {
    package let key: UserKey
    package let window: TimeInterval
    package let samples: Deque<ChartSample>
    package let loadedAt: Date

    package init(key: UserKey, window: TimeInterval, samples: [ChartSample], loadedAt: Date) {
        self.key = key
        self.window = window
        self.samples = Deque(samples)
        self.loadedAt = loadedAt
    }
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

/// The whole program's screen state, as plain data: `update` changes it, the views draw it.
/// One fleet of servers, each with its users; the dashboard shows one user (`current`), the
/// overview all of them.
package struct DashboardState: Sendable {
    package enum Overlay: Sendable, Equatable {
        case none
        case help
        case userList(selection: Int)
        /// `a`: every firing, resolution and acknowledgement; `scroll` lines from the newest.
        case alertLog(scroll: Int)
    }

    package private(set) var servers: [WatchedServer]
    /// Every watched user, server by server (each server's admin first): the order of `u`,
    /// `1`-`9` and the user list.
    package private(set) var fleet: [UserKey] = []
    package var current: UserKey
    package var screen: ScreenMode
    package var overview = OverviewState()
    package var userStates: [UserKey: UserState] = [:]
    /// What each overview row shows, kept small: a frame reads a thousand of them.
    package var rows: [UserKey: RowSummary] = [:]
    package var scheduler: PollScheduler
    package var paused: Bool {
        get { scheduler.paused }
        set { scheduler.paused = newValue }
    }
    package var interval: TimeInterval {
        get { scheduler.interval }
        set { scheduler.interval = newValue }
    }
    package var overlay = Overlay.none
    /// The rules, what is firing, and the log.
    package var alerts = AlertBook()
    /// False without a screen (the exporter): an answer only replaces the user's latest one; no
    /// hour of history, diffs, trends or formatted rows are kept (a tenth of the exporter's CPU,
    /// and 22 KiB per user after an hour).
    package var keepsScreenDetail = true
    package var rotation = Rotation()
    /// The wall's tiles (metric paths); nil: the defaults for an admin or a simple user.
    package var wallMetrics: [String]?
    /// Which of `chartRanges` the charts show (`[` `]`).
    package var chartRangeIndex = 1
    /// A range longer than memory keeps, read from the history store for the user on screen.
    package var longChart: LongChart?
    /// The themes `t` cycles through; the shell holds the themes themselves, by name.
    package let themeNames: [String]
    package var themeIndex = 0
    /// Shown while the numbers come from the embedded simulator.
    package var demoNotice: String?
    /// Something the user should read once (history moved aside, or off): shown for a minute.
    package var notice: (text: String, until: Date)?
    package var now: Date
    package var width = 80
    package var height = 24

    /// The standard interval steps of `+` and `-`.
    package static let intervalSteps: [TimeInterval] = [1, 2, 3, 5, 10, 15, 30, 60, 120, 300]
    /// Changed cells stay highlighted this long.
    package static let highlightSeconds: TimeInterval = 2
    /// A new day or month is mentioned on screen this long.
    package static let rolloverNoticeSeconds: TimeInterval = 120
    /// A fall to zero from at least this many active calls is flagged as a possible outage.
    package static let outageThreshold: Decimal = 5
    /// Data older than this many intervals (or full rounds, off screen) is stale.
    package static let staleIntervals: Double = 3
    package static let defaultOverviewInterval: TimeInterval = 30
    /// The chart ranges of `[` and `]`: 15 min, 1 h, 6 h, 24 h, 7 days.
    package static let chartRanges: [TimeInterval] = [900, 3_600, 21_600, 86_400, 604_800]
    /// The wall's tiles without `wall = [...]`.
    package static let adminWall = ["active_calls.total", "today.revenue", "today.profit", "today.margin"]
    package static let userWall = ["active_calls.total", "today.price", "balance"]

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

    /// The long range is wanted and not loaded (or older than a minute).
    package var needsLongChart: Bool {
        guard chartWindow > currentState.history.retention else { return false }
        guard let long = longChart, long.key == current, long.window == chartWindow else { return true }
        return now.timeIntervalSince(long.loadedAt) >= 60
    }

    /// The tiles of the wall for the user on screen.
    package var wallTiles: [String] {
        wallMetrics ?? (currentState.latest?.isPriceOnly == true || (!isAdminShown && currentState.latest == nil) ? Self.userWall : Self.adminWall)
    }

    /// A fleet: the servers with their first users, polled as the settings say.
    package init(servers setups: [ServerSetup], interval: TimeInterval, overviewInterval: TimeInterval = defaultOverviewInterval,
                 start: ScreenMode = .dashboard, themeNames: [String] = ["default"], now: Date = Date()) {
        precondition(!setups.isEmpty && setups.allSatisfy { !$0.users.isEmpty }, "at least one user on every server")
        self.servers = setups.map(WatchedServer.init)
        self.screen = start
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.now = now
        self.scheduler = PollScheduler(budgets: setups.map(\.budget), interval: interval, overviewInterval: overviewInterval)
        self.current = UserKey(server: 0, name: setups[0].users[0])
        if start != .overview { scheduler.setFocus(current, now: now) }
        for index in servers.indices {
            watch(server: index, users: servers[index].users)
            if servers[index].listsAllUsers { scheduler.wantUserList(server: index, now: now) }
        }
        overview.selection = current
    }

    /// One server and its users: the single-server dashboard.
    package init(server: String, users: [String], adminName: String, interval: TimeInterval,
                 themeNames: [String] = ["default"], now: Date = Date(), timeZone: TimeZone = .current) {
        self.init(servers: [ServerSetup(name: "", displayURL: server, adminName: adminName, users: users, timeZone: timeZone)],
                  interval: interval, themeNames: themeNames, now: now)
    }

    // MARK: The fleet

    package var currentServer: WatchedServer { servers[current.server] }
    package var currentUser: String { current.name }
    package var currentState: UserState { userStates[current] ?? UserState() }
    package var isAdminShown: Bool { current.name == currentServer.adminName }
    /// Where the user on screen is, for the header.
    package var server: String { currentServer.displayURL }
    package var currentIndex: Int { fleet.firstIndex(of: current) ?? 0 }
    package var themeName: String { themeNames[themeIndex] }
    package var isFleet: Bool { servers.count > 1 || servers.contains(where: \.listsAllUsers) }

    package func isAdmin(_ key: UserKey) -> Bool { key.name == servers[key.server].adminName }

    /// Replaces one server's watched users (a fresh `users_get` list, or the fallback):
    /// new users are scheduled spread out, users gone are forgotten, blocked ones not polled.
    package mutating func setUsers(_ users: [String], server index: Int) {
        let before = Set(servers[index].users.map { UserKey(server: index, name: $0) })
        let after = Set(users.map { UserKey(server: index, name: $0) })
        let gone = before.subtracting(after)
        scheduler.remove(gone)
        for key in gone {
            userStates[key] = nil
            rows[key] = nil
            alerts.forget(.user(key))
        }
        servers[index].users = users
        watch(server: index, users: users)
        if gone.contains(current) { current = UserKey(server: index, name: users[0]) }
        if let selection = overview.selection, gone.contains(selection) { overview.selection = current }
    }

    /// Changes what is known about a server. (A new directory takes effect on polling through
    /// `setUsers`, which follows it.)
    package mutating func updateServer(_ index: Int, _ change: (inout WatchedServer) -> Void) {
        change(&servers[index])
    }

    private mutating func watch(server index: Int, users: [String]) {
        let keys = users.map { UserKey(server: index, name: $0) }
        scheduler.add(keys, now: now)
        for key in keys {
            if userStates[key] == nil { userStates[key] = UserState() }
            let blocked = servers[index].isBlocked(key.name)
            rows[key, default: RowSummary()].blocked = blocked
            scheduler.setPolled(key, !blocked)
        }
        fleet = servers.indices.flatMap { server in servers[server].users.map { UserKey(server: server, name: $0) } }
    }

    // MARK: Facts

    /// The calendar of a server's days: a new date is a new day even when counters grow.
    package func calendar(of key: UserKey) -> Calendar { servers[key.server].calendar }

    /// The user on screen has had no success for three intervals: never shown as fresh.
    package var isStale: Bool { isStale(current) }

    /// No success for three of the user's polling periods (its interval on screen, its full
    /// round off screen).
    package func isStale(_ key: UserKey) -> Bool {
        guard let lastSuccess = rows[key]?.lastSuccess else { return false }
        let period = key == scheduler.focus ? interval : scheduler.roundSeconds(server: key.server)
        return now.timeIntervalSince(lastSuccess) > Self.staleIntervals * period
    }

    /// The numbers on screen changed a moment ago.
    package var isHighlightActive: Bool { isHighlightActive(current) }

    package func isHighlightActive(_ key: UserKey) -> Bool {
        guard let changedAt = rows[key]?.changedAt else { return false }
        return now.timeIntervalSince(changedAt) < Self.highlightSeconds
    }

    /// The wait before the next try after `failures` failures in a row.
    package func backoff(failures: Int) -> TimeInterval { scheduler.backoff(failures: failures) }

    /// When the poll timer should fire next, or nil when only an answer or a key can start one.
    package var nextPollDue: Date? { scheduler.nextWake(now: now) }
}
