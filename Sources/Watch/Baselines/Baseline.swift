import Foundation

/// "Is this normal for this hour?": a number compared with the same wall-clock time yesterday and
/// on the same weekday a week ago, in the server's time zone (its midnight resets "today").
package struct BaselineMoment: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case yesterday, lastWeek

        var days: Int { self == .yesterday ? 1 : 7 }
    }

    package let kind: Kind
    /// The same wall-clock time that day (an hour off only where DST made it not exist).
    package let time: Date
    /// That day's midnight and the next: a row outside belongs to another day's counters.
    package let dayStart: Date
    package let dayEnd: Date

    /// The moments to compare `now` with. Calendar arithmetic, not 86,400-second steps: across a
    /// DST change 14:00 is compared with 14:00, and a month start is just another day.
    package static func at(_ now: Date, timeZone: TimeZone) -> [BaselineMoment] {
        Kind.allCases.compactMap { moment($0, at: now, timeZone: timeZone) }
    }

    package static func moment(_ kind: Kind, at now: Date, timeZone: TimeZone) -> BaselineMoment? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let time = calendar.date(byAdding: .day, value: -kind.days, to: now) else { return nil }
        let start = calendar.startOfDay(for: time)
        guard let end = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
        return BaselineMoment(kind: kind, time: time, dayStart: start, dayEnd: end)
    }

    /// `Mon 30 Nov 14:00`, in the server's zone: what a wall tile and the help line say.
    package func label(timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE d MMM HH:mm"
        return formatter.string(from: time)
    }
}

/// What the store held at one baseline moment for one user.
package struct BaselineValues: Sendable, Equatable {
    package let moment: BaselineMoment
    /// When the row the values come from was taken (at most `BaselineValues.tolerance` before).
    package let rowTime: Date
    package let metrics: [MetricID: Decimal]
    /// Active calls during that minute, lowest and highest (a minute row), or the one value.
    package let activeRange: ClosedRange<Decimal>?
    /// The same day's counters at its end, when the store has the day to within the tolerance
    /// of midnight: what a forecast scales by.
    package let endOfDay: [MetricID: Decimal]?

    package init(moment: BaselineMoment, rowTime: Date, metrics: [MetricID: Decimal], activeRange: ClosedRange<Decimal>?,
                 endOfDay: [MetricID: Decimal]?) {
        self.moment = moment
        self.rowTime = rowTime
        self.metrics = metrics
        self.activeRange = activeRange
        self.endOfDay = endOfDay
    }

    /// What a threshold below (`below`) or above last week's value compares with: for active
    /// calls that minute's lowest or highest (a minute row keeps both), so that a dip or a spike
    /// last week does not move the line; for a counter its value then.
    package func base(of metric: MetricID, below: Bool) -> Decimal? {
        if metric == .activeCallsTotal, let range = activeRange { return below ? range.lowerBound : range.upperBound }
        return metrics[metric]
    }

    /// A row further back than this is not "that time": the store had a hole there (nobody was
    /// watching), and the baseline is absent rather than a guess.
    package static let tolerance: TimeInterval = 300
}

/// A user's baselines: absent ones are nil, never 0.
package struct UserBaseline: Sendable, Equatable {
    package var yesterday: BaselineValues?
    package var lastWeek: BaselineValues?

    package init(yesterday: BaselineValues? = nil, lastWeek: BaselineValues? = nil) {
        self.yesterday = yesterday
        self.lastWeek = lastWeek
    }

    package var isEmpty: Bool { yesterday == nil && lastWeek == nil }

    /// The change from last week's value in percent (-12 for 12 % less); nil without a base, or
    /// when the base is 0 (no percentage of nothing).
    package func percentVsLastWeek(_ metric: MetricID, current: Decimal?) -> Decimal? {
        Self.percent(current, of: lastWeek?.metrics[metric])
    }

    /// `-12%`, `+8%`; beyond +999 % or -100 % clamped, so that a column keeps its width.
    package static func percentText(_ percent: Decimal) -> String {
        var exact = percent, rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 0, .plain)
        if rounded > 999 { return ">+999%" }
        if rounded < -99 { return "-100%" }
        let whole = NSDecimalNumber(decimal: rounded).intValue
        return (whole > 0 ? "+" : "") + String(whole) + "%"
    }

    package static func percent(_ current: Decimal?, of base: Decimal?) -> Decimal? {
        guard let current, let base, base != 0 else { return nil }
        return (current - base) / abs(base) * 100
    }

    /// Today's end-of-day projection of a counter: today so far, scaled by how the same weekday
    /// last week went from this time to midnight; else yesterday's. Nil without such a day
    /// (its end stored) or when that day had nothing yet at this time.
    package func forecast(_ metric: MetricID, current: Decimal?) -> Forecast? {
        guard let current else { return nil }
        for values in [lastWeek, yesterday].compactMap({ $0 }) {
            guard let base = values.metrics[metric], base > 0, let end = values.endOfDay?[metric], end >= base else { continue }
            return Forecast(value: current * end / base, basis: values.moment)
        }
        return nil
    }
}

/// An end-of-day projection and the day it was scaled by.
package struct Forecast: Sendable, Equatable {
    package let value: Decimal
    package let basis: BaselineMoment
}
