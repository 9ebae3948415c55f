import Dashboard
import Watch
import Foundation
import M4API
import Screen
import Testing

@Suite("Big digits")
struct BigTextTests {
    @Test("Every character at every scale: five font rows times the scale, equal widths, ink where the font has it",
          arguments: Array("0123456789-+%.,: ▲▼"), [1, 2, 3])
    func everyCharacter(character: Character, scale: Int) throws {
        let big = try #require(BigText.render(String(character), scaleX: scale * 2, scaleY: scale, ascii: false))
        #expect(big.height == 5 * scale)
        #expect(Set(big.rows.map(CharacterWidth.of)).count == 1)
        #expect(big.width == BigText.width(of: String(character), scaleX: scale * 2))
        let ink = big.rows.joined().filter { $0 == "█" }.count
        #expect((ink > 0) == (character != " "), "\(character)")
        let ascii = try #require(BigText.render(String(character), scaleX: scale, scaleY: scale, ascii: true))
        #expect(!ascii.rows.joined().contains("█") && (ascii.rows.joined().contains("#") || character == " "))
    }

    @Test("Negative numbers, separators and percent; glyphs one font column apart")
    func numbers() throws {
        let minusOne = try #require(BigText.render("-1", scaleX: 1, scaleY: 1, ascii: true))
        #expect(minusOne.rows == ["     # ", "    ## ", "###  # ", "     # ", "    ###"])
        let percent = try #require(BigText.render("5%", scaleX: 2, scaleY: 2, ascii: true))
        #expect(percent.height == 10 && percent.width == (3 + 1 + 3) * 2)
        let separators = try #require(BigText.render("1,234.5", scaleX: 1, scaleY: 1, ascii: true))
        #expect(separators.width == 3 + 1 + 1 + 1 + 3 + 1 + 3 + 1 + 3 + 1 + 1 + 1 + 3, "narrow comma and point")
        #expect(separators.rows[4].filter { $0 == "#" }.count > 0)
        #expect(BigText.render("12a", scaleX: 1, scaleY: 1, ascii: false) == nil, "letters are not in the font")
        #expect(BigText.render("0:05:45", scaleX: 1, scaleY: 1, ascii: false) != nil, "durations are")
    }

    @Test("Fitting: the tallest scale that fits, twice as wide when room allows, nil when nothing fits")
    func fitting() throws {
        let small = try #require(BigText.fitting("219.41", width: 36, height: 6, ascii: false))
        #expect(small.scaleY == 1)
        let large = try #require(BigText.fitting("219.41", width: 76, height: 15, ascii: false))
        #expect(large.scaleY == 3 && large.height == 15 && large.width <= 76)
        let wide = try #require(BigText.fitting("1", width: 100, height: 10, ascii: false))
        #expect(wide.scaleX == 2 * wide.scaleY)
        #expect(BigText.fitting("12,345,678.90", width: 20, height: 20, ascii: false) == nil)
        #expect(BigText.fitting("1", width: 10, height: 4, ascii: false) == nil)
    }
}

@Suite("Alerts: for windows, hysteresis, acknowledgement, users, built-ins")
struct AlertTests {
    typealias U = DashboardUpdate
    let t0 = Fixture.t0
    let admin = Fixture.key("admin")

    func input(margin: String = "10", active: Int = 3) -> MetricInput {
        MetricInput(stats: Fixture.admin(margin: margin, active: active))
    }

    @Test("A rule fires only after its for window, rings once, logs, and resolves with hysteresis")
    func forAndHysteresis() {
        var book = AlertBook(rules: [AlertRule(name: "thin margin", metric: .todayMargin, condition: .below(20), forSeconds: 60, severity: .warning)],
                             bell: true)
        do {
            let rang = book.observe(admin, input: input(margin: "15"), activeCallsDrop: nil, now: t0)
            #expect(!rang)
        }
        #expect(book.firing.isEmpty, "pending, not firing")
        do {
            let rang = book.observe(admin, input: input(margin: "12"), activeCallsDrop: nil, now: t0.addingTimeInterval(30))
            #expect(!rang)
        }
        do {
            let rang = book.tick(now: t0.addingTimeInterval(61), servers: [])
            #expect(rang, "fires between polls when the window runs out")
        }
        #expect(book.firing.count == 1 && book.firing[0].status.value == "12%")
        do {
            let rang = book.observe(admin, input: input(margin: "19"), activeCallsDrop: nil, now: t0.addingTimeInterval(90))
            #expect(!rang, "rings once")
        }
        // Hovering on the threshold: 20 is not clear of it (the band is at least one point).
        _ = book.observe(admin, input: input(margin: "20"), activeCallsDrop: nil, now: t0.addingTimeInterval(120))
        _ = book.observe(admin, input: input(margin: "20"), activeCallsDrop: nil, now: t0.addingTimeInterval(200))
        #expect(book.firing.count == 1, "no flapping at the threshold")
        _ = book.observe(admin, input: input(margin: "25"), activeCallsDrop: nil, now: t0.addingTimeInterval(210))
        #expect(book.firing.count == 1, "clear, but not yet for half the window")
        _ = book.observe(admin, input: input(margin: "25"), activeCallsDrop: nil, now: t0.addingTimeInterval(245))
        #expect(book.firing.isEmpty, "resolved")
        #expect(book.log.map(\.kind) == [.fired, .resolved])
        #expect(book.log.first?.subject == .user(admin))
    }

    @Test("A condition that stops holding before its window ends never fires")
    func interrupted() {
        var book = AlertBook(rules: [AlertRule(name: "x", metric: .activeCallsTotal, condition: .below(1), forSeconds: 30)])
        _ = book.observe(admin, input: input(active: 0), activeCallsDrop: nil, now: t0)
        _ = book.observe(admin, input: input(active: 2), activeCallsDrop: nil, now: t0.addingTimeInterval(20))
        _ = book.tick(now: t0.addingTimeInterval(40), servers: [])
        #expect(book.firing.isEmpty && book.log.isEmpty)
    }

    @Test("x acknowledges: logged, marked, no more reminders; a new firing rings again")
    func acknowledge() {
        var book = AlertBook(rules: [AlertRule(name: "none", metric: .activeCallsTotal, condition: .below(1))], bell: true)
        do {
            let rang = book.observe(admin, input: input(active: 0), activeCallsDrop: nil, now: t0)
            #expect(rang)
        }
        do {
            let rang = book.tick(now: t0.addingTimeInterval(AlertBook.reminderSeconds), servers: [])
            #expect(rang, "an ignored critical alert reminds")
        }
        book.acknowledgeAll(now: t0.addingTimeInterval(400))
        #expect(book.firing.first?.status.acknowledged == true)
        do {
            let rang = book.tick(now: t0.addingTimeInterval(2000), servers: [])
            #expect(!rang, "acknowledged: silent")
        }
        _ = book.observe(admin, input: input(active: 4), activeCallsDrop: nil, now: t0.addingTimeInterval(2001))
        #expect(book.firing.isEmpty)
        do {
            let rang = book.observe(admin, input: input(active: 0), activeCallsDrop: nil, now: t0.addingTimeInterval(2002))
            #expect(rang, "fires and rings anew")
        }
        #expect(book.log.map(\.kind) == [.fired, .acknowledged, .resolved, .fired])
    }

    @Test("users limits a rule; a metric the answer lacks is not judged")
    func usersFilter() {
        var book = AlertBook(rules: [AlertRule(name: "x", metric: .todayMargin, condition: .below(50), users: ["alice"])])
        _ = book.observe(admin, input: input(margin: "10"), activeCallsDrop: nil, now: t0)
        #expect(book.firing.isEmpty, "admin is not in the rule's users")
        _ = book.observe(Fixture.key("alice"), input: MetricInput(stats: Fixture.simpleUser()), activeCallsDrop: nil, now: t0)
        #expect(book.firing.isEmpty, "a simple user's answer has no margin")
    }

    @Test("Built-ins: calls falling to zero from five (through update), a silent server, selling at a loss")
    func builtIns() {
        var state = Fixture.state()
        state.alerts = AlertBook(bell: true)
        _ = U.update(&state, .fetched(admin, result: .success(Fixture.admin(active: 23)), at: t0))
        let effects = U.update(&state, .fetched(admin, result: .success(Fixture.admin(active: 0)), at: t0.addingTimeInterval(5)))
        #expect(effects.contains(.bell), "the bell rings once")
        #expect(state.alerts.firing.map(\.rule.name) == ["active calls fell to zero"])
        guard case .alert(let alert)? = state.statusMessage else {
            Issue.record("the status line shows the alert")
            return
        }
        #expect(alert.status.value == "0 (from 23)")
        _ = U.update(&state, .fetched(admin, result: .success(Fixture.admin(active: 2)), at: t0.addingTimeInterval(10)))
        #expect(state.alerts.firing.isEmpty, "calls back: resolved")

        _ = U.update(&state, .fetched(admin, result: .failure(.transport(.connectionClosed)), at: t0.addingTimeInterval(20)))
        #expect(!U.update(&state, .tick(t0.addingTimeInterval(30))).contains(.bell), "10 s: not yet three intervals")
        #expect(U.update(&state, .tick(t0.addingTimeInterval(36))).contains(.bell), "16 s without an answer: fired")
        #expect(state.alerts.worst(for: .server(0))?.rule.name == "server not answering")
        _ = U.update(&state, .fetched(admin, result: .success(Fixture.admin(margin: "-3", active: 2)), at: t0.addingTimeInterval(40)))
        _ = U.update(&state, .tick(t0.addingTimeInterval(41)))
        #expect(state.alerts.worst(for: .server(0)) == nil, "answering again: resolved")
        _ = U.update(&state, .tick(t0.addingTimeInterval(40 + 301)))
        #expect(state.alerts.worst(for: .user(admin))?.rule.name == "selling at a loss")
        #expect(state.alerts.worst(for: .user(admin))?.rule.severity == .warning)
    }

    @Test("a opens the log, x acknowledges from anywhere; the log and help list what fired and the rules")
    func keys() {
        var state = Fixture.state()
        state.alerts = AlertBook(rules: [AlertRule(name: "none", metric: .activeCallsTotal, condition: .below(1))])
        _ = U.update(&state, .fetched(admin, result: .success(Fixture.admin(active: 0)), at: t0))
        _ = U.update(&state, .key(.character("a")))
        #expect(state.overlay == .alertLog(scroll: 0))
        var text = DashboardView(glyphs: .unicode, timeZone: TimeZone(identifier: "UTC")!).render(state).text
        #expect(text.contains("Alerts (1 firing)") && text.contains("CRIT none") && text.contains("FIRED CRIT none"))
        _ = U.update(&state, .key(.character("x")))
        #expect(state.alerts.firing.first?.status.acknowledged == true)
        _ = U.update(&state, .key(.escape))
        _ = U.update(&state, .key(.character("?")))
        text = DashboardView(glyphs: .unicode, timeZone: TimeZone(identifier: "UTC")!).render(state).text
        #expect(text.contains("acknowledge firing alerts"), "help lists the new keys")
        state.height = 60
        text = DashboardView(glyphs: .unicode, timeZone: TimeZone(identifier: "UTC")!).render(state).text
        #expect(text.contains("none: active_calls.total below 1"), "and the rules")
    }
}

@Suite("The wall: tiles, sizes, rotation, chart range")
struct WallTests {
    typealias U = DashboardUpdate
    let t0 = Fixture.t0

    func wall(width: Int, height: Int) -> DashboardState {
        var state = Fixture.state()
        state.width = width
        state.height = height
        _ = U.update(&state, .key(.character("w")))
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(revenue: "219.41", active: 17)), at: t0))
        return state
    }

    func digitRows(_ text: String) -> Int {
        text.split(separator: "\n").filter { $0.contains("██") }.count
    }

    @Test("Tile layout at 80x24, 160x45 and 260x80: a 2x2 grid of the admin's four metrics, digits growing")
    func sizes() {
        var heights: [Int] = []
        for (width, height) in [(80, 24), (160, 45), (260, 80)] {
            let state = wall(width: width, height: height)
            let text = WallView(glyphs: .unicode, timeZone: .current).render(state).text
            for label in ["Active calls", "Today's revenue", "Today's profit", "Today's margin"] {
                #expect(text.contains(label), "\(label) at \(width)x\(height)")
            }
            let grid = WallView.grid(count: 4, in: Rect(x: 0, y: 1, width: width, height: height - 3))
            #expect(Set(grid.map(\.y)).count == 2 && Set(grid.map(\.x)).count == 2, "2x2 at \(width)x\(height)")
            heights.append(digitRows(text))
            if height >= 45 { #expect(text.contains("Active calls, last 1h"), "the chart below the tiles") }
        }
        #expect(heights[1] >= 2 * heights[0] && heights[2] > heights[1], "\(heights)")
    }

    @Test("Too small for big digits: plain numbers, never garbage; a simple user gets price and balance")
    func fallbackAndSimpleUser() {
        var state = wall(width: 44, height: 12)
        var text = WallView(glyphs: .ascii, timeZone: .current).render(state).text
        #expect(text.contains("219.41") || text.contains("#"), "a number either way")
        state = Fixture.state()
        state.width = 100
        state.height = 30
        _ = U.update(&state, .key(.tab))
        _ = U.update(&state, .key(.character("w")))
        _ = U.update(&state, .fetched(Fixture.key("alice"), result: .success(Fixture.simpleUser()), at: t0))
        text = WallView(glyphs: .unicode, timeZone: .current).render(state).text
        #expect(state.wallTiles == DashboardState.userWall)
        #expect(text.contains("Today's price") && text.contains("Balance"))
    }

    @Test("Rotation goes through the users every period; R pauses and resumes; the header says when")
    func rotation() {
        var state = Fixture.state(users: ["admin", "alice", "bob"])
        state.rotation = Rotation(period: 10)
        _ = U.update(&state, .key(.character("w")))
        _ = U.update(&state, .tick(t0.addingTimeInterval(1)))
        #expect(state.currentUser == "admin")
        _ = U.update(&state, .tick(t0.addingTimeInterval(10)))
        #expect(state.currentUser == "alice")
        #expect(WallView(glyphs: .unicode, timeZone: .current).render(state).text.contains("next user in 10s"))
        _ = U.update(&state, .key(.character("R")))
        _ = U.update(&state, .tick(t0.addingTimeInterval(40)))
        #expect(state.currentUser == "alice", "paused")
        #expect(WallView(glyphs: .unicode, timeZone: .current).render(state).text.contains("rotation paused (R)"))
        _ = U.update(&state, .key(.character("R")))
        _ = U.update(&state, .tick(t0.addingTimeInterval(50)))
        #expect(state.currentUser == "bob")
        _ = U.update(&state, .tick(t0.addingTimeInterval(60)))
        #expect(state.currentUser == "admin", "round and round")
        _ = U.update(&state, .key(.character("o")))
        _ = U.update(&state, .tick(t0.addingTimeInterval(90)))
        #expect(state.currentUser == "admin", "the overview does not rotate")
    }

    @Test("[ and ] step the chart range: 15m 1h 6h 24h 7d")
    func chartRange() {
        var state = wall(width: 160, height: 45)
        _ = U.update(&state, .key(.character("[")))
        #expect(state.chartWindow == 900)
        _ = U.update(&state, .key(.character("[")))
        #expect(state.chartWindow == 900)
        for _ in 0..<6 { _ = U.update(&state, .key(.character("]"))) }
        #expect(state.chartWindow == 604_800)
        let text = WallView(glyphs: .unicode, timeZone: .current).render(state).text
        #expect(text.contains("last 7d (1h kept in memory)"))
    }

    @Test("A range longer than memory is asked of the store once, and its samples go before this run's")
    func longRangeFromStore() {
        var state = wall(width: 160, height: 45)
        let effects = U.update(&state, .key(.character("]")))
        #expect(effects == [.loadChart(Fixture.key("admin"), window: 21_600)])
        #expect(U.update(&state, .tick(t0.addingTimeInterval(1))).isEmpty, "not asked again while the read runs")
        let old = (0..<60).map { ChartSample(time: t0.timeIntervalSince1970 - 3_600 * 5 + Double($0) * 60, level: Double($0 % 9)) }
        _ = U.update(&state, .chartLoaded(Fixture.key("admin"), window: 21_600, samples: old, at: t0.addingTimeInterval(2)))
        #expect(state.chartSamples.count == 61, "the store's 60, then this run's one")
        #expect(WallView(glyphs: .unicode, timeZone: .current).render(state).text.contains("last 6h (from the history store)"))
        #expect(U.update(&state, .tick(t0.addingTimeInterval(70))) == [.loadChart(Fixture.key("admin"), window: 21_600)], "refreshed each minute")
    }
}
