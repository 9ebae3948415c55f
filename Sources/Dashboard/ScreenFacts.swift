import Foundation
import M4API
import Watch
import Screen

/// How the connection to the user on screen stands, in one word.
package enum ConnectionState: Sendable, Equatable {
    case connecting, live, paused, stale, failing
    /// In a replay: nothing stored for this user at or before the moment.
    case noData
}

/// What the poll loop is doing for the user on screen.
package enum PollPlan: Sendable, Equatable {
    case paused
    case fetching
    case next(in: TimeInterval)
    case retry(in: TimeInterval)
    case idle
}

/// The one message the status line has room for, most urgent first.
package enum StatusMessage: Sendable, Equatable {
    case failure(FetchError, failures: Int, retryIn: TimeInterval?)
    /// An alert firing for the user on screen (or its server).
    case alert(FiringAlert)
    case stale(since: Date, age: TimeInterval)
    case rollover(Rollover)
    case demo(String)
    case notice(String)
}

/// Facts the panels show, decided here so that no drawing code decides them.
extension DashboardState {
    /// The most severe alert for the user on screen, or for its server.
    package var currentAlert: FiringAlert? {
        let forUser = alerts.worst(for: .user(current))
        let forServer = alerts.worst(for: .server(current.server))
        guard let forServer else { return forUser }
        guard let forUser else { return forServer }
        return forServer.rule.severity > forUser.rule.severity ? forServer : forUser
    }

    /// `3 CRIT 1 WARN` for a header, with the role of the worst; nil when nothing fires.
    package var alertSummary: (text: String, role: Role)? {
        let counts = alerts.counts
        guard counts.critical + counts.warning > 0 else { return nil }
        let parts = [counts.critical > 0 ? "\(counts.critical) CRIT" : nil, counts.warning > 0 ? "\(counts.warning) WARN" : nil]
        return (parts.compactMap { $0 }.joined(separator: " "), counts.critical > 0 ? .bad : .warning)
    }

    package var connection: ConnectionState {
        let userState = currentState
        if isStale { return .stale }
        if userState.lastError != nil { return .failing }
        if paused { return .paused }
        if userState.lastSuccess == nil { return isReplaying ? .noData : .connecting }
        return .live
    }

    /// A request is called `fetching…` only after this long: most answer in milliseconds, and
    /// two repaints per poll for nothing were most of what m4top sent at a 1 s interval.
    package static let fetchingNoticeSeconds: TimeInterval = 0.3

    /// Intervals up to this show no countdown ("every 1s" says it all).
    package static let countdownFromInterval: TimeInterval = 2

    package var pollPlan: PollPlan {
        let userState = currentState
        if paused { return .paused }
        if let since = userState.inFlightSince {
            if now.timeIntervalSince(since) >= Self.fetchingNoticeSeconds { return .fetching }
            return interval > Self.countdownFromInterval ? .next(in: 0) : .idle
        }
        guard let due = scheduler.nextPoll(of: current) else { return .idle }
        let wait = max(0, due.timeIntervalSince(now)).rounded(.up)
        if userState.consecutiveFailures > 0 || scheduler.retryAt(server: current.server) != nil { return .retry(in: wait) }
        // At an interval of a second or two a countdown only flickers between 0s and 1s.
        return interval > Self.countdownFromInterval ? .next(in: wait) : .idle
    }

    package var statusMessage: StatusMessage? {
        let userState = currentState
        if let error = userState.lastError {
            let retry = scheduler.nextPoll(of: current).map { max(0, $0.timeIntervalSince(now)).rounded(.up) }
            return .failure(error, failures: userState.consecutiveFailures, retryIn: retry)
        }
        if let alert = currentAlert { return .alert(alert) }
        if isStale, let last = userState.lastSuccess { return .stale(since: last, age: now.timeIntervalSince(last)) }
        if let rollover = userState.recentRollover(now: now) { return .rollover(rollover) }
        if let notice, now < notice.until { return .notice(notice.text) }
        if let demoNotice { return .demo(demoNotice) }
        return nil
    }
}
