@testable import App
import Foundation
import GRDB
import History
import Testing
import Watch

/// `Tests/Fixtures/history/made-by-d2f86f3.sqlite` is a store written by m4top at commit d2f86f3,
/// the last before the dense layout: an exporter's answers and failures against the simulator,
/// rows older than a day pruned into minute rows by that version's own prune, a kept raw answer,
/// a user list and an alert event. Beside it, what that version's `m4top history` printed from
/// it (`--since 10d`, `--at "2026-12-01 13:00Z"`, `--alerts`, all `--format json`).
@Suite("A store made before the dense layout converts in place and reads as that version printed it")
struct StoreConversionTests {
    let dir = TempDir()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/history")

    func fixture(_ name: String) throws -> [String] {
        try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test("Every row, the fleet at a moment and the alert log are what d2f86f3's `m4top history` printed; the old tables are gone")
    func convertedStoreReadsTheSame() throws {
        let path = dir.path + "/history.sqlite"
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("made-by-d2f86f3.sqlite").path, toPath: path)
        #expect(throws: HistoryError.self, "an unconverted store is not read (reading never converts)") { _ = try HistoryStore.openReadOnly(path: path) }

        let (store, notice) = try HistoryStore.open(path: path)
        #expect(notice == nil)
        let ids = MetricTable.storedMetrics.compactMap(\.id)
        let all = try store.snapshots()
        #expect(all.filter(\.isMinute).count == 9 && all.count == 19)
        let lines = all.map { HistoryCommand.jsonLine($0, metrics: ids) }, printed = try fixture("made-by-d2f86f3.all.jsonl")
        // Rows at one time came in the old tables' order; now by server and user: the same rows.
        #expect(lines.sorted() == printed.sorted())
        #expect(all.map(\.time) == all.map(\.time).sorted())
        let moment = try #require(HistoryCommand.parseWhen("2026-12-01 13:00Z", now: Date()))
        #expect(try store.fleet(at: moment).map { HistoryCommand.jsonLine($0, metrics: ids) } == (try fixture("made-by-d2f86f3.at-1300Z.jsonl")))
        #expect(HistoryCommand.alertLog(try store.alertEvents(), format: .json).split(separator: "\n").map(String.init)
                == (try fixture("made-by-d2f86f3.alerts.jsonl")))
        #expect(try store.userList(server: "http://127.0.0.1:18931/billing", at: Date(timeIntervalSince1970: 1_796_130_801))?.users
                == ["admin", "alice", "bob"])
        let raw = try store.snapshots(user: "alice", since: Date(timeIntervalSince1970: 1_796_130_821), until: Date(timeIntervalSince1970: 1_796_130_822), withRaw: true)
        #expect(raw.count == 1 && raw.first?.raw?.sections.map(\.fields.count) == [1], "the kept raw answer: \(raw)")
        let tables = try store.tableSizes()
        #expect(tables["minute"] == nil && tables["minute_block"] != nil && tables["series"] != nil, "\(tables.keys.sorted())")
        #expect(store.damagedRows == 0)

        // Opened again (and read-only), nothing is converted twice.
        let again = try HistoryStore.open(path: path).store
        #expect(try again.snapshots() == all)
        #expect(try HistoryStore.openReadOnly(path: path).snapshots() == all)
    }
}

extension StoreConversionTests {
    @Test("`m4top history --convert` converts an earlier store in place, then reads it; without it the read says how")
    func historyConvert() async throws {
        let path = dir.path + "/convert.sqlite"
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("made-by-d2f86f3.sqlite").path, toPath: path)
        await #expect(throws: ExitRequest.self) { try await HistoryCommand.parse(["--history", path, "--at", "2026-12-01 13:00Z"]).run() }
        #expect(throws: HistoryError.self, "the failed read left it as it was") { _ = try HistoryStore.openReadOnly(path: path) }
        try await HistoryCommand.parse(["--convert", "--history", path, "--at", "2026-12-01 13:00Z"]).run()
        #expect(try HistoryStore.openReadOnly(path: path).fleet(at: Date(timeIntervalSince1970: 1_796_130_000)).count == 3)
        let notAStore = dir.write("garbage.sqlite", "not a database, not at all; long enough to be read as a header")
        await #expect(throws: ExitRequest.self) { try await HistoryCommand.parse(["--convert", "--history", notAStore]).run() }
        #expect(try String(contentsOfFile: notAStore, encoding: .utf8).hasPrefix("not a database"), "never moved aside or replaced")
    }
}

extension StoreConversionTests {
    @Test("Minutes and times edited past any calendar in an earlier store convert without a trap (those rows are left behind)")
    func hostileOldStore() throws {
        let path = dir.path + "/hostile.sqlite"
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("made-by-d2f86f3.sqlite").path, toPath: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "UPDATE minute SET minute = -1e300 WHERE rowid = (SELECT min(rowid) FROM minute)")
            try db.execute(sql: "UPDATE minute SET minute = -9223372036854775808 WHERE rowid = (SELECT max(rowid) FROM minute)")
            try db.execute(sql: "UPDATE minute SET minute = 'noon' WHERE rowid = (SELECT min(rowid) + 1 FROM minute)")
            try db.execute(sql: "UPDATE snapshot SET time = -1e999 WHERE rowid = (SELECT min(rowid) FROM snapshot)")
        }
        try queue.close()
        let store = try HistoryStore.open(path: path).store
        #expect(try store.snapshots().filter(\.isMinute).count == 6, "three of nine minutes left behind")
        try store.prune(now: Date(timeIntervalSince1970: 1_796_130_000), days: 8)
        #expect(try store.snapshots().count >= 6)
    }
}

