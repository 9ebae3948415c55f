import App
import Dashboard
import Watch
import Foundation
import M4API
import Testing

@Suite("One-shot output")
struct OneShotOutputTests {
    static let stats = QuickStats(sections: [
        StatSection(name: "today", fields: [StatField(name: "calls", text: "1234"), StatField(name: "duration", text: "3725"),
                                            StatField(name: "revenue", text: "28.110331000000002"),
                                            StatField(name: "profit", text: "-0.5"), StatField(name: "margin", text: "")]),
        StatSection(name: "active_calls", fields: [StatField(name: "total", text: "5"), StatField(name: "answered_calls", text: "3")]),
    ], fields: [StatField(name: "balance", text: "007"), StatField(name: "note", text: "a \"quoted\" \\ value")])

    @Test("JSON keeps exact number text, quotes what is not a JSON number, and omits what is absent")
    func json() throws {
        let text = OneShotOutput.json(server: "http://h/billing", user: "admin",
                                      fetchedAt: Date(timeIntervalSince1970: 1_795_000_000), stats: Self.stats)
        #expect(text.contains("\"revenue\": 28.110331000000002"))
        #expect(text.contains("\"profit\": -0.5"))
        #expect(text.contains("\"margin\": null"))
        #expect(text.contains("\"balance\": \"007\""))
        #expect(text.contains("\"fetched_at\": \"2026-11-18T"))
        #expect(!text.contains("\"month\""))
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((object?["note"] as? String) == "a \"quoted\" \\ value")
        #expect((object?["active_calls"] as? [String: Any])?["answered_calls"] as? Int == 3)
    }

    @Test("The text summary formats money, durations, counts and derived figures")
    func text() {
        let text = OneShotOutput.text(server: "http://h/billing", user: "admin", fetchedAt: Date(), stats: Self.stats)
        #expect(text.contains("1,234"))
        #expect(text.contains("1:02:05"))
        #expect(text.contains("28.11"))
        #expect(text.contains("-0.50"))
        #expect(text.contains("ACD"))
        #expect(text.contains("Active calls  5 (3 answered, 2 ringing)"))
    }

    @Test("Elements the server named server or user are printed under their own heading, indented, never as m4top's own lines")
    func serverNamedElements() {
        let stats = QuickStats(sections: [StatSection(name: "today", fields: [StatField(name: "calls", text: "4")])],
                               fields: [StatField(name: "server", text: "http://evil/billing"), StatField(name: "user", text: "admin")])
        let lines = OneShotOutput.text(server: "http://h/billing", user: "alice", fetchedAt: Date(), stats: stats).split(separator: "\n")
        #expect(lines.first?.hasPrefix("http://h/billing  user alice") == true)
        let heading = lines.firstIndex(of: "Also in the answer:")
        #expect(heading != nil, "\(lines)")
        let after = heading.map { Array(lines[($0 + 1)...]) } ?? []
        #expect(after.count == 2 && after.allSatisfy { $0.hasPrefix("  ") }, "\(after)")
        #expect(!lines.dropFirst().contains { $0.hasPrefix("server") || $0.hasPrefix("user") }, "\(lines)")
    }

    @Test("An older server's this_month is printed as month: one jq line works on every server")
    func thisMonthIsMonth() throws {
        let stats = QuickStats(sections: [
            StatSection(name: "this_month", fields: [StatField(name: "calls", text: "19")]),
            StatSection(name: "today", fields: [StatField(name: "calls", text: "4")]),
        ])
        let text = OneShotOutput.json(server: "http://h/billing", user: "admin", fetchedAt: Date(), stats: stats)
        #expect(!text.contains("this_month"))
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((object?["month"] as? [String: Any])?["calls"] as? Int == 19)
        #expect(OneShotOutput.text(server: "h", user: "admin", fetchedAt: Date(), stats: stats).contains("Month"))
    }

    @Test("Error JSON shape")
    func errorJSON() throws {
        let text = OneShotOutput.jsonError(kind: "transport", message: "no answer within 10 s (timeout)")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: String]]
        #expect(object?["error"]?["kind"] == "transport")
        #expect(object?["error"]?["message"] == "no answer within 10 s (timeout)")
    }
}
