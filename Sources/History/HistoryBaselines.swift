import Foundation
import GRDB
import Synchronization
import Watch

/// Baselines read back from the store: for each moment the latest row at or before it, on the
/// same server-local day and no more than `BaselineValues.tolerance` earlier; full rows and
/// minute rows alike (a minute row stands at its minute's start with its last values).
extension HistoryStore {
    /// One user's baselines at `now`.
    package func baseline(server: String, user: String, now: Date, timeZone: TimeZone) throws(HistoryError) -> UserBaseline {
        try baselines(for: [BaselineRequest(server: server, user: user, timeZone: timeZone)], now: now)[0]
    }

    /// Every asked user's baselines in one read: what the dashboard does once a minute. Prepared
    /// statements are reused, and a past day's end (it never changes) is read once per day.
    package func baselines(for requests: [BaselineRequest], now: Date) throws(HistoryError) -> [UserBaseline] {
        do {
            return try pool.read { db in
                let reader = try BaselineReader(db, damaged: damaged, dayEnds: dayEnds)
                // The moments depend on the zone only: worked out once per zone, not per user
                // (calendar arithmetic was a seventh of a 10,000-user fleet's CPU).
                var momentsByZone: [TimeZone: [BaselineMoment]] = [:]
                return try requests.map { request in
                    var result = UserBaseline()
                    guard let series = try SeriesIDs.find(db, server: request.server, user: request.user) else { return result }
                    let moments = momentsByZone[request.timeZone] ?? {
                        let moments = BaselineMoment.at(now, timeZone: request.timeZone)
                        momentsByZone[request.timeZone] = moments
                        return moments
                    }()
                    for moment in moments {
                        let values = try reader.values(series, moment: moment)
                        switch moment.kind {
                        case .yesterday: result.yesterday = values
                        case .lastWeek: result.lastWeek = values
                        }
                    }
                    return result
                }
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }
}

extension HistoryStore {
    /// Baselines by watched user (server as stored, zone of its days); a user without any is
    /// left out. What the dashboard reads once a minute, and a replay at its moment.
    package func baselines(of users: [(key: UserKey, server: String, timeZone: TimeZone)], at now: Date) throws(HistoryError) -> [UserKey: UserBaseline] {
        let found = try baselines(for: users.map { BaselineRequest(server: $0.server, user: $0.key.name, timeZone: $0.timeZone) }, now: now)
        var result: [UserKey: UserBaseline] = [:]
        for (user, baseline) in zip(users, found) where !baseline.isEmpty { result[user.key] = baseline }
        return result
    }
}

/// Whose baselines to read, and the zone of their server's days.
package struct BaselineRequest: Sendable {
    package let server: String
    package let user: String
    package let timeZone: TimeZone

    package init(server: String, user: String, timeZone: TimeZone) {
        self.server = server
        self.user = user
        self.timeZone = timeZone
    }
}

/// A finished day's last values per user: read once, kept while the store is open (a few
/// thousand entries for a fleet; a day that had no row near its end is remembered as nil).
final class DayEndCache: Sendable {
    /// A user's day: its series and the day's first second.
    struct Key: Hashable {
        let series: Int64
        let dayStart: Date
    }

    private let entries = Mutex<[Key: [MetricID: Decimal]?]>([:])

    func value(_ key: Key, _ read: () throws -> [MetricID: Decimal]?) rethrows -> [MetricID: Decimal]? {
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = try read()
        entries.withLock { entries in
            // Two days' worth per user is all a pass asks for: older ones go.
            if entries.count > 200_000 { entries.removeAll() }
            entries[key] = .some(value)
        }
        return value
    }
}

/// The queries of one pass, prepared once.
private struct BaselineReader {
    let db: Database
    let snapshot: Statement
    let damaged: DamagedRows
    let dayEnds: DayEndCache

    init(_ db: Database, damaged: DamagedRows, dayEnds: DayEndCache) throws {
        self.db = db
        snapshot = try db.cachedStatement(sql: """
            SELECT time, metrics FROM snapshot WHERE series = ? AND time >= ? AND time <= ? AND ok ORDER BY time DESC LIMIT 1
            """)
        self.damaged = damaged
        self.dayEnds = dayEnds
    }

    struct Found {
        let time: Date
        let metrics: [MetricID: Decimal]
        let active: ClosedRange<Decimal>?
    }

    func values(_ series: Int64, moment: BaselineMoment) throws -> BaselineValues? {
        let lower = max(moment.dayStart, moment.time.addingTimeInterval(-BaselineValues.tolerance))
        guard let found = try latest(series, from: lower, through: moment.time) else { return nil }
        // The day's end, for a forecast: its last row, if it is close enough to midnight.
        let lastMoment = moment.dayEnd.addingTimeInterval(-0.001)
        let end = try dayEnds.value(DayEndCache.Key(series: series, dayStart: moment.dayStart)) {
            try latest(series, from: max(moment.time, lastMoment.addingTimeInterval(-BaselineValues.tolerance)),
                       through: lastMoment)?.metrics
        }
        return BaselineValues(moment: moment, rowTime: found.time, metrics: found.metrics, activeRange: found.active, endOfDay: end)
    }

    /// The latest successful row in [from, through], answers or minutes. Indexed both ways:
    /// the answers' key (series, time) and the minute blocks' (series, hour).
    func latest(_ series: Int64, from: Date, through: Date) throws -> Found? {
        guard from <= through else { return nil }
        var best: Found?
        if let row = try Row.fetchOne(snapshot, arguments: [series, from.timeIntervalSince1970, through.timeIntervalSince1970]),
           let time: Double = damaged.check({ try row.decode(forColumn: "time") }),
           let text: String? = damaged.check({ try row.decode(String?.self, forColumn: "metrics") }) {
            let metrics = HistoryStore.decode(text)
            best = Found(time: Date(timeIntervalSince1970: time), metrics: metrics, active: metrics[MetricID.activeCallsTotal].map { $0...$0 })
        }
        let firstMinute = Int((from.timeIntervalSince1970 / 60).rounded(.up)), lastMinute = Int((through.timeIntervalSince1970 / 60).rounded(.down))
        if firstMinute <= lastMinute,
           let entry = try MinuteBlocks.entries(db, series: series, from: firstMinute, through: lastMinute, descending: true, limit: 1, damaged: damaged).first {
            let time = Date(timeIntervalSince1970: Double(entry.minute) * 60)
            if best.map({ $0.time < time }) ?? true {
                let (low, high) = entry.activeRange
                let metrics = entry.metrics
                let active = low.flatMap { low in high.map { high in min(low, high)...max(low, high) } } ?? metrics[MetricID.activeCallsTotal].map { $0...$0 }
                best = Found(time: time, metrics: metrics, active: active)
            }
        }
        return best
    }
}
