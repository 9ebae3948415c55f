import Foundation
import GRDB
import M4API
import Watch

// What a replay reads back besides answers: the alert log, the fleet as of a moment, and the
// servers' user lists.

/// One line of the alert log as stored: its subject by the server's stored name (the profile,
/// or the URL), not by this run's server number.
package struct StoredAlertEvent: Sendable, Equatable {
    package var time: Date
    package var server: String
    /// Nil for a server-wide alert.
    package var user: String?
    package var kind: AlertEvent.Kind
    package var severity: Severity
    package var rule: String
    package var value: String

    package init(time: Date, server: String, user: String?, kind: AlertEvent.Kind, severity: Severity, rule: String, value: String) {
        self.time = time
        self.server = server
        self.user = user
        self.kind = kind
        self.severity = severity
        self.rule = rule
        self.value = value
    }

    package init(_ event: AlertEvent, serverNames: [String]) {
        let server = serverNames.indices.contains(event.subject.server) ? serverNames[event.subject.server] : "?"
        let user: String?
        switch event.subject {
        case .user(let key): user = key.name
        case .server: user = nil
        }
        self.init(time: event.time, server: server, user: user, kind: event.kind, severity: event.severity, rule: event.rule, value: event.value)
    }

    /// Back into this run's log, when its server is watched (`serverNames`).
    package func event(serverNames: [String]) -> AlertEvent? {
        guard let index = serverNames.firstIndex(of: server) else { return nil }
        let subject: AlertSubject = user.map { .user(UserKey(server: index, name: $0)) } ?? .server(index)
        return AlertEvent(time: time, kind: kind, rule: rule, severity: severity, subject: subject, value: value)
    }
}

extension HistoryStore {
    package func write(alertEvents: [StoredAlertEvent]) throws(HistoryError) {
        guard !alertEvents.isEmpty else { return }
        do {
            try pool.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO alert_event (time, server, user, kind, severity, rule, value) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for event in alertEvents {
                    try statement.execute(arguments: [event.time.timeIntervalSince1970, event.server, event.user, event.kind.rawValue,
                                                      event.severity.rawValue, event.rule, event.value])
                }
            }
        } catch {
            throw HistoryError("cannot write \(path): \(Self.describe(error))")
        }
    }

    /// Alert events in time order, the newest `limit` of those in [since, until]. A row that
    /// does not read (edited by hand) is skipped and counted, as for snapshots.
    package func alertEvents(since: Date? = nil, until: Date? = nil, limit: Int? = nil) throws(HistoryError) -> [StoredAlertEvent] {
        do {
            return try pool.read { db in
                // A store from before the log was kept, read without migrating it: no events.
                guard try db.tableExists("alert_event") else { return [] }
                let rows = try Row.fetchAll(db, sql: """
                    SELECT time, server, user, kind, severity, rule, value FROM alert_event WHERE time >= ? AND time <= ?
                    ORDER BY time DESC, id DESC LIMIT ?
                    """, arguments: [since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude,
                                     until?.timeIntervalSince1970 ?? Double.greatestFiniteMagnitude, limit ?? -1])
                return rows.compactMap { row -> StoredAlertEvent? in
                    damaged.check { () throws -> StoredAlertEvent? in
                        guard let kind = AlertEvent.Kind(rawValue: try row.decode(String.self, forColumn: "kind")),
                              let severity = Severity(rawValue: try row.decode(String.self, forColumn: "severity")) else { return nil }
                        return StoredAlertEvent(time: Date(timeIntervalSince1970: try row.decode(forColumn: "time")),
                                                server: try row.decode(forColumn: "server"), user: try row.decode(forColumn: "user"),
                                                kind: kind, severity: severity, rule: try row.decode(forColumn: "rule"),
                                                value: try row.decode(forColumn: "value"))
                    } ?? nil
                }.reversed()
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }
}

extension HistoryStore {
    /// Every user the store has rows for, by id, with names; `server`/`user` narrow it. A name
    /// that is not text (edited by hand) is skipped and counted, never a trap.
    func storedSeries(_ db: Database, server: String? = nil, user: String? = nil) throws -> [(id: Int64, server: String, user: String)] {
        try Row.fetchAll(db, sql: "SELECT id, server, user FROM series ORDER BY server, user").compactMap { row in
            guard let id: Int64 = damaged.check({ try row.decode(forColumn: "id") }),
                  let serverName: String = damaged.check({ try row.decode(forColumn: "server") }),
                  let userName: String = damaged.check({ try row.decode(forColumn: "user") }),
                  server == nil || serverName == server, user == nil || userName == user else { return nil }
            return (id, serverName, userName)
        }
    }

    /// The fleet as of `moment`: for every server and user in the store (or the one asked
    /// for), its latest row at or before it: an answer, a failure, or a minute's last values.
    package func fleet(at moment: Date, server: String? = nil, user: String? = nil) throws(HistoryError) -> [StoredSnapshot] {
        let time = moment.timeIntervalSince1970
        do {
            return try pool.read { db in
                let latest = try db.cachedStatement(sql: """
                    SELECT time, ok, error_kind, metrics FROM snapshot WHERE series = ? AND time <= ? ORDER BY time DESC LIMIT 1
                    """)
                var result: [StoredSnapshot] = []
                for series in try storedSeries(db, server: server, user: user) {
                    var best: StoredSnapshot?
                    if let row = try Row.fetchOne(latest, arguments: [series.id, time]) {
                        best = damaged.check {
                            StoredSnapshot(server: series.server, user: series.user, time: Date(timeIntervalSince1970: try row.decode(forColumn: "time")),
                                           ok: try row.decode(forColumn: "ok"), errorKind: try row.decode(forColumn: "error_kind"),
                                           metrics: Self.decode(try row.decode(String?.self, forColumn: "metrics")))
                        }
                    }
                    // A minute counts once it is over, at its end (as replay sees it): its last
                    // values may come from after a moment inside it.
                    if let entry = try MinuteBlocks.entries(db, series: series.id, from: Self.earliestMinute, through: Self.minute(before: time),
                                                            descending: true, limit: 1, damaged: damaged).first,
                       best.map({ $0.time.timeIntervalSince1970 < Double(entry.minute + 1) * 60 }) ?? true {
                        var row = StoredSnapshot.minute(entry, server: series.server, user: series.user)
                        row.time += 60
                        best = row
                    }
                    if let best { result.append(best) }
                }
                return result
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// The last minute that is over at `time` (seconds): minutes are seen at their end.
    static func minute(before time: Double) -> Int {
        minute(of: time, .down) - 1
    }

    /// The minute of a time in seconds, rounded as asked, clamped to ±1e12 (a time edited by
    /// hand past any calendar must not trap).
    static func minute(of time: Double, _ rule: FloatingPointRoundingRule) -> Int {
        Int(max(-1e12, min(1e12, (time / 60).rounded(rule))))
    }

    /// Before any minute a store holds: the open end of a range read.
    static let earliestMinute = -1_000_000_000_000
}

/// Who a server listed (`users_get`) from `time` on: kept when it changes, for replay.
package struct StoredUserList: Sendable, Equatable {
    package var time: Date
    package var server: String
    package var users: [String]

    package init(time: Date, server: String, users: [String]) {
        self.time = time
        self.server = server
        self.users = users
    }
}

extension HistoryStore {
    package func write(userLists: [StoredUserList]) throws(HistoryError) {
        guard !userLists.isEmpty else { return }
        do {
            try pool.write { db in
                for list in userLists {
                    try db.execute(sql: "INSERT INTO user_list (time, server, users) VALUES (?, ?, ?)",
                                   arguments: [list.time.timeIntervalSince1970, list.server, list.users.joined(separator: "\n")])
                }
            }
        } catch {
            throw HistoryError("cannot write \(path): \(Self.describe(error))")
        }
    }

    /// The list a server had at `moment`: the latest kept at or before it.
    package func userList(server: String, at moment: Date) throws(HistoryError) -> StoredUserList? {
        do {
            return try pool.read { db in
                guard try db.tableExists("user_list"),
                      let row = try Row.fetchOne(db, sql: "SELECT time, users FROM user_list WHERE server = ? AND time <= ? ORDER BY time DESC LIMIT 1",
                                                 arguments: [server, moment.timeIntervalSince1970]) else { return nil }
                return damaged.check {
                    let text: String = try row.decode(forColumn: "users")
                    return StoredUserList(time: Date(timeIntervalSince1970: try row.decode(forColumn: "time")), server: server,
                                          users: text.isEmpty ? [] : text.components(separatedBy: "\n"))
                }
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }
}

extension HistoryStore {
    /// Every server name the store holds rows for (answers or minute blocks).
    package func storedServerNames() throws(HistoryError) -> [String] {
        do {
            return try pool.read { db in
                let any = try db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM snapshot WHERE series = ?) OR EXISTS (SELECT 1 FROM minute_block WHERE series = ?)
                    """)
                var names = Set<String>()
                for series in try storedSeries(db) where !names.contains(series.server) {
                    if try Bool.fetchOne(any, arguments: [series.id, series.id]) == true { names.insert(series.server) }
                }
                return names.sorted()
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// The users with a row (answer, failure, or a minute at its minute's end) in the range
    /// between two moments, either way round: those a move from one to the other changes.
    package func usersWithRows(_ users: [(key: UserKey, server: String)], between one: Date, and other: Date) throws(HistoryError) -> Set<UserKey> {
        let low = min(one, other).timeIntervalSince1970, high = max(one, other).timeIntervalSince1970
        guard high > low else { return [] }
        do {
            return try pool.read { db in
                let snapshot = try db.cachedStatement(sql: "SELECT 1 FROM snapshot WHERE series = ? AND time > ? AND time <= ? LIMIT 1")
                var changed = Set<UserKey>()
                for (key, server) in users {
                    guard let id = try SeriesIDs.find(db, server: server, user: key.name) else { continue }
                    if try Int.fetchOne(snapshot, arguments: [id, low, high]) != nil
                        || !MinuteBlocks.entries(db, series: id, from: Self.minute(before: low) + 1, through: Self.minute(before: high),
                                                 limit: 1, damaged: damaged).isEmpty {
                        changed.insert(key)
                    }
                }
                return changed
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// The time of the nearest row after (or before) `moment` among these users' rows, answer,
    /// failure or minute: where "one answer on" (or back) lands.
    package func neighbourTime(of users: [(key: UserKey, server: String)], from moment: Date, forward: Bool) throws(HistoryError) -> Date? {
        let time = moment.timeIntervalSince1970
        do {
            return try pool.read { db in
                let snapshot = try db.cachedStatement(sql: forward
                    ? "SELECT time FROM snapshot WHERE series = ? AND time > ? ORDER BY time LIMIT 1"
                    : "SELECT time FROM snapshot WHERE series = ? AND time < ? ORDER BY time DESC LIMIT 1")
                var best: Double?
                func consider(_ value: Double?) {
                    // A time edited by hand past any calendar (1e308) is no moment to land on.
                    guard let value, value.isFinite, abs(value) < 1e11 else { return }
                    best = best.map { forward ? min($0, value) : max($0, value) } ?? value
                }
                // A minute is seen at its end (as `replayUsers` reads it): the first minute ending
                // after the moment, or the last ending before it (strictly).
                let ended = Self.minute(before: time)
                for (key, server) in users {
                    guard let id = try SeriesIDs.find(db, server: server, user: key.name) else { continue }
                    consider(try Double.fetchOne(snapshot, arguments: [id, time]))
                    let minute = forward
                        ? try MinuteBlocks.entries(db, series: id, from: ended + 1, through: -Self.earliestMinute, limit: 1, damaged: damaged).first
                        : try MinuteBlocks.entries(db, series: id, from: Self.earliestMinute, through: Self.minute(of: time, .up) - 2, descending: true, limit: 1, damaged: damaged).first
                    consider(minute.map { Double($0.minute + 1) * 60 })
                }
                return best.map(Date.init(timeIntervalSince1970:))
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }
}
