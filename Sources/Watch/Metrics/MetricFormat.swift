import Foundation
import M4API

/// How a value is shown: money rounded, durations as h:mm:ss, counts with separators.
package enum MetricKind: Sendable, Equatable {
    case count, duration, money, percent
    /// A rate with one decimal (calls per minute).
    case rate
    /// Not a documented number: shown as the server sent it.
    case text
}

package enum MetricFormat {
    /// Rounds half away from zero to `places` decimals, never through `Double`.
    package static func money(_ value: Decimal, places: Int = 2) -> String {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, places, .plain)
        let negative = rounded < 0
        let magnitude = negative ? -rounded : rounded
        var text = PlainDecimal.text(magnitude)
        var whole = text, fraction = ""
        if let dot = text.firstIndex(of: ".") {
            whole = String(text[..<dot])
            fraction = String(text[text.index(after: dot)...])
        }
        while fraction.count < places { fraction += "0" }
        text = grouped(whole) + (places > 0 ? "." + fraction : "")
        return (negative ? "-" : "") + text
    }

    /// The largest duration shown as h:mm:ss: about 31 million years, far past any real
    /// counter, and well inside Int64 so the arithmetic below can never trap or wrap.
    package static let durationLimit: Decimal = 1_000_000_000_000_000

    /// Seconds as h:mm:ss (hours grow past 24: a month of traffic is many hours); nil beyond
    /// `durationLimit`, where the caller shows the server's exact text instead.
    package static func duration(_ seconds: Decimal) -> String? {
        var input = seconds, rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .plain)
        let magnitude = rounded < 0 ? -rounded : rounded
        guard magnitude < durationLimit else { return nil }
        let value = NSDecimalNumber(decimal: magnitude).int64Value
        let sign = rounded < 0 ? "-" : ""
        let h = value / 3600, m = (value % 3600) / 60, s = value % 60
        return sign + "\(grouped(String(h))):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)"
    }

    /// Whole numbers with thousands separators; fractions kept as sent.
    package static func count(_ value: Decimal) -> String {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .plain)
        guard rounded == value else { return PlainDecimal.text(value) }
        let negative = value < 0
        let digits = PlainDecimal.text(negative ? -value : value)
        return (negative ? "-" : "") + grouped(digits)
    }

    package static func percent(_ value: Decimal) -> String {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, 1, .plain)
        return PlainDecimal.text(rounded) + "%"
    }

    /// A server value as the dashboard shows it; text that is not a number (or a number too
    /// large to format exactly) is shown as sent.
    package static func value(_ field: StatField, kind: MetricKind, moneyPlaces: Int = 2) -> String {
        guard let number = field.number else { return field.text.isEmpty ? "-" : field.text }
        return format(number, kind: kind, moneyPlaces: moneyPlaces) ?? field.text
    }

    /// A derived value; `-` when there is none.
    package static func derived(_ number: Decimal?, kind: MetricKind, moneyPlaces: Int = 2) -> String {
        guard let number else { return "-" }
        return format(number, kind: kind, moneyPlaces: moneyPlaces) ?? outOfRange
    }

    /// Shown for a derived value too large to format; never a wrapped, wrong number.
    package static let outOfRange = "out of range"

    package static func format(_ number: Decimal, kind: MetricKind, moneyPlaces: Int = 2) -> String? {
        switch kind {
        case .count: return count(number)
        case .duration: return duration(number)
        case .money: return money(number, places: moneyPlaces)
        case .percent: return percent(number)
        case .rate: return money(number, places: 1)
        case .text: return nil
        }
    }

    /// A change with its sign, e.g. `+1.25`, `-0:00:42`, `+3`; nil when it rounds to nothing at
    /// this precision (a `-0.00` would say "changed" and "unchanged" at once).
    package static func delta(_ change: Decimal, kind: MetricKind, moneyPlaces: Int = 2) -> String? {
        let magnitude = change < 0 ? -change : change
        let body: String
        switch kind {
        case .text: body = PlainDecimal.text(magnitude)
        default: body = format(magnitude, kind: kind, moneyPlaces: moneyPlaces) ?? outOfRange
        }
        if body.allSatisfy({ "0.,:%".contains($0) }) { return nil }
        return (change < 0 ? "-" : "+") + body
    }

    /// `42s`, `3m 05s`, `2h 10m`: the age of data at a glance.
    package static func age(_ seconds: TimeInterval) -> String {
        // Any stored time, even one edited by hand to 1e308 or NaN: never a trap.
        let s = seconds.isNaN ? 0 : Int(max(0, min(seconds, 1e12)))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm %02ds", s / 60, s % 60) }
        if s < 100 * 3600 { return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60) }
        // Days past a hundred hours: the column stays its width.
        return s < 100_000 * 86_400 ? "\(s / 86_400)d" : ">99999d"
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
