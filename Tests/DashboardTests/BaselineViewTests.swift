import DequeModule
import Dashboard
import Foundation
import M4API
import Screen
import Testing
import Watch

@Suite("Baselines on screen: the Today panel's vs-last-week column and its detail line")
struct BaselineViewTests {
    typealias U = DashboardUpdate
    let utc = TimeZone(identifier: "UTC")!

    func render(_ state: DashboardState) -> String {
        Screens.kind(state.screen).init(glyphs: .unicode, timeZone: utc).render(state).text
    }

    /// Today: 176 calls, revenue 44.00. Last week at this time: 200 calls, revenue 40.00; by
    /// its midnight 500 calls and 100.00.
    func state(width: Int, height: Int, lastWeek: Bool = true) -> DashboardState {
        var state = Fixture.state()
        state.width = width
        state.height = height
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 176, revenue: "44.00")), at: Fixture.t0))
        let moment = BaselineMoment.moment(.lastWeek, at: Fixture.t0, timeZone: utc)!
        let values = BaselineValues(moment: moment, rowTime: moment.time, metrics: [.todayCalls: 200, .todayRevenue: 40, .todayMargin: 50],
                                    activeRange: 2...5, endOfDay: [.todayCalls: 500, .todayRevenue: 100])
        _ = U.update(&state, .baselinesLoaded(lastWeek ? [Fixture.key("admin"): UserBaseline(lastWeek: values)] : [:], for: [Fixture.key("admin")]))
        return state
    }

    func line(_ screen: String, containing label: String) -> Substring? {
        screen.split(separator: "\n").first { $0.contains(label) }
    }

    @Test("100x30: calls -12%, revenue +10%, the moment compared with and the forecast")
    func wide() throws {
        let screen = render(state(width: 100, height: 30))
        let calls = try #require(line(screen, containing: "Calls"))
        #expect(calls.contains("-12%"), "\(calls)")
        let revenue = try #require(line(screen, containing: "Revenue"))
        #expect(revenue.contains("+10%"), "\(revenue)")
        let border = try #require(screen.split(separator: "\n").first { $0.hasPrefix("└") }.map(String.init))
        #expect(border.contains("vs Wed 11 Nov 11:06"), "\(border)")
        #expect(border.contains("midnight ≈ 440 calls"), "176 × 500 / 200: \(border)")
        let wider = try #require(render(state(width: 200, height: 50)).split(separator: "\n").first { $0.hasPrefix("└") })
        #expect(wider.contains("midnight ≈ 440 calls, 110.00 revenue"), "and 44 × 100 / 40 where there is room: \(wider)")
        let margin = try #require(line(screen, containing: "Margin"))
        #expect(margin.prefix(50).filter { $0 == "%" }.count == 1, "the margin's own 54%, no percent of a percent: \(margin)")
    }

    @Test("The column's colour says what the change means: fewer calls is bad news, within 5 % is muted")
    func roles() throws {
        let state = state(width: 100, height: 30)
        let canvas = Screens.kind(state.screen).init(glyphs: .unicode, timeZone: utc).render(state)
        let lines = canvas.text.split(separator: "\n", omittingEmptySubsequences: false)
        let y = try #require(lines.firstIndex { $0.contains("Calls") && $0.contains("-12%") })
        let x = try #require(lines[y].range(of: "-12%")).lowerBound.utf16Offset(in: lines[y])
        #expect(canvas[x, y].role == .bad)
    }

    @Test("No baseline stored: no column, no detail, nothing made up")
    func absent() {
        let screen = render(state(width: 100, height: 30, lastWeek: false))
        #expect(!screen.contains("%") || !screen.split(separator: "\n").contains { $0.contains("Calls") && $0.contains("%") })
        #expect(!screen.contains("vs "))
        #expect(!screen.contains("midnight"))
    }

    @Test("The wall: each tile's bottom border says how it compares, active calls with last week's range at that minute")
    func wall() throws {
        var state = state(width: 160, height: 45)
        _ = U.update(&state, .key(.character("w")))
        let screen = render(state)
        #expect(screen.contains("-12% vs Wed 11 Nov 11:06") || screen.contains("+10% vs Wed 11 Nov 11:06"), "\(screen)")
        #expect(screen.contains("2\u{2013}5 on Wed 11 Nov 11:06"), "active calls: last week's range at that minute")
        #expect(screen.components(separatedBy: "vs Wed 11 Nov").count - 1 == 1, "revenue only: the margin tile gives no percent of a percent (\(screen))")
    }
}

@Suite("Charts: last week's curve behind this week's bars")
struct LastWeekChartTests {
    @Test("Where this week is lower, last week's level shows as a line; where it is higher, the bars cover it; one scale for both")
    func behind() throws {
        // Ten columns of an hour each: this week 2 calls, then 8 in the last two hours; last week 8 throughout.
        let end = 1_796_083_200.0
        let now: [ChartSample] = (0..<10).map { ChartSample(time: end - Double(9 - $0) * 3600, level: $0 >= 8 ? 8 : 2) }
        let lastWeek: [ChartSample] = (0..<10).map { ChartSample(time: end - Double(9 - $0) * 3600, level: 8) }
        var canvas = Canvas(width: 18, height: 4)
        Sparkline.draw(Deque(now), window: 36_000, in: Rect(x: 0, y: 0, width: 18, height: 4), on: &canvas, scaleWidth: 8, .unicode,
                       behind: Deque(lastWeek))
        let rows = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        #expect(String(rows[0]).hasPrefix("8"), "one scale: the top is 8")
        // Columns 8...15 (this week low): last week's line on the top row, this week's bar at the bottom.
        #expect(rows[0][8] == "─" && rows[0][15] == "─", "\(canvas.text)")
        #expect(rows[3][8] != " ", "this week's low bar")
        // The last two columns: this week's full bars cover last week's line.
        #expect(rows[0][16] == "█" && rows[0][17] == "█", "\(canvas.text)")
        #expect(canvas[8, 0].role == .muted)
        // Without last week: no line at all.
        var plain = Canvas(width: 18, height: 4)
        Sparkline.draw(Deque(now), window: 36_000, in: Rect(x: 0, y: 0, width: 18, height: 4), on: &plain, scaleWidth: 8, .unicode)
        #expect(!plain.text.contains("─"))
    }
}
