import Dashboard
import Watch
import Foundation
import M4API
import Screen
import Testing

/// What the overview does for ten thousand rows without changing what anyone sees: a user's
/// panels formatted only when it comes on screen, every row's state judged once a frame, each
/// row's sort key read once per sort.
@Suite("The overview at scale: lazy panels, one pass of row states, the sort's order")
struct OverviewAtScaleTests {
    typealias U = DashboardUpdate
    let t0 = Fixture.t0
    let utc = TimeZone(identifier: "UTC")!

    /// Two servers of `count` users each (prod: admin, user001…; lab the same), every user
    /// answered twice with numbers that tie now and then; some rows without numbers.
    func fleet(count: Int = 40) -> DashboardState {
        let names = ["admin"] + (1...count).map { String(format: "user%03d", $0) }
        var state = DashboardState(servers: [
            ServerSetup(name: "prod", displayURL: "https://prod.example/billing", adminName: "admin", users: names, timeZone: utc),
            ServerSetup(name: "lab", displayURL: "https://lab.example/billing", adminName: "admin", users: names, timeZone: utc),
        ], interval: 5, overviewInterval: 30, start: .overview, now: t0)
        state.width = 200
        state.height = 60
        for round in 0..<2 {
            for (index, key) in state.fleet.enumerated() {
                let at = t0.addingTimeInterval(Double(round) * 30 + Double(index) * 0.01)
                // Every 7th row has no answer at all, every 11th failed; the rest tie in groups.
                if index % 7 == 3 { continue }
                if index % 11 == 5 {
                    _ = U.update(&state, .fetched(key, result: .failure(.api(APIError(text: "Access Denied"))), at: at))
                    continue
                }
                let calls = (index % 5) * 10 + round * (index % 3)
                let answer = index % 2 == 0
                    ? Fixture.admin(calls: calls, revenue: "\(index % 4).5", profit: "\(index % 3 - 1)", active: index % 6, answered: index % 4)
                    : Fixture.simpleUser(calls: calls, activeShown: index % 4 == 1)
                _ = U.update(&state, .fetched(key, result: .success(answer), at: at))
            }
        }
        _ = U.update(&state, .tick(t0.addingTimeInterval(61)))
        return state
    }

    @Test("A user's panels made when it comes on screen equal those an answer made while it was on screen")
    func lateFormattingEqualsEarly() throws {
        let alice = UserKey(server: 0, name: "user001")
        var late = fleet()
        #expect(late.current != alice)
        #expect(late.formatted[alice] == nil, "off screen: only the overview's row is made")
        #expect(late.figures[alice] != nil)
        // The same answers with alice on screen as they arrived: formatted at once.
        var early = fleet()
        early.current = alice
        let user = try #require(early.userStates[alice])
        let answer = Fixture.admin(calls: 77, revenue: "9.25", profit: "2", active: 4, answered: 2)
        _ = U.update(&early, .fetched(alice, result: .success(answer), at: t0.addingTimeInterval(70)))
        _ = U.update(&late, .fetched(alice, result: .success(answer), at: t0.addingTimeInterval(70)))
        #expect(user.latest != early.userStates[alice]?.latest)
        let eager = try #require(early.formatted[alice])
        #expect(late.formatted[alice] == nil)
        // Opened from the overview: Enter on alice's row.
        late.overview.selection = alice
        _ = U.update(&late, .key(.enter))
        #expect(late.screen == .dashboard && late.current == alice)
        #expect(late.currentFormatted == eager)
        #expect(late.figures[alice] == early.figures[alice])
    }

    @Test("A row's numbers by column: each column has its own place")
    func columnValues() {
        var values = ColumnValues()
        for (index, column) in OverviewColumn.allCases.enumerated() { values[column] = Decimal(index) }
        for (index, column) in OverviewColumn.allCases.enumerated() { #expect(values[column] == Decimal(index)) }
        values[.revenue] = nil
        #expect(values[.revenue] == nil && values[.profit] == Decimal(8))
    }

    @Test("A user on screen is formatted again with each answer; one that leaves the screen keeps its rows until its next answer")
    func formattedFollowsAnswers() throws {
        var state = fleet()
        let bob = UserKey(server: 1, name: "user002")
        state.overview.selection = bob
        _ = U.update(&state, .key(.enter))
        #expect(state.current == bob)
        let shown = try #require(state.currentFormatted)
        let answer = Fixture.admin(calls: 500, revenue: "99", active: 9)
        _ = U.update(&state, .fetched(bob, result: .success(answer), at: t0.addingTimeInterval(80)))
        let user = try #require(state.userStates[bob])
        let newest = FormattedSnapshot.make(try #require(user.latest), diff: user.diff, trends: user.trends)
        #expect(state.currentFormatted == newest && newest != shown)
        // Another user on screen (u): bob's rows stay as they were until bob answers again.
        _ = U.update(&state, .key(.character("u")))
        #expect(state.current != bob && state.formatted[bob] == newest)
        _ = U.update(&state, .fetched(bob, result: .success(Fixture.admin(calls: 501)), at: t0.addingTimeInterval(90)))
        #expect(state.formatted[bob] == nil, "an older answer's rows are not kept for a user off screen")
        #expect(state.currentFormatted != nil)
    }

    @Test("Row states counted in one pass equal each row's own state; the trouble lines are the same")
    func rowStateCounts() {
        var state = fleet()
        // lab goes down (a transport failure), a prod row goes stale by the clock.
        _ = U.update(&state, .fetched(UserKey(server: 1, name: "user004"),
                                      result: .failure(.transport(.cannotConnect(host: "lab.example", port: 443, reason: "refused"))),
                                      at: t0.addingTimeInterval(62)))
        _ = U.update(&state, .tick(t0.addingTimeInterval(62 + 100)))
        var expected = Array(repeating: Array(repeating: 0, count: RowState.allCases.count), count: state.servers.count)
        for key in state.fleet { expected[key.server][RowState.allCases.firstIndex(of: state.rowState(key))!] += 1 }
        #expect(state.rowStateCounts() == expected)
        #expect(Set(state.fleet.map(state.rowState)).count >= 4, "several states among the rows")
        #expect(state.serverTroubles(counts: state.rowStateCounts()) == state.serverTroubles)
        #expect(!state.serverTroubles.isEmpty)
    }

    /// The overview's order as it was first written: each comparison reads both rows' numbers.
    func referenceLines(_ state: DashboardState) -> [OverviewLine] {
        var lines: [OverviewLine] = state.servers.count > 1 && state.overview.filter.isEmpty ? [.fleetTotal] : []
        let filter = state.overview.filter.lowercased()
        func matches(_ key: UserKey) -> Bool {
            guard !filter.isEmpty else { return true }
            let server = state.servers[key.server]
            if key.name.lowercased().contains(filter) || server.title.lowercased().contains(filter) { return true }
            return server.directory[key.name]?.fullName.lowercased().contains(filter) ?? false
        }
        func compare(_ a: UserKey, _ b: UserKey, _ column: OverviewColumn, _ descending: Bool) -> Bool {
            func optional<T: Comparable>(_ x: T?, _ y: T?) -> Bool {
                switch (x, y) {
                case (let x?, let y?): return descending ? x > y : x < y
                case (nil, .some): return false
                case (.some, nil): return true
                case (nil, nil): return false
                }
            }
            switch column {
            case .user: return descending ? a.name > b.name : a.name < b.name
            case .state:
                let (x, y) = (RowState.allCases.firstIndex(of: state.rowState(a))!, RowState.allCases.firstIndex(of: state.rowState(b))!)
                return descending ? x < y : x > y
            case .age: return optional(state.age(of: a), state.age(of: b))
            default: return optional(state.value(column, of: a), state.value(column, of: b))
            }
        }
        for index in state.servers.indices {
            let keys = state.servers[index].users.map { UserKey(server: index, name: $0) }.filter(matches)
            guard !keys.isEmpty || state.overview.filter.isEmpty else { continue }
            var others = keys.filter { !state.isAdmin($0) }
            if let column = state.overview.sort {
                let descending = state.overview.descending
                others = others.enumerated().sorted { left, right in
                    if compare(left.element, right.element, column, descending) { return true }
                    if compare(right.element, left.element, column, descending) { return false }
                    return left.offset < right.offset
                }.map(\.element)
            }
            lines.append(.server(index))
            lines += (keys.filter(state.isAdmin) + others).map(OverviewLine.user)
        }
        return lines
    }

    @Test("Every sort column, both ways, with ties and rows without numbers: the order is the one each comparison reading both rows gave")
    func sortOrder() throws {
        var state = fleet()
        _ = U.update(&state, .tick(t0.addingTimeInterval(200)))  // some rows stale
        let moment = try #require(BaselineMoment.moment(.lastWeek, at: t0, timeZone: utc))
        var baselines: [UserKey: UserBaseline] = [:]
        for (index, key) in state.fleet.enumerated() where index % 3 == 0 {
            baselines[key] = UserBaseline(lastWeek: BaselineValues(moment: moment, rowTime: moment.time, metrics: [.todayRevenue: Decimal(index % 4), .todayPrice: 1],
                                                                   activeRange: nil, endOfDay: nil))
        }
        _ = U.update(&state, .baselinesLoaded(baselines, for: Set(state.fleet)))
        for column in [nil] + OverviewColumn.allCases {
            for descending in [true, false] {
                state.overview.sort = column
                state.overview.descending = descending
                #expect(state.overviewLines == referenceLines(state), "\(String(describing: column)) \(descending)")
            }
        }
        state.fleetState.updateServer(0) { server in
            server.directory = ["user003": M4User(username: "user003", firstName: "ACME", lastName: "Corp"),
                                "user004": M4User(username: "user004", firstName: "Ärger", lastName: "GmbH"),
                                "user005": M4User(username: "user005", firstName: "Straße", lastName: "Ost")]
        }
        state.overview.sort = .revenue
        for filter in ["user01", "LAB", "nobody", "0", "acme", "ÄRGER", "gmbh", "STRASSE", "straße", "r0"] {
            state.overview.filter = filter
            #expect(state.overviewLines == referenceLines(state), "filter \(filter)")
        }
    }

    @Test("Page down, sort and filter keys move the cursor and the list as before (one sort per key)")
    func keysKeepTheSelectionVisible() {
        var state = fleet()
        state.height = 24
        _ = U.update(&state, .key(.character(">")))
        _ = U.update(&state, .key(.character(">")))
        for _ in 0..<5 { _ = U.update(&state, .key(.pageDown)) }
        let lines = state.overviewLines
        let selected = lines.firstIndex(of: .user(state.overview.selection!))!
        let rows = OverviewView.listRows(state)
        #expect(selected >= state.overview.top && selected < state.overview.top + rows)
        let top = state.overview.top
        _ = U.update(&state, .key(.character("i")))
        let after = state.overviewLines.firstIndex(of: .user(state.overview.selection!))!
        #expect(after >= state.overview.top && after < state.overview.top + rows)
        #expect(top > 0)
        for key in [Key.character("/"), .character("9")] { _ = U.update(&state, .key(key)) }
        #expect(state.overviewLines.contains(.user(state.overview.selection!)))
    }

}
