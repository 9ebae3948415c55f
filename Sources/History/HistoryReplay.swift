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
    /// Each server name of a table once, skipping along its index (a seek per server).
    func servers(in table: String, _ db: Database) throws -> [String] {
        let next = try db.cachedStatement(sql: "SELECT server FROM \(table) WHERE server > ? ORDER BY server LIMIT 1")
        var names: [String] = []
        while let found = text(try Row.fetchOne(next, arguments: [names.last ?? ""]), "server") { names.append(found) }
        return names
    }

    /// A name column's text; one that is not text (edited by hand) ends a walk: counted, never a trap.
    func text(_ row: Row?, _ column: String) -> String? {
        row.flatMap { row in damaged.check { try row.decode(String.self, forColumn: column) } }
    }

    /// The fleet as of `moment`: for every server and user in the store (or the one asked
    /// for), its latest row at or before it: an answer, a failure, or a minute's last values.
    package func fleet(at moment: Date, server: String? = nil, user: String? = nil) throws(HistoryError) -> [StoredSnapshot] {
        let time = moment.timeIntervalSince1970
        do {
            return try pool.read { db in
                var pairs = Set<[String]>()
                for table in ["snapshot", "minute"] {
                    // Each server and user once, by skipping along the (server, user, time) index:
                    // a seek per user, not a scan of every row (a week of 1,000 users is 13 M rows).
                    let nextUser = try db.cachedStatement(sql: "SELECT user FROM \(table) WHERE server = ? AND user > ? ORDER BY server, user LIMIT 1")
                    for serverName in try servers(in: table, db) {
                        var userName = ""
                        while let next = text(try Row.fetchOne(nextUser, arguments: [serverName, userName]), "user") {
                            userName = next
                            pairs.insert([serverName, userName])
                        }
                    }
                }
                let wanted = pairs.filter { (server == nil || $0[0] == server) && (user == nil || $0[1] == user) }
                    .sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
                let latest = try db.cachedStatement(sql: """
                    SELECT time, ok, error_kind, metrics FROM snapshot WHERE server = ? AND user = ? AND time <= ? ORDER BY time DESC LIMIT 1
                    """)
                let minute = try db.cachedStatement(sql: """
                    SELECT minute, last, active_max FROM minute WHERE server = ? AND user = ? AND minute <= ? ORDER BY minute DESC LIMIT 1
                    """)
                var result: [StoredSnapshot] = []
                for pair in wanted {
                    var best: StoredSnapshot?
                    if let row = try Row.fetchOne(latest, arguments: [pair[0], pair[1], time]) {
                        best = damaged.check {
                            StoredSnapshot(server: pair[0], user: pair[1], time: Date(timeIntervalSince1970: try row.decode(forColumn: "time")),
                                           ok: try row.decode(forColumn: "ok"), errorKind: try row.decode(forColumn: "error_kind"),
                                           metrics: Self.decode(try row.decode(String?.self, forColumn: "metrics")))
                        }
                    }
                    // A minute row counts once its minute is over, at its end (as replay sees it):
                    // its last values may come from after a moment inside it.
                    if let row = try Row.fetchOne(minute, arguments: [pair[0], pair[1], time / 60 - 1]),
                       let number: Int = damaged.check({ try row.decode(forColumn: "minute") }),
                       best.map({ $0.time.timeIntervalSince1970 < Double(number + 1) * 60 }) ?? true,
                       var row = damaged.check({ try StoredSnapshot.minute(row, server: pair[0], user: pair[1]) }) {
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
    /// Every server name the store holds rows for (answers or minute rows), skipping along the
    /// index: a seek per server, not a scan.
    package func storedServerNames() throws(HistoryError) -> [String] {
        do {
            return try pool.read { db in
                Set(try servers(in: "snapshot", db) + servers(in: "minute", db)).sorted()
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// The users with a row (answer, failure, or a minute row at its minute's end) in the
    /// range between two moments, either way round: those a move from one to the other changes.
    package func usersWithRows(_ users: [(key: UserKey, server: String)], between one: Date, and other: Date) throws(HistoryError) -> Set<UserKey> {
        let low = min(one, other).timeIntervalSince1970, high = max(one, other).timeIntervalSince1970
        guard high > low else { return [] }
        do {
            return try pool.read { db in
                let snapshot = try db.cachedStatement(sql: "SELECT 1 FROM snapshot WHERE server = ? AND user = ? AND time > ? AND time <= ? LIMIT 1")
                let minute = try db.cachedStatement(sql: "SELECT 1 FROM minute WHERE server = ? AND user = ? AND minute > ? AND minute <= ? LIMIT 1")
                var changed = Set<UserKey>()
                for (key, server) in users {
                    if try Int.fetchOne(snapshot, arguments: [server, key.name, low, high]) != nil
                        || Int.fetchOne(minute, arguments: [server, key.name, low / 60 - 1, high / 60 - 1]) != nil {
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
                    ? "SELECT time FROM snapshot WHERE server = ? AND user = ? AND time > ? ORDER BY time LIMIT 1"
                    : "SELECT time FROM snapshot WHERE server = ? AND user = ? AND time < ? ORDER BY time DESC LIMIT 1")
                // A minute row is seen at its minute's end (as `replayUsers` reads it).
                let minute = try db.cachedStatement(sql: forward
                    ? "SELECT minute + 1 FROM minute WHERE server = ? AND user = ? AND minute > ? ORDER BY minute LIMIT 1"
                    : "SELECT minute + 1 FROM minute WHERE server = ? AND user = ? AND minute < ? ORDER BY minute DESC LIMIT 1")
                var best: Double?
                func consider(_ value: Double?) {
                    // A time edited by hand past any calendar (1e308) is no moment to land on.
                    guard let value, value.isFinite, abs(value) < 1e11 else { return }
                    best = best.map { forward ? min($0, value) : max($0, value) } ?? value
                }
                for (key, server) in users {
                    consider(try Double.fetchOne(snapshot, arguments: [server, key.name, time]))
                    consider(try Int.fetchOne(minute, arguments: [server, key.name, time / 60 - 1]).map { Double($0) * 60 })
                }
                return best.map(Date.init(timeIntervalSince1970:))
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }
}
