import Dashboard
import Watch
import Foundation
import M4API
import Screen
import Testing

@Suite("The overview: grouping, totals, states, sorting, filtering, columns, keys, user lists")
struct OverviewTests {
    typealias U = DashboardUpdate
    let t0 = Fixture.t0
    let utc = TimeZone(identifier: "UTC")!
    let prodAdmin = UserKey(server: 0, name: "admin")
    let alice = UserKey(server: 0, name: "alice")
    let bob = UserKey(server: 0, name: "bob")
    let labAdmin = UserKey(server: 1, name: "admin")
    let dave = UserKey(server: 1, name: "dave")

    /// Two servers: prod (admin, alice, bob: denied) and lab (admin, dave: not asked yet).
    func fleet(width: Int = 80, height: Int = 24) -> DashboardState {
        var state = DashboardState(servers: [
            ServerSetup(name: "prod", displayURL: "https://prod.example/billing", adminName: "admin", users: ["admin", "alice", "bob"], timeZone: utc),
            ServerSetup(name: "lab", displayURL: "https://lab.example/billing", adminName: "admin", users: ["admin", "dave"], timeZone: utc),
        ], interval: 5, overviewInterval: 30, start: .overview, now: t0)
        state.width = width
        state.height = height
        let answers: [(UserKey, Result<QuickStats, FetchError>)] = [
            (prodAdmin, .success(Fixture.admin(calls: 100, revenue: "50", profit: "20", margin: "40", active: 10, answered: 8))),
            (alice, .success(Fixture.simpleUser(calls: 7, activeShown: true))),
            (bob, .failure(.api(APIError(text: "Access Denied")))),
            (labAdmin, .success(Fixture.admin(calls: 10, revenue: "5", profit: "-1", margin: "-20", active: 2))),
        ]
        for (key, result) in answers {
            _ = U.update(&state, .fetched(key, result: result, at: t0.addingTimeInterval(1)))
        }
        _ = U.update(&state, .fetched(prodAdmin, result: .success(Fixture.admin(calls: 103, revenue: "51.5", profit: "20.6", margin: "40", active: 13, answered: 9)),
                                      at: t0.addingTimeInterval(31)))
        _ = U.update(&state, .tick(t0.addingTimeInterval(32)))
        return state
    }

    func text(_ state: DashboardState) -> String {
        OverviewView(glyphs: .unicode, timeZone: utc).render(state).text
    }

    @Test("Grouped by server, admin first; the fleet total adds admin rows only and recomputes margin")
    func groupingAndTotals() {
        let state = fleet()
        #expect(state.overviewLines == [.fleetTotal, .server(0), .user(prodAdmin), .user(alice), .user(bob), .server(1), .user(labAdmin), .user(dave)])
        #expect(state.fleetTotal(.active) == 15, "13 + 2: alice's calls are inside prod's 13")
        #expect(state.fleetTotal(.revenue) == Decimal(string: "56.5"))
        #expect(state.fleetTotal(.profit) == Decimal(string: "19.6"))
        #expect(state.fleetTotal(.margin) == Decimal(string: "19.6")! / Decimal(string: "56.5")! * 100)
        #expect(state.fleetTotal(.activeDelta) == 3)
        #expect(state.fleetTotal(.balance) == nil, "balances of admins are not a fleet figure")
    }

    @Test("Each row says in a word how far to trust it")
    func rowStates() {
        var state = fleet()
        #expect(state.rowState(prodAdmin) == .live)
        #expect(state.rowState(bob) == .denied)
        #expect(state.rowState(dave) == .wait)
        _ = U.update(&state, .fetched(dave, result: .failure(.transport(.cannotConnect(host: "lab.example", port: 443, reason: "connection refused"))),
                                      at: t0.addingTimeInterval(33)))
        #expect(state.rowState(labAdmin) == .down && state.rowState(dave) == .down, "a transport failure marks the whole server")
        #expect(state.rowState(prodAdmin) == .live, "the other server is not touched")
        _ = U.update(&state, .tick(t0.addingTimeInterval(400)))
        #expect(state.rowState(prodAdmin) == .stale, "no answer for three rounds")
        let screen = text(state)
        #expect(screen.contains("2 down") && screen.contains("1 denied"))
        state.width = 140
        #expect(text(state).contains("DOWN: cannot connect to lab.example:443: connection refused"), "\(text(state))")
    }

    @Test("< > choose the sort column, i inverts; rows without a number go last; the admin stays first")
    func sorting() {
        var state = fleet()
        _ = U.update(&state, .key(.character(">")))
        #expect(state.overview.sort == .user && !state.overview.descending)
        #expect(state.overviewLines.compactMap(\.userKey).filter { $0.server == 0 } == [prodAdmin, alice, bob])
        _ = U.update(&state, .key(.character("i")))
        #expect(state.overviewLines.compactMap(\.userKey).filter { $0.server == 0 } == [prodAdmin, bob, alice])
        for _ in 0..<5 { _ = U.update(&state, .key(.character(">"))) }
        #expect(state.overview.sort == .calls && state.overview.descending)
        #expect(state.overviewLines.compactMap(\.userKey).filter { $0.server == 0 } == [prodAdmin, alice, bob], "bob has no numbers: last")
        _ = U.update(&state, .key(.character("i")))
        #expect(state.overviewLines.compactMap(\.userKey).filter { $0.server == 0 } == [prodAdmin, alice, bob], "still last when inverted")
        _ = U.update(&state, .key(.character("<")))
        #expect(state.overview.sort == .activeDelta)
        for _ in 0..<12 { _ = U.update(&state, .key(.character(">"))) }
        #expect(state.overview.sort == .activeDelta, "the cycle has every column and server order")
        #expect(text(state).contains("Δ▼"))
    }

    @Test("/ filters by user, full name or server name; Backspace edits; Esc clears")
    func filtering() {
        var state = fleet()
        for key in [Key.character("/"), .character("a"), .character("l"), .character("x"), .backspace, .character("i"), .enter] {
            _ = U.update(&state, .key(key))
        }
        #expect(state.overview.filter == "ali" && !state.overview.editingFilter)
        #expect(state.overviewLines == [.server(0), .user(alice)])
        #expect(state.overview.selection == alice, "the cursor moves onto a shown row")
        _ = U.update(&state, .key(.escape))
        #expect(state.overview.filter.isEmpty)
        for key in [Key.character("/"), .character("L"), .character("A"), .character("B")] { _ = U.update(&state, .key(key)) }
        #expect(state.overviewLines == [.server(1), .user(labAdmin), .user(dave)], "a server's name shows all its users; case does not matter")
        #expect(text(state).contains("filter: LAB_"))
        _ = U.update(&state, .key(.character("q")))
        #expect(state.overview.filter == "LABq", "q is text while typing a filter, not quit")
        _ = U.update(&state, .key(.escape))
        for key in [Key.character("/"), .character("z"), .enter] { _ = U.update(&state, .key(key)) }
        #expect(text(state).contains("no user matches"))
    }

    @Test("Columns that do not fit are dropped by priority; 80x24 keeps who, state, age, active calls and money")
    func columns() {
        #expect(OverviewColumn.fitting(200, baselines: true) == OverviewColumn.allCases)
        #expect(!OverviewColumn.fitting(200).contains(.vsLastWeek), "no baseline, no VS 7D column")
        let narrow = OverviewColumn.fitting(80)
        #expect(narrow == [.user, .state, .age, .active, .activeDelta, .calls, .revenue, .margin])
        #expect(OverviewColumn.fitting(41) == [.user, .state, .active, .revenue])
        #expect(OverviewColumn.fitting(40) == [.user, .state, .active])
        #expect(OverviewColumn.fitting(100).contains(.balance) && !OverviewColumn.fitting(100).contains(.callsPerMinute))
    }

    @Test("Up/Down/PgDn/Home/End move; Enter opens that user's dashboard and polls it first; o returns")
    func navigation() {
        var state = fleet(height: 12)
        #expect(state.overview.selection == prodAdmin)
        _ = U.update(&state, .key(.down))
        _ = U.update(&state, .key(.down))
        #expect(state.overview.selection == bob)
        _ = U.update(&state, .key(.end))
        #expect(state.overview.selection == dave)
        #expect(state.overview.top > 0, "scrolled so that the last row shows")
        _ = U.update(&state, .key(.home))
        #expect(state.overview.selection == prodAdmin && state.overview.top == 0)
        _ = U.update(&state, .key(.pageDown))
        #expect(state.overview.selection == dave)
        _ = U.update(&state, .key(.up))
        _ = U.update(&state, .key(.up))
        #expect(state.overview.selection == bob)
        _ = U.update(&state, .key(.up))
        let effects = U.update(&state, .key(.enter))
        #expect(state.screen == .dashboard && state.current == alice)
        #expect(state.scheduler.focus == alice)
        #expect(effects.contains(.fetch(alice)) || state.scheduler.isInFlight(alice), "31 s old: asked for at once (or already being asked)")
        _ = U.update(&state, .key(.character("o")))
        #expect(state.screen == .overview && state.overview.selection == alice && state.scheduler.focus == nil)
        _ = U.update(&state, .key(.character("u")))
        #expect(state.current == bob && state.overview.selection == bob && state.screen == .overview, "u moves the cursor over the fleet")
        _ = U.update(&state, .key(.character("5")))
        #expect(state.current == dave, "1-9 count across servers")
    }

    @Test("users_get: the list replaces the watched users (admin first, hidden left out, blocked kept and not polled)")
    func userListReplaces() {
        var state = DashboardState(servers: [ServerSetup(name: "prod", displayURL: "https://p/billing", adminName: "admin",
                                                         users: ["admin", "old"], listsAllUsers: true, timeZone: utc)],
                                   interval: 5, start: .overview, now: t0)
        #expect(state.servers[0].userList == .waiting)
        var pending = U.update(&state, .pollDue(t0))
        #expect(pending.first == .fetchUserList(server: 0), "the list first")
        pending.removeFirst()
        let list = [M4User(username: "admin", userType: "admin"), M4User(username: "zed", balance: 5),
                    M4User(username: "blk", balance: -2, blocked: true), M4User(username: "ghost", hidden: true)]
        pending += U.update(&state, .userListFetched(server: 0, result: .success(list), at: t0.addingTimeInterval(1)))
        #expect(state.servers[0].users == ["admin", "zed", "blk"])
        #expect(state.servers[0].userList == .listed(count: 2, hiddenLeftOut: 1, at: t0.addingTimeInterval(1)))
        #expect(state.userStates[UserKey(server: 0, name: "old")] == nil, "gone from the server: forgotten")
        #expect(state.rowState(UserKey(server: 0, name: "blk")) == .blocked)
        #expect(state.value(.balance, of: UserKey(server: 0, name: "blk")) == -2, "the balance comes from users_get")
        var polled: Set<String> = []
        for second in 2..<120 {
            pending += U.update(&state, .pollDue(t0.addingTimeInterval(Double(second))))
            while case .fetch(let key)? = pending.first {
                pending.removeFirst()
                polled.insert(key.name)
                pending += U.update(&state, .fetched(key, result: .success(Fixture.simpleUser()), at: t0.addingTimeInterval(Double(second) + 0.1)))
            }
        }
        #expect(polled == ["admin", "zed"], "blocked users are listed, not polled")
        #expect(text(state).contains("1 hidden left out"))
    }

    @Test("A server that refuses users_get says so and keeps the configured users")
    func userListRefused() {
        var state = DashboardState(servers: [ServerSetup(name: "prod", displayURL: "https://p/billing", adminName: "admin",
                                                         users: ["admin", "alice"], listsAllUsers: true, timeZone: utc)],
                                   interval: 5, start: .overview, now: t0)
        state.width = 120
        _ = U.update(&state, .userListFetched(server: 0, result: .failure(.api(APIError(text: "You are not authorized to view this page"))),
                                              at: t0.addingTimeInterval(1)))
        #expect(state.servers[0].users == ["admin", "alice"])
        #expect(state.servers[0].userList == .refused("You are not authorized to view this page"))
        #expect(state.scheduler.serverFailures(0) == 0, "a refusal is not an outage")
        #expect(text(state).contains("users_get refused: You are not authorized"))
    }

    @Test("Users off screen keep a thin history: one point per overview interval")
    func thinHistory() {
        var state = Fixture.state(interval: 1)
        for second in 0..<600 {
            let time = t0.addingTimeInterval(Double(second))
            _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: second, active: second % 7)), at: time))
        }
        #expect(state.currentState.history.count == 600)
        _ = U.update(&state, .key(.character("o")))
        let thin = state.userStates[Fixture.key("admin")]!.history
        #expect(thin.count <= 21 && thin.count >= 19, "600 s at one point per 30 s: \(thin.count)")
        #expect(thin.chart.count == thin.count)
    }

    static let golden80x24 = """
     m4top · overview · 5 users on 2 servers                               1 denied
     server order  ·  every 30s per user
     USER                   STATE       AGE ACTIVE    Δ   CALLS     REVENUE  MARGIN
     ✖ prod  1 denied · 3 users
     Σ fleet                live        31s     15   ▲3     113       56.50   34.7%
     prod https://prod.example/billing · 3 users
    >Σ admin                live         1s     13   ▲3     103       51.50     40%
     alice                  live        31s      1            7        0.30
     bob                    denied
     lab https://lab.example/billing · 2 users
     Σ admin                live        31s      2           10        5.00    -20%
     dave                   wait
    """

    @Test("VS 7D: today's revenue against the same time last week, by row, sortable; only once the store gave a baseline")
    func versusLastWeek() throws {
        var state = fleet(width: 100, height: 24)
        #expect(!text(state).contains("VS 7D"), "no baseline yet: no column")
        let moment = try #require(BaselineMoment.moment(.lastWeek, at: t0, timeZone: utc))
        func baseline(_ revenue: Decimal) -> UserBaseline {
            UserBaseline(lastWeek: BaselineValues(moment: moment, rowTime: moment.time, metrics: [.todayRevenue: revenue, .todayPrice: revenue],
                                                  activeRange: nil, endOfDay: nil))
        }
        _ = U.update(&state, .baselinesLoaded([prodAdmin: baseline(103), labAdmin: baseline(4)], for: [prodAdmin, labAdmin, alice]))
        let screen = text(state)
        let lines = screen.split(separator: "\n")
        #expect(lines[2].contains("VS 7D"), "\(lines[2])")
        #expect(lines.first { $0.contains("Σ admin") && $0.contains("51.50") }?.contains("-50%") == true, "51.50 against 103: \(screen)")
        #expect(lines.first { $0.contains("Σ admin") && $0.contains("5.00") }?.contains("+25%") == true, "5 against 4: \(screen)")
        #expect(state.value(.vsLastWeek, of: alice) == nil, "no baseline for alice: blank, not 0")
        // Sorting by it puts the biggest rise first within each server.
        state.overview.sort = .vsLastWeek
        #expect(state.value(.vsLastWeek, of: labAdmin) == 25)
    }

    @Test("Golden 80x24 overview")
    func golden() {
        let screen = text(fleet())
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        let expected = Self.golden80x24.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(expected.count)) == expected, "\n\(screen)")
        #expect(lines.count == 24 && lines[23].contains("Enter open") && lines[23].contains("q quit"))
    }

    @Test("Wide (200x60): every column, the user column wider, the footer and status in place")
    func wide() {
        let screen = text(fleet(width: 200, height: 60))
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 60)
        for title in OverviewColumn.allCases.filter({ $0 != .vsLastWeek }).map(\.title) { #expect(lines[2].contains(title), "\(title)") }
        #expect(lines[7].contains("42.50"), "alice's balance shows at 200 columns (below the pinned trouble line)")
        #expect(lines[59].contains("q quit"))
    }
}
