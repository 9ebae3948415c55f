import Foundation
import M4API
import Testing
import Watch

@Suite("A moment's fleet rebuilt from stored rows")
struct ReplayBuilderTests {
    static let t0 = FleetUpdateTests.t0
    let admin = UserKey(server: 0, name: "admin")
    let alice = UserKey(server: 0, name: "alice")

    func snapshot(_ seconds: Double, calls: Int, active: Int = 0) -> Snapshot {
        Snapshot(time: Self.t0.addingTimeInterval(seconds), stats: FleetUpdateTests.answer(calls: calls, active: active))
    }

    func record(_ answers: [Snapshot], failure: ReplayFailure? = nil) -> ReplayUserRecord {
        ReplayUserRecord(points: answers.map(HistoryPoint.init), chart: answers.compactMap { answer in
            answer.stats.activeTotal.map { ChartSample(time: answer.time.timeIntervalSince1970, level: NSDecimalNumber(decimal: $0).doubleValue) }
        }, latest: answers.last, previous: answers.dropLast().last, failure: failure)
    }

    @Test("The latest answer at the moment, its change since the one before, rates, the chart; a user with no row waits")
    func latestAndDiff() {
        let live = FleetUpdateTests.fleet()
        let answers = [snapshot(0, calls: 10, active: 3), snapshot(30, calls: 12, active: 5), snapshot(60, calls: 16, active: 6)]
        let moment = Self.t0.addingTimeInterval(62)
        let fleet = ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: moment, users: [admin: record(answers)]))
        let state = fleet.userStates[admin]
        #expect(fleet.now == moment)
        #expect(state?.latest?.calls(.today) == 16 && state?.lastSuccess == answers[2].time)
        #expect(state?.diff.deltas.isEmpty == false, "the change since 30 s")
        #expect(state?.changedAt == answers[2].time)
        #expect(state?.trends.callsPerMinute == 6, "6 calls in 60 s")
        #expect(state?.history.chart.map(\.level) == [3, 5, 6])
        #expect(fleet.userStates[alice]?.lastSuccess == nil && fleet.userStates[alice]?.latest == nil, "no row yet: waiting")
        #expect(!fleet.isStale(admin))
        // Long after its last answer the same row is stale, as it was then.
        let later = ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(600), users: [admin: record(answers)]))
        #expect(later.isStale(admin))
        // Recorded every 5 minutes (an exporter's slow cadence): 10 minutes on is not stale, 20 are.
        let slow = record([snapshot(0, calls: 1), snapshot(300, calls: 2)])
        #expect(!ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(900), users: [admin: slow])).isStale(admin))
        #expect(ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(1_500), users: [admin: slow])).isStale(admin))
    }

    @Test("A failure after a success: the user's error, and the server down since its first failure when it says the server is unwell")
    func failureAfterSuccess() {
        let live = FleetUpdateTests.fleet()
        let down = ReplayFailure(error: .transport(.recorded(message: "cannot connect")), at: Self.t0.addingTimeInterval(300),
                                 since: Self.t0.addingTimeInterval(200), count: 3)
        let records = ReplayRecords(moment: Self.t0.addingTimeInterval(301), users: [
            admin: record([snapshot(100, calls: 1)], failure: down),
            alice: record([snapshot(90, calls: 1)]),
        ])
        let fleet = ReplayBuilder.fleet(from: live, records: records)
        #expect(fleet.userStates[admin]?.lastError == down.error && fleet.userStates[admin]?.consecutiveFailures == 3)
        #expect(fleet.userStates[admin]?.latest != nil, "the last numbers are still there")
        #expect(fleet.servers[0].failure == down.error && fleet.servers[0].failingSince == down.since)
        // An API refusal about one user marks the user, not the server.
        let denied = ReplayFailure(error: .recorded(kind: "api", message: "Access Denied"), at: Self.t0.addingTimeInterval(300),
                                   since: Self.t0.addingTimeInterval(300), count: 1)
        let refused = ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(301), users: [
            admin: record([snapshot(250, calls: 1)]), alice: record([], failure: denied),
        ]))
        #expect(refused.servers[0].failure == nil)
        #expect(refused.userStates[alice]?.lastError == .api(APIError(text: "Access Denied")))
        // The server answered again after the failures: not down.
        let back = ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(400), users: [
            admin: record([snapshot(100, calls: 1)], failure: down), alice: record([snapshot(390, calls: 2)]),
        ]))
        #expect(back.servers[0].failure == nil)
    }

    @Test("A user who left the server's list is not in the moment's fleet; one who was on it then is")
    func userLists() {
        let live = FleetUpdateTests.fleet(users: ["admin", "alice"])
        let records = ReplayRecords(moment: Self.t0, users: [:], userLists: [0: ["admin", "bob"]])
        let fleet = ReplayBuilder.fleet(from: live, records: records)
        #expect(fleet.watched.map(\.name) == ["admin", "bob"])
        #expect(fleet.userStates[alice] == nil)
        #expect(live.watched.map(\.name) == ["admin", "alice"], "the live fleet is untouched")
    }

    @Test("Alerts firing at the moment come from the stored log: fired, acknowledged and resolved")
    func alertsFromLog() {
        var live = FleetUpdateTests.fleet()
        live.alerts = AlertBook(rules: [AlertRule(name: "busy", metric: .activeCallsTotal, condition: .above(3))], bell: true)
        func event(_ seconds: Double, _ kind: AlertEvent.Kind, _ key: UserKey) -> AlertEvent {
            AlertEvent(time: Self.t0.addingTimeInterval(seconds), kind: kind, rule: "busy", severity: .warning, subject: .user(key), value: "9")
        }
        let log = [event(0, .fired, admin), event(10, .fired, alice), event(20, .acknowledged, alice), event(30, .resolved, admin),
                   AlertEvent(time: Self.t0.addingTimeInterval(40), kind: .fired, rule: "a rule no longer configured", severity: .critical,
                              subject: .server(0), value: "x")]
        let fleet = ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(50), users: [:], alertLog: log))
        #expect(fleet.alerts.firing.map(\.subject) == [.user(alice)])
        #expect(fleet.alerts.firing.first?.status.acknowledged == true && fleet.alerts.firing.first?.status.firingSince == Self.t0.addingTimeInterval(10))
        #expect(fleet.alerts.log.count == 5, "the whole log up to the moment, for `a`")
        #expect(!fleet.alerts.bell, "the past never rings")
        let earlier = ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(5), users: [:],
                                                                             alertLog: Array(log.prefix(1))))
        #expect(earlier.alerts.firing.map(\.subject) == [.user(admin)])
        // m4top quit while alice's fired: logged as ended, and a later moment shows nothing firing.
        var book = fleet.alerts
        book.endAll(now: Self.t0.addingTimeInterval(60))
        #expect(book.firing.isEmpty && book.log.last?.kind == .ended && book.log.last?.subject == .user(alice))
        let after = ReplayBuilder.fleet(from: live, records: ReplayRecords(moment: Self.t0.addingTimeInterval(70), users: [:], alertLog: Array(book.log)))
        #expect(after.alerts.firing.isEmpty)
    }

    @Test("A stored failure's kind and words come back as the same kind of error")
    func recordedErrors() {
        #expect(FetchError.recorded(kind: "transport", message: "no answer within 10 s (timeout)").kind == .transport)
        #expect(FetchError.recorded(kind: "response", message: "HTTP 502 Bad Gateway").message == "HTTP 502 Bad Gateway")
        #expect(FetchError.recorded(kind: "api", message: "Incorrect hash") == .api(APIError(text: "Incorrect hash")))
        #expect(!FetchError.recorded(kind: nil, message: "x\u{1b}[2Jy").message.contains("\u{1b}"),
                "control characters never come back")
    }
}
