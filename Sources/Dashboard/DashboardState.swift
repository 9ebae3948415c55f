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

/// Everything one user's panel needs: history, what changed, and how polling stands.
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
    /// `r` pressed while a request was in flight: fetch again as soon as it ends.
    package var refreshQueued = false
    package var nextPoll: Date?

    package init() {}

    package var isInFlight: Bool { inFlightSince != nil }
    package var latest: QuickStats? { history.latest?.stats }

    /// The rollover, while it is recent enough to mention on screen.
    package func recentRollover(now: Date) -> Rollover? {
        guard let rollover, now.timeIntervalSince(rollover.at) < DashboardState.rolloverNoticeSeconds else { return nil }
        return rollover
    }
}

/// The whole dashboard, as plain data: `update` changes it, the view draws it.
package struct DashboardState: Sendable {
    package enum Overlay: Sendable, Equatable {
        case none
        case help
        case userList(selection: Int)
    }

    package let server: String
    package let users: [String]
    package let adminName: String
    package var current = 0
    package var userStates: [String: UserState]
    package var interval: TimeInterval
    package var paused = false
    package var overlay = Overlay.none
    /// The themes `t` cycles through; the shell holds the themes themselves, by name.
    package let themeNames: [String]
    package var themeIndex = 0
    /// Shown while the numbers come from the embedded simulator.
    package var demoNotice: String?
    package var now: Date
    package var width = 80
    package var height = 24
    /// The calendar of the server's days: a new date is a new day even when counters grow.
    package var calendar: Calendar

    /// The standard interval steps of `+` and `-`.
    package static let intervalSteps: [TimeInterval] = [1, 2, 3, 5, 10, 15, 30, 60, 120, 300]
    /// Changed cells stay highlighted this long.
    package static let highlightSeconds: TimeInterval = 2
    /// A new day or month is mentioned on screen this long.
    package static let rolloverNoticeSeconds: TimeInterval = 120
    /// A fall to zero from at least this many active calls is flagged as a possible outage.
    package static let outageThreshold: Decimal = 5
    /// Backoff after failures never waits longer than this.
    package static let maxBackoff: TimeInterval = 60
    /// Data older than this many intervals is stale.
    package static let staleIntervals: Double = 3

    package init(server: String, users: [String], adminName: String, interval: TimeInterval,
                themeNames: [String] = ["default"], now: Date = Date(), timeZone: TimeZone = .current) {
        precondition(!users.isEmpty, "at least one user")
        self.server = server
        self.users = users
        self.adminName = adminName
        self.interval = interval
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.now = now
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        self.userStates = Dictionary(uniqueKeysWithValues: users.map { ($0, UserState()) })
    }

    package var currentUser: String { users[current] }
    package var currentState: UserState { userStates[currentUser] ?? UserState() }
    package var isAdminShown: Bool { currentUser == adminName }
    package var themeName: String { themeNames[themeIndex] }

    /// The user on screen has had no success for three intervals: never shown as fresh.
    package var isStale: Bool {
        guard let lastSuccess = currentState.lastSuccess else { return false }
        return now.timeIntervalSince(lastSuccess) > Self.staleIntervals * interval
    }

    /// The numbers on screen changed a moment ago.
    package var isHighlightActive: Bool {
        guard let changedAt = currentState.changedAt else { return false }
        return now.timeIntervalSince(changedAt) < Self.highlightSeconds
    }

    /// The wait before the next try after `failures` failures in a row: the interval, doubled
    /// per further failure, capped at a minute (or the interval, when that is longer).
    package func backoff(failures: Int) -> TimeInterval {
        guard failures > 0 else { return interval }
        let doubled = interval * pow(2, Double(min(failures - 1, 16)))
        return min(doubled, max(Self.maxBackoff, interval))
    }

    /// When the poll timer should fire next for the user on screen, or nil when it should not.
    package var nextPollDue: Date? {
        guard !paused else { return nil }
        let state = currentState
        guard !state.isInFlight else { return nil }
        return state.nextPoll ?? now
    }
}
