import Foundation
import GRDB
import Watch

/// Baselines read back from the store: for each moment the latest row at or before it, on the
/// same server-local day and no more than `BaselineValues.tolerance` earlier; full rows and
/// minute rows alike (a minute row stands at its minute's start with its last values).
extension HistoryStore {
    package func baseline(server: String, user: String, now: Date, timeZone: TimeZone) throws(HistoryError) -> UserBaseline {
        let moments = BaselineMoment.at(now, timeZone: timeZone)
        do {
            return try pool.read { db in
                var result = UserBaseline()
                for moment in moments {
                    let values = try self.values(db, server: server, user: user, moment: moment)
                    switch moment.kind {
                    case .yesterday: result.yesterday = values
                    case .lastWeek: result.lastWeek = values
                    }
                }
                return result
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    private struct Found {
        let time: Date
        let metrics: [MetricID: Decimal]
        let active: ClosedRange<Decimal>?
    }

    private func values(_ db: Database, server: String, user: String, moment: BaselineMoment) throws -> BaselineValues? {
        let lower = max(moment.dayStart, moment.time.addingTimeInterval(-BaselineValues.tolerance))
        guard let found = try latest(db, server: server, user: user, from: lower, through: moment.time) else { return nil }
        // The day's end, for a forecast: its last row, if it is close enough to midnight.
        let lastMoment = moment.dayEnd.addingTimeInterval(-0.001)
        let end = try latest(db, server: server, user: user, from: max(moment.time, lastMoment.addingTimeInterval(-BaselineValues.tolerance)),
                             through: lastMoment)
        return BaselineValues(moment: moment, rowTime: found.time, metrics: found.metrics, activeRange: found.active, endOfDay: end?.metrics)
    }

    /// The latest successful row in [from, through], from either table. Indexed both ways: the
    /// snapshot index (server, user, time) and the minute table's key (server, user, minute).
    private func latest(_ db: Database, server: String, user: String, from: Date, through: Date) throws -> Found? {
        guard from <= through else { return nil }
        var best: Found?
        if let row = try Row.fetchOne(db, sql: """
            SELECT time, metrics FROM snapshot WHERE server = ? AND user = ? AND time >= ? AND time <= ? AND ok ORDER BY time DESC LIMIT 1
            """, arguments: [server, user, from.timeIntervalSince1970, through.timeIntervalSince1970]),
           let time: Double = damaged.check({ try row.decode(forColumn: "time") }),
           let text: String? = damaged.check({ try row.decode(String?.self, forColumn: "metrics") }) {
            let metrics = Self.decode(text)
            best = Found(time: Date(timeIntervalSince1970: time), metrics: metrics, active: metrics[MetricID.activeCallsTotal].map { $0...$0 })
        }
        let firstMinute = Int((from.timeIntervalSince1970 / 60).rounded(.up)), lastMinute = Int((through.timeIntervalSince1970 / 60).rounded(.down))
        if firstMinute <= lastMinute, let row = try Row.fetchOne(db, sql: """
            SELECT minute, last, active_min, active_max FROM minute WHERE server = ? AND user = ? AND minute >= ? AND minute <= ? ORDER BY minute DESC LIMIT 1
            """, arguments: [server, user, firstMinute, lastMinute]),
           let minute: Int = damaged.check({ try row.decode(forColumn: "minute") }),
           let text: String? = damaged.check({ try row.decode(String?.self, forColumn: "last") }) {
            let time = Date(timeIntervalSince1970: Double(minute) * 60)
            if best.map({ $0.time < time }) ?? true {
                let low = (damaged.check { try row.decode(String?.self, forColumn: "active_min") } ?? nil).flatMap { Decimal(string: $0) }
                let high = (damaged.check { try row.decode(String?.self, forColumn: "active_max") } ?? nil).flatMap { Decimal(string: $0) }
                let metrics = Self.decode(text)
                let active = low.flatMap { low in high.map { high in min(low, high)...max(low, high) } } ?? metrics[.activeCallsTotal].map { $0...$0 }
                best = Found(time: time, metrics: metrics, active: active)
            }
        }
        return best
    }
}
