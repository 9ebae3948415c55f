@testable import Dashboard
import Foundation
import M4API
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
}
