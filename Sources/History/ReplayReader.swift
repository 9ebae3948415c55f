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
                    let record = key == chart
                        ? try reader.full(server: server, user: key.name, span: max(window, chartWindow))
                        : try reader.sparse(server: server, user: key.name, span: window)
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
    let newest: Statement
    let successes: Statement
    let window: Statement
    let failures: Statement
    let minutes: Statement
    let firstMinute: Statement

    init(_ db: Database, damaged: DamagedRows, time: Double) throws {
        self.damaged = damaged
        self.time = time
        // A store made before failure messages were kept, read without migrating it.
        let text = try db.columns(in: "snapshot").contains { $0.name == "error_text" } ? "error_text" : "NULL AS error_text"
        newest = try db.cachedStatement(sql: """
            SELECT time, ok, error_kind, \(text), metrics, raw FROM snapshot WHERE server = ? AND user = ? AND time <= ? ORDER BY time DESC LIMIT 3
            """)
        successes = try db.cachedStatement(sql: """
            SELECT time, metrics, raw FROM snapshot WHERE server = ? AND user = ? AND ok AND time <= ? ORDER BY time DESC LIMIT 2
            """)
        window = try db.cachedStatement(sql: """
            SELECT time, metrics, raw FROM snapshot WHERE server = ? AND user = ? AND ok AND time > ? AND time <= ? ORDER BY time LIMIT ?
            """)
        failures = try db.cachedStatement(sql: """
            SELECT count(*) AS n, min(time) AS first FROM snapshot WHERE server = ? AND user = ? AND NOT ok AND time > ? AND time <= ?
            """)
        // A minute row is seen once its minute is over, at its end: never a value from after
        // the moment (`minute + 1` is that end, in minutes).
        minutes = try db.cachedStatement(sql: """
            SELECT minute, last, active_max FROM minute WHERE server = ? AND user = ? AND minute <= ? ORDER BY minute DESC LIMIT ?
            """)
        firstMinute = try db.cachedStatement(sql: """
            SELECT minute, last, active_max FROM minute WHERE server = ? AND user = ? AND minute > ? AND minute <= ? ORDER BY minute LIMIT 1
            """)
    }

    func answer(_ row: Row) -> StoredAnswer? {
        damaged.check { StoredAnswer(time: try row.decode(forColumn: "time"), metrics: try row.decode(forColumn: "metrics"), raw: try row.decode(forColumn: "raw")) }
    }

    func minuteAnswer(_ row: Row, server: String, user: String) -> StoredAnswer? {
        damaged.check {
            let minute = try StoredSnapshot.minute(row, server: server, user: user)
            return StoredAnswer(time: minute.time.timeIntervalSince1970 + 60, metrics: nil, raw: nil, minuteValues: minute.metrics)
        }
    }

    /// Every answer over `span` (the user on screen: its chart's hour).
    func full(server: String, user: String, span: TimeInterval) throws -> ReplayUserRecord {
        let answers = try Row.fetchAll(window, arguments: [server, user, time - span, time, 100_000]).compactMap(answer)
        return try build(server: server, user: user, span: span, inWindow: answers)
    }

    /// The latest two answers and the window's first: enough for the change, the rates and
    /// the state; the whole window only when today's counters fell inside it (midnight).
    func sparse(server: String, user: String, span: TimeInterval) throws -> ReplayUserRecord {
        let first = try Row.fetchOne(window, arguments: [server, user, time - span, time, 1]).flatMap(answer)
        let record = try build(server: server, user: user, span: span, inWindow: first.map { [$0] } ?? [])
        if let oldest = record.points.first, let latest = record.points.last, latest.fellBack(from: oldest) {
            return try full(server: server, user: user, span: span)
        }
        return record
    }

    /// The record from the answers read in the window (oldest first), with the latest two
    /// answers and the newest row's failure read here.
    private func build(server: String, user: String, span: TimeInterval, inWindow: [StoredAnswer]) throws -> ReplayUserRecord {
        var record = ReplayUserRecord()
        let rows = try Row.fetchAll(newest, arguments: [server, user, time])
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
            latest = try Row.fetchAll(successes, arguments: [server, user, time]).compactMap(answer)
        }
        var answers = inWindow
        for answer in latest.reversed() where answer.time > time - span && !answers.contains(where: { $0.time == answer.time }) {
            answers.append(answer)
        }
        answers.sort { $0.time < $1.time }
        // Older than a day only minute rows are left: a minute's last values stand for its answers.
        let newestKnown = max(latest.first?.time ?? -.greatestFiniteMagnitude, failure?.time ?? -.greatestFiniteMagnitude)
        let minuteRows = try Row.fetchAll(minutes, arguments: [server, user, time / 60 - 1, 2])
            .compactMap { minuteAnswer($0, server: server, user: user) }.filter { $0.time > newestKnown }
        if !minuteRows.isEmpty {
            latest = minuteRows
            failure = nil
            let firstInWindow = try Row.fetchOne(firstMinute, arguments: [server, user, (time - span) / 60 - 1, time / 60 - 1])
                .flatMap { minuteAnswer($0, server: server, user: user) }
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
            let run = try Row.fetchOne(failures, arguments: [server, user, after, time])
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
                let answers = try db.cachedStatement(sql: "SELECT time, metrics FROM snapshot WHERE server = ? AND user = ? AND ok AND time >= ? ORDER BY time")
                let minutes = try db.cachedStatement(sql: "SELECT minute, last FROM minute WHERE server = ? AND user = ? AND minute >= ? ORDER BY minute")
                let latest = try db.cachedStatement(sql: "SELECT time, metrics, raw FROM snapshot WHERE server = ? AND user = ? AND ok ORDER BY time DESC LIMIT 1")
                var seeds: [UserKey: SeedHistory] = [:]
                for (key, server) in users {
                    var rows: [(time: Double, values: [Decimal?])] = []
                    for row in try Row.fetchAll(minutes, arguments: [server, key.name, (from / 60).rounded(.up)]) {
                        guard let minute: Int = damaged.check({ try row.decode(forColumn: "minute") }) else { continue }
                        rows.append((Double(minute) * 60, Self.decode(damaged.check { try row.decode(String?.self, forColumn: "last") } ?? nil, only: Self.pointMetrics)))
                    }
                    for row in try Row.fetchAll(answers, arguments: [server, key.name, from]) {
                        guard let time: Double = damaged.check({ try row.decode(forColumn: "time") }) else { continue }
                        rows.append((time, Self.decode(damaged.check { try row.decode(String?.self, forColumn: "metrics") } ?? nil, only: Self.pointMetrics)))
                    }
                    rows.sort { $0.time < $1.time }
                    let last = try Row.fetchOne(latest, arguments: [server, key.name]).flatMap { row in
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
