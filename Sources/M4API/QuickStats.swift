import Foundation

/// One value as the server sent it. The exact text is kept; `number` is derived for maths only.
public struct StatField: Sendable, Equatable {
    /// The element name (sanitised), e.g. `revenue`, or `price` in a simple user's answer.
    public let name: String
    /// The element text, trimmed and sanitised, exactly as sent otherwise (`28.110331000000002`).
    public let text: String

    /// The value as a decimal, when the text is a plain number. Never a `Double`.
    public let number: Decimal?

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.number = NumberText.decimal(text)
    }
}

/// A group of values, e.g. `<today>`, `<month>`/`<this_month>` or `<active_calls>`.
public struct StatSection: Sendable, Equatable {
    public let name: String
    public var fields: [StatField]

    public init(name: String, fields: [StatField]) {
        self.name = name
        self.fields = fields
    }

    public subscript(name: String) -> StatField? { fields.first { $0.name == name } }
}

/// A successful `quickstats_get` answer, in document order, nothing dropped.
public struct QuickStats: Sendable, Equatable {
    /// Elements with children directly inside `<quickstats>`.
    public var sections: [StatSection]
    /// Leaf elements directly inside `<quickstats>` (a simple user's `balance`, for example).
    public var fields: [StatField]

    public init(sections: [StatSection], fields: [StatField] = []) {
        self.sections = sections
        self.fields = fields
    }

    public func section(_ name: String) -> StatSection? { sections.first { $0.name == name } }

    public var today: StatSection? { section("today") }
    /// `<month>`, or the older MOR `<this_month>`.
    public var month: StatSection? { section("month") ?? section("this_month") }
    /// Absent when the server does not show active calls to this user: absent is not zero.
    public var activeCalls: StatSection? { section("active_calls") }
    public var balance: StatField? { fields.first { $0.name == "balance" } }
}

/// Number text rules shared by the parser, the JSON writer and the view. Hand-written scanners:
/// they run for every value of every answer, and a Regex costs a hundred times more.
public enum NumberText {
    /// A plain decimal number: optional sign, digits with an optional fraction, optional exponent.
    public static func isNumber(_ text: String) -> Bool {
        scan(text.utf8, json: false)
    }

    public static func decimal(_ text: String) -> Decimal? {
        guard isNumber(text) else { return nil }
        return Decimal(string: text, locale: posix)
    }

    /// True when the text may be written into JSON as a number literal unchanged.
    public static func isJSONNumber(_ text: String) -> Bool {
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
