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

/// Everything known about one watched user: its answers, what changed, how its polling stands.
/// The one place each of these facts lives (the screens read them here). When the next poll is
/// due is the scheduler's business, not the user's.
///
/// A value, kept behind one reference and copied on write: reading a fact out of a fleet's
/// dictionary of ten thousand users copies one reference, not a dozen fields (the overview judges
/// every row each frame).
package struct UserState: Sendable {
    private var storage: Storage

    /// Mutated only through `unique()`, so a storage shared by two values is never written: the
    /// copy-on-write that makes it safe to hand across queues (as arrays are).
    private final class Storage: @unchecked Sendable {
        var history: SnapshotHistory
        var diff: SnapshotDiff = SnapshotDiff()
        var trends: Trends = Trends()
        var changedAt: Date?
        var rollover: Rollover?
        var activeCallsDrop: ActiveCallsDrop?
        var lastSuccess: Date?
        var lastError: FetchError?
        var lastErrorAt: Date?
        var consecutiveFailures: Int = 0
        var inFlightSince: Date?
        var recordedPeriod: TimeInterval?
        var periods: CalendarPeriods?

        init(history: SnapshotHistory) {
            self.history = history
        }

        func copy() -> Storage {
            let copy = Storage(history: history)
            copy.diff = diff
            copy.trends = trends
            copy.changedAt = changedAt
            copy.rollover = rollover
            copy.activeCallsDrop = activeCallsDrop
            copy.lastSuccess = lastSuccess
            copy.lastError = lastError
            copy.lastErrorAt = lastErrorAt
            copy.consecutiveFailures = consecutiveFailures
            copy.inFlightSince = inFlightSince
            copy.recordedPeriod = recordedPeriod
            copy.periods = periods
            return copy
        }
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    package init(retention: TimeInterval = SnapshotHistory.defaultRetention) {
        storage = Storage(history: SnapshotHistory(retention: retention))
    }

    package var history: SnapshotHistory {
        get { storage.history }
        _modify {
            let storage = unique()
            yield &storage.history
        }
    }
    package var diff: SnapshotDiff {
        get { storage.diff }
        _modify {
            let storage = unique()
            yield &storage.diff
        }
    }
    package var trends: Trends {
        get { storage.trends }
        _modify {
            let storage = unique()
            yield &storage.trends
        }
    }
    /// The day and month of the latest answer (see `CalendarPeriods`).
    package var periods: CalendarPeriods? {
        get { storage.periods }
        _modify {
            let storage = unique()
            yield &storage.periods
        }
    }
    /// When the latest diff that changed something arrived.
    package var changedAt: Date? {
        get { storage.changedAt }
        _modify {
            let storage = unique()
            yield &storage.changedAt
        }
    }
    package var rollover: Rollover? {
        get { storage.rollover }
        _modify {
            let storage = unique()
            yield &storage.rollover
        }
    }
    /// Kept until calls come back.
    package var activeCallsDrop: ActiveCallsDrop? {
        get { storage.activeCallsDrop }
        _modify {
            let storage = unique()
            yield &storage.activeCallsDrop
        }
    }
    package var lastSuccess: Date? {
        get { storage.lastSuccess }
        _modify {
            let storage = unique()
            yield &storage.lastSuccess
        }
    }
    package var lastError: FetchError? {
        get { storage.lastError }
        _modify {
            let storage = unique()
            yield &storage.lastError
        }
    }
    package var lastErrorAt: Date? {
        get { storage.lastErrorAt }
        _modify {
            let storage = unique()
            yield &storage.lastErrorAt
        }
    }
    package var consecutiveFailures: Int {
        get { storage.consecutiveFailures }
        _modify {
            let storage = unique()
            yield &storage.consecutiveFailures
        }
    }
    package var inFlightSince: Date? {
        get { storage.inFlightSince }
        _modify {
            let storage = unique()
            yield &storage.inFlightSince
        }
    }
    /// In a replay: how far apart the stored answers were (the latest two). Staleness is judged
    /// by the cadence they were recorded at (an exporter's 60 s, a demo's minutes), not this run's.
    package var recordedPeriod: TimeInterval? {
        get { storage.recordedPeriod }
        _modify {
            let storage = unique()
            yield &storage.recordedPeriod
        }
    }

    package var isInFlight: Bool { inFlightSince != nil }
    package var latest: QuickStats? { history.latest?.stats }

    /// The rollover, while it is recent enough to mention.
    package func recentRollover(now: Date) -> Rollover? {
        guard let rollover, now.timeIntervalSince(rollover.at) < FleetState.rolloverNoticeSeconds else { return nil }
        return rollover
    }
}

/// The fleet as plain data, without a screen: the servers and their watched users, what each
/// user's answers say, the scheduler and the alerts. `FleetUpdate` changes it; the dashboard
/// wraps it in its screen state, the exporter polls it headless.
package struct FleetState: Sendable {
    package private(set) var servers: [WatchedServer]
    /// Every watched user, server by server (each server's admin first): the order of `u`,
    /// `1`-`9`, the user list and the overview.
    package private(set) var watched: [UserKey] = []
    package var userStates: [UserKey: UserState] = [:]
    package var scheduler: PollScheduler
    /// The rules, what is firing, and the log.
    package var alerts = AlertBook()
    /// Yesterday's and last week's numbers at this time of day, per user, from the history store
    /// (read once a minute by the live program): baseline alert rules and the screens use them.
    package var baselines: [UserKey: UserBaseline] = [:]
    /// How much of each user's answers is kept: an hour for charts and rates on screen; the
    /// exporter keeps only the latest (22 KiB a user less after an hour, at 1,000 users).
    package let historyRetention: TimeInterval
    package var now: Date

    /// A fall to zero from at least this many active calls is flagged as a possible outage.
    package static let outageThreshold: Decimal = 5
    /// Data older than this many intervals (or full rounds, off screen) is stale.
    package static let staleIntervals: Double = 3
    /// A new day or month is mentioned on screen this long.
    package static let rolloverNoticeSeconds: TimeInterval = 120
    package static let defaultOverviewInterval: TimeInterval = 30

    /// The servers with their first users, polled as the settings say; `focus` is polled every
    /// `interval`, everyone else every `overviewInterval`.
    package init(servers setups: [ServerSetup], interval: TimeInterval, overviewInterval: TimeInterval = defaultOverviewInterval,
                 focus: UserKey? = nil, historyRetention: TimeInterval = SnapshotHistory.defaultRetention, now: Date = Date()) {
        precondition(!setups.isEmpty && setups.allSatisfy { !$0.users.isEmpty }, "at least one user on every server")
        self.servers = setups.map(WatchedServer.init)
        self.historyRetention = historyRetention
        self.now = now
        self.scheduler = PollScheduler(budgets: setups.map(\.budget), interval: interval, overviewInterval: overviewInterval)
        if let focus { scheduler.setFocus(focus, now: now) }
        for index in servers.indices {
            watch(server: index, users: servers[index].users)
            if servers[index].listsAllUsers { scheduler.wantUserList(server: index, now: now) }
        }
    }

    // MARK: The fleet

    package func isAdmin(_ key: UserKey) -> Bool { key.name == servers[key.server].adminName }

    /// Shown but never polled: listed by users_get as blocked.
    package func isBlocked(_ key: UserKey) -> Bool { servers[key.server].isBlocked(key.name) }

    /// Replaces one server's watched users (a fresh `users_get` list, or the fallback): new
    /// users are scheduled spread out, users gone are forgotten, blocked ones not polled.
    package mutating func setUsers(_ users: [String], server index: Int) {
        let before = Set(servers[index].users.map { UserKey(server: index, name: $0) })
        let after = Set(users.map { UserKey(server: index, name: $0) })
        let gone = before.subtracting(after)
        scheduler.remove(gone)
        for key in gone {
            userStates[key] = nil
            alerts.forget(.user(key))
        }
        servers[index].users = users
        watch(server: index, users: users)
    }

    /// The same users listed again: only those blocked or unblocked since `before` change
    /// whether they are polled.
    package mutating func followBlocked(server index: Int, before: [String: M4User]) {
        let was = Set(before.values.lazy.filter(\.blocked).map(\.username))
        let now = Set(servers[index].directory.values.lazy.filter(\.blocked).map(\.username))
        for name in was.symmetricDifference(now) where userStates[UserKey(server: index, name: name)] != nil {
            scheduler.setPolled(UserKey(server: index, name: name), !now.contains(name))
        }
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
            if userStates[key] == nil { userStates[key] = UserState(retention: historyRetention) }
            scheduler.setPolled(key, !servers[index].isBlocked(key.name))
        }
        watched = servers.indices.flatMap { server in servers[server].users.map { UserKey(server: server, name: $0) } }
    }

    // MARK: Facts

    /// The calendar of a server's days: a new date is a new day even when counters grow.
    package func calendar(of key: UserKey) -> Calendar { servers[key.server].calendar }

    /// No success for three of the user's polling periods (its interval in focus, its full
    /// round otherwise).
    package func isStale(_ key: UserKey) -> Bool {
        guard let user = userStates[key] else { return false }
        return isStale(key, user, round: scheduler.roundSeconds(server: key.server))
    }

    /// The same for the user's state already read, with the server's full round
    /// (`scheduler.roundSeconds`) worked out once for many of its users: the overview judges
    /// every row once a frame.
    package func isStale(_ key: UserKey, _ user: UserState, round: TimeInterval) -> Bool {
        guard let lastSuccess = user.lastSuccess else { return false }
        let period = user.recordedPeriod ?? (key == scheduler.focus ? scheduler.interval : round)
        return now.timeIntervalSince(lastSuccess) > Self.staleIntervals * period
    }

    /// Seconds since the user's last success.
    package func age(of key: UserKey) -> TimeInterval? {
        userStates[key]?.lastSuccess.map { now.timeIntervalSince($0) }
    }

    /// When the poll timer should fire next, or nil when only an answer or a key can start one.
    package var nextPollDue: Date? { scheduler.nextWake(now: now) }
}
