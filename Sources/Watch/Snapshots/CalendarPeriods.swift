import Foundation

/// The day and the month one answer fell in, on its server's calendar. Whether the next answer
/// is in a new day or month is then four comparisons; `Calendar`'s own checks, made on every
/// answer, cost more than the diff itself.
package struct CalendarPeriods: Sendable, Equatable {
    let day: Range<Date>
    let month: Range<Date>

    /// Nil when the calendar has no such period for `time` (the caller asks the calendar).
    package init?(of time: Date, calendar: Calendar) {
        guard let day = calendar.dateInterval(of: .day, for: time),
              let month = calendar.dateInterval(of: .month, for: time) else { return nil }
        self.day = day.start..<day.end
        self.month = month.start..<month.end
    }

    /// Whether `earlier` and `later` are in another day, another month: `earlier` must be the
    /// time these periods were made for.
    package static func changes(from earlier: Date, to later: Date, cached: inout CalendarPeriods?,
                                calendar: Calendar) -> (newDay: Bool, newMonth: Bool) {
        if cached.map({ !$0.day.contains(earlier) }) ?? true { cached = CalendarPeriods(of: earlier, calendar: calendar) }
        guard let periods = cached else {
            return (!calendar.isDate(earlier, inSameDayAs: later), !calendar.isDate(earlier, equalTo: later, toGranularity: .month))
        }
        let newDay = !periods.day.contains(later)
        // The next answer's periods are made when it is `earlier`.
        if newDay { cached = nil }
        return (newDay, !periods.month.contains(later))
    }
}
