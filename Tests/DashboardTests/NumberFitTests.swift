@testable import Dashboard
import Foundation
import M4API
import Screen
import Watch
import Testing

@Suite("Numbers too wide for their cell are scaled, never cut")
struct NumberFitTests {
    @Test("Scaled forms keep the sign, the magnitude and as many digits as fit", arguments: [
        ("1,234", 10, "1,234"),
        ("12,345,678,901,234,567,890,123.45", 10, "1.23456e22"),
        ("12,345,678,901,234,567,890,123.45", 6, "1.2e22"),
        ("12,345,678,901,234,567,890,123.45", 4, "1e22"),
        ("-98,765,432,109,876,543,210", 8, "-9.87e19"),
        ("99999999999999999999999999999999999999", 12, "9.9999999e37"),
        ("0.000000000000000000012", 8, "1.2e-20"),
        ("123456789012345%", 8, "1.23e14%"),
    ])
    func scaled(text: String, room: Int, wanted: String) {
        #expect(NumberFit.scaled(text, toFit: room) == wanted)
    }

    @Test("Text that is not a plain number, or no room even for 1eN, is left to the caller")
    func notNumbers() {
        #expect(NumberFit.scaled("123456:00:00", toFit: 5) == nil)
        #expect(NumberFit.scaled("n/a (hidden)", toFit: 4) == nil)
        #expect(NumberFit.scaled("12,345,678,901,234,567,890", toFit: 3) == nil)
    }

    @Test("On screen: a 38-digit count and a 23-digit revenue are shown scaled at every size from 60x18 to 120x30, never cut", arguments: [
        (60, 18), (80, 24), (100, 30), (120, 30),
    ])
    func onScreen(width: Int, height: Int) {
        var state = Fixture.state()
        state.width = width
        state.height = height
        let calls = String(repeating: "9", count: 38)
        let revenue = "12345678901234567890123"
        let stats = QuickStats(sections: [
            Fixture.section("today", [("calls", calls), ("duration", "345"), ("revenue", revenue), ("self_cost", "1"), ("profit", "1"), ("margin", "54")]),
            Fixture.section("month", [("calls", "19"), ("duration", "2182"), ("revenue", "6.04")]),
            Fixture.section("active_calls", [("total", calls), ("answered_calls", "0")]),
        ])
        _ = DashboardUpdate.update(&state, .pollDue(Fixture.t0))
        _ = DashboardUpdate.update(&state, .fetched(Fixture.key("admin"), result: .success(stats), at: Fixture.t0))
        let text = DashboardView(glyphs: .unicode, timeZone: TimeZone(identifier: "UTC")!).render(state).text
        let lines = text.split(separator: "\n")
        for label in ["Calls", "Revenue", "Total"] {
            guard let line = lines.first(where: { $0.contains(label) }) else { continue }
            #expect(!line.contains("…"), "\(width)x\(height): \(line)")
        }
        #expect(text.contains("e37"), "the count, scaled, at \(width)x\(height):\n\(text)")
    }

    @Test("v: the last answer, every value whole as sent (the scaled 38-digit count too), long text wrapped, scrolling within bounds")
    func answerOverlay() {
        var state = Fixture.state()
        state.width = 60
        state.height = 18
        let calls = String(repeating: "9", count: 38)
        let note = String(repeating: "long text ", count: 20)
        let stats = QuickStats(sections: [
            Fixture.section("today", [("calls", calls), ("duration", "345"), ("revenue", "12345678901234567890123")]),
            Fixture.section("month", [("calls", "19"), ("duration", "2182"), ("revenue", "6.04")]),
            Fixture.section("active_calls", [("total", "3"), ("answered_calls", "2")]),
        ], fields: [StatField(name: "note", text: note)])
        _ = DashboardUpdate.update(&state, .pollDue(Fixture.t0))
        _ = DashboardUpdate.update(&state, .fetched(Fixture.key("admin"), result: .success(stats), at: Fixture.t0))
        _ = DashboardUpdate.update(&state, .key(.character("v")))
        #expect(state.overlay == .answer(scroll: 0))
        let text = DashboardView(glyphs: .unicode, timeZone: TimeZone(identifier: "UTC")!).render(state).text
        #expect(text.contains("Last answer") && text.contains(calls), "the count whole:\n\(text)")
        #expect(text.contains("12345678901234567890123"))
        let lines = AnswerOverlay.lines(state, width: 40)
        #expect(lines.allSatisfy { CharacterWidth.of($0.text) <= 40 }, "wrapped to the width")
        #expect(lines.map(\.text).joined().filter { $0 != " " } .contains(note.filter { $0 != " " }), "the long value whole, over several lines")
        let last = AnswerOverlay.pageRows(state).last
        #expect(last > 0, "more lines than a 60x18 page")
        for _ in 0..<(last + 5) { _ = DashboardUpdate.update(&state, .key(.character("j"))) }
        #expect(state.overlay == .answer(scroll: last), "never scrolled past the end")
        _ = DashboardUpdate.update(&state, .key(.character("k")))
        #expect(state.overlay == .answer(scroll: last - 1))
        _ = DashboardUpdate.update(&state, .key(.escape))
        #expect(state.overlay == DashboardState.Overlay.none)
        #expect(KeyMap.helpLines().contains { $0.keys == "v" }, "in help")
    }
}
