import Foundation
import M4API

/// Everything one user's panel needs: history, what changed, and how polling stands.
public struct UserState: Sendable {
    public var history = SnapshotHistory()
    public var diff = SnapshotDiff()
    public var trends = Trends()
    /// When the latest diff arrived: changed cells stay highlighted for a moment after it.
    public var changedAt: Date?
    /// The latest rollover (new day / new month) and when it was seen.
    public var rollover: (kind: String, at: Date)?
    /// Active calls fell from many to none: the classic outage signal on a NOC wall. Kept
    /// until calls come back.
    public var activeCallsDrop: (from: Decimal, at: Date)?
    public var lastSuccess: Date?
    public var lastError: FetchError?
    public var lastErrorAt: Date?
    public var consecutiveFailures = 0
    public var inFlightSince: Date?
    /// `r` pressed while a request was in flight: fetch again as soon as it ends.
    public var refreshQueued = false
    public var nextPoll: Date?

    public init() {}

    public var isInFlight: Bool { inFlightSince != nil }
    public var latest: QuickStats? { history.latest?.stats }
}

/// The whole dashboard, as plain data: `update` changes it, the view draws it.
public struct DashboardState: Sendable {
    public enum Overlay: Sendable, Equatable {
        case none
        case help
        case userList(selection: Int)
    }

    public let server: String
    public let users: [String]
    public let adminName: String
    public var current = 0
    public var userStates: [String: UserState]
    public var interval: TimeInterval
    public var paused = false
    public var overlay = Overlay.none
    public var themeNames: [String]
    public var themeIndex = 0
    /// Shown while the numbers come from the embedded simulator.
    public var demoNotice: String?
    public var now: Date
    public var width = 80
    public var height = 24
    /// Set by `redraw`/resume: the terminal layer must repaint everything once.
    public var needsFullRedraw = false

    /// The standard interval steps of `+` and `-`.
    public static let intervalSteps: [TimeInterval] = [1, 2, 3, 5, 10, 15, 30, 60, 120, 300]
    /// Changed cells stay highlighted this long.
    public static let highlightSeconds: TimeInterval = 2
    /// A fall to zero from at least this many active calls is flagged as a possible outage.
    public static let outageThreshold: Decimal = 5
    /// Backoff after failures never waits longer than this.
    public static let maxBackoff: TimeInterval = 60

    public init(server: String, users: [String], adminName: String, interval: TimeInterval,
                themeNames: [String] = ["default"], now: Date = Date()) {
        precondition(!users.isEmpty, "at least one user")
        self.server = server
        self.users = users
        self.adminName = adminName
        self.interval = interval
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.now = now
        self.userStates = Dictionary(uniqueKeysWithValues: users.map { ($0, UserState()) })
    }

    public var currentUser: String { users[current] }
    public var currentState: UserState { userStates[currentUser] ?? UserState() }
    public var isAdminShown: Bool { currentUser == adminName }
    public var themeName: String { themeNames[themeIndex % themeNames.count] }

    /// No success for three intervals (or none yet while errors come): never shown as fresh.
    public func isStale(_ user: String? = nil) -> Bool {
        let state = userStates[user ?? currentUser] ?? UserState()
        guard let lastSuccess = state.lastSuccess else { return false }
        return now.timeIntervalSince(lastSuccess) > 3 * interval
    }

    /// The wait before the next try after `failures` failures in a row: the interval, doubled
    /// per further failure, capped at a minute (or the interval, when that is longer).
    public func backoff(failures: Int) -> TimeInterval {
        guard failures > 0 else { return interval }
        let doubled = interval * pow(2, Double(min(failures - 1, 16)))
        return min(doubled, max(Self.maxBackoff, interval))
    }

    /// When the poll timer should fire next for the user on screen, or nil when it should not.
    public var nextPollDue: Date? {
        guard !paused else { return nil }
        let state = currentState
        guard !state.isInFlight else { return nil }
        return state.nextPoll ?? now
    }

    public func highlightActive(_ user: String? = nil) -> Bool {
        guard let changedAt = userStates[user ?? currentUser]?.changedAt else { return false }
        return now.timeIntervalSince(changedAt) < Self.highlightSeconds
    }
}
