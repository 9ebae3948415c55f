import Foundation
import M4API
import Synchronization
import Testing
import Watch

/// The core without any screen: what the exporter and the dashboard both run.
@Suite("The fleet's core update, headless")
struct FleetUpdateTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func answer(calls: Int = 4, active: Int = 0) -> QuickStats {
        func section(_ name: String, _ values: [(String, String)]) -> StatSection {
            StatSection(name: name, fields: values.map { StatField(name: $0.0, text: $0.1) })
        }
        return QuickStats(sections: [
            section("today", [("calls", "\(calls)"), ("duration", "345"), ("revenue", "1.4475"), ("self_cost", "0.6725"),
                              ("profit", "0.775"), ("margin", "54")]),
            section("active_calls", [("total", "\(active)"), ("answered_calls", "0")]),
        ])
    }

    static func fleet(users: [String] = ["admin", "alice"], retention: TimeInterval = SnapshotHistory.defaultRetention) -> FleetState {
        FleetState(servers: [ServerSetup(name: "lab", displayURL: "http://127.0.0.1:1/billing", adminName: "admin", users: users)],
                   interval: 5, overviewInterval: 30, historyRetention: retention, now: t0)
    }

    /// Tells what it was told, as a sink must: quickly, from any queue.
    final class RecordingSink: FleetSink {
        let seen = Mutex<[String]>([])
        func fleet(_ fleet: FleetState, took event: FleetEvent) {
            guard case .fetched(let key, let result, _) = event else { return }
            let word: String
            switch result {
            case .success: word = "ok"
            case .failure: word = "failed"
            }
            let lastSuccess = fleet.userStates[key]?.lastSuccess != nil
            seen.withLock { $0.append("\(key.name) \(word) \(lastSuccess ? "after" : "before") the state took it in") }
        }
    }

    @Test("A poll asks for every due user; an answer records facts, diff and trends once, in one place")
    func pollAndAnswer() {
        var fleet = Self.fleet()
        let admin = UserKey(server: 0, name: "admin")
        // The scheduler spreads a server's users over the interval: the admin is asked first.
        let effects = FleetUpdate.update(&fleet, .pollDue(Self.t0))
        #expect(effects == [.fetch(admin)])
        #expect(fleet.userStates[admin]?.isInFlight == true)
        _ = FleetUpdate.update(&fleet, .fetched(admin, result: .success(Self.answer(calls: 4, active: 6)), at: Self.t0.addingTimeInterval(1)))
        _ = FleetUpdate.update(&fleet, .fetched(admin, result: .success(Self.answer(calls: 9, active: 0)), at: Self.t0.addingTimeInterval(61)))
        let state = fleet.userStates[admin]
        #expect(state?.isInFlight == false)
        #expect(state?.lastSuccess == Self.t0.addingTimeInterval(61))
        #expect(state?.diff.delta("today", "calls") == 5)
        #expect(state?.changedAt == Self.t0.addingTimeInterval(61))
        #expect(state?.trends.callsPerMinute == 5)
        #expect(state?.activeCallsDrop?.from == 6, "the outage signal is a fleet fact, not a screen's")
        #expect(fleet.age(of: admin) == 0)
    }

    @Test("A failure is counted on the user; a server-wide one marks the server down until it answers")
    func failures() {
        var fleet = Self.fleet()
        let alice = UserKey(server: 0, name: "alice")
        _ = FleetUpdate.update(&fleet, .fetched(alice, result: .failure(.transport(.connectionClosed)), at: Self.t0))
        #expect(fleet.userStates[alice]?.consecutiveFailures == 1 && fleet.userStates[alice]?.lastError != nil)
        #expect(fleet.servers[0].failingSince == Self.t0)
        _ = FleetUpdate.update(&fleet, .fetched(alice, result: .success(Self.answer()), at: Self.t0.addingTimeInterval(5)))
        #expect(fleet.userStates[alice]?.consecutiveFailures == 0 && fleet.userStates[alice]?.lastError == nil)
        #expect(fleet.servers[0].failure == nil)
    }

    @Test("A user list replaces the watched users; users gone are forgotten everywhere")
    func userList() {
        var fleet = Self.fleet()
        let list = [M4User(id: "0", username: "admin"), M4User(id: "2", username: "bob")]
        _ = FleetUpdate.update(&fleet, .userListFetched(server: 0, result: .success(list), at: Self.t0))
        #expect(fleet.watched.map(\.name) == ["admin", "bob"])
        #expect(fleet.userStates[UserKey(server: 0, name: "alice")] == nil)
        #expect(fleet.userStates[UserKey(server: 0, name: "bob")] != nil)
    }

    @Test("The same list again keeps every user's state; a user blocked or unblocked since stops or starts being polled")
    func userListAgain() {
        var fleet = Self.fleet()
        let bob = UserKey(server: 0, name: "bob")
        var list = [M4User(id: "0", username: "admin"), M4User(id: "2", username: "bob", balance: 5)]
        _ = FleetUpdate.update(&fleet, .userListFetched(server: 0, result: .success(list), at: Self.t0))
        _ = FleetUpdate.update(&fleet, .fetched(bob, result: .success(Self.answer(calls: 7)), at: Self.t0.addingTimeInterval(1)))
        #expect(fleet.scheduler.isPolled(bob))
        list[1].balance = 4
        list[1].blocked = true
        _ = FleetUpdate.update(&fleet, .userListFetched(server: 0, result: .success(list), at: Self.t0.addingTimeInterval(600)))
        #expect(!fleet.scheduler.isPolled(bob), "blocked since: listed, not polled")
        #expect(fleet.userStates[bob]?.latest?.section("today")?.number("calls") == 7, "its state kept")
        #expect(fleet.servers[0].directory["bob"]?.balance == 4, "the directory follows the list")
        list[1].blocked = false
        _ = FleetUpdate.update(&fleet, .userListFetched(server: 0, result: .success(list), at: Self.t0.addingTimeInterval(1200)))
        #expect(fleet.scheduler.isPolled(bob))
        #expect(fleet.watched.map(\.name) == ["admin", "bob"])
    }

    @Test("The exporter's retention keeps only the latest answer, with the same facts")
    func latestOnly() {
        var fleet = Self.fleet(retention: 0)
        let admin = UserKey(server: 0, name: "admin")
        for second in 1...50 {
            _ = FleetUpdate.update(&fleet, .fetched(admin, result: .success(Self.answer(calls: second)), at: Self.t0.addingTimeInterval(Double(second))))
        }
        #expect(fleet.userStates[admin]?.history.count == 1)
        #expect(fleet.userStates[admin]?.latest?.section("today")?.number("calls") == 50)
        #expect(fleet.userStates[admin]?.lastSuccess == Self.t0.addingTimeInterval(50))
    }

    @Test("An alert rule fires from the core, with no screen: the effect asks for the bell")
    func alertsInTheCore() {
        var fleet = Self.fleet()
        fleet.alerts = AlertBook(rules: [AlertRule(name: "busy", metric: .activeCallsTotal, condition: .above(3))], bell: true)
        let admin = UserKey(server: 0, name: "admin")
        let effects = FleetUpdate.update(&fleet, .fetched(admin, result: .success(Self.answer(active: 9)), at: Self.t0))
        #expect(effects.contains(.bell))
        #expect(fleet.alerts.worst(for: .user(admin))?.rule.name == "busy")
    }

    @Test("A sink hears every answer and failure after the state has taken it in")
    func sinkOrder() {
        var fleet = Self.fleet()
        let sink = RecordingSink()
        let events: [FleetEvent] = [
            .fetched(UserKey(server: 0, name: "admin"), result: .success(Self.answer()), at: Self.t0),
            .fetched(UserKey(server: 0, name: "alice"), result: .failure(.transport(.connectionClosed)), at: Self.t0),
        ]
        for event in events {
            _ = FleetUpdate.update(&fleet, event)
            sink.fleet(fleet, took: event)
        }
        #expect(sink.seen.withLock { $0 } == ["admin ok after the state took it in", "alice failed before the state took it in"])
    }
}

@Suite("Metric identity: the table and the names")
struct MetricIdentityTests {
    @Test("Every MetricID has exactly one entry in the table, and every entry of the table has an ID")
    func oneEntryEach() {
        for id in MetricID.allCases {
            #expect(MetricTable.all.filter { $0.id == id }.count == 1, "\(id)")
            #expect(MetricTable[id].path == id.path)
            #expect(MetricID(path: id.path) == id)
        }
        #expect(MetricTable.all.allSatisfy { $0.id != nil })
        #expect(MetricID(path: "today.revenu") == nil, "a typo is an error at the boundary, never a blank cell")
    }

    @Test("One definition of 'needs history': the rates, and only they")
    func needsHistory() {
        #expect(MetricTable.all.filter(\.needsHistory).compactMap(\.id) == [.todayCallsPerMinute, .todayRevenuePerHour])
    }

    @Test("Every metric one answer gives is stored by the history; rates and staleness are not")
    func storedFollowsTheTable() {
        for metric in MetricTable.all {
            let oneAnswerGivesIt = !metric.needsHistory && metric.source != .staleness
            #expect((metric.storedSince != nil) == oneAnswerGivesIt, "\(metric.path): storedSince \(String(describing: metric.storedSince))")
        }
    }

    @Test("Each metric sits under the section its panel shows")
    func sections() {
        #expect(MetricTable[.todayACD].section == "today" && MetricTable[.monthACD].section == "month")
        #expect(MetricTable[.activeCallsRinging].section == "active_calls")
        #expect(MetricTable[.balance].section == nil && MetricTable[.stale].section == nil)
        #expect(MetricTable.derived(in: "today").compactMap(\.id) == [.todayACD, .todayCallsPerMinute, .todayRevenuePerHour])
    }
}
