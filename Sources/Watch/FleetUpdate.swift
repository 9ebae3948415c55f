import Foundation
import M4API

/// Everything that happens to the fleet, screen or not.
package enum FleetEvent: Sendable {
    /// The one-second clock: alerts with a `for` window and silent servers move on.
    case tick(Date)
    /// The poll timer fired.
    case pollDue(Date)
    case fetched(UserKey, result: Result<QuickStats, FetchError>, at: Date)
    /// A server's `users_get` answered (or failed).
    case userListFetched(server: Int, result: Result<[M4User], FetchError>, at: Date)
    /// The store's memory of the watched users, read at start (charts before the first poll).
    case historyLoaded([UserKey: SeedHistory])
}

/// What whoever drives the fleet must do after an update.
package enum FleetEffect: Sendable, Hashable {
    case fetch(UserKey)
    case fetchUserList(server: Int)
    /// An alert fired (or reminds): ring the bell, where there is one.
    case bell
}

/// Whatever consumes the fleet's answers and failures besides the screen: the history store,
/// the exporter's series. The live session and the headless poller attach sinks the same way
/// and tell each one of every event after the state has taken it in, on their own queue: a
/// sink must return at once (buffer, or take a lock briefly).
package protocol FleetSink: Sendable {
    func fleet(_ fleet: FleetState, took event: FleetEvent)
}

extension PollOutcome {
    /// A failure that says the server is unwell (no answer, not the API, API switched off)
    /// backs off the whole server; one that is about this user only marks this user.
    package init(_ error: FetchError) {
        switch error {
        case .transport, .response: self = .serverFailure
        case .api(let apiError): self = apiError.concernsServer ? .serverFailure : .userFailure
        }
    }
}

/// The pure heart of watching: `update(&fleet, event)` returns the effects to carry out. No
/// terminal, no network, no clock of its own: everything it needs arrives in the event. The
/// dashboard and the headless poller both drive it.
package enum FleetUpdate {
    package static func update(_ fleet: inout FleetState, _ event: FleetEvent) -> [FleetEffect] {
        switch event {
        case .tick(let now):
            fleet.now = now
            let servers = fleet.servers.map { (failingSince: $0.failingSince, interval: fleet.scheduler.interval) }
            return fleet.alerts.tick(now: now, servers: servers) ? [.bell] : []
        case .pollDue(let now):
            fleet.now = now
            return startDue(&fleet)
        case .fetched(let key, let result, let at):
            fleet.now = max(fleet.now, at)
            return finish(&fleet, key: key, result: result, at: at)
        case .userListFetched(let server, let result, let at):
            fleet.now = max(fleet.now, at)
            return finishUserList(&fleet, server: server, result: result, at: at)
        case .historyLoaded(let seeds):
            for (key, seed) in seeds { seedHistory(&fleet, key: key, seed) }
            return []
        }
    }

    /// Every request the scheduler lets out now.
    package static func startDue(_ fleet: inout FleetState) -> [FleetEffect] {
        fleet.scheduler.start(now: fleet.now).map { job in
            switch job {
            case .quickstats(let key):
                fleet.userStates[key]?.inFlightSince = fleet.now
                return .fetch(key)
            case .userList(let server):
                return .fetchUserList(server: server)
            }
        }
    }

    static func finish(_ fleet: inout FleetState, key: UserKey, result: Result<QuickStats, FetchError>, at: Date) -> [FleetEffect] {
        if fleet.userStates[key] != nil {
            // In place: a copy taken out and put back copies the user's history on every answer.
            let calendar = fleet.calendar(of: key)
            take(result, at: at, calendar: calendar, in: &fleet.userStates[key]!)
        }
        let outcome: PollOutcome
        switch result {
        case .success: outcome = .success
        case .failure(let error): outcome = PollOutcome(error)
        }
        noteServer(&fleet, key.server, outcome: outcome, error: result.failure, at: at)
        fleet.scheduler.finish(.quickstats(key), outcome: outcome, now: at)
        var ring = false
        if case .success = result, let userState = fleet.userStates[key] {
            let input = MetricInput(stats: userState.latest, trends: userState.trends, staleSeconds: 0)
            ring = fleet.alerts.observe(key, input: input, activeCallsDrop: userState.activeCallsDrop, baseline: fleet.baselines[key], now: at)
        }
        return startDue(&fleet) + (ring ? [.bell] : [])
    }

    private static func take(_ result: Result<QuickStats, FetchError>, at: Date, calendar: Calendar, in userState: inout UserState) {
        userState.inFlightSince = nil
        switch result {
        case .success(let stats):
            record(stats, at: at, in: &userState, calendar: calendar)
            userState.lastError = nil
            userState.lastErrorAt = nil
            userState.consecutiveFailures = 0
        case .failure(let error):
            userState.lastError = error
            userState.lastErrorAt = at
            userState.consecutiveFailures += 1
        }
    }

    /// A server's user list: watched users follow it; a refusal keeps the configured users.
    static func finishUserList(_ fleet: inout FleetState, server: Int, result: Result<[M4User], FetchError>, at: Date) -> [FleetEffect] {
        let outcome: PollOutcome
        switch result {
        case .success(let list):
            outcome = .success
            let users = fleet.servers[server].watchedUsers(from: list)
            let before = fleet.servers[server].directory
            fleet.updateServer(server) { watched in
                watched.directory = Dictionary(list.map { ($0.username, $0) }, uniquingKeysWith: { first, _ in first })
                watched.userList = .listed(count: users.count - 1, hiddenLeftOut: list.filter(\.hidden).count, at: at)
            }
            // A refresh that lists the same users (the usual case every ten minutes) leaves the
            // scheduler and the users' states alone: at 200,000 users that was half a second.
            if users != fleet.servers[server].users {
                fleet.setUsers(users, server: server)
            } else {
                fleet.followBlocked(server: server, before: before)
            }
        case .failure(let error):
            outcome = PollOutcome(error)
            fleet.updateServer(server) { watched in
                watched.userList = outcome == .userFailure ? .refused(error.message) : .failed(error.message)
            }
        }
        noteServer(&fleet, server, outcome: outcome, error: result.failure, at: at)
        fleet.scheduler.finish(.userList(server: server), outcome: outcome, now: at)
        return startDue(&fleet)
    }

    /// A server-wide failure is remembered on the server (its rows say `down`) until it answers.
    private static func noteServer(_ fleet: inout FleetState, _ server: Int, outcome: PollOutcome, error: FetchError?, at: Date) {
        fleet.updateServer(server) { watched in
            if outcome == .serverFailure {
                if watched.failure == nil { watched.failingSince = at }
                watched.failure = error
            } else {
                watched.failure = nil
                watched.failingSince = nil
            }
        }
    }

    /// Earlier points from the store go before this run's; a user not yet polled shows its last
    /// stored numbers (marked stale by their age) and its chart at once.
    static func seedHistory(_ fleet: inout FleetState, key: UserKey, _ seed: SeedHistory) {
        guard var userState = fleet.userStates[key] else { return }
        userState.history.seed(seed)
        userState.trends = Trends.from(userState.history)
        if userState.lastSuccess == nil, let latest = userState.history.latest { userState.lastSuccess = latest.time }
        fleet.userStates[key] = userState
    }

    /// A successful answer: diff against the previous one, rollover, outage signal, history and
    /// trends.
    static func record(_ stats: QuickStats, at: Date, in userState: inout UserState, calendar: Calendar) {
        if let previous = userState.history.latest {
            let (newDate, newMonth) = CalendarPeriods.changes(from: previous.time, to: at, cached: &userState.periods, calendar: calendar)
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
            } else if let before = userState.history.latest?.stats.activeTotal, before >= FleetState.outageThreshold {
                userState.activeCallsDrop = ActiveCallsDrop(from: before, at: at)
            }
        }
        userState.history.append(Snapshot(time: at, stats: stats))
        userState.trends = Trends.from(userState.history)
        userState.lastSuccess = at
    }
}

extension Result {
    package var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
