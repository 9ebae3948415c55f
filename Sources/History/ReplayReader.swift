import Foundation
import GRDB
import M4API
import Watch

extension HistoryStore {
    /// What a replay needs of each user at `moment` (`ReplayUserRecord`): its latest two
    /// answers in full, the failure its newest row may be, and for rates the first answer in
    /// the `window` before it; the `chart` user gets every answer over `chartWindow`. A few
    /// seeks per user along the (server, user, time) index: a thousand users' rows are spread
    /// over the file, and each row read is a page.
    package func replayUsers(_ users: [(key: UserKey, server: String)], at moment: Date, window: TimeInterval,
                             chart: UserKey? = nil, chartWindow: TimeInterval = 0) throws(HistoryError) -> [UserKey: ReplayUserRecord] {
        do {
            return try pool.read { db in
                let reader = try ReplayReader(db, damaged: damaged, time: moment.timeIntervalSince1970)
                var result: [UserKey: ReplayUserRecord] = [:]
                for (key, server) in users {
                    guard let id = try SeriesIDs.find(db, server: server, user: key.name) else { continue }
                    let record = key == chart
                        ? try reader.full(id, span: max(window, chartWindow))
                        : try reader.sparse(id, span: window)
                    if record.latest != nil || record.failure != nil { result[key] = record }
                }
                return result
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }
}

/// One stored answer, not yet decoded.
private struct StoredAnswer {
    let time: Double
    let metrics: String?
    let raw: String?
    /// A minute row's values are already decoded (they are the minute's last).
    var minuteValues: [MetricID: Decimal]?

    var snapshot: Snapshot? {
        let date = Date(timeIntervalSince1970: time)
        if let minuteValues { return Snapshot(time: date, stats: RawAnswer.rebuild(minuteValues)) }
        return RawAnswer.answer(raw: raw, metrics: HistoryStore.decode(metrics)).map { Snapshot(time: date, stats: $0) }
    }

    /// Today's counters and active calls, for rates and the chart.
    var point: (HistoryPoint, ChartSample?) {
        let values: [Decimal?]
        if let minuteValues {
            values = HistoryStore.pointMetrics.map { minuteValues[$0] }
        } else {
            values = HistoryStore.decode(metrics, only: HistoryStore.pointMetrics)
        }
        return HistoryStore.point(time: time, values)
    }
}

extension HistoryStore {
    /// A row's point and chart sample from its `pointMetrics` values (a simple user's price
    /// stands for revenue).
    static func point(time: Double, _ values: [Decimal?]) -> (HistoryPoint, ChartSample?) {
        (HistoryPoint(time: Date(timeIntervalSince1970: time), todayCalls: values[0], todayDuration: values[1], todayRevenue: values[2] ?? values[3]),
         values[4].map { ChartSample(time: time, level: NSDecimalNumber(decimal: $0).doubleValue) })
    }
}

/// The statements of one replay read, prepared once for every user.
private struct ReplayReader {
    let damaged: DamagedRows
    let time: Double
    let db: Database
    let newest: Statement
    let successes: Statement
    let window: Statement
    let failures: Statement

    init(_ db: Database, damaged: DamagedRows, time: Double) throws {
        self.db = db
        self.damaged = damaged
        self.time = time
        newest = try db.cachedStatement(sql: """
            SELECT time, ok, error_kind, error_text, metrics, raw FROM snapshot WHERE series = ? AND time <= ? ORDER BY time DESC LIMIT 3
            """)
        successes = try db.cachedStatement(sql: """
            SELECT time, metrics, raw FROM snapshot WHERE series = ? AND ok AND time <= ? ORDER BY time DESC LIMIT 2
            """)
        window = try db.cachedStatement(sql: """
            SELECT time, metrics, raw FROM snapshot WHERE series = ? AND ok AND time > ? AND time <= ? ORDER BY time LIMIT ?
            """)
        failures = try db.cachedStatement(sql: """
            SELECT count(*) AS n, min(time) AS first FROM snapshot WHERE series = ? AND NOT ok AND time > ? AND time <= ?
            """)
    }

    func answer(_ row: Row) -> StoredAnswer? {
        damaged.check { StoredAnswer(time: try row.decode(forColumn: "time"), metrics: try row.decode(forColumn: "metrics"), raw: try row.decode(forColumn: "raw")) }
    }

    /// A minute is seen once it is over, at its end: never a value from after the moment.
    func minuteAnswer(_ entry: MinuteEntry) -> StoredAnswer {
        StoredAnswer(time: Double(entry.minute + 1) * 60, metrics: nil, raw: nil, minuteValues: entry.metrics)
    }

    /// Every answer over `span` (the user on screen: its chart's hour).
    func full(_ series: Int64, span: TimeInterval) throws -> ReplayUserRecord {
        let answers = try Row.fetchAll(window, arguments: [series, time - span, time, 100_000]).compactMap(answer)
        return try build(series, span: span, inWindow: answers)
    }

    /// The latest two answers and the window's first: enough for the change, the rates and
    /// the state; the whole window only when today's counters fell inside it (midnight).
    func sparse(_ series: Int64, span: TimeInterval) throws -> ReplayUserRecord {
        let first = try Row.fetchOne(window, arguments: [series, time - span, time, 1]).flatMap(answer)
        let record = try build(series, span: span, inWindow: first.map { [$0] } ?? [])
        if let oldest = record.points.first, let latest = record.points.last, latest.fellBack(from: oldest) {
            return try full(series, span: span)
        }
        return record
    }

    /// The record from the answers read in the window (oldest first), with the latest two
    /// answers and the newest row's failure read here.
    private func build(_ series: Int64, span: TimeInterval, inWindow: [StoredAnswer]) throws -> ReplayUserRecord {
        var record = ReplayUserRecord()
        let rows = try Row.fetchAll(newest, arguments: [series, time])
        var latest: [StoredAnswer] = []
        var failure: (time: Double, kind: String?, text: String?)?
        for row in rows {
            guard let ok: Bool = damaged.check({ try row.decode(forColumn: "ok") }) else { continue }
            if ok {
                if let answer = answer(row), latest.count < 2 { latest.append(answer) }
            } else if latest.isEmpty, failure == nil, let at: Double = damaged.check({ try row.decode(forColumn: "time") }) {
                failure = (at, damaged.check { try row.decode(forColumn: "error_kind") } ?? nil, damaged.check { try row.decode(forColumn: "error_text") } ?? nil)
            }
        }
        // Failures among the newest rows: the answers are further back.
        if latest.count < 2 && rows.count == 3 {
            latest = try Row.fetchAll(successes, arguments: [series, time]).compactMap(answer)
        }
        var answers = inWindow
        for answer in latest.reversed() where answer.time > time - span && !answers.contains(where: { $0.time == answer.time }) {
            answers.append(answer)
        }
        answers.sort { $0.time < $1.time }
        // Older than a day only minute rows are left: a minute's last values stand for its answers.
        let newestKnown = max(latest.first?.time ?? -.greatestFiniteMagnitude, failure?.time ?? -.greatestFiniteMagnitude)
        let minuteRows = try MinuteBlocks.entries(db, series: series, from: HistoryStore.earliestMinute, through: HistoryStore.minute(before: time),
                                                  descending: true, limit: 2, damaged: damaged)
            .map(minuteAnswer).filter { $0.time > newestKnown }
        if !minuteRows.isEmpty {
            latest = minuteRows
            failure = nil
            let firstInWindow = try MinuteBlocks.entries(db, series: series, from: HistoryStore.minute(before: time - span) + 1,
                                                         through: HistoryStore.minute(before: time), limit: 1, damaged: damaged).first.map(minuteAnswer)
            answers = ([firstInWindow].compactMap { $0 } + minuteRows.reversed()).filter { $0.time > time - span }
            answers = answers.enumerated().filter { index, answer in !answers[..<index].contains { $0.time == answer.time } }.map(\.element)
        }
        for answer in answers {
            let (point, sample) = answer.point
            record.points.append(point)
            if let sample { record.chart.append(sample) }
        }
        record.latest = latest.first?.snapshot
        record.previous = latest.count > 1 ? latest[1].snapshot : nil
        if let failure {
            let after = latest.first?.time ?? -.greatestFiniteMagnitude
            let run = try Row.fetchOne(failures, arguments: [series, after, time])
            let count: Int = run.flatMap { row in damaged.check { try row.decode(forColumn: "n") } } ?? 1
            let first: Double? = run.flatMap { row in damaged.check { try row.decode(Double?.self, forColumn: "first") } ?? nil }
            record.failure = ReplayFailure(error: .recorded(kind: failure.kind, message: failure.text), at: Date(timeIntervalSince1970: failure.time),
                                           since: Date(timeIntervalSince1970: first ?? failure.time), count: max(1, count))
        }
        return record
    }
}

extension HistoryStore {
    /// What the dashboard shows of each user before its first poll: the points and chart samples
    /// of its answers since `since` (minute rows as their last values) and its latest answer in
    /// full. Only the five values a point needs are read of each row: a thousand users' hour is
    /// 120,000 rows.
    package func seeds(for users: [(key: UserKey, server: String)], since: Date) throws(HistoryError) -> [UserKey: SeedHistory] {
        let from = since.timeIntervalSince1970
        do {
            return try pool.read { db in
                let answers = try db.cachedStatement(sql: "SELECT time, metrics FROM snapshot WHERE series = ? AND ok AND time >= ? ORDER BY time")
                let latest = try db.cachedStatement(sql: "SELECT time, metrics, raw FROM snapshot WHERE series = ? AND ok ORDER BY time DESC LIMIT 1")
                var seeds: [UserKey: SeedHistory] = [:]
                for (key, server) in users {
                    guard let id = try SeriesIDs.find(db, server: server, user: key.name) else { continue }
                    var rows: [(time: Double, values: [Decimal?])] = []
                    let firstMinute = Self.minute(of: from, .up)
                    for entry in try MinuteBlocks.entries(db, series: id, from: firstMinute, through: -Self.earliestMinute, damaged: damaged) {
                        rows.append((Double(entry.minute) * 60, entry.values(only: Self.pointMetrics)))
                    }
                    for row in try Row.fetchAll(answers, arguments: [id, from]) {
                        guard let time: Double = damaged.check({ try row.decode(forColumn: "time") }) else { continue }
                        rows.append((time, Self.decode(damaged.check { try row.decode(String?.self, forColumn: "metrics") } ?? nil, only: Self.pointMetrics)))
                    }
                    rows.sort { $0.time < $1.time }
                    let last = try Row.fetchOne(latest, arguments: [id]).flatMap { row in
                        damaged.check { () throws -> Snapshot? in
                            let time: Double = try row.decode(forColumn: "time")
                            return RawAnswer.answer(raw: try row.decode(forColumn: "raw"), metrics: Self.decode(try row.decode(String?.self, forColumn: "metrics")))
                                .map { Snapshot(time: Date(timeIntervalSince1970: time), stats: $0) }
                        } ?? nil
                    }
                    guard !rows.isEmpty || last != nil else { continue }
                    let points = rows.map { Self.point(time: $0.time, $0.values) }
                    seeds[key] = SeedHistory(points: points.map(\.0), chart: points.compactMap(\.1), latest: last)
                }
                return seeds
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }
}
