import Watch
@testable import Exporter
import Foundation
import M4API
import Testing

/// Reads an exposition back: `series text` -> value, `# TYPE` lines by name.
struct Exposition {
    var samples: [String: String] = [:]
    var types: [String: String] = [:]
    var helps: [String: String] = [:]

    init(_ bytes: [UInt8]) {
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                types[String(parts[2])] = String(parts[3])
            } else if line.hasPrefix("# HELP ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                helps[String(parts[2])] = String(parts[3])
            } else if let space = line.lastIndex(of: " ") {
                samples[String(line[..<space])] = String(line[line.index(after: space)...])
            }
        }
    }

    subscript(_ series: String) -> String? { samples[series] }

    func names() -> Set<String> {
        Set(samples.keys.map { String($0.prefix { $0 != "{" }) })
    }
}

@Suite("Exporter: the fleet's answers as Prometheus series")
struct FleetSeriesTests {
    /// A fleet of one server, `prod`, watching the admin and alice, fed like the poller feeds it.
    struct Harness {
        var state: FleetState
        let series: FleetSeries

        init(users: [String] = ["admin", "alice"], listsAllUsers: Bool = false) {
            // As the exporter runs it: headless, the latest answer kept.
            state = FleetState(servers: [ServerSetup(name: "prod", displayURL: "http://127.0.0.1:1/billing", adminName: "admin",
                                                     users: users, listsAllUsers: listsAllUsers)],
                               interval: 5, overviewInterval: 30, historyRetention: 0, now: Answers.t0)
            series = FleetSeries(serverLabels: ["prod"], version: "9.9.9")
            series.noteWatched(state)
        }

        mutating func feed(_ event: FleetEvent) {
            _ = FleetUpdate.update(&state, event)
            series.fleet(state, took: event)
        }

        mutating func answer(_ user: String, _ stats: QuickStats, at seconds: TimeInterval = 1) {
            feed(.fetched(UserKey(server: 0, name: user), result: .success(stats), at: Answers.t0.addingTimeInterval(seconds)))
        }

        mutating func fail(_ user: String, _ error: FetchError, at seconds: TimeInterval = 2) {
            feed(.fetched(UserKey(server: 0, name: user), result: .failure(error), at: Answers.t0.addingTimeInterval(seconds)))
        }

        var exposition: Exposition { Exposition(series.exposition()) }
    }

    static let admin = #"{server="prod",user="admin"}"#

    @Test("The contract's names, in base units: margin as a ratio, money and seconds exactly as sent")
    func valuesAndNames() {
        var fleet = Harness()
        fleet.answer("admin", Answers.seed)
        let metrics = fleet.exposition
        #expect(metrics["m4_today_revenue" + Self.admin] == "1.4475")
        #expect(metrics["m4_today_self_cost" + Self.admin] == "0.6725")
        #expect(metrics["m4_today_margin_ratio" + Self.admin] == "0.54")
        #expect(metrics["m4_month_margin_ratio" + Self.admin] == "0.38")
        #expect(metrics["m4_month_self_cost" + Self.admin] == "3.734166")
        #expect(metrics["m4_today_duration_seconds" + Self.admin] == "345.0")
        #expect(metrics["m4_today_calls" + Self.admin] == "4.0")
        #expect(metrics["m4_active_calls" + Self.admin] == "0.0")
        #expect(metrics["m4_active_calls_answered" + Self.admin] == "0.0")
        #expect(metrics["m4_up" + Self.admin] == "1.0")
        #expect(metrics["m4_last_success_timestamp_seconds" + Self.admin] == "\(Answers.t0.timeIntervalSince1970 + 1)")
        #expect(metrics[#"m4_poll_errors_total{server="prod",user="admin",kind="transport"}"#] == "0", "counters start at 0")
        #expect(metrics[#"m4_exporter_build_info{version="9.9.9"}"#] == "1.0")
        #expect(metrics[#"m4_users_watched{server="prod"}"#] == "2.0")
        // Exactly the contract's names (docs/metrics.md) for an admin's answer, and nothing that is not a gauge but
        // the error counter.
        let expected: Set<String> = ["m4_up", "m4_active_calls", "m4_active_calls_answered", "m4_today_calls", "m4_today_duration_seconds",
                                     "m4_today_revenue", "m4_today_self_cost", "m4_today_profit", "m4_today_margin_ratio",
                                     "m4_month_calls", "m4_month_duration_seconds", "m4_month_revenue", "m4_month_self_cost",
                                     "m4_month_profit", "m4_month_margin_ratio", "m4_last_success_timestamp_seconds",
                                     "m4_poll_errors_total", "m4_exporter_build_info", "m4_users_watched"]
        #expect(metrics.names() == expected)
        #expect(metrics.types.filter { $0.value != "gauge" } == ["m4_poll_errors_total": "counter"], "money is a gauge: a server can re-rate calls")
        #expect(metrics.helps["m4_today_margin_ratio"]?.contains("0.54 is 54 %") == true)
    }

    @Test("A simple user: price and balance, no revenue; a value the answer drops disappears")
    func simpleUser() {
        var fleet = Harness()
        fleet.answer("alice", Answers.simpleUser(activeShown: true))
        let alice = #"{server="prod",user="alice"}"#
        #expect(fleet.exposition["m4_today_price" + alice] == "0.3")
        #expect(fleet.exposition["m4_balance" + alice] == "42.5")
        #expect(fleet.exposition["m4_active_calls" + alice] == "1.0")
        #expect(fleet.exposition["m4_today_revenue" + alice] == nil)
        // The admin hides active calls from users: the old number must not linger.
        fleet.answer("alice", Answers.simpleUser(activeShown: false), at: 10)
        #expect(fleet.exposition["m4_active_calls" + alice] == nil)
        #expect(fleet.exposition["m4_today_price" + alice] == "0.3")
    }

    @Test("A failed poll: m4_up 0, the error counted by kind, the last good numbers and their time kept")
    func failure() {
        var fleet = Harness()
        fleet.answer("alice", Answers.simpleUser(activeShown: true))
        fleet.fail("alice", .api(APIError(text: "Access Denied")))
        let alice = #"{server="prod",user="alice"}"#
        #expect(fleet.exposition["m4_up" + alice] == "0.0")
        #expect(fleet.exposition[#"m4_poll_errors_total{server="prod",user="alice",kind="api"}"#] == "1")
        #expect(fleet.exposition[#"m4_poll_errors_total{server="prod",user="alice",kind="transport"}"#] == "0")
        #expect(fleet.exposition["m4_today_price" + alice] == "0.3")
        #expect(fleet.exposition["m4_last_success_timestamp_seconds" + alice] == "\(Answers.t0.timeIntervalSince1970 + 1)")
        fleet.answer("alice", Answers.simpleUser(activeShown: true), at: 20)
        #expect(fleet.exposition["m4_up" + alice] == "1.0")
        #expect(fleet.exposition[#"m4_poll_errors_total{server="prod",user="alice",kind="api"}"#] == "1", "a counter never goes back")
    }

    @Test("A user that never answered has no last-success series (not 0, 'in 1970'), until its first success")
    func neverAnswered() {
        var fleet = Harness()
        fleet.fail("alice", .api(APIError(text: "Access Denied")), at: 1)
        let alice = #"{server="prod",user="alice"}"#
        #expect(fleet.exposition["m4_up" + alice] == "0.0")
        #expect(fleet.exposition[#"m4_poll_errors_total{server="prod",user="alice",kind="api"}"#] == "1")
        #expect(fleet.exposition["m4_last_success_timestamp_seconds" + alice] == nil)
        fleet.answer("alice", Answers.simpleUser(activeShown: true), at: 5)
        #expect(fleet.exposition["m4_last_success_timestamp_seconds" + alice] == "\(Answers.t0.timeIntervalSince1970 + 5)")
    }

    @Test("A server down takes every user's m4_up to 0 at once, not one poll at a time")
    func serverDown() {
        var fleet = Harness()
        fleet.answer("admin", Answers.seed)
        fleet.answer("alice", Answers.simpleUser(activeShown: true))
        fleet.fail("admin", .transport(.cannotConnect(host: "127.0.0.1", port: 1, reason: "connection refused")))
        #expect(fleet.exposition["m4_up" + Self.admin] == "0.0")
        #expect(fleet.exposition[#"m4_up{server="prod",user="alice"}"#] == "0.0")
        #expect(fleet.exposition[#"m4_poll_errors_total{server="prod",user="admin",kind="transport"}"#] == "1")
        #expect(fleet.exposition[#"m4_poll_errors_total{server="prod",user="alice",kind="transport"}"#] == "0", "alice was not asked")
    }

    @Test("A user gone from users_get (or blocked) disappears from /metrics; a new one appears when polled")
    func userListChanges() {
        var fleet = Harness(users: ["admin"], listsAllUsers: true)
        fleet.feed(.userListFetched(server: 0, result: .success(Answers.users(["alice", "bob"])), at: Answers.t0))
        #expect(fleet.exposition[#"m4_users_watched{server="prod"}"#] == "3.0")
        fleet.answer("alice", Answers.simpleUser(activeShown: false))
        fleet.answer("bob", Answers.simpleUser(activeShown: false))
        #expect(fleet.exposition[#"m4_balance{server="prod",user="bob"}"#] == "42.5")
        var blocked = M4User(id: "9", username: "alice")
        blocked.blocked = true
        fleet.feed(.userListFetched(server: 0, result: .success([blocked]), at: Answers.t0.addingTimeInterval(30)))
        let text = String(decoding: fleet.series.exposition(), as: UTF8.self)
        #expect(!text.contains(#"user="bob""#), "bob left the list")
        #expect(!text.contains(#"user="alice""#), "alice is blocked: not polled, so not published")
        #expect(fleet.exposition[#"m4_users_watched{server="prod"}"#] == "1.0")
        #expect(fleet.series.userCount == 0)
    }

    @Test("Headless, the state keeps each user's latest answer and nothing drawn from it")
    func headlessState() {
        var fleet = Harness()
        for second in 1...50 { fleet.answer("admin", Answers.admin(active: second), at: TimeInterval(second)) }
        let admin = fleet.state.userStates[UserKey(server: 0, name: "admin")]
        #expect(admin?.latest?.activeTotal == 50)
        #expect(admin?.lastSuccess == Answers.t0.addingTimeInterval(50))
        // Formatted rows belong to the screen's state, which a headless fleet does not have.
        #expect(admin?.history.count == 1 && admin?.history.chart.count == 1, "no hour of history: the latest answer only")
        #expect(fleet.exposition["m4_active_calls" + Self.admin] == "50.0")
    }

    @Test("Odd user names are escaped as label values, never break a line")
    func escaping() {
        var fleet = Harness(users: ["admin", "o\"brien\\x\nnew"])
        fleet.answer("o\"brien\\x\nnew", Answers.simpleUser(activeShown: false))
        let text = String(decoding: fleet.series.exposition(), as: UTF8.self)
        #expect(text.contains(#"m4_balance{server="prod",user="o\"brien\\x\nnew"} 42.5"#))
        #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("m4_") })
    }
}

@Suite("Exporter: the exposition in a stable order")
struct ExpositionOrderTests {
    @Test("Families by name, series by labels, HELP then TYPE, a histogram's _bucket/_sum/_count kept with it")
    func order() {
        let shuffled = """
        # HELP m4_up 1 when up.
        # TYPE m4_up gauge
        m4_up{server="prod",user="bob"} 1.0
        m4_up{server="prod",user="alice"} 0.0
        # TYPE lat histogram
        # HELP lat Latency.
        lat_bucket{le="1"} 2
        lat_sum 3.5
        lat_count 2
        # HELP m4_active_calls Calls now.
        # TYPE m4_active_calls gauge
        m4_active_calls{server="prod",user="bob"} 4.0

        """
        let sorted = String(decoding: ExpositionOrder.sorted(Array(shuffled.utf8)), as: UTF8.self)
        #expect(sorted == """
        # HELP lat Latency.
        # TYPE lat histogram
        lat_bucket{le="1"} 2
        lat_count 2
        lat_sum 3.5
        # HELP m4_active_calls Calls now.
        # TYPE m4_active_calls gauge
        m4_active_calls{server="prod",user="bob"} 4.0
        # HELP m4_up 1 when up.
        # TYPE m4_up gauge
        m4_up{server="prod",user="alice"} 0.0
        m4_up{server="prod",user="bob"} 1.0

        """)
    }

    @Test("Users spread over several registries (series made in linear time) still give one family each: HELP and TYPE once, every user's series, users gone gone")
    func shardsJoinIntoOneExposition() {
        let count = FleetSeries.shardSize * 3 + 5
        let users = ["admin"] + (1..<count).map { String(format: "user%04d", $0) }
        var fleet = FleetSeriesTests.Harness(users: users, listsAllUsers: true)
        for user in users { fleet.answer(user, Answers.seed) }
        let text = String(decoding: fleet.series.exposition(), as: UTF8.self)
        let lines = text.split(separator: "\n")
        let types = lines.filter { $0.hasPrefix("# TYPE ") }
        let helps = lines.filter { $0.hasPrefix("# HELP ") }
        #expect(types.count == Set(types).count && helps.count == Set(helps).count, "each family's comments once")
        #expect(lines.filter { $0.hasPrefix("m4_up{") }.count == count)
        // Every family's lines are together: its HELP, its TYPE, then its samples, in name order.
        var seen: [Substring] = []
        for line in lines {
            let name = line.hasPrefix("#") ? line.split(separator: " ")[2] : line.prefix { $0 != "{" && $0 != " " }
            if seen.last != name {
                #expect(!seen.contains(name), "\(name) split in two")
                seen.append(name)
            }
        }
        #expect(seen == seen.sorted())
        // The list shrinks to half: the other half's series go, whichever registry held them.
        let kept = Array(users.prefix(count / 2))
        fleet.feed(.userListFetched(server: 0, result: .success(kept.map { M4User(username: $0) }), at: Answers.t0.addingTimeInterval(5)))
        let after = Exposition(fleet.series.exposition())
        #expect(after.samples.keys.filter { $0.hasPrefix("m4_up{") }.count == kept.count)
        #expect(after[#"m4_up{server="prod",user="\#(users.last!)"}"#] == nil)
    }

    @Test("A fleet's /metrics lists its families in name order and its users in label order")
    func fleetIsSorted() {
        var fleet = FleetSeriesTests.Harness(users: ["zoe", "admin", "mia", "bob"])
        for user in ["zoe", "admin", "mia", "bob"] { fleet.answer(user, Answers.seed) }
        let lines = String(decoding: fleet.series.exposition(), as: UTF8.self).split(separator: "\n")
        let families = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(families.count > 10)
        #expect(families == families.sorted(), "\(families)")
        let ups = lines.filter { $0.hasPrefix("m4_up{") }
        #expect(ups.map { $0.contains("user=\"admin\"") } == [true, false, false, false], "\(ups)")
        #expect(ups == ups.sorted())
    }
}
