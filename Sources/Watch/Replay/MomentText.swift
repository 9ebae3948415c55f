import Foundation

/// A moment typed by a person, as `--at`, `--since` and the replay prompt take it, in a
/// server's time zone:
/// - an age: `2h`, `-2h`, `90m`, `45s`, `7d` (that long before now);
/// - a time of day: `03:12`, `03:12:07` (today, or yesterday when today's is still to come),
///   `yesterday 14:00`, `today 9:30`;
/// - a date and time: `2026-11-30 14:00`, `2026-11-30T14:00:05`, `2026-11-30` (midnight), in
///   the zone; with `Z` or an offset (`2026-11-30T14:00:00+01:00`), in that one.
/// A wall-clock time that a DST change skipped is taken as the first moment after the gap; one
/// that happened twice, as its first occurrence.
package enum MomentText {
    package static func parse(_ text: String, now: Date, timeZone: TimeZone) -> Date? {
        let input = text.trimmingCharacters(in: .whitespaces)
        guard !input.isEmpty, input.count <= 64 else { return nil }
        if let age = age(input) { return now.addingTimeInterval(-age) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let lower = input.lowercased()
        for (word, days) in [("yesterday ", -1), ("today ", 0)] where lower.hasPrefix(word) {
            guard let clock = clock(String(input.dropFirst(word.count))),
                  let day = calendar.date(byAdding: .day, value: days, to: calendar.startOfDay(for: now)) else { return nil }
            return at(clock, on: day, calendar)
        }
        if let clock = clock(input) {
            let today = calendar.startOfDay(for: now)
            guard let time = at(clock, on: today, calendar) else { return nil }
            if time <= now { return time }
            return calendar.date(byAdding: .day, value: -1, to: today).flatMap { at(clock, on: $0, calendar) }
        }
        return dateTime(input, calendar)
    }

    /// `2h`, `-2h`, `90m`: seconds.
    static func age(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var body = Substring(text)
        if body.first == "-" { body = body.dropFirst() }
        guard let unit = body.last.flatMap({ units[$0] }), let amount = Double(body.dropLast()), amount >= 0,
              amount.isFinite, amount * unit < 100 * 365 * 86_400, body.dropLast().allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return amount * unit
    }

    /// `14:00`, `9:30`, `03:12:07`: hour, minute, second.
    static func clock(_ text: String) -> (Int, Int, Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy(\.isASCII) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        let second = parts.count == 3 ? Int(parts[2]) : 0
        guard let second, (0...59).contains(second) else { return nil }
        return (hour, minute, second)
    }

    /// That wall-clock time on `day` (a midnight): across a DST gap, the first moment after it.
    static func at(_ clock: (Int, Int, Int), on day: Date, _ calendar: Calendar) -> Date? {
        var parts = calendar.dateComponents([.year, .month, .day], from: day)
        (parts.hour, parts.minute, parts.second) = clock
        if let exact = calendar.date(from: parts), calendar.component(.hour, from: exact) == clock.0 { return exact }
        return calendar.nextDate(after: day, matching: DateComponents(hour: clock.0, minute: clock.1, second: clock.2),
                                 matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
    }

    static func dateTime(_ text: String, _ calendar: Calendar) -> Date? {
        // A zone written after the time (`Z`, `+01:00`, `-0530`): the same date and time read in
        // a fixed-offset calendar, whatever the separator (`T` or a space) and with or without
        // seconds.
        var body = Substring(text)
        var zoned = calendar
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            body = body.dropLast()
            zoned.timeZone = TimeZone(secondsFromGMT: 0)!
        } else if let offset = body.range(of: #"(?<=\d)[+-]\d\d:?\d\d$"#, options: .regularExpression) {
            let digits = body[offset].filter(\.isNumber)
            guard let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)), minutes < 60, hours * 60 + minutes <= 14 * 60,
                  let zone = TimeZone(secondsFromGMT: (hours * 3_600 + minutes * 60) * (body[offset].hasPrefix("-") ? -1 : 1)) else { return nil }
            body = body[..<offset.lowerBound]
            zoned.timeZone = zone
        }
        let halves = body.replacingOccurrences(of: "T", with: " ").split(separator: " ", omittingEmptySubsequences: true)
        guard (1...2).contains(halves.count) else { return nil }
        let dateParts = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        // 1970 on: nothing is stored before it, and years before the Gregorian reform read oddly.
        guard dateParts.count == 3, dateParts[0].count == 4, let year = Int(dateParts[0]), (1970...9999).contains(year),
              let month = Int(dateParts[1]), let dayNumber = Int(dateParts[2]), (1...12).contains(month), (1...31).contains(dayNumber) else { return nil }
        let clock = halves.count == 2 ? clock(String(halves[1])) : (0, 0, 0)
        guard let clock, let day = zoned.date(from: DateComponents(year: year, month: month, day: dayNumber)),
              zoned.component(.day, from: day) == dayNumber else { return nil }
        return at(clock, on: day, zoned)
    }
}
