import Foundation
import M4API

/// How a value is shown: money rounded, durations as h:mm:ss, counts with separators.
public enum MetricKind: Sendable, Equatable {
    case count, duration, money, percent, text
}

/// Labels and kinds of the elements the API documents; anything else keeps its own name.
public enum MetricCatalog {
    public static func label(_ name: String) -> String {
        switch name {
        case "calls": return "Calls"
        case "duration": return "Duration"
        case "revenue": return "Revenue"
        case "self_cost": return "Self cost"
        case "profit": return "Profit"
        case "margin": return "Margin"
        case "price": return "Price"
        case "balance": return "Balance"
        case "total": return "Total"
        case "answered_calls": return "Answered"
        default: return name
        }
    }

    public static func kind(_ name: String) -> MetricKind {
        switch name {
        case "calls", "total", "answered_calls": return .count
        case "duration": return .duration
        case "revenue", "self_cost", "profit", "price", "balance": return .money
        case "margin": return .percent
        default: return .text
        }
    }

    /// +1 when a rise is good news, -1 when it is bad news, 0 when neutral.
    public static func polarity(_ name: String) -> Int {
        switch name {
        case "revenue", "profit", "margin", "calls", "duration", "price", "balance": return 1
        case "self_cost": return -1
        default: return 0
        }
    }
}

public enum MetricFormat {
    /// Rounds half away from zero to `places` decimals, never through `Double`.
    public static func money(_ value: Decimal, places: Int = 2) -> String {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, places, .plain)
        let negative = rounded < 0
        let magnitude = negative ? -rounded : rounded
        var text = NSDecimalNumber(decimal: magnitude).stringValue
        var whole = text, fraction = ""
        if let dot = text.firstIndex(of: ".") {
            whole = String(text[..<dot])
            fraction = String(text[text.index(after: dot)...])
        }
        while fraction.count < places { fraction += "0" }
        text = grouped(whole) + (places > 0 ? "." + fraction : "")
        return (negative ? "-" : "") + text
    }

    /// Seconds as h:mm:ss (hours grow past 24: a month of traffic is many hours).
    public static func duration(_ seconds: Decimal) -> String {
        var input = seconds, rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .plain)
        let total = NSDecimalNumber(decimal: rounded).int64Value
        let sign = total < 0 ? "-" : ""
        let value = abs(total)
        let h = value / 3600, m = (value % 3600) / 60, s = value % 60
        return sign + "\(grouped(String(h))):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)"
    }

    /// Whole numbers with thousands separators; fractions kept as sent.
    public static func count(_ value: Decimal) -> String {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .plain)
        guard rounded == value else { return NSDecimalNumber(decimal: value).stringValue }
        let negative = value < 0
        let digits = NSDecimalNumber(decimal: negative ? -value : value).stringValue
        return (negative ? "-" : "") + grouped(digits)
    }

    public static func percent(_ value: Decimal) -> String {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, 1, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue + "%"
    }

    /// A field as the dashboard shows it; text that is not a number is shown as sent.
    public static func value(_ field: StatField, moneyPlaces: Int = 2) -> String {
        guard let number = field.number else { return field.text.isEmpty ? "-" : field.text }
        return format(number, kind: MetricCatalog.kind(field.name), moneyPlaces: moneyPlaces) ?? field.text
    }

    public static func format(_ number: Decimal, kind: MetricKind, moneyPlaces: Int = 2) -> String? {
        switch kind {
        case .count: return count(number)
        case .duration: return duration(number)
        case .money: return money(number, places: moneyPlaces)
        case .percent: return percent(number)
        case .text: return nil
        }
    }

    /// A change with its sign, e.g. `+1.25`, `-0:00:42`, `+3`.
    public static func delta(_ change: Decimal, kind: MetricKind, moneyPlaces: Int = 2) -> String {
        let magnitude = change < 0 ? -change : change
        let body: String
        switch kind {
        case .text: body = NSDecimalNumber(decimal: magnitude).stringValue
        default: body = format(magnitude, kind: kind, moneyPlaces: moneyPlaces) ?? ""
        }
        return (change < 0 ? "-" : "+") + body
    }

    static func grouped(_ digits: String) -> String {
        guard digits.count > 3, digits.allSatisfy(\.isNumber) else { return digits }
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}
