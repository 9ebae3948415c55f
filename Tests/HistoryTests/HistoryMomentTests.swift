import Foundation
import GRDB
@testable import History
import M4API
import Testing
import Watch

@Suite("The store for replay: alert events kept, the fleet as of a moment")
struct HistoryMomentTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func store(_ folder: StoreFolder) throws -> HistoryStore {
        try HistoryStore.open(path: folder.file).store
    }

    @Test("Alert events: written, read back in order with their subject, limited to the newest, pruned with the minute rows")
    func alertEvents() throws {
        let folder = StoreFolder()
        let store = try store(folder)
        let events = (0..<5).map { index in
            StoredAlertEvent(time: t0.addingTimeInterval(Double(index)), server: "prod", user: index == 4 ? nil : "alice",
                             kind: [.fired, .acknowledged, .resolved, .fired, .fired][index], severity: index == 4 ? .critical : .warning,
                             rule: index == 4 ? "server silent" : "busy", value: "\(index)")
        }
        try store.write(alertEvents: events)
        #expect(try store.alertEvents() == events)
        #expect(try store.alertEvents(limit: 2) == Array(events.suffix(2)), "the newest, oldest first")
        #expect(try store.alertEvents(since: t0.addingTimeInterval(1), until: t0.addingTimeInterval(3)) == Array(events[1...3]))
        // Back into a run that watches prod second: subjects follow the run's numbering.
        let back = events.compactMap { $0.event(serverNames: ["lab", "prod"]) }
        #expect(back.count == 5 && back[0].subject == .user(UserKey(server: 1, name: "alice")) && back[4].subject == .server(1))
        #expect(events[0].event(serverNames: ["lab"]) == nil, "a server not watched this run")
        try store.prune(now: t0.addingTimeInterval(8 * 86_400 + 2.5), days: 8)
        #expect(try store.alertEvents().map(\.value) == ["3", "4"])
    }

    @Test("An alert book's events reach the store once each, through the history sink, restored ones not again")
    func sinkRecordsOnce() throws {
        let folder = StoreFolder()
        let store = try store(folder)
        let recorder = HistoryRecorder(store: store, days: 8) { _ in }
        let sink = HistorySink(recorder: recorder, serverNames: ["prod"])
        var fleet = FleetState(servers: [ServerSetup(name: "prod", displayURL: "http://h/billing", adminName: "admin", users: ["admin"])],
                               interval: 5, overviewInterval: 30, now: t0)
        fleet.alerts = AlertBook(rules: [AlertRule(name: "busy", metric: .activeCallsTotal, condition: .above(3))], bell: false)
        fleet.alerts.restore(log: [AlertEvent(time: t0.addingTimeInterval(-60), kind: .fired, rule: "old", severity: .warning,
                                              subject: .server(0), value: "x")])
        let admin = UserKey(server: 0, name: "admin")
        func answer(_ active: Int) -> QuickStats {
            QuickStats(sections: [StatSection(name: "active_calls", fields: [StatField(name: "total", text: "\(active)")])])
        }
        for (second, active) in [(1, 9), (2, 9), (3, 1)] {
            let event = FleetEvent.fetched(admin, result: .success(answer(active)), at: t0.addingTimeInterval(Double(second)))
            _ = FleetUpdate.update(&fleet, event)
            sink.fleet(fleet, took: event)
            sink.fleet(fleet, took: .tick(t0.addingTimeInterval(Double(second) + 0.5)))
        }
        recorder.close()
        let stored = try store.alertEvents()
        #expect(stored.map(\.kind) == [.fired, .resolved], "\(stored)")
        #expect(stored.allSatisfy { $0.rule == "busy" && $0.server == "prod" && $0.user == "admin" })
    }

    @Test("The fleet as of a moment: each user's latest row at or before it; a user with no row yet is absent; a failure after a success shows")
    func fleetAt() throws {
        let folder = StoreFolder()
        let store = try store(folder)
        let answer = { (calls: Int) in
            QuickStats(sections: [StatSection(name: "today", fields: [StatField(name: "calls", text: "\(calls)")])])
        }
        try store.write([
            .answer(answer(1), server: "prod", user: "alice", at: t0),
            .answer(answer(2), server: "prod", user: "alice", at: t0.addingTimeInterval(10)),
            .failure(.transport(.connectionClosed), server: "prod", user: "alice", at: t0.addingTimeInterval(20)),
            .answer(answer(5), server: "prod", user: "bob", at: t0.addingTimeInterval(15)),
            .answer(answer(7), server: "lab", user: "admin", at: t0.addingTimeInterval(5)),
        ])
        let at12 = try store.fleet(at: t0.addingTimeInterval(12))
        #expect(at12.map { "\($0.server)/\($0.user)" } == ["lab/admin", "prod/alice"], "bob had no row yet")
        #expect(at12.first { $0.user == "alice" }?.metrics[.todayCalls] == 2)
        let at25 = try store.fleet(at: t0.addingTimeInterval(25))
        #expect(at25.first { $0.user == "alice" }.map { !$0.ok && $0.errorKind == "transport" } == true, "the failure after the success")
        #expect(at25.first { $0.user == "bob" }?.metrics[.todayCalls] == 5)
        #expect(try store.fleet(at: t0.addingTimeInterval(25), server: "prod", user: "bob").count == 1)
        #expect(try store.fleet(at: t0.addingTimeInterval(-1)).isEmpty, "before anything was stored")
        // Older than a day, as minute rows: found once their minute is over (t0 is 40 s into its
        // minute, which ends at t0 + 20 s), at its end, as replay sees them.
        try store.prune(now: t0.addingTimeInterval(86_400 + 100), days: 8)
        let pruned = try store.fleet(at: t0.addingTimeInterval(25))
        #expect(pruned.first { $0.user == "alice" }.map { $0.isMinute && $0.metrics[.todayCalls] == 2 && $0.time == t0.addingTimeInterval(20) } == true,
                "\(pruned)")
        #expect(try store.fleet(at: t0.addingTimeInterval(12)).first { $0.user == "alice" } == nil, "its minute not over yet")
    }

    @Test("A store of the first schema: a read says it must be converted first (and leaves it); opened, it is migrated in place, its rows kept")
    func oldStore() throws {
        let folder = StoreFolder()
        try FileManager.default.createDirectory(atPath: (folder.file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            let queue = try DatabaseQueue(path: folder.file)
            try HistoryStore.migrator.migrate(queue, upTo: "v1: snapshots and minutes")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO snapshot (server, user, time, ok, error_kind, metrics) VALUES ('prod', 'alice', ?, 0, 'transport', '')",
                               arguments: [t0.timeIntervalSince1970])
            }
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder.file))
        #expect {
            _ = try HistoryStore.openReadOnly(path: folder.file)
        } throws: { error in
            "\(error)".contains("written by an earlier m4top") && "\(error)".contains("m4top history --convert")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file)) == bytes, "a read never converts")

        let store = try HistoryStore.open(path: folder.file).store
        try store.write([.failure(.transport(.connectionClosed), server: "prod", user: "alice", at: t0.addingTimeInterval(5))])
        let rows = try store.snapshots()
        #expect(rows.count == 2 && rows[0].errorText == nil)
        #expect(rows[1].errorText == FetchError.transport(.connectionClosed).message, "a failure's words kept for replay")
        let read = try HistoryStore.openReadOnly(path: folder.file)
        #expect(try read.snapshots().map(\.errorKind) == ["transport", "transport"])
        #expect(try read.alertEvents().isEmpty)
        #expect(try read.userList(server: "prod", at: t0) == nil)
        #expect(try read.fleet(at: t0).count == 1)
    }

    @Test("User lists: kept when they change (once per change), read back as of a moment, the one in force kept by pruning")
    func userLists() throws {
        let folder = StoreFolder()
        let store = try store(folder)
        let recorder = HistoryRecorder(store: store, days: 8) { _ in }
        let sink = HistorySink(recorder: recorder, serverNames: ["prod"])
        var fleet = FleetState(servers: [ServerSetup(name: "prod", displayURL: "http://h/billing", adminName: "admin", users: ["admin"],
                                                     listsAllUsers: true)],
                               interval: 5, overviewInterval: 30, now: t0)
        func list(_ names: [String], at seconds: Double) {
            let users = [M4User(username: "admin", userType: "admin")] + names.map { M4User(username: $0) }
            let event = FleetEvent.userListFetched(server: 0, result: .success(users), at: t0.addingTimeInterval(seconds))
            _ = FleetUpdate.update(&fleet, event)
            sink.fleet(fleet, took: event)
        }
        list(["alice", "bob"], at: 0)
        list(["alice", "bob"], at: 600)
        list(["alice"], at: 1200)
        recorder.close()
        #expect(try store.userList(server: "prod", at: t0.addingTimeInterval(-1)) == nil)
        #expect(try store.userList(server: "prod", at: t0.addingTimeInterval(900))?.users == ["admin", "alice", "bob"])
        #expect(try store.userList(server: "prod", at: t0.addingTimeInterval(900))?.time == t0, "the same list again is not kept again")
        #expect(try store.userList(server: "prod", at: t0.addingTimeInterval(1300))?.users == ["admin", "alice"], "bob left")
        try store.prune(now: t0.addingTimeInterval(8 * 86_400 + 1300), days: 8)
        #expect(try store.userList(server: "prod", at: t0.addingTimeInterval(8 * 86_400 + 1300))?.users == ["admin", "alice"],
                "the list in force at the cutoff stays")
        #expect(try store.userList(server: "prod", at: t0.addingTimeInterval(900)) == nil, "older ones go")
    }

    @Test("A store in a folder of the user's (a shared /tmp-like one) leaves the folder's mode alone; a device is refused")
    func sharedFolder() throws {
        let folder = StoreFolder()
        let shared = folder.path + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        chmod(shared, 0o1777)
        _ = try HistoryStore.open(path: shared + "/h.sqlite")
        var info = stat()
        stat(shared, &info)
        #expect(info.st_mode & 0o7777 == 0o1777, "never chmodded: \(String(info.st_mode & 0o7777, radix: 8))")
        let error = #expect(throws: HistoryError.self) { try HistoryStore.open(path: "/dev/null") }
        #expect(error?.message.contains("not a regular file") == true)
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-journal"))
    }
}
