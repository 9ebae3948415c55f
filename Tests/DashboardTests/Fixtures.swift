import Dashboard
import Watch
import Foundation
import M4API

/// Builds answers the way the server sends them, for update and view tests.
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC

    static func admin(calls: Int = 4, duration: Int = 345, revenue: String = "1.4475", cost: String = "0.6725",
                      profit: String = "0.775", margin: String = "54", monthCalls: Int = 19, monthDuration: Int = 2182,
                      active: Int = 0, answered: Int = 0) -> QuickStats {
        QuickStats(sections: [
            section("today", [("calls", "\(calls)"), ("duration", "\(duration)"), ("revenue", revenue),
                              ("self_cost", cost), ("profit", profit), ("margin", margin)]),
            section("month", [("calls", "\(monthCalls)"), ("duration", "\(monthDuration)"), ("revenue", "6.04"),
                              ("self_cost", "3.734166"), ("profit", "2.305834"), ("margin", "38")]),
            section("active_calls", [("total", "\(active)"), ("answered_calls", "\(answered)")]),
        ])
    }

    static func simpleUser(calls: Int = 3, activeShown: Bool = false) -> QuickStats {
        var sections = [section("today", [("calls", "\(calls)"), ("duration", "100"), ("price", "0.3")]),
                        section("month", [("calls", "9"), ("duration", "900"), ("price", "2.7")])]
        if activeShown { sections.append(section("active_calls", [("total", "1"), ("answered_calls", "1")])) }
        return QuickStats(sections: sections, fields: [StatField(name: "balance", text: "42.5")])
    }

    static func section(_ name: String, _ values: [(String, String)]) -> StatSection {
        StatSection(name: name, fields: values.map { StatField(name: $0.0, text: $0.1) })
    }

    /// A user of the first (only) server.
    static func key(_ name: String) -> UserKey { UserKey(server: 0, name: name) }

    static func state(users: [String] = ["admin", "alice"], interval: TimeInterval = 5) -> DashboardState {
        var state = DashboardState(server: "http://127.0.0.1:8080/billing", users: users, adminName: "admin",
                                   interval: interval, themeNames: ["default", "light"], now: t0)
        state.width = 80
        state.height = 24
        return state
    }
}

extension DashboardState {
    /// When the user on screen is asked for next.
    var nextPoll: Date? { scheduler.nextPoll(of: current) }
}
