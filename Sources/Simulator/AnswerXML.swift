import Foundation

/// The bytes the server sends. Indented as the server's XML builder does.
package enum AnswerXML {
    package static let header = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

    /// An ordered list of (element, value) pairs for one section.
    package typealias Section = (name: String, values: [(String, String)])

    package static func success(sections: [Section], fields: [(String, String)] = []) -> String {
        var xml = header + "<page>\n  <quickstats>\n"
        for section in sections {
            xml += "    <\(section.name)>\n"
            for (name, value) in section.values { xml += "      <\(name)>\(escape(value))</\(name)>\n" }
            xml += "    </\(section.name)>\n"
        }
        for (name, value) in fields { xml += "    <\(name)>\(escape(value))</\(name)>\n" }
        return xml + "  </quickstats>\n</page>\n"
    }

    /// A `users_get` answer as documented: the list inside `<status>` inside `<page>`.
    package static func userList(_ users: [[(String, String)]]) -> String {
        var xml = header + "<page>\n  <status>\n    <users>\n"
        for user in users {
            xml += "      <user>\n"
            for (name, value) in user { xml += "        <\(name)>\(escape(value))</\(name)>\n" }
            xml += "      </user>\n"
        }
        return xml + "    </users>\n  </status>\n</page>\n"
    }

    package static func error(_ text: String, wrapper: SimulatorSettings.ErrorWrapper) -> String {
        let inner = "<error>\(escape(text))</error>"
        switch wrapper {
        case .status: return header + "<status>\n  \(inner)\n</status>\n"
        case .pageStatus: return header + "<page>\n  <status>\n    \(inner)\n  </status>\n</page>\n"
        case .page: return header + "<page>\n  \(inner)\n</page>\n"
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Decimal text as the server prints it: no exponent, no trailing zeros.
    package static func money(_ value: Decimal) -> String {
        NSDecimalNumber(decimal: value).stringValue
    }

    /// The seed page's sample answer, values exactly as shown there.
    package static let seedSample: [Section] = [
        ("today", [("calls", "4"), ("duration", "345"), ("revenue", "1.4475"), ("self_cost", "0.6725"),
                   ("profit", "0.775"), ("margin", "54")]),
        ("month", [("calls", "19"), ("duration", "2182"), ("revenue", "6.04"), ("self_cost", "3.734166"),
                   ("profit", "2.305834"), ("margin", "38")]),
        ("active_calls", [("total", "0"), ("answered_calls", "0")]),
    ]
}
