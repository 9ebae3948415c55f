import Foundation
import Testing
import Watch

/// The cached day and month agree with `Calendar`'s own checks, across midnights, month ends
/// and daylight-saving changes, for answers in any order of gaps.
@Suite("CalendarPeriods: new day and new month as Calendar says them")
struct CalendarPeriodsTests {
    @Test("Random answer times in three zones: the same verdicts as Calendar.isDate", arguments: ["UTC", "Europe/Vilnius", "America/Sao_Paulo"])
    func agreesWithCalendar(zone: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        // A fixed generator (SplitMix64): a failure replays.
        var seed: UInt64 = 0x5EED_0000 &+ UInt64(zone.utf8.count)
        func next() -> UInt64 {
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // From 2026-03-20, past the spring and autumn changes of both hemispheres.
        var time = Date(timeIntervalSince1970: 1_773_964_800)
        var cached: CalendarPeriods?
        for _ in 0..<20_000 {
            // Mostly seconds apart; now and then hours or days.
            let gap: TimeInterval = switch next() % 10 {
            case 0: Double(next() % 200_000)
            case 1: Double(next() % 7_200)
            default: Double(next() % 90) + 0.5
            }
            let later = time.addingTimeInterval(gap)
            let verdict = CalendarPeriods.changes(from: time, to: later, cached: &cached, calendar: calendar)
            #expect(verdict.newDay == !calendar.isDate(time, inSameDayAs: later), "\(time) -> \(later)")
            #expect(verdict.newMonth == !calendar.isDate(time, equalTo: later, toGranularity: .month), "\(time) -> \(later)")
            time = later
        }
    }

    @Test("The last second of a day and the first of the next; the last of a month")
    func edges() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let midnight = Date(timeIntervalSince1970: 1_798_761_600)  // 2027-01-01 00:00 UTC
        var cached: CalendarPeriods?
        #expect(CalendarPeriods.changes(from: midnight.addingTimeInterval(-10), to: midnight.addingTimeInterval(-0.001), cached: &cached, calendar: calendar)
                == (false, false))
        #expect(CalendarPeriods.changes(from: midnight.addingTimeInterval(-0.001), to: midnight, cached: &cached, calendar: calendar) == (true, true))
        #expect(CalendarPeriods.changes(from: midnight, to: midnight.addingTimeInterval(86_400), cached: &cached, calendar: calendar) == (true, false))
    }
}
