import Watch
import Foundation
import M4API
import Simulator

/// Answers as the server sends them, through the real parser.
enum Answers {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func parse(_ xml: String) -> QuickStats {
        guard case .stats(let stats)? = try? QuickStatsParser.parse(Data(xml.utf8)) else { fatalError("fixture does not parse") }
        return stats
    }

    /// The vendor page's sample: today revenue 1.4475, margin 54, active 0.
    static var seed: QuickStats { parse(AnswerXML.success(sections: AnswerXML.seedSample)) }

    static func admin(active: Int, revenue: String = "1.4475", margin: String = "54") -> QuickStats {
        parse(AnswerXML.success(sections: [
            (name: "today", values: [("calls", "4"), ("duration", "345"), ("revenue", revenue), ("self_cost", "0.6725"),
                                     ("profit", "0.775"), ("margin", margin)]),
            (name: "month", values: [("calls", "19"), ("duration", "2182"), ("revenue", "6.04"), ("self_cost", "3.734166"),
                                     ("profit", "2.305834"), ("margin", "38")]),
            (name: "active_calls", values: [("total", "\(active)"), ("answered_calls", "\(max(0, active - 1))")]),
        ]))
    }

    static func simpleUser(activeShown: Bool) -> QuickStats {
        var sections: [AnswerXML.Section] = [
            (name: "today", values: [("calls", "3"), ("duration", "100"), ("price", "0.3")]),
            (name: "month", values: [("calls", "9"), ("duration", "900"), ("price", "2.7")]),
        ]
        if activeShown { sections.append((name: "active_calls", values: [("total", "1"), ("answered_calls", "1")])) }
        return parse(AnswerXML.success(sections: sections, fields: [("balance", "42.5")]))
    }

    static func users(_ names: [String]) -> [M4User] {
        names.enumerated().map { M4User(id: "\($0.offset + 2)", username: $0.element) }
    }
}
