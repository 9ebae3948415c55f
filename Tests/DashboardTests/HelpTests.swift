import Dashboard
import Foundation
import Screen
import Testing
import Watch

/// `?` on every screen at the smallest size people use: every key is on one of its pages.
@Suite("Help: generated from each screen's keys, every key reachable at 80x24")
struct HelpTests {
    typealias U = DashboardUpdate

    static func onScreen(_ mode: ScreenMode, width: Int = 80, height: Int = 24) -> DashboardState {
        var state = Fixture.state()
        state.width = width
        state.height = height
        _ = U.show(mode, &state)
        _ = U.update(&state, .key(.character("?")))
        return state
    }

    static func render(_ state: DashboardState) -> String {
        let kind = Screens.kind(state.screen)
        return kind.init(glyphs: .unicode, timeZone: TimeZone(identifier: "UTC")!).render(state).text
    }

    /// Every page of the help, scrolling with PgDn until the last line is on screen.
    static func pages(_ mode: ScreenMode) -> [String] {
        var state = onScreen(mode)
        var pages = [render(state)]
        for _ in 0..<10 where pages.last?.contains("▼") == true {
            _ = U.update(&state, .key(.pageDown))
            pages.append(render(state))
        }
        return pages
    }

    @Test("Every key line of every screen is on one of its help pages at 80x24", arguments: ScreenMode.allCases)
    func everyKeyReachable(mode: ScreenMode) {
        let pages = Self.pages(mode)
        let all = pages.joined(separator: "\n")
        for line in Screens.helpLines(mode) {
            #expect(all.contains(line.keys) && all.contains(line.text), "\(mode): \(line.keys) \(line.text)")
        }
        #expect(pages.last?.contains("▼") == false, "the last page says nothing more")
    }

    @Test("The overview's help has every key of the overview and of the common table it leaves alone")
    func overviewKeys() {
        let keys = Screens.helpLines(.overview).map(\.keys)
        for label in ["q Ctrl-C", "p Space", "+ =", "-", "t", "[", "]", "R", "x", "Ctrl-L", "Ctrl-Z", ">", "<", "Enter", "/", "r"] {
            #expect(keys.contains(label), "\(label)")
        }
        #expect(Set(keys).count == keys.count, "no key label twice (once '< >' stood for both sort keys)")
        #expect(keys.filter { $0 == "o" }.count == 1, "o (the way back) once")
    }

    @Test("A help taller than the screen says how much more there is, and scrolls back up")
    func scrollMarks() {
        var state = Self.onScreen(.overview)
        let first = Self.render(state)
        let total = Screens.helpLines(.overview).count + 5
        #expect(first.contains("▼"), "a 'more' mark on the first page")
        _ = U.update(&state, .key(.pageDown))
        #expect(Self.render(state).contains("above"))
        _ = U.update(&state, .key(.pageUp))
        #expect(Self.render(state) == first)
        for _ in 0..<(total + 5) { _ = U.update(&state, .key(.down)) }
        #expect(!Self.render(state).contains("▼"), "scrolling stops at the last line")
        _ = U.update(&state, .key(.escape))
        #expect(state.overlay == .none)
    }

    static let overviewGolden80x24 = """
     m4top · overview · 2 users on 1 server
     ┌─ Keys ─────────────────────────────────────────────────────────────────────┐
     │ Up k         previous row                                                  │
     │ Down j       next row                                                      │
    >│ PgUp         a page up                                                     │
     │ PgDn         a page down                                                   │
     │ Home g       first row                                                     │
     │ End G        last row                                                      │
     │ Enter        open this user's dashboard                                    │
     │ >            sort by the next column                                       │
     │ <            sort by the previous column                                   │
     │ i            invert the sort                                               │
     │ /            filter rows by user or server name                            │
     │ Esc          clear the filter                                              │
     │ r            refresh the user lists and this row now                       │
     │ u Tab        next user                                                     │
     │ U Shift-Tab  previous user                                                 │
     │ 1-9          jump to user 1-9                                              │
     │ o            overview of every watched user, and back                      │
     │ w            wall: big numbers for across the room, and back               │
     │ a            alert log: every firing and resolution                        │
     │ ▼ 20 more · j k PgUp PgDn scroll · Esc closes                              │
     └────────────────────────────────────────────────────────────────────────────┘
     Enter open  <> sort  / filter  o dashboard  ? help  q quit
    """

    @Test("Golden: the overview's help at 80x24, first page")
    func golden() {
        let text = Self.render(Self.onScreen(.overview))
        if text != Self.overviewGolden80x24 { print(text) }
        #expect(text == Self.overviewGolden80x24)
    }
}
