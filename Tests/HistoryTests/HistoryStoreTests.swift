import Watch
import Foundation
import GRDB
@testable import History
import M4API
import Synchronization
import Testing

/// A private folder per test.
final class StoreFolder {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "m4top-history-\(UUID().uuidString.prefix(8))"
    }
    deinit {
        chmod(path, 0o700)
        try? FileManager.default.removeItem(atPath: path)
    }
    var file: String { path + "/state/m4top/history.sqlite" }
}

@Suite("History store: write, read, retention, two writers, bad files")
struct HistoryStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func answer(calls: Int, active: Int, revenue: String = "1.4475") -> QuickStats {
        QuickStats(sections: [
            StatSection(name: "today", fields: [StatField(name: "calls", text: "\(calls)"), StatField(name: "duration", text: "\(calls * 60)"),
                                                StatField(name: "revenue", text: revenue), StatField(name: "margin", text: "54")]),
            StatSection(name: "active_calls", fields: [StatField(name: "total", text: "\(active)"), StatField(name: "answered_calls", text: "\(active)")]),
        ], fields: [StatField(name: "extra", text: "kept as sent")])
    }

    /// Schema v1's order of a row's values, frozen: files written since the first release read
    /// with it. A later metric is appended after these, never among them.
    static let storedV1 = ["today.calls", "today.duration", "today.revenue", "today.self_cost", "today.profit", "today.margin",
                           "today.price", "today.acd", "month.calls", "month.duration", "month.revenue", "month.self_cost",
                           "month.profit", "month.margin", "month.price", "month.acd", "active_calls.total",
                           "active_calls.answered_calls", "active_calls.ringing", "balance"]

    @Test("History follows the metric table: v1's order frozen, later metrics after it by version, a migration per version")
    func storedOrderFollowsTheTable() {
        let order = HistoryStore.storedOrder
        #expect(Array(order.prefix(Self.storedV1.count)).map(\.path) == Self.storedV1)
        let versions = order.map { MetricTable[$0].storedSince ?? 0 }
        #expect(versions == versions.sorted(), "each metric after every metric of an older version")
        #expect(Set(order) == Set(MetricTable.all.filter { $0.storedSince != nil }.compactMap(\.id)), "every stored metric has its place")
        #expect(HistoryStore.schemaVersion == versions.max())
        #expect(HistoryStore.migrator.migrations.count == HistoryStore.schemaVersion + 3, "one migration per version of the table, replay's two, the dense layout")
        #expect(HistoryStore.migrator.migrations.suffix(3) == ["alert events", "failure messages and user lists",
                                                              "dense: series, answers by series, minutes in hour blocks"])
    }

    @Test("Snapshots and failures go in and come back: exact decimals, the raw answer, owner-only files")
    func roundTrip() throws {
        let folder = StoreFolder()
        let (store, notice) = try HistoryStore.open(path: folder.file)
        #expect(notice == nil)
        try store.write([
            .answer(answer(calls: 4, active: 2, revenue: "28.110331000000002"), server: "prod", user: "admin", at: t0),
            .failure(.transport(.connectionClosed), server: "prod", user: "admin", at: t0.addingTimeInterval(5)),
            .answer(answer(calls: 5, active: 3), server: "lab", user: "alice", at: t0.addingTimeInterval(6)),
        ])
        let all = try store.snapshots()
        #expect(all.map(\.user) == ["admin", "admin", "alice"])
        #expect(all[0].metrics[.todayRevenue] == Decimal(string: "28.110331000000002"))
        #expect(all[0].metrics[.activeCallsTotal] == 2 && all[0].metrics[.todayACD] == 60)
        #expect(!all[1].ok && all[1].errorKind == "transport" && all[1].metrics.isEmpty, "a failed poll is a gap, not a flat line")
        #expect(try store.snapshots(server: "lab").map(\.user) == ["alice"])
        #expect(try store.snapshots(since: t0.addingTimeInterval(1), until: t0.addingTimeInterval(5)).count == 1)
        let latest = try #require(try store.latestAnswer(server: "prod", user: "admin"))
        #expect(latest.stats == answer(calls: 4, active: 2, revenue: "28.110331000000002"), "the raw answer, nothing lost")
        let folderMode = try FileManager.default.attributesOfItem(atPath: (folder.file as NSString).deletingLastPathComponent)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: folder.file)[.posixPermissions] as? Int
        #expect(folderMode == 0o700 && fileMode == 0o600, "revenue is business data")
    }

    @Test("A plain answer is stored as its metrics only, and rebuilt exactly; an odd one keeps its raw text")
    func compactRows() throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        let plain = QuickStats(sections: [
            StatSection(name: "today", fields: [StatField(name: "calls", text: "4"), StatField(name: "revenue", text: "1.4475")]),
            StatSection(name: "active_calls", fields: [StatField(name: "total", text: "0"), StatField(name: "answered_calls", text: "0")]),
        ])
        let odd = QuickStats(sections: [StatSection(name: "this_month", fields: [StatField(name: "calls", text: "007")])])
        try store.write([.answer(plain, server: "p", user: "plain", at: t0), .answer(odd, server: "p", user: "odd", at: t0)])
        #expect(try store.latestAnswer(server: "p", user: "plain")?.stats == plain)
        #expect(try store.latestAnswer(server: "p", user: "odd")?.stats == odd, "this_month and 007 survive")
    }

    @Test("Retention: full resolution for a day, then one row per minute (first, last, min, max), gone after history_days")
    func retention() throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        let start = Date(timeIntervalSince1970: 1_794_999_960)  // on a minute boundary
        var batch: [StoredSnapshot] = []
        for second in stride(from: 0, to: 180, by: 5) {
            batch.append(.answer(answer(calls: second, active: second % 7), server: "prod", user: "admin", at: start.addingTimeInterval(Double(second))))
        }
        try store.write(batch)
        try store.prune(now: start.addingTimeInterval(3_600), days: 7)
        #expect(try store.counts() == (snapshots: 36, minutes: 0), "younger than a day: untouched")
        try store.prune(now: start.addingTimeInterval(86_400 + 200), days: 7)
        #expect(try store.counts() == (snapshots: 0, minutes: 3))
        let minutes = try store.snapshots()
        #expect(minutes.allSatisfy(\.isMinute) && minutes.count == 3)
        #expect(minutes[0].metrics[.todayCalls] == 55, "the minute's last value")
        #expect(minutes[0].activePeak == 6, "the minute's peak of active calls")
        try store.write([.answer(answer(calls: 1, active: 1), server: "prod", user: "admin", at: start.addingTimeInterval(86_400 * 3))])
        try store.prune(now: start.addingTimeInterval(86_400 * 8 + 1), days: 7)
        #expect(try store.counts() == (snapshots: 0, minutes: 1), "the first day's minutes are gone after 7 days")
    }

    @Test("A row with a value of the wrong type (a BLOB for text, text for a time or a flag) is skipped and counted, never a trap")
    func damagedRows() throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        let start = Date(timeIntervalSince1970: 1_794_999_960)
        try store.write((0..<8).map { .answer(answer(calls: $0, active: 1), server: "prod", user: "admin", at: start.addingTimeInterval(Double($0) * 20)) })
        try store.prune(now: start.addingTimeInterval(86_400 + 90), days: 7)  // the first minutes become minute rows
        try store.write((0..<6).map { .answer(answer(calls: 10 + $0, active: 2), server: "prod", user: "admin", at: start.addingTimeInterval(86_400 + Double($0) * 5)) })
        let before = try store.snapshots()
        // As a person with sqlite3 might leave it.
        let queue = try DatabaseQueue(path: folder.file)
        try queue.write { db in
            let times = try Double.fetchAll(db, sql: "SELECT time FROM snapshot ORDER BY time")
            try db.execute(sql: "UPDATE snapshot SET metrics = x'ff00' WHERE time = ?", arguments: [times[0]])
            try db.execute(sql: "UPDATE snapshot SET time = 'noon' WHERE time = ?", arguments: [times[1]])
            try db.execute(sql: "UPDATE snapshot SET ok = x'ff' WHERE time = ?", arguments: [times[2]])
            try db.execute(sql: "UPDATE snapshot SET raw = 42 WHERE time = ?", arguments: [times[times.count - 1]])  // the latest row
            // The hour block of the first day's two minutes: neither can be read.
            try db.execute(sql: "UPDATE minute_block SET data = x'ff' WHERE hour = (SELECT min(hour) FROM minute_block)")
        }
        try queue.close()
        let after = try store.snapshots()
        // A time that is text is outside every time range (SQLite orders text after numbers); the
        // two other rows and the block cannot be decoded and are counted.
        #expect(before.filter(\.isMinute).count == 2)
        #expect(after.count == before.count - 5, "the damaged rows and the damaged block's two minutes left out, the rest read")
        #expect(store.damagedRows == 3)
        #expect(try store.latestAnswer(server: "prod", user: "admin") == nil, "the latest row is damaged: no answer, no trap")
        #expect(store.damagedRows == 4)
        #expect(try store.snapshots(server: "prod").count == before.count - 5)
        try store.prune(now: start.addingTimeInterval(86_400 * 2 + 90), days: 7)  // merges over the damaged rows
        #expect(try store.counts().snapshots == 0, "a row whose time is not a number goes at the next prune")
    }

    @Test("Two stores on one file write at once: every row arrives, no database-is-locked")
    func twoWriters() async throws {
        let folder = StoreFolder()
        let first = try HistoryStore.open(path: folder.file).store
        let second = try HistoryStore.open(path: folder.file).store
        let t0 = self.t0
        let stats = answer(calls: 1, active: 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in [first, second].enumerated() {
                group.addTask {
                    for batch in 0..<50 {
                        let rows = (0..<20).map { StoredSnapshot.answer(stats, server: "s\(index)", user: "u\($0)", at: t0.addingTimeInterval(Double(batch))) }
                        try store.write(rows)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try first.counts().snapshots == 2_000)
    }

    @Test("Several m4top processes opening a new file at once: all open it, none moves it aside")
    func concurrentOpens() async throws {
        let folder = StoreFolder()
        let path = folder.file
        let notices = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<4 { group.addTask { try HistoryStore.open(path: path).notice } }
            var all: [String?] = []
            for try await notice in group { all.append(notice) }
            return all
        }
        #expect(notices.allSatisfy { $0 == nil }, "\(notices)")
        let files = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(!files.contains { $0.contains("broken") }, "a good file is never moved aside: \(files)")
    }

    @Test("A file that is not a database is moved aside with a message; a new one is started")
    func corruptFile() throws {
        let folder = StoreFolder()
        try FileManager.default.createDirectory(atPath: (folder.file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: folder.file))
        let (store, notice) = try HistoryStore.open(path: folder.file)
        #expect(notice?.contains("moved to \(folder.file).broken-") == true, "\(notice ?? "no notice")")
        try store.write([.answer(answer(calls: 1, active: 1), server: "p", user: "u", at: t0)])
        #expect(try store.counts().snapshots == 1)
        let aside = try FileManager.default.contentsOfDirectory(atPath: (folder.file as NSString).deletingLastPathComponent)
        #expect(aside.contains { $0.hasPrefix("history.sqlite.broken-") })
    }

    @Test("Reading (m4top history) never touches the file: a broken one is an error and stays as it is; a good one reads while another process writes")
    func readOnly() throws {
        let folder = StoreFolder()
        let dir = (folder.file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let garbage = Data(repeating: 0x41, count: 8192)
        try garbage.write(to: URL(fileURLWithPath: folder.file))
        let error = #expect(throws: HistoryError.self) { try HistoryStore.openReadOnly(path: folder.file) }
        #expect(error?.message == "cannot read \(folder.file): file is not a database")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["history.sqlite"], "nothing moved aside, nothing made")
        #expect(FileManager.default.contents(atPath: folder.file) == garbage)
        try FileManager.default.removeItem(atPath: folder.file)
        #expect(throws: HistoryError.self) { try HistoryStore.openReadOnly(path: folder.file) }
        #expect(!FileManager.default.fileExists(atPath: folder.file), "a read does not create a store")

        let writer = try HistoryStore.open(path: folder.file).store
        try writer.write([.answer(answer(calls: 3, active: 1), server: "p", user: "u", at: t0)])
        let reader = try HistoryStore.openReadOnly(path: folder.file)
        #expect(try reader.snapshots().map { $0.metrics[.todayCalls] } == [3])
        #expect(throws: HistoryError.self) { try reader.write([.answer(answer(calls: 4, active: 1), server: "p", user: "u", at: t0)]) }
    }

    @Test("The store: a symbolic link is refused (its target untouched); -wal and -shm are 0600; an open folder is closed to 0700")
    func filePermissions() throws {
        let folder = StoreFolder()
        let dir = (folder.file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let target = folder.path + "/target"
        _ = FileManager.default.createFile(atPath: target, contents: Data(), attributes: [.posixPermissions: 0o644])
        try FileManager.default.createSymbolicLink(atPath: folder.file, withDestinationPath: target)
        let error = #expect(throws: HistoryError.self) { try HistoryStore.open(path: folder.file) }
        #expect(error?.message.contains("is a symbolic link") == true)
        #expect(FileManager.default.contents(atPath: target) == Data(), "the target is not turned into SQLite")
        #expect((try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int) == 0o644, "nor chmodded")
        try FileManager.default.removeItem(atPath: folder.file)

        let store = try HistoryStore.open(path: folder.file).store
        try store.write([.answer(answer(calls: 1, active: 1), server: "p", user: "u", at: t0)])
        for file in [folder.file, folder.file + "-wal", folder.file + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600, "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: folder.file + "-wal"), "WAL mode: the -wal file is there to check")
        #expect((try FileManager.default.attributesOfItem(atPath: dir)[.posixPermissions] as? Int) == 0o700)
    }

    @Test("A store that cannot be written (a full disk) is counted while it lasts, tried again at every flush, and said when it recovers")
    func writeTrouble() async throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        // What a full disk does to an INSERT, without filling a disk.
        let queue = try DatabaseQueue(path: folder.file)
        try await queue.write { try $0.execute(sql: "CREATE TRIGGER full BEFORE INSERT ON snapshot BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END") }
        let said = Mutex<[String]>([])
        let recorder = HistoryRecorder(store: store, days: 7) { message in said.withLock { $0.append(message) } }
        for second in 0..<3 { recorder.record(.answer(answer(calls: second, active: 1), server: "p", user: "u", at: t0.addingTimeInterval(Double(second)))) }
        try await Task.sleep(nanoseconds: 2_600_000_000)
        #expect(recorder.trouble?.lost == 3)
        #expect(recorder.trouble?.message.contains("database or disk is full") == true, "\(String(describing: recorder.trouble))")
        recorder.record(.answer(answer(calls: 9, active: 1), server: "p", user: "u", at: t0.addingTimeInterval(9)))
        try await Task.sleep(nanoseconds: 2_100_000_000)
        #expect(recorder.trouble?.lost == 4, "still failing: counted, tried again")
        try await queue.write { try $0.execute(sql: "DROP TRIGGER full") }
        try queue.close()
        recorder.record(.answer(answer(calls: 10, active: 1), server: "p", user: "u", at: t0.addingTimeInterval(10)))
        try await Task.sleep(nanoseconds: 2_100_000_000)
        #expect(recorder.trouble == nil)
        let messages = said.withLock { $0 }
        #expect(messages.count == 2 && messages.last == "history: writing again; 4 snapshots were not kept", "\(messages)")
        recorder.close()
        #expect(try store.counts().snapshots == 1)
    }

    @Test("A folder that cannot be made is a clear error (the dashboard then runs without history)")
    func unwritableFolder() throws {
        let folder = StoreFolder()
        // A plain file where the folder should be: no one, root included, can make it.
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: folder.path))
        let error = #expect(throws: HistoryError.self) { try HistoryStore.open(path: folder.path + "/m4top/history.sqlite") }
        #expect(error?.message.contains("cannot create \(folder.path)/m4top") == true, "\(error?.message ?? "")")
        try? FileManager.default.removeItem(atPath: folder.path)
    }

    @Test("Opening a file made by the first schema keeps its rows (migrations are recorded)")
    func migration() throws {
        let folder = StoreFolder()
        do {
            let store = try HistoryStore.open(path: folder.file).store
            try store.write([.answer(answer(calls: 7, active: 1), server: "p", user: "u", at: t0)])
        }
        let reopened = try HistoryStore.open(path: folder.file).store
        #expect(try reopened.snapshots().first?.metrics[.todayCalls] == 7)
    }

    @Test("The recorder writes off the caller's queue, in batches, and everything on close")
    func recorder() throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        let recorder = HistoryRecorder(store: store, days: 7) { problem in Issue.record("\(problem)") }
        for index in 0..<100 { recorder.record(.answer(answer(calls: index, active: 1), server: "p", user: "u", at: t0.addingTimeInterval(Double(index)))) }
        recorder.close()
        #expect(try store.counts().snapshots == 100)
    }
}

extension HistoryStoreTests {
    @Test("A failed write forgets the user ids it made (rolled back with it): the next users' rows stay their own")
    func failedWriteForgetsNewIDs() throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        let queue = try DatabaseQueue(path: folder.file)
        try queue.write { try $0.execute(sql: "CREATE TRIGGER full BEFORE INSERT ON snapshot BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END") }
        #expect(throws: HistoryError.self) { try store.write([.answer(answer(calls: 1, active: 1), server: "p", user: "first", at: t0)]) }
        try queue.write { try $0.execute(sql: "DROP TRIGGER full") }
        try queue.close()
        try store.write([.answer(answer(calls: 2, active: 1), server: "p", user: "second", at: t0.addingTimeInterval(1))])
        try store.write([.answer(answer(calls: 3, active: 1), server: "p", user: "first", at: t0.addingTimeInterval(2))])
        #expect(try store.snapshots(user: "second").map { $0.metrics[.todayCalls] } == [2])
        #expect(try store.snapshots(user: "first").map { $0.metrics[.todayCalls] } == [3])
    }

    @Test("Prune ages out the rows of a user whose name was damaged by hand, and rows of no user at all")
    func pruneDamagedNames() throws {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        try store.write((0..<4).map { .answer(answer(calls: $0, active: 1), server: "p", user: "u\($0 % 2)", at: t0.addingTimeInterval(Double($0) * 20)) })
        let queue = try DatabaseQueue(path: folder.file)
        try queue.write { db in
            try db.execute(sql: "UPDATE series SET user = x'ff' WHERE user = 'u1'")
            try db.execute(sql: "INSERT INTO snapshot (series, time, ok, metrics) VALUES (999, ?, 1, '1')", arguments: [t0.timeIntervalSince1970])
        }
        try queue.close()
        try store.prune(now: t0.addingTimeInterval(86_400 * 2), days: 8)
        #expect(try store.counts().snapshots == 0)
        let minutes = try store.snapshots(server: "p").filter(\.isMinute)
        #expect(!minutes.isEmpty && minutes.allSatisfy { $0.user == "u0" }, "the readable user's minutes; the other's are skipped: \(minutes)")
    }
}
