import Dashboard
import Watch
import Foundation
import M4API
import Screen
import Testing

@Suite("The view, drawn into the canvas and read back as text")
struct ViewTests {
    let utc = TimeZone(identifier: "UTC")!
    typealias U = DashboardUpdate

    /// Admin with two polls: the seed's sample, then some traffic.
    func twoPolls(width: Int = 80, height: Int = 24) -> DashboardState {
        var state = Fixture.state()
        state.width = width
        state.height = height
        _ = U.update(&state, .pollDue(Fixture.t0))
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin()), at: Fixture.t0))
        let later = Fixture.admin(calls: 6, duration: 465, revenue: "1.9475", cost: "0.9725", profit: "0.975", margin: "50",
                                  monthCalls: 21, monthDuration: 2302, active: 3, answered: 2)
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(later), at: Fixture.t0.addingTimeInterval(5)))
        _ = U.update(&state, .tick(Fixture.t0.addingTimeInterval(6)))
        return state
    }

    static let golden80x24 = """
     m4top · admin (admin) 1/2 · http://127.0.0.1:8080/billing               ● live
     updated 11:06:45 (1s ago)  ·  next poll in 4s  ·  every 5s
    ┌─ Today ──────────────────────────────┐┌─ Month ──────────────────────────────┐
    │ Calls                 6         +2 ▲ ││ Calls                21         +2 ▲ │
    │ Duration        0:07:45   +0:02:00 ▲ ││ Duration        0:38:22   +0:02:00 ▲ │
    │ Revenue            1.95      +0.50 ▲ ││ Revenue            6.04              │
    │ Self cost          0.97      +0.30 ▲ ││ Self cost          3.73              │
    │ Profit             0.98      +0.20 ▲ ││ Profit             2.31              │
    │ Margin              50%        -4% ▼ ││ Margin              38%              │
    │ ACD             0:01:18              ││ ACD             0:01:50              │
    │ Calls/min          24.0              ││                                      │
    │ Revenue/h        360.00              ││                                      │
    └──────────────────────────────────────┘└──────────────────────────────────────┘
    ┌─ Active calls ───────────────────────────────────────────────────────────────┐
    │ Total 3 +3 ▲   Answered 2   Ringing 1                                        │
    │ 3                                                                          █ │
    │                                                                            █ │
    │                                                                            █ │
    │                                                                            █ │
    │                                                                            █ │
    │ 0                                                                          █ │
    └──────────────────────────────────────────────────────────────────────────────┘

     r refresh  u user  o overview  w wall  p pause  +/- interval  ? help  q quit
    """

    @Test("80x24: header, both periods with deltas, derived figures, active calls, footer")
    func golden80() {
        let canvas = DashboardView(glyphs: .unicode, timeZone: utc).render(twoPolls())
        if canvas.text != Self.golden80x24 { print(canvas.text) }
        #expect(canvas.text == Self.golden80x24)
    }

    @Test("Colour follows meaning: more revenue is good, more cost is bad; arrows carry it too")
    func meaningColours() {
        let canvas = DashboardView(glyphs: .unicode, timeZone: utc).render(twoPolls())
        let revenueChange = Self.roles(of: "+0.50 ▲", after: "Revenue ", in: canvas)
        let costChange = Self.roles(of: "+0.30 ▲", after: "Self cost", in: canvas)
        #expect(!revenueChange.isEmpty && revenueChange.allSatisfy { $0 == .good })
        #expect(!costChange.isEmpty && costChange.allSatisfy { $0 == .bad })
        #expect(Self.roles(of: "1.95", after: "Revenue ", in: canvas).allSatisfy { $0 == .highlight }, "changed cells are highlighted")
        var later = twoPolls()
        _ = U.update(&later, .tick(Fixture.t0.addingTimeInterval(9)))
        let calm = DashboardView(glyphs: .unicode, timeZone: utc).render(later)
        #expect(Self.roles(of: "1.95", after: "Revenue ", in: calm).allSatisfy { $0 == .text }, "the highlight fades")
    }

    /// The roles of the cells showing `text`, found on the first row that contains `label`
    /// (after the label): tests find values by what they say, not by fixed columns.
    static func roles(of text: String, after label: String, in canvas: Canvas) -> [Role] {
        let lines = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let row = lines.firstIndex(where: { $0.contains(label) }) else { return [] }
        let cells = (0..<canvas.width).map { canvas[$0, row].text }
        let labelCells = label.map(String.init)
        let textCells = text.map(String.init)
        guard let labelStart = (0...(cells.count - labelCells.count)).first(where: { Array(cells[$0..<($0 + labelCells.count)]) == labelCells }),
              let start = ((labelStart + labelCells.count)...(cells.count - textCells.count)).first(where: {
                  Array(cells[$0..<($0 + textCells.count)]) == textCells }) else { return [] }
        return (start..<(start + textCells.count)).map { canvas[$0, row].role }
    }

    @Test("The chart spans the last hour in time-aligned columns: an answer moves it only when a column's span ends")
    func chartColumns() {
        var state = Fixture.state()
        let view = DashboardView(glyphs: .unicode, timeZone: utc)
        // 68 chart columns at 80x24: a column is 3600 / 68 ≈ 53 s.
        let span = Trends.chartWindow / 68
        let start = Date(timeIntervalSince1970: (1_795_000_000 / span).rounded(.down) * span + 1)
        _ = U.update(&state, .pollDue(start))
        for second in 0..<20 {
            _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 4 + second, active: 5 + second % 3)),
                                          at: start.addingTimeInterval(Double(second))))
        }
        let before = view.render(state)
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(Fixture.admin(calls: 30, active: 6)), at: start.addingTimeInterval(21)))
        let after = view.render(state)
        let lines = after.text.split(separator: "\n", omittingEmptySubsequences: false)
        let chartRows = (0..<after.height).filter { lines[$0].contains("▇") || lines[$0].contains("█") }
        #expect(!chartRows.isEmpty)
        let chartChanges = after.changes(from: before).filter { chartRows.contains($0.y) && $0.x > 10 && $0.x < 78 }
        #expect(chartChanges.isEmpty, "the same column's span: the chart does not move")
        let bars = lines[chartRows.last!].filter { $0 == "█" }.count
        #expect(bars == 1, "20 s of answers fill one column of ~53 s\n\(after.text)")
    }

    @Test("Wide terminals put the three panels side by side")
    func wide() {
        let canvas = DashboardView(glyphs: .unicode, timeZone: utc).render(twoPolls(width: 150, height: 30))
        let lines = canvas.text.split(separator: "\n").map(String.init)
        let titles = lines[2]
        #expect(titles.contains("Today") && titles.contains("Month") && titles.contains("Active calls"))
        #expect(lines[3].contains("Calls") && lines[3].contains("Total 3"))
    }

    @Test("Too small says what it needs")
    func tooSmall() {
        var state = twoPolls()
        _ = U.update(&state, .resized(width: 40, height: 10))
        let text = DashboardView(glyphs: .unicode, timeZone: utc).render(state).text
        #expect(text.contains("Terminal too small: 40x10"))
        #expect(text.contains("needs at least 60x18"))
    }

    @Test("Every size from tiny to huge renders without trapping")
    func allSizes() {
        let view = DashboardView(glyphs: .unicode, timeZone: utc)
        for width in stride(from: 0, through: 260, by: 7) {
            for height in stride(from: 0, through: 80, by: 5) {
                var state = twoPolls()
                _ = U.update(&state, .resized(width: width, height: height))
                let canvas = view.render(state)
                #expect(canvas.width == width && canvas.height == height)
            }
        }
    }

    @Test("ASCII terminals get ASCII only, server text included")
    func ascii() {
        var state = twoPolls()
        let hostile = QuickStats(sections: [Fixture.section("today", [("calls", "4\u{FFFD}"), ("duration", "1")])],
                                 fields: [StatField(name: "note", text: "ünïcode ✓")])
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .success(hostile), at: Fixture.t0.addingTimeInterval(7)))
        let canvas = DashboardView(glyphs: .ascii, timeZone: utc).render(state)
        let allASCII = canvas.text.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(allASCII)
        #expect(canvas.text.contains("+- Today"))
    }

    @Test("A simple user: price, balance, and active calls marked as not shown")
    func simpleUser() {
        var state = Fixture.state()
        _ = U.update(&state, .key(.tab))
        _ = U.update(&state, .fetched(Fixture.key("alice"), result: .success(Fixture.simpleUser()), at: Fixture.t0))
        let text = DashboardView(glyphs: .unicode, timeZone: utc).render(state).text
        #expect(text.contains("alice (user) 2/2"))
        #expect(text.contains("Price"))
        #expect(!text.contains("Revenue "))
        #expect(text.contains("Price/h"))
        #expect(text.contains("Balance 42.50"))
        #expect(text.contains("not shown for this user"))
    }

    @Test("Errors are a line on screen, the last numbers stay, stale is marked")
    func errorAndStale() {
        var state = twoPolls()
        let failAt = Fixture.t0.addingTimeInterval(10)
        _ = U.update(&state, .fetched(Fixture.key("admin"), result: .failure(.api(APIError(text: "Cannot connect to Elasticsearch"))), at: failAt))
        var text = DashboardView(glyphs: .unicode, timeZone: utc).render(state).text
        #expect(text.contains("server says: Cannot connect to Elasticsearch"))
        #expect(text.contains("✖ ERROR"))
        #expect(text.contains("1.95"), "last good numbers stay")
        _ = U.update(&state, .tick(Fixture.t0.addingTimeInterval(30)))
        let canvas = DashboardView(glyphs: .unicode, timeZone: utc).render(state)
        text = canvas.text
        #expect(text.contains("STALE"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let revenueRow = lines.firstIndex { $0.contains("Revenue ") }!
        #expect(canvas.roles(row: revenueRow).contains(.stale), "stale values are drawn as stale")
    }

    @Test("The help screen comes from the key table")
    func help() {
        var state = twoPolls()
        state.height = 50  // every line on one page (scrolling is tested in HelpTests)
        _ = U.update(&state, .key(.character("?")))
        let text = DashboardView(glyphs: .unicode, timeZone: utc).render(state).text
        for line in KeyMap.helpLines() { #expect(text.contains(line.text), "\(line.text)") }
    }

    @Test("The user list shows every user and the selection")
    func userList() {
        var state = twoPolls()
        _ = U.update(&state, .key(.character("l")))
        _ = U.update(&state, .key(.down))
        let text = DashboardView(glyphs: .unicode, timeZone: utc).render(state).text
        #expect(text.contains("> 2 alice"))
        #expect(text.contains("  1 admin"))
    }
}
