import Foundation

/// The two counting periods of an answer. Both are reset by the server: today at midnight, the
/// month on the first, in the calling user's time zone.
package enum Period: String, Sendable, CaseIterable {
    case today, month

    /// The element names a server may use: an older MOR server sends `this_month`.
    package var elementNames: [String] {
        switch self {
        case .today: return ["today"]
        case .month: return ["month", "this_month"]
        }
    }

    /// The period a section element stands for, if any.
    package init?(elementName: String) {
        guard let period = Self.allCases.first(where: { $0.elementNames.contains(elementName) }) else { return nil }
        self = period
    }

    package var title: String { self == .today ? "Today" : "Month" }
    /// What a reset of this period is called: "a new day".
    package var unit: String { self == .today ? "day" : "month" }
}

/// The element names the API documents. One place, so that no other file spells them.
package enum FieldName {
    package static let calls = "calls"
    package static let duration = "duration"
    package static let revenue = "revenue"
    package static let selfCost = "self_cost"
    package static let profit = "profit"
    package static let margin = "margin"
    package static let price = "price"
    package static let balance = "balance"
    package static let total = "total"
    package static let answeredCalls = "answered_calls"
    package static let activeCalls = "active_calls"
}

/// One value as the server sent it. The exact text is kept; `number` is derived for maths only.
package struct StatField: Sendable, Equatable {
    /// The element name (sanitised), e.g. `revenue`, or `price` in a simple user's answer.
    package let name: String
    /// The element text, trimmed and sanitised, exactly as sent otherwise (`28.110331000000002`).
    package let text: String

    /// The value as a decimal, when the text is a plain number. Never a `Double`.
    package let number: Decimal?

    package init(name: String, text: String) {
        self.name = name
        self.text = text
        self.number = NumberText.decimal(text)
    }
}

/// A group of values, e.g. `<today>`, `<month>`/`<this_month>` or `<active_calls>`.
package struct StatSection: Sendable, Equatable {
    /// The canonical name: `month` for a server's `this_month`, the element name otherwise.
    package let name: String
    /// The element name the server used.
    package let elementName: String
    package var fields: [StatField]

    package init(name elementName: String, fields: [StatField]) {
        self.elementName = elementName
        self.name = Period(elementName: elementName)?.rawValue ?? elementName
        self.fields = fields
    }

    package subscript(name: String) -> StatField? { fields.first { $0.name == name } }
    package func number(_ name: String) -> Decimal? { self[name]?.number }

    package var period: Period? { Period(rawValue: name) }
}

/// A successful `quickstats_get` answer, in document order, nothing dropped.
package struct QuickStats: Sendable, Equatable {
    /// Elements with children directly inside `<quickstats>`.
    package var sections: [StatSection]
    /// Leaf elements directly inside `<quickstats>` (a simple user's `balance`, for example).
    package var fields: [StatField]

    package init(sections: [StatSection], fields: [StatField] = []) {
        self.sections = sections
        self.fields = fields
    }

    /// A section by its canonical name (`month` finds `this_month` too).
    package func section(_ name: String) -> StatSection? { sections.first { $0.name == name } }
    package func section(_ period: Period) -> StatSection? { section(period.rawValue) }
    package func field(_ name: String) -> StatField? { fields.first { $0.name == name } }

    package var today: StatSection? { section(.today) }
    package var month: StatSection? { section(.month) }
    /// Absent when the server does not show active calls to this user: absent is not zero.
    package var activeCalls: StatSection? { section(FieldName.activeCalls) }
    /// Sections that no panel of their own shows (anything beyond the documented three).
    package var otherSections: [StatSection] {
        sections.filter { $0.period == nil && $0.name != FieldName.activeCalls }
    }

    // Typed accessors: the numbers operators talk about.
    package var activeTotal: Decimal? { activeCalls?.number(FieldName.total) }
    package var activeAnswered: Decimal? { activeCalls?.number(FieldName.answeredCalls) }
    /// Calls still ringing: total minus answered.
    package var activeRinging: Decimal? {
        guard let total = activeTotal, let answered = activeAnswered else { return nil }
        return total - answered
    }
    package var balance: Decimal? { field(FieldName.balance)?.number }

    package func calls(_ period: Period) -> Decimal? { section(period)?.number(FieldName.calls) }
    package func duration(_ period: Period) -> Decimal? { section(period)?.number(FieldName.duration) }
    /// Revenue in a period: an admin's `revenue`, or a simple user's `price` (what they pay). One word for both in code: revenue.
    package func revenue(_ period: Period) -> Decimal? {
        section(period).flatMap { $0.number(FieldName.revenue) ?? $0.number(FieldName.price) }
    }
    /// True when the answer is a simple user's: it names the money `price`, not `revenue`.
    package var isPriceOnly: Bool {
        today.map { $0[FieldName.price] != nil && $0[FieldName.revenue] == nil } ?? false
    }
    /// Average call duration of a period: duration / calls, nil without calls.
    package func acd(_ period: Period) -> Decimal? {
        guard let calls = calls(period), calls > 0, let duration = duration(period) else { return nil }
        return duration / calls
    }
}
/// Number text rules shared by the parser, the JSON writer and the view. Hand-written scanners:
/// they run for every value of every answer, and a Regex costs a hundred times more.
package enum NumberText {
    /// A plain decimal number: optional sign, digits with an optional fraction, optional exponent.
    package static func isNumber(_ text: String) -> Bool {
        scan(text.utf8, json: false)
    }

    /// The text as an exact decimal, or nil: not a number, or one that `Decimal` cannot hold
    /// exactly (more than 38 significant digits, or an exponent past ±100). Such values stay
    /// text, shown as sent: a rounded or wrapped number would be a wrong number.
    package static func decimal(_ text: String) -> Decimal? {
        guard isNumber(text) else { return nil }
        // Nearly every value of an answer: read without Foundation's scanner.
        if let plain = PlainDecimal.parse(text) { return plain }
        guard isExactlyRepresentable(text.utf8),
              let value = Decimal(string: text, locale: posix), !value.isNaN else { return nil }
        return value
    }

    package static let maxSignificantDigits = 38
    package static let maxExponent = 100

    private static func isExactlyRepresentable(_ bytes: String.UTF8View) -> Bool {
        var significant = 0, leading = true, exponent = 0, inExponent = false
        for byte in bytes {
            if inExponent {
                if byte >= 0x30 && byte <= 0x39 {
                    exponent = exponent * 10 + Int(byte - 0x30)
                    if exponent > maxExponent { return false }
                }
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                inExponent = true
            } else if byte >= 0x30 && byte <= 0x39 {
                if byte == 0x30 && leading { continue }
                leading = false
                significant += 1
            }
        }
        return significant <= maxSignificantDigits
    }

    /// True when the text may be written into JSON as a number literal unchanged.
    package static func isJSONNumber(_ text: String) -> Bool {
        scan(text.utf8, json: true)
    }

    private static let posix = Locale(identifier: "en_US_POSIX")

    /// `json: false` allows a leading `+`, leading zeros, `1.` and `.5`; JSON allows none of them.
    private static func scan(_ bytes: String.UTF8View, json: Bool) -> Bool {
        var index = bytes.startIndex
        let end = bytes.endIndex
        func peek() -> UInt8? { index < end ? bytes[index] : nil }
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        func digits() -> Int {
            var count = 0
            while isDigit(peek()) { index = bytes.index(after: index); count += 1 }
            return count
        }
        if peek() == UInt8(ascii: "-") || (!json && peek() == UInt8(ascii: "+")) { index = bytes.index(after: index) }
        let integerStart = index
        let integerDigits = digits()
        if json {
            guard integerDigits > 0 else { return false }
            if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") { return false }
        }
        var fractionDigits = 0
        if peek() == UInt8(ascii: ".") {
            index = bytes.index(after: index)
            fractionDigits = digits()
            if json && fractionDigits == 0 { return false }
        }
        guard integerDigits + fractionDigits > 0 else { return false }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index = bytes.index(after: index)
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index = bytes.index(after: index) }
            guard digits() > 0 else { return false }
        }
        return index == end
    }
}

/// `-123.4500` read without Foundation's scanner (ten times its speed): a sign, up to 18
/// digits and one point; anything else (an exponent, more digits) is nil, for the slow path.
/// And written back as `Decimal.description` writes it, without its long division.
package enum PlainDecimal {
    /// `value.description` (what `"\(value)"` and `NSDecimalNumber.stringValue` give): `-123.45`,
    /// `0.005`, `1200`. A significand of up to 64 bits (every value a server sends) is written
    /// from its digits directly; larger ones and NaN take Foundation's path.
    package static func text(_ value: Decimal) -> String {
        guard layoutKnown, !value.isNaN else { return value.description }
        let raw = unsafeBitCast(value, to: Layout.self)
        let length = Int(raw.lengthAndFlags >> 4), exponent = Int(raw.exponent)
        guard length <= 4 else { return value.description }
        var significand: UInt64 = 0
        withUnsafeBytes(of: raw.mantissa) { words in
            for index in 0..<length { significand |= UInt64(words.load(fromByteOffset: 2 * index, as: UInt16.self)) << (16 * index) }
        }
        guard significand != 0 else { return "0" }
        // Digits, least significant first.
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        while significand > 0 {
            digits.append(UInt8(significand % 10) + UInt8(ascii: "0"))
            significand /= 10
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count + abs(exponent) + 3)
        if raw.lengthAndFlags & 0x08 != 0 { bytes.append(UInt8(ascii: "-")) }
        if exponent >= 0 {
            bytes.append(contentsOf: digits.reversed())
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent))
        } else {
            let fraction = -exponent
            if digits.count <= fraction {
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: fraction - digits.count))
                bytes.append(contentsOf: digits.reversed())
            } else {
                bytes.append(contentsOf: digits[fraction...].reversed())
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: digits[..<fraction].reversed())
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `Decimal`'s stored layout in swift-foundation: the exponent, a byte of the length (high
    /// four bits) and the sign (0x08) and compact (0x04) flags, then eight 16-bit words, least
    /// significant first. Its fields are internal there, so they are read through this copy.
    private struct Layout {
        var exponent: Int8
        var lengthAndFlags: UInt8
        var reserved: UInt16
        var mantissa: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16)
    }

    /// The layout checked once against values of a known make-up; if a Foundation stores them
    /// otherwise, every value takes `description` instead.
    package static let layoutKnown: Bool = {
        guard MemoryLayout<Decimal>.size == MemoryLayout<Layout>.size else { return false }
        let small = unsafeBitCast(Decimal(sign: .minus, exponent: -3, significand: 70_001), to: Layout.self)
        let big = unsafeBitCast(Decimal(sign: .plus, exponent: 2, significand: Decimal(UInt64(1) << 32 + 5)), to: Layout.self)
        return small.exponent == -3 && small.lengthAndFlags >> 4 == 2 && small.lengthAndFlags & 0x08 != 0
            && small.mantissa.0 == UInt16(70_001 & 0xFFFF) && small.mantissa.1 == 1
            && big.exponent == 2 && big.lengthAndFlags >> 4 == 3 && big.lengthAndFlags & 0x08 == 0
            && big.mantissa.0 == 5 && big.mantissa.1 == 0 && big.mantissa.2 == 1
    }()

    package static func parse(_ text: String) -> Decimal? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    package static func parse(_ bytes: [UInt8]) -> Decimal? {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    /// Concrete, not generic: called for every value of every stored row (a generic version
    /// spent most of its time looking up type metadata).
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Decimal? {
        var negative = false
        var significand: UInt64 = 0
        var digits = 0
        var fraction = -1
        var sawDigit = false
        for index in 0..<bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: "."): guard fraction < 0 else { return nil }; fraction = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 18 else { return nil }
                sawDigit = true
                significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
                if significand > 0 { digits += 1 }
                if fraction >= 0 { fraction += 1 }
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        return Decimal(sign: negative && significand != 0 ? .minus : .plus, exponent: -max(0, fraction), significand: Decimal(significand))
    }
}

