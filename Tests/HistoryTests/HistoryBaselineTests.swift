import Foundation
@testable import History
import M4API
import Testing
import Watch

@Suite("History store: baselines read back (same minute, holes, other days, minute rows)")
struct HistoryBaselineTests {
    let utc = TimeZone(identifier: "UTC")!
    /// Tuesday 1 December 2026, 14:00 UTC.
    let now = Date(timeIntervalSince1970: 1_796_133_600)

    func row(_ time: Date, calls: Int, active: Int = 3) -> StoredSnapshot {
        StoredSnapshot(server: "prod", user: "alice", time: time, ok: true, metrics: [.todayCalls: Decimal(calls), .activeCallsTotal: Decimal(active)])
    }

    func store(_ rows: [StoredSnapshot]) throws -> (HistoryStore, StoreFolder) {
        let folder = StoreFolder()
        let store = try HistoryStore.open(path: folder.file).store
        try store.write(rows)
        return (store, folder)
    }

    @Test("The row at or before the moment, a poll's spacing earlier: that time's numbers")
    func sameMoment() throws {
        let lastWeek = now.addingTimeInterval(-7 * 86_400)
        let (store, folder) = try store([row(lastWeek.addingTimeInterval(-40), calls: 190), row(lastWeek.addingTimeInterval(-10), calls: 200),
                                         row(lastWeek.addingTimeInterval(20), calls: 210)])
        _ = folder
        let baseline = try store.baseline(server: "prod", user: "alice", now: now, timeZone: utc)
        #expect(baseline.lastWeek?.metrics[.todayCalls] == 200, "not the row 20 s after")
        #expect(baseline.lastWeek?.rowTime == lastWeek.addingTimeInterval(-10))
        #expect(baseline.yesterday == nil, "nothing stored yesterday: absent, not 0")
    }

    @Test("A hole at that time (nobody watching) is absent, not the last value before it")
    func hole() throws {
        let lastWeek = now.addingTimeInterval(-7 * 86_400)
        let (store, folder) = try store([row(lastWeek.addingTimeInterval(-BaselineValues.tolerance - 60), calls: 150)])
        _ = folder
        #expect(try store.baseline(server: "prod", user: "alice", now: now, timeZone: utc).lastWeek == nil)
    }

    @Test("Just after midnight, last night's row belongs to another day's counters: absent")
    func otherDay() throws {
        let justAfterMidnight = Date(timeIntervalSince1970: 1_796_083_260)  // 00:01 UTC
        let lastWeek = justAfterMidnight.addingTimeInterval(-7 * 86_400)
        let (store, folder) = try store([row(lastWeek.addingTimeInterval(-120), calls: 4000)])  // 23:59 the day before
        _ = folder
        #expect(try store.baseline(server: "prod", user: "alice", now: justAfterMidnight, timeZone: utc).lastWeek == nil)
    }

    @Test("Minute rows (older than a day): the minute's last values and its active calls' range; the day's end for a forecast")
    func minuteRows() throws {
        let lastWeek = now.addingTimeInterval(-7 * 86_400)
        let minuteStart = lastWeek.addingTimeInterval(-60)
        let endOfThatDay = Date(timeIntervalSince1970: 1_795_564_800 - 30)  // 23:59:30 on 24 November
        let rows = [row(minuteStart, calls: 100, active: 4), row(minuteStart.addingTimeInterval(20), calls: 101, active: 9),
                    row(minuteStart.addingTimeInterval(40), calls: 102, active: 6), row(endOfThatDay, calls: 300, active: 1)]
        let (store, folder) = try store(rows)
        _ = folder
        try store.prune(now: now, days: 8)  // everything older than a day becomes minute rows
        #expect(try store.counts().snapshots == 0)
        let baseline = try #require(try store.baseline(server: "prod", user: "alice", now: now, timeZone: utc).lastWeek)
        #expect(baseline.metrics[.todayCalls] == 102)
        #expect(baseline.activeRange == 4...9)
        #expect(baseline.endOfDay?[.todayCalls] == 300)
        #expect(UserBaseline(lastWeek: baseline).forecast(.todayCalls, current: 51)?.value == 150, "51 × 300 / 102")
    }

    @Test("Retention: 8 days keep last week's minute and its day's end; 7 prune it just as it is asked for")
    func retention() throws {
        let lastWeek = now.addingTimeInterval(-7 * 86_400)
        for (days, kept) in [(8, true), (7, false)] {
            let (store, folder) = try store([row(lastWeek.addingTimeInterval(-30), calls: 100)])
            _ = folder
            try store.prune(now: now, days: days)
            #expect((try store.baseline(server: "prod", user: "alice", now: now, timeZone: utc).lastWeek != nil) == kept, "\(days) days")
        }
    }
}
