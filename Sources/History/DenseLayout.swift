import Foundation
import GRDB
import Synchronization
import Watch

/// Each (server, user)'s id in `series`, looked up or made once per store: every answer row
/// and minute block names its user by this integer, not by two strings (a third of a row).
final class SeriesIDs: Sendable {
    private let known = Mutex<[String: Int64]>([:])

    /// The user's id, made when new (inside the caller's write).
    /// After a write that failed: ids it made were rolled back with it.
    func forgetAll() {
        known.withLock { $0.removeAll() }
    }

    func id(_ db: Database, server: String, user: String) throws -> Int64 {
        let key = server + "\u{0}" + user
        if let id = known.withLock({ $0[key] }) { return id }
        try db.execute(sql: "INSERT OR IGNORE INTO series (server, user) VALUES (?, ?)", arguments: [server, user])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE server = ? AND user = ?", arguments: [server, user]) else {
            throw HistoryError("no series for \(server) \(user)")
        }
        known.withLock { $0[key] = id }
        return id
    }

    /// The user's id if the store has one (a read never makes one).
    static func find(_ db: Database, server: String, user: String) throws -> Int64? {
        try Int64.fetchOne(try db.cachedStatement(sql: "SELECT id FROM series WHERE server = ? AND user = ?"), arguments: [server, user])
    }
}

/// The store's dense layout (issue 25): users in `series`; answers in a table keyed by (series,
/// time) without a rowid, so the key is the table and no index repeats it; minutes older than a
/// day as one BLOB per user-hour (`MinuteBlock`). A store made before it is converted in place,
/// once, when a writer opens it.
enum DenseLayout {
    /// A store an earlier m4top wrote rows into, not converted yet.
    static func isPending(_ db: Database) throws -> Bool {
        guard try db.tableExists("snapshot"), try !db.tableExists("series") else { return false }
        return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM snapshot) OR EXISTS (SELECT 1 FROM minute)") ?? false
    }

    static func migrate(_ db: Database) throws {
        try db.create(table: "series") { table in
            table.autoIncrementedPrimaryKey("id")
            table.column("server", .text).notNull()
            table.column("user", .text).notNull()
        }
        try db.create(index: "series_by_name", on: "series", columns: ["server", "user"], unique: true)
        try db.execute(sql: """
            INSERT OR IGNORE INTO series (server, user) SELECT server, user FROM (
                SELECT DISTINCT server, user FROM snapshot UNION SELECT DISTINCT server, user FROM minute) ORDER BY server, user
            """)
        try db.execute(sql: """
            CREATE TABLE answer (
                series INTEGER NOT NULL, time DOUBLE NOT NULL, ok BOOLEAN NOT NULL, error_kind TEXT, metrics TEXT NOT NULL,
                raw TEXT, error_text TEXT, PRIMARY KEY (series, time)) WITHOUT ROWID
            """)
        // A row whose time is not a number (edited by hand) could never be found by time: left behind.
        try db.execute(sql: """
            INSERT OR REPLACE INTO answer (series, time, ok, error_kind, metrics, raw, error_text)
            SELECT series.id, snapshot.time, snapshot.ok, snapshot.error_kind, snapshot.metrics, snapshot.raw, snapshot.error_text
            FROM snapshot JOIN series ON series.server = snapshot.server AND series.user = snapshot.user
            WHERE typeof(snapshot.time) IN ('integer', 'real') ORDER BY series.id, snapshot.time, snapshot.ok
            """)
        try db.execute(sql: "DROP TABLE snapshot")
        try db.execute(sql: "ALTER TABLE answer RENAME TO snapshot")
        try db.execute(sql: """
            CREATE TABLE minute_block (series INTEGER NOT NULL, hour INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (series, hour)) WITHOUT ROWID
            """)
        // Minute rows, user by user in key order, an hour at a time. A row whose minute is not
        // an integer a store can hold (edited by hand) is left behind.
        let ids = SeriesIDs()
        let rows = try Row.fetchCursor(db, sql: """
            SELECT server, user, minute, last, active_min, active_max FROM minute
            WHERE typeof(minute) = 'integer' AND minute BETWEEN ? AND ? ORDER BY server, user, minute
            """, arguments: [storableMinutes.lowerBound, storableMinutes.upperBound])
        var pending: [(server: String, user: String, entry: MinuteEntry)] = []
        func flush() throws {
            try MinuteBlocks.merge(try pending.map { (try ids.id(db, server: $0.server, user: $0.user), $0.entry) }, into: db)
            pending.removeAll(keepingCapacity: true)
        }
        while let row = try rows.next() {
            guard let server = try? row.decode(String.self, forColumn: "server"), let user = try? row.decode(String.self, forColumn: "user"),
                  let minute = try? row.decode(Int.self, forColumn: "minute") else { continue }
            let entry = MinuteEntry(minute: minute, values: HistoryStore.texts((try? row.decode(String?.self, forColumn: "last")) ?? nil),
                                    activeMin: (try? row.decode(String?.self, forColumn: "active_min")) ?? nil,
                                    activeMax: (try? row.decode(String?.self, forColumn: "active_max")) ?? nil)
            if let last = pending.last, last.server != server || last.user != user || floorDivide(last.entry.minute, 60) != floorDivide(minute, 60) {
                try flush()
            }
            pending.append((server, user, entry))
        }
        try flush()
        try db.execute(sql: "DROP TABLE minute")
    }
}
