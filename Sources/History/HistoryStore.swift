import Foundation
import GRDB
import M4API
import Watch

/// One poll of one user, as stored: every metric path's value, and the server's own answer so
/// that nothing is lost. A failed poll is stored too (ok false, its kind), so a chart can show a
/// gap as a gap.
package struct StoredSnapshot: Sendable, Equatable {
    package var server: String
    package var user: String
    package var time: Date
    package var ok: Bool
    /// `transport`, `response` or `api` for a failed poll.
    package var errorKind: String?
    /// A failed poll's message as the screen said it (`connection refused`), for replay.
    package var errorText: String?
    /// Exact decimal values, by metric.
    package var metrics: [MetricID: Decimal]
    /// The answer as the server sent it (successes), for what the metric table does not name.
    package var raw: QuickStats?
    /// A minute row (older than a day): `metrics` are the minute's last values.
    package var isMinute = false
    /// A minute row's highest active calls.
    package var activePeak: Decimal?

    package init(server: String, user: String, time: Date, ok: Bool, errorKind: String? = nil,
                 metrics: [MetricID: Decimal] = [:], raw: QuickStats? = nil) {
        self.server = server
        self.user = user
        self.time = time
        self.ok = ok
        self.errorKind = errorKind
        self.metrics = metrics
        self.raw = raw
    }

    /// A successful answer: its metrics read through the metric table.
    package static func answer(_ stats: QuickStats, server: String, user: String, at time: Date) -> StoredSnapshot {
        let input = MetricInput(stats: stats)
        var metrics: [MetricID: Decimal] = [:]
        for metric in MetricTable.storedMetrics {
            guard var value = metric.value(input) else { continue }
            // A derived value (ACD) has as many digits as a division gives: a millisecond will do.
            if metric.isDerived {
                var exact = value
                NSDecimalRound(&value, &exact, 3, .plain)
            }
            metrics[metric.id!] = value
        }
        return StoredSnapshot(server: server, user: user, time: time, ok: true, metrics: metrics, raw: stats)
    }

    /// A failed poll: the time, the kind and its message, no values.
    package static func failure(_ error: FetchError, server: String, user: String, at time: Date) -> StoredSnapshot {
        var snapshot = StoredSnapshot(server: server, user: user, time: time, ok: false, errorKind: error.kind.rawValue)
        snapshot.errorText = error.message
        return snapshot
    }
}

extension StoredSnapshot {
    /// A minute's entry as its last values at its start.
    static func minute(_ entry: MinuteEntry, server: String, user: String) -> StoredSnapshot {
        var snapshot = StoredSnapshot(server: server, user: user, time: Date(timeIntervalSince1970: Double(entry.minute) * 60),
                                      ok: true, metrics: entry.metrics)
        snapshot.isMinute = true
        snapshot.activePeak = entry.activeRange.high
        return snapshot
    }
}

extension MetricTable {
    /// What the store keeps per snapshot, in the order a row's values are written: by the
    /// schema version each metric is stored from, then table order. Version 1's metrics come
    /// first, so a row written by any version reads with any later one.
    package static let storedMetrics: [Metric] = all.filter { $0.storedSince != nil }.enumerated()
        .sorted { ($0.element.storedSince!, $0.offset) < ($1.element.storedSince!, $1.offset) }.map(\.element)
}

/// Why the store could not be used; the dashboard goes on without history and says so.
package struct HistoryError: Error, Sendable, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Every snapshot of every watched user in SQLite, through GRDB: WAL mode, a busy timeout and
/// one writer at a time, so two m4top processes (a wall and an exporter) share one file. Full
/// resolution for a day, then one row per minute per user, deleted after `days`.
package final class HistoryStore: Sendable {
    package let path: String
    /// A pool for the live store; a read-only queue for `m4top history`.
    let pool: any DatabaseWriter
    let damaged = DamagedRows()
    /// Finished days' last values, for baselines' forecasts (see HistoryBaselines).
    let dayEnds = DayEndCache()
    /// Each (server, user)'s row in `series`, once looked up (a series is never deleted).
    let seriesIDs = SeriesIDs()

    /// Rows skipped by reads since the store was opened because a value had the wrong type
    /// (a BLOB for text, text for a time): someone edited the file. Never a trap.
    package var damagedRows: Int { damaged.count }

    /// Waits this long for another process's write before giving up on one batch.
    package static let busySeconds: TimeInterval = 5
    /// Full resolution this long; older rows become one per minute.
    package static let fullResolution: TimeInterval = 86_400

    private init(path: String, pool: any DatabaseWriter) {
        self.path = path
        self.pool = pool
    }

    /// `$XDG_STATE_HOME/m4top/history.sqlite`, or `~/.local/state/m4top/history.sqlite`.
    package static func defaultPath(environment: [String: String]) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return state + "/m4top/history.sqlite"
    }

    /// Opens (or creates) the store: the folder owner-only (0700), the file too (0600), the
    /// schema migrated. A file that is not a database (or is corrupt) is moved aside and a new
    /// one started; `notice` says so. Throws only when no store can be had at all.
    /// `announce` hears, before it starts, that a store written by an earlier m4top is being
    /// converted (minutes for a big one: the user is told why the start waits).
    package static func open(path: String, announce: (String) -> Void = { _ in }) throws(HistoryError) -> (store: HistoryStore, notice: String?) {
        let folder = (path as NSString).deletingLastPathComponent
        let folderExisted = FileManager.default.fileExists(atPath: folder)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw HistoryError("cannot create \(folder): \(error.localizedDescription)")
        }
        var info = stat()
        // A link could point the store at any file, which SQLite would then rewrite and chmod.
        if lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
            throw HistoryError("\(path) is a symbolic link; m4top does not follow links to its store: give the real path in `history`")
        }
        // m4top's own folder (`…/m4top`, made by an earlier version or by hand) that others can
        // enter is closed to them. Any other folder that existed is the user's (a shared /tmp, a
        // home, a project folder): never changed, only the file is private.
        if folderExisted, (folder as NSString).lastPathComponent == "m4top",
           stat(folder, &info) == 0 && info.st_uid == geteuid() && info.st_mode & 0o077 != 0 { chmod(folder, 0o700) }
        // A device or a FIFO is not a store (SQLite would write its journal beside /dev/null).
        if lstat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFREG {
            throw HistoryError("\(path) is not a regular file; give a path for a store file in `history`")
        }
        // Made 0600 before SQLite opens it: its -wal and -shm files take the database's mode.
        createPrivately(path)
        var failure: any Error
        do {
            return (try openDatabase(path, announce: announce), nil)
        } catch {
            failure = error
        }
        // Another m4top opening (and migrating) the same file at this moment: wait and try again.
        // Only a file that is not a database, or a damaged one, is ever moved aside: moving a
        // good file another process is writing to would send its rows to the moved copy.
        if !isUnreadable(failure) {
            Thread.sleep(forTimeInterval: 0.3)
            do {
                return (try openDatabase(path, announce: announce), nil)
            } catch {
                failure = error
            }
            if !isUnreadable(failure) { throw HistoryError("cannot open \(path): \(describe(failure))") }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw HistoryError("cannot open \(path): \(describe(failure))")
        }
        let aside = path + ".broken-" + String(Int(Date().timeIntervalSince1970))
        do {
            try FileManager.default.moveItem(atPath: path, toPath: aside)
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            return (try openDatabase(path), "\(path) could not be read (\(describe(failure))); moved to \(aside), started a new one")
        } catch {
            throw HistoryError("cannot open \(path): \(describe(error))")
        }
    }

    /// SQLite says the file is not a database, or is damaged.
    static func isUnreadable(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
    }

    private static func openDatabase(_ path: String, announce: (String) -> Void = { _ in }) throws -> HistoryStore {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busySeconds)
        configuration.label = "m4top.history"
        let pool = try DatabasePool(path: path, configuration: configuration)
        for file in [path, path + "-wal", path + "-shm"] { chmod(file, 0o600) }
        if try pool.read({ db in try DenseLayout.isPending(db) }) {
            announce("converting \(path) to this version's layout, once (a week of 1,000 users takes a few minutes)")
        }
        try migrator.migrate(pool)
        // Read once: a file that is not SQLite fails here, not on the first write.
        _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        return HistoryStore(path: path, pool: pool)
    }

    /// A new empty file, 0600, unless something is there already (atomic: two m4top starting
    /// at once never replace each other's store).
    static func createPrivately(_ path: String) {
        #if canImport(Glibc)
        let made = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        #else
        let made = Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        #endif
        if made >= 0 { close(made) }
    }

    /// For `m4top history`: the store read as it is. A read never moves, creates, migrates or
    /// changes a file; what is wrong is an error.
    package static func openReadOnly(path: String) throws(HistoryError) -> HistoryStore {
        if let kind = notRegularFile(path) { throw HistoryError("cannot read \(path): \(kind)") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busySeconds)
        configuration.label = "m4top.history.read"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let dense = try queue.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM snapshot")
                return try db.tableExists("series")
            }
            // Reading never converts a store; the dashboard or the exporter does, once.
            guard dense else {
                throw HistoryError("""
                    cannot read \(path): it was written by an earlier m4top and is converted to this version's layout the first time \
                    the dashboard or the exporter opens it (reading never changes a store): run `m4top history --convert --history \(path)` \
                    once, or read a converted copy
                    """)
            }
            return HistoryStore(path: path, pool: queue)
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError("cannot read \(path): \(describe(error))")
        }
    }

    /// `m4top history --convert`: a store this version can read, converted in place when an
    /// earlier m4top wrote it. Unlike `open`, a file that is not a database is an error and
    /// stays where it is.
    @discardableResult
    package static func openReadOnlyOrConvert(path: String, announce: (String) -> Void = { _ in }) throws(HistoryError) -> HistoryStore {
        if let kind = notRegularFile(path) { throw HistoryError("cannot read \(path): \(kind)") }
        do {
            return try openDatabase(path, announce: announce)
        } catch {
            throw HistoryError("cannot convert \(path): \(describe(error))")
        }
    }

    /// Why a path is not a regular file (following links: reading through one is harmless).
    static func notRegularFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return errno == ENOENT ? "no such file" : String(cString: strerror(errno)) }
        if info.st_mode & S_IFMT == S_IFDIR { return "it is a directory" }
        if info.st_mode & S_IFMT != S_IFREG { return "not a regular file" }
        return access(path, R_OK) == 0 ? nil : "permission denied"
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return String(describing: error)
    }

    /// The schema, versioned: a later m4top opens an earlier file (GRDB records what ran).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: snapshots and minutes") { db in
            try db.create(table: "snapshot") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("server", .text).notNull()
                table.column("user", .text).notNull()
                table.column("time", .double).notNull()
                table.column("ok", .boolean).notNull()
                table.column("error_kind", .text)
                table.column("metrics", .text).notNull()
                table.column("raw", .text)
            }
            try db.create(index: "snapshot_by_user_time", on: "snapshot", columns: ["server", "user", "time"])
            try db.create(table: "minute") { table in
                table.column("server", .text).notNull()
                table.column("user", .text).notNull()
                table.column("minute", .integer).notNull()
                table.column("first", .text).notNull()
                table.column("last", .text).notNull()
                table.column("active_min", .text)
                table.column("active_max", .text)
                table.primaryKey(["server", "user", "minute"])
            }
        }
        // By rule, one migration per later version of the metric table: its metrics' values are
        // appended to every new row (the text columns need no change), and GRDB records that the
        // file has them. The name says only the version: a released version's metrics are frozen
        // (a later metric takes the next version), so the name never changes.
        if schemaVersion > 1 {
            for version in 2...schemaVersion {
                migrator.registerMigration("v\(version): the metric table's version \(version)") { _ in }
            }
        }
        // Not tied to the metric table: the alert log, so that it survives a restart and a
        // moment's firing alerts can be read back.
        migrator.registerMigration("alert events") { db in
            try db.create(table: "alert_event") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("time", .double).notNull()
                table.column("server", .text).notNull()
                table.column("user", .text)
                table.column("kind", .text).notNull()
                table.column("severity", .text).notNull()
                table.column("rule", .text).notNull()
                table.column("value", .text).notNull()
            }
            try db.create(index: "alert_event_by_time", on: "alert_event", columns: ["time"])
        }
        // What a replay needs besides answers: a failure's words, and who was on a server's list.
        migrator.registerMigration("failure messages and user lists") { db in
            try db.alter(table: "snapshot") { table in table.add(column: "error_text", .text) }
            try db.create(table: "user_list") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("time", .double).notNull()
                table.column("server", .text).notNull()
                table.column("users", .text).notNull()
            }
            try db.create(index: "user_list_by_server_time", on: "user_list", columns: ["server", "time"])
        }
        migrator.registerMigration("dense: series, answers by series, minutes in hour blocks", migrate: DenseLayout.migrate)
        return migrator
    }

    /// The schema version the metric table asks for: the newest `storedSince`.
    static let schemaVersion = MetricTable.storedMetrics.compactMap(\.storedSince).max() ?? 1

    // MARK: Writing

    /// One batch in one transaction (a poll's worth of a fleet is one write, not hundreds).
    package func write(_ batch: [StoredSnapshot]) throws(HistoryError) {
        guard !batch.isEmpty else { return }
        do {
            try pool.write { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO snapshot (series, time, ok, error_kind, metrics, raw, error_text) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for snapshot in batch {
                    try statement.execute(arguments: [try seriesIDs.id(db, server: snapshot.server, user: snapshot.user),
                                                      snapshot.time.timeIntervalSince1970, snapshot.ok,
                                                      snapshot.errorKind, Self.encode(snapshot.metrics), snapshot.raw.flatMap { RawAnswer.encodeIfNeeded($0, metrics: snapshot.metrics) },
                                                      snapshot.errorText])
                }
            }
        } catch {
            // A new user's id made in the batch was rolled back with it.
            seriesIDs.forgetAll()
            throw HistoryError("cannot write \(path): \(Self.describe(error))")
        }
    }

    /// Minute rows written as they are (the demo's seeded week): one value per minute, so its
    /// lowest and highest active calls are the same.
    package func writeMinutes(_ rows: [MinuteSample]) throws(HistoryError) {
        guard !rows.isEmpty else { return }
        do {
            try pool.write { db in
                try MinuteBlocks.merge(rows.map { (try seriesIDs.id(db, server: $0.server, user: $0.user),
                                                   MinuteEntry(minute: $0.minute, values: $0.fields, activeMin: $0.active, activeMax: $0.active)) },
                                       into: db)
            }
        } catch {
            seriesIDs.forgetAll()
            throw HistoryError("cannot write \(path): \(Self.describe(error))")
        }
    }

    /// Successful snapshots from samples already encoded (the demo's last day), at their times.
    package func writeSnapshots(_ rows: [(sample: MinuteSample, time: Date)]) throws(HistoryError) {
        guard !rows.isEmpty else { return }
        do {
            try pool.write { db in
                let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO snapshot (series, time, ok, metrics) VALUES (?, ?, 1, ?)")
                for (sample, time) in rows {
                    try statement.execute(arguments: [try seriesIDs.id(db, server: sample.server, user: sample.user), time.timeIntervalSince1970, sample.values])
                }
            }
        } catch {
            seriesIDs.forgetAll()
            throw HistoryError("cannot write \(path): \(Self.describe(error))")
        }
    }

    /// Rows older than a day become one entry per minute per user (the minute's last values,
    /// its lowest and highest active calls) in the user's hour blocks; those older than `days`
    /// go. Read and deleted user by user along the (series, time) key.
    package func prune(now: Date, days: Int) throws(HistoryError) {
        let cutoff = now.addingTimeInterval(-Self.fullResolution).timeIntervalSince1970
        let oldest = now.addingTimeInterval(-Double(days) * 86_400).timeIntervalSince1970
        do {
            try pool.write { db in
                // Every user's id (an integer key: it reads whatever its names hold).
                let series = try Int64.fetchAll(db, sql: "SELECT id FROM series")
                let old = try db.cachedStatement(sql: "SELECT time, metrics FROM snapshot WHERE series = ? AND time < ? AND ok ORDER BY time")
                let drop = try db.cachedStatement(sql: "DELETE FROM snapshot WHERE series = ? AND time < ?")
                var minutes: [(series: Int64, entry: MinuteEntry)] = []
                for id in series {
                    var current: MinuteEntry?
                    for answer in try Row.fetchAll(old, arguments: [id, cutoff]) {
                        // A time past any calendar (edited by hand) is deleted below, never a minute.
                        guard let time: Double = damaged.check({ try answer.decode(forColumn: "time") }), time.isFinite,
                              storableMinutes.contains(Self.minute(of: time, .down)) else { continue }
                        let minute = Int((time / 60).rounded(.down))
                        let values = Self.texts(damaged.check { try answer.decode(String?.self, forColumn: "metrics") } ?? nil)
                        let active = values[Self.activeIndex]
                        let entry = MinuteEntry(minute: minute, values: values, activeMin: active, activeMax: active)
                        if current?.minute == minute {
                            current?.merge(entry)
                        } else {
                            if let current { minutes.append((id, current)) }
                            current = entry
                        }
                    }
                    if let current { minutes.append((id, current)) }
                    try drop.execute(arguments: [id, cutoff])
                }
                try MinuteBlocks.merge(minutes, into: db)
                // A time that is not a number, or a row of no user in `series` (both edited by
                // hand), would never age out: one pass over the table.
                try db.execute(sql: """
                    DELETE FROM snapshot WHERE typeof(time) NOT IN ('integer', 'real') OR (time < ? AND series NOT IN (SELECT id FROM series))
                    """, arguments: [cutoff])
                // Whole hours: an hour block is kept while any of its minutes is young enough.
                try db.execute(sql: "DELETE FROM minute_block WHERE hour < ? OR series NOT IN (SELECT id FROM series)",
                               arguments: [floorDivide(Self.minute(of: oldest, .towardZero), 60)])
                try db.execute(sql: "DELETE FROM alert_event WHERE time < ?", arguments: [oldest])
                // A server's list before the cutoff is kept when it is the one in force at it.
                try db.execute(sql: """
                    DELETE FROM user_list WHERE time < ? AND id NOT IN (SELECT MAX(id) FROM user_list WHERE time < ? GROUP BY server)
                    """, arguments: [oldest, oldest])
            }
        } catch {
            throw HistoryError("cannot prune \(path): \(Self.describe(error))")
        }
    }

    // MARK: Reading

    /// Snapshots in time order (minute rows as their last values), filtered.
    package func snapshots(server: String? = nil, user: String? = nil, since: Date? = nil, until: Date? = nil,
                           withRaw: Bool = false) throws(HistoryError) -> [StoredSnapshot] {
        var conditions: [String] = [], arguments: [any DatabaseValueConvertible] = []
        if let server { conditions.append("server = ?"); arguments.append(server) }
        if let user { conditions.append("user = ?"); arguments.append(user) }
        let lower = since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        let upper = until?.timeIntervalSince1970 ?? Double.greatestFiniteMagnitude
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        do {
            return try pool.read { db in
                let series = try Row.fetchAll(db, sql: "SELECT id, server, user FROM series\(filter)", arguments: StatementArguments(arguments))
                let clampedLower = Self.minute(of: lower, .up), clampedUpper = Self.minute(of: upper, .down)
                let answers = try db.cachedStatement(sql: """
                    SELECT time, ok, error_kind, metrics\(withRaw ? ", raw" : ""), error_text FROM snapshot WHERE series = ? AND time >= ? AND time <= ? ORDER BY time
                    """)
                var result: [StoredSnapshot] = []
                for row in series {
                    guard let id: Int64 = damaged.check({ try row.decode(forColumn: "id") }),
                          let serverName: String = damaged.check({ try row.decode(forColumn: "server") }),
                          let userName: String = damaged.check({ try row.decode(forColumn: "user") }) else { continue }
                    for entry in try MinuteBlocks.entries(db, series: id, from: clampedLower, through: clampedUpper, damaged: damaged) {
                        result.append(StoredSnapshot.minute(entry, server: serverName, user: userName))
                    }
                    result += try Row.fetchAll(answers, arguments: [id, lower, upper]).compactMap { row in
                        damaged.check { () throws -> StoredSnapshot in
                            let metrics = Self.decode(try row.decode(String?.self, forColumn: "metrics"))
                            var snapshot = StoredSnapshot(server: serverName, user: userName,
                                                  time: Date(timeIntervalSince1970: try row.decode(forColumn: "time")), ok: try row.decode(forColumn: "ok"),
                                                  errorKind: try row.decode(forColumn: "error_kind"), metrics: metrics,
                                                  raw: withRaw ? RawAnswer.answer(raw: try row.decode(forColumn: "raw"), metrics: metrics) : nil)
                            snapshot.errorText = try row.decode(forColumn: "error_text")
                            return snapshot
                        }
                    }
                }
                // Stable: rows at one time keep the store's order of series.
                return result.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// The latest successful answer of a user, in full (to diff the first new answer against).
    package func latestAnswer(server: String, user: String) throws(HistoryError) -> (time: Date, stats: QuickStats)? {
        do {
            return try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT time, metrics, raw FROM snapshot WHERE \(Self.seriesIs) AND ok ORDER BY time DESC LIMIT 1",
                                                 arguments: [server, user]),
                      let found = damaged.check({ () throws -> (time: Date, stats: QuickStats?) in
                          (Date(timeIntervalSince1970: try row.decode(forColumn: "time")),
                           RawAnswer.answer(raw: try row.decode(forColumn: "raw"), metrics: Self.decode(try row.decode(String?.self, forColumn: "metrics"))))
                      }), let stats = found.stats else { return nil }
                return (found.time, stats)
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// `series = (…)`: a row's user, by its server and user name (two arguments).
    static let seriesIs = "series = (SELECT id FROM series WHERE server = ? AND user = ?)"

    /// Rows in the file, for tests and the bench: answers, and minutes (every block read).
    package func counts() throws(HistoryError) -> (snapshots: Int, minutes: Int) {
        do {
            return try pool.read { db in
                var minutes = 0
                let blocks = try Row.fetchCursor(db, sql: "SELECT hour, data FROM minute_block")
                while let row = try blocks.next() {
                    minutes += (try? MinuteBlocks.decode(row))?.count ?? 0
                }
                return (try Int.fetchOne(db, sql: "SELECT count(*) FROM snapshot") ?? 0, minutes)
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// Bytes each table and index takes in the file (SQLite's `dbstat`), for the bench; empty
    /// when the library was built without it.
    package func tableSizes() throws(HistoryError) -> [String: Int] {
        do {
            return try pool.read { db in
                guard let rows = try? Row.fetchAll(db, sql: "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name") else { return [:] }
                return Dictionary(rows.map { ($0["name"] as String, $0["bytes"] as Int) }, uniquingKeysWith: +)
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    /// The write-ahead log folded back into the file, so that its size is the store's.
    package func checkpoint() throws(HistoryError) {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        } catch {
            throw HistoryError("cannot checkpoint \(path): \(Self.describe(error))")
        }
    }

    /// Pages in the file and on its free list, for the bench (a migrated store keeps its old
    /// size until pages are reused or it is vacuumed).
    package func pages() throws(HistoryError) -> (total: Int, free: Int, size: Int) {
        do {
            return try pool.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0,
                 try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
            }
        } catch {
            throw HistoryError("cannot read \(path): \(Self.describe(error))")
        }
    }

    // MARK: Encoding

    /// The order a row's values are written in (`MetricTable.storedMetrics`). A metric added
    /// later is stored from a new schema version: its value goes after every older one, so older
    /// rows (shorter) still read.
    static let storedOrder: [MetricID] = MetricTable.storedMetrics.compactMap(\.id)

    /// `4;345;1.4475;;…`: exact decimal text in `storedOrder`, empty where absent. A fifth of
    /// the size of JSON, and no Double anywhere.
    static func encode(_ metrics: [MetricID: Decimal]) -> String {
        storedOrder.map { metrics[$0].map(PlainDecimal.text) ?? "" }.joined(separator: ";")
    }

    /// Each value's exact text in `storedOrder` (nil where absent): a minute entry's values.
    static func texts(_ metrics: [MetricID: Decimal]) -> [String?] {
        storedOrder.map { metrics[$0].map(PlainDecimal.text) }
    }

    /// An encoded row split into its values' texts, as many as `storedOrder` has.
    static func texts(_ encoded: String?) -> [String?] {
        var result = [String?](repeating: nil, count: storedOrder.count)
        guard let encoded else { return result }
        for (index, field) in encoded.split(separator: ";", omittingEmptySubsequences: false).enumerated() where index < result.count && !field.isEmpty {
            result[index] = String(field)
        }
        return result
    }

    /// Where active calls' total sits in `storedOrder` (a minute's range is of it).
    static let activeIndex = storedOrder.firstIndex(of: .activeCallsTotal)!

    /// A stored value's text as a decimal (plain digits read in place).
    static func decimal(_ text: String) -> Decimal? {
        var text = text
        return text.withUTF8 { PlainDecimal.parse($0) } ?? Decimal(string: text)
    }

    /// What a replay's rates and chart read from every row: today's calls, duration, revenue,
    /// price and active calls (`decode(_:only:)` gives them in this order).
    static let pointMetrics: [MetricID] = [.todayCalls, .todayDuration, .todayRevenue, .todayPrice, .activeCallsTotal]

    /// Only these metrics of a row, in order, without reading the rest (a replay reads a few
    /// rows a user for a thousand users and needs five values of each).
    static func decode(_ text: String?, only wanted: [MetricID]) -> [Decimal?] {
        var result = [Decimal?](repeating: nil, count: wanted.count)
        let positions = wanted.map { storedOrder.firstIndex(of: $0) ?? -1 }
        let last = positions.max() ?? -1
        forEachValue(text) { index, value in
            for slot in positions.indices where positions[slot] == index { result[slot] = value() }
            return index < last
        }
        return result
    }

    static func decode(_ text: String?) -> [MetricID: Decimal] {
        var result: [MetricID: Decimal] = [:]
        forEachValue(text) { index, value in
            if index < storedOrder.count, let decimal = value() { result[storedOrder[index]] = decimal }
            return true
        }
        return result
    }

    /// Each non-empty value of an encoded row with its position, read in place; `body` returns
    /// whether to go on.
    private static func forEachValue(_ text: String?, _ body: (Int, () -> Decimal?) -> Bool) {
        guard var text else { return }
        text.withUTF8 { bytes in
            var start = 0
            var index = 0
            for position in 0...bytes.count where position == bytes.count || bytes[position] == UInt8(ascii: ";") {
                defer {
                    index += 1
                    start = position + 1
                }
                guard position > start else { continue }
                let field = UnsafeBufferPointer(rebasing: bytes[start..<position])
                let value = { PlainDecimal.parse(field) ?? Decimal(string: String(decoding: field, as: UTF8.self)) }
                if !body(index, value) { return }
            }
        }
    }
}

/// One user's values at one minute, written as a minute entry (encoded once: the same values
/// at a later minute are `at(minute:)`, without encoding them again).
package struct MinuteSample: Sendable {
    package let server: String
    package let user: String
    /// Minutes since 1970.
    package let minute: Int
    let fields: [String?]
    let active: String?

    /// The values as a snapshot row's text.
    var values: String { fields.map { $0 ?? "" }.joined(separator: ";") }

    package init(server: String, user: String, minute: Int, metrics: [MetricID: Decimal]) {
        let fields = HistoryStore.texts(metrics)
        self.init(server: server, user: user, minute: minute, fields: fields, active: fields[HistoryStore.activeIndex])
    }

    private init(server: String, user: String, minute: Int, fields: [String?], active: String?) {
        self.server = server
        self.user = user
        self.minute = minute
        self.fields = fields
        self.active = active
    }

    package func at(minute: Int) -> MinuteSample {
        MinuteSample(server: server, user: user, minute: minute, fields: fields, active: active)
    }
}

/// A `QuickStats` as JSON and back: sections with their element names and fields in order. Kept
/// only when the metrics cannot give the answer back exactly (an element the table does not
/// name, `this_month`, a number written another way): nothing is lost, and most rows carry none.
enum RawAnswer {
    static func encodeIfNeeded(_ stats: QuickStats, metrics: [MetricID: Decimal]) -> String? {
        rebuild(metrics) == stats ? nil : encode(stats)
    }

    /// The answer from a row: its raw JSON when kept, else rebuilt from its metrics.
    static func answer(raw: String?, metrics: [MetricID: Decimal]) -> QuickStats? {
        if let raw { return decode(raw) }
        return metrics.isEmpty ? nil : rebuild(metrics)
    }

    /// The answer the metrics describe: the server's fields in the table's order, canonical names.
    static func rebuild(_ metrics: [MetricID: Decimal]) -> QuickStats {
        var sections: [StatSection] = []
        for section in [Period.today.rawValue, Period.month.rawValue, FieldName.activeCalls] {
            let fields = MetricTable.all.compactMap { metric -> StatField? in
                guard case .field(section?, let name) = metric.source, let id = metric.id, let value = metrics[id] else { return nil }
                return StatField(name: name, text: PlainDecimal.text(value))
            }
            if !fields.isEmpty { sections.append(StatSection(name: section, fields: fields)) }
        }
        let top = metrics[.balance].map { [StatField(name: FieldName.balance, text: PlainDecimal.text($0))] } ?? []
        return QuickStats(sections: sections, fields: top)
    }

    static func encode(_ stats: QuickStats) -> String {
        let sections: [[String: Any]] = stats.sections.map { section in
            ["name": section.elementName, "fields": section.fields.map { [$0.name, $0.text] }]
        }
        let object: [String: Any] = ["sections": sections, "fields": stats.fields.map { [$0.name, $0.text] }]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) -> QuickStats? {
        guard let data = text.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let sections = object["sections"] as? [[String: Any]] else { return nil }
        func fields(_ list: Any?) -> [StatField] {
            (list as? [[String]] ?? []).compactMap { pair in pair.count == 2 ? StatField(name: pair[0], text: pair[1]) : nil }
        }
        return QuickStats(sections: sections.compactMap { section in
            (section["name"] as? String).map { StatSection(name: $0, fields: fields(section["fields"])) }
        }, fields: fields(object["fields"]))
    }
}

/// Counts rows a read skipped because a value had the wrong type.
final class DamagedRows: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0

    var count: Int { lock.withLock { total } }

    /// The decoded value, or nil (counted) when the row is damaged.
    func check<Value>(_ decode: () throws -> Value) -> Value? {
        do {
            return try decode()
        } catch {
            lock.withLock { total += 1 }
            return nil
        }
    }
}
