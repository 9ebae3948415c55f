import Foundation
import M4API

/// A failed poll as the store kept it: the last one at or before the moment, and the run of
/// failures it ends.
package struct ReplayFailure: Sendable, Equatable {
    package var error: FetchError
    /// The latest failure.
    package var at: Date
    /// The first failure after the user's last success.
    package var since: Date
    package var count: Int

    package init(error: FetchError, at: Date, since: Date, count: Int) {
        self.error = error
        self.at = at
        self.since = since
        self.count = count
    }
}

/// What the store says of one watched user at a moment: enough to rebuild what the screens
/// showed then (the numbers, the change since the answer before, rates, the chart, the state).
package struct ReplayUserRecord: Sendable, Equatable {
    /// Successful answers in the window before the moment, oldest first (the latest among them).
    package var points: [HistoryPoint]
    package var chart: [ChartSample]
    /// The latest successful answer at or before the moment, in full.
    package var latest: Snapshot?
    /// The one before it (what the screens diffed the latest against).
    package var previous: Snapshot?
    /// The latest row is a failure after `latest`.
    package var failure: ReplayFailure?

    package init(points: [HistoryPoint] = [], chart: [ChartSample] = [], latest: Snapshot? = nil, previous: Snapshot? = nil,
                 failure: ReplayFailure? = nil) {
        self.points = points
        self.chart = chart
        self.latest = latest
        self.previous = previous
        self.failure = failure
    }
}

/// Everything read from the store for one moment.
package struct ReplayRecords: Sendable {
    package var moment: Date
    /// Watched users with at least one row at or before the moment; one without is waiting.
    package var users: [UserKey: ReplayUserRecord]
    /// A server's watched users as its stored list had them at the moment (servers that list
    /// every user, when a list was kept); a server not here keeps this run's users.
    package var userLists: [Int: [String]]
    /// The alert log up to the moment, oldest first.
    package var alertLog: [AlertEvent]

    package init(moment: Date, users: [UserKey: ReplayUserRecord], userLists: [Int: [String]] = [:], alertLog: [AlertEvent] = []) {
        self.moment = moment
        self.users = users
        self.userLists = userLists
        self.alertLog = alertLog
    }
}

/// Rebuilds the fleet as it stood at a moment from stored rows, through the same code the live
/// answers go through (`FleetUpdate.record`): the diff against the answer before, rollovers,
/// the outage signal and rates come out as they did then.
package enum ReplayBuilder {
    /// `live` gives the servers, rules and settings; its answers are not used.
    package static func fleet(from live: FleetState, records: ReplayRecords) -> FleetState {
        var fleet = live
        fleet.now = records.moment
        for (server, users) in records.userLists where fleet.servers.indices.contains(server) && !users.isEmpty {
            if users != fleet.servers[server].users { fleet.setUsers(users, server: server) }
        }
        for index in fleet.servers.indices {
            fleet.updateServer(index) { server in
                // Today's balances from users_get are not the past's; who is blocked is kept.
                for name in server.directory.keys { server.directory[name]?.balance = nil }
                if server.listsAllUsers {
                    server.userList = records.userLists[index].map { .listed(count: max(0, $0.count - 1), hiddenLeftOut: 0, at: records.moment) }
                        ?? .failed("no user list kept in the store for this moment")
                }
            }
        }
        var states: [UserKey: UserState] = [:]
        states.reserveCapacity(fleet.watched.count)
        for key in fleet.watched {
            states[key] = userState(records.users[key], calendar: fleet.calendar(of: key), retention: fleet.historyRetention)
        }
        fleet.userStates = states
        fleet.baselines = [:]
        // The past was not paused: the rows say live, stale or down as they did.
        fleet.scheduler.paused = false
        settle(&fleet, records: records, rules: live.alerts.rules)
        return fleet
    }

    /// A fleet already rebuilt at one moment, moved to `records.moment`: only the users in
    /// `changed` (those with rows between the two moments) are rebuilt, the rest are as they
    /// were (a user's state depends on its own rows only); servers and alerts are judged again.
    package static func moved(_ previous: FleetState, records: ReplayRecords, changed: Set<UserKey>) -> FleetState {
        var fleet = previous
        fleet.now = records.moment
        for key in changed where fleet.userStates[key] != nil {
            fleet.userStates[key] = userState(records.users[key], calendar: fleet.calendar(of: key), retention: fleet.historyRetention)
        }
        settle(&fleet, records: records, rules: previous.alerts.rules)
        return fleet
    }

    /// Which servers were down, and which alerts firing, at the moment.
    static func settle(_ fleet: inout FleetState, records: ReplayRecords, rules: [AlertRule]) {
        for index in fleet.servers.indices {
            let failing = serverFailure(index, fleet: fleet, records: records)
            fleet.updateServer(index) { server in
                server.failure = failing?.error
                server.failingSince = failing?.since
            }
        }
        var alerts = AlertBook(rules: rules, bell: false)
        alerts.replay(log: records.alertLog)
        fleet.alerts = alerts
    }

    static func userState(_ record: ReplayUserRecord?, calendar: Calendar, retention: TimeInterval) -> UserState {
        var state = UserState(retention: retention)
        guard let record else { return state }
        if let latest = record.latest {
            let before = latest.time
            state.history.seed(SeedHistory(points: record.points.filter { $0.time < before },
                                           chart: record.chart.filter { $0.time < before.timeIntervalSince1970 },
                                           latest: record.previous))
            FleetUpdate.record(latest.stats, at: latest.time, in: &state, calendar: calendar)
            if let previous = record.previous, previous.time < latest.time { state.recordedPeriod = latest.time.timeIntervalSince(previous.time) }
        }
        if let failure = record.failure {
            state.lastError = failure.error
            state.lastErrorAt = failure.at
            state.consecutiveFailures = failure.count
        }
        return state
    }

    /// A server was down at the moment when its newest row (of any user) is a failure that
    /// says the server is unwell; it had been failing since the first such failure after its
    /// last success.
    static func serverFailure(_ server: Int, fleet: FleetState, records: ReplayRecords) -> ReplayFailure? {
        var newest: (time: Date, failure: ReplayFailure?)?
        var lastSuccess = Date.distantPast
        for name in fleet.servers[server].users {
            guard let record = records.users[UserKey(server: server, name: name)] else { continue }
            if let time = record.latest?.time { lastSuccess = max(lastSuccess, time) }
            let time = max(record.latest?.time ?? .distantPast, record.failure?.at ?? .distantPast)
            if newest == nil || time > newest!.time { newest = (time, record.failure.flatMap { $0.at == time ? $0 : nil }) }
        }
        guard var failure = newest?.failure, PollOutcome(failure.error) == .serverFailure else { return nil }
        for name in fleet.servers[server].users {
            guard let other = records.users[UserKey(server: server, name: name)]?.failure, PollOutcome(other.error) == .serverFailure,
                  other.at > lastSuccess else { continue }
            failure.since = min(failure.since, max(other.since, lastSuccess))
        }
        return failure
    }
}
