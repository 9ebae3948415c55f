import Foundation
import Testing
import Watch

@Suite("Typed moments: ages, times of day, dates, zones and DST")
struct MomentTextTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static func iso(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    /// Tue 1 Dec 2026, 05:00 UTC.
    static let now = iso("2026-12-01T05:00:00Z")

    @Test("Ages: 2h, -2h, 90m, 45s, 7d before now; nonsense is refused", arguments: [
        ("2h", 7_200.0), ("-2h", 7_200), ("90m", 5_400), ("45s", 45), ("7d", 604_800), ("1.5h", 5_400),
    ])
    func ages(text: String, seconds: Double) {
        #expect(MomentText.parse(text, now: Self.now, timeZone: Self.utc) == Self.now.addingTimeInterval(-seconds))
    }

    @Test("Refused: empty, words, out-of-range clocks and dates, a huge age", arguments: [
        "", "soon", "25:00", "12:60", "12:00:61", "2026-02-30 10:00", "2026-13-01", "h", "-h", "1e9d", "99999999999d", "yesterday", "today 7",
        "2026-11-30T14:00:00+99:00", "2026-11-30T14:00:00+24:00", "2026-11-30T14:00:00-99:99", "2026-11-30T14:00:00+00:60",
        "2026-11-30T14:00:00-14:59", "0000-01-01", "1900-01-01 00:00", "2026-11-30 14:00ZZ",
    ])
    func refused(text: String) {
        #expect(MomentText.parse(text, now: Self.now, timeZone: Self.utc) == nil)
    }

    @Test("A time of day is today's, or yesterday's when today's is still to come; yesterday and today say which")
    func timesOfDay() {
        #expect(MomentText.parse("03:12", now: Self.now, timeZone: Self.utc) == Self.iso("2026-12-01T03:12:00Z"))
        #expect(MomentText.parse("03:12:07", now: Self.now, timeZone: Self.utc) == Self.iso("2026-12-01T03:12:07Z"))
        #expect(MomentText.parse("14:00", now: Self.now, timeZone: Self.utc) == Self.iso("2026-11-30T14:00:00Z"), "later today: yesterday's")
        #expect(MomentText.parse("yesterday 14:00", now: Self.now, timeZone: Self.utc) == Self.iso("2026-11-30T14:00:00Z"))
        #expect(MomentText.parse("Yesterday 9:30", now: Self.now, timeZone: Self.utc) == Self.iso("2026-11-30T09:30:00Z"))
        #expect(MomentText.parse("today 04:59", now: Self.now, timeZone: Self.utc) == Self.iso("2026-12-01T04:59:00Z"))
    }

    @Test("In the server's zone: 03:12 in Berlin is 02:12 UTC; yesterday is Berlin's yesterday")
    func zones() {
        #expect(MomentText.parse("03:12", now: Self.now, timeZone: Self.berlin) == Self.iso("2026-12-01T02:12:00Z"))
        // 00:30 UTC on 1 Dec is 01:30 on 1 Dec in Berlin: its yesterday is 30 Nov.
        let early = Self.iso("2026-12-01T00:30:00Z")
        #expect(MomentText.parse("yesterday 14:00", now: early, timeZone: Self.berlin) == Self.iso("2026-11-30T13:00:00Z"))
        #expect(MomentText.parse("yesterday 14:00", now: early, timeZone: Self.utc) == Self.iso("2026-11-30T14:00:00Z"))
    }

    @Test("Dates and times: in the zone without one, in their own with Z or an offset")
    func dateTimes() {
        #expect(MomentText.parse("2026-11-30 14:00", now: Self.now, timeZone: Self.berlin) == Self.iso("2026-11-30T13:00:00Z"))
        #expect(MomentText.parse("2026-11-30T14:00:05", now: Self.now, timeZone: Self.utc) == Self.iso("2026-11-30T14:00:05Z"))
        #expect(MomentText.parse("2026-11-30", now: Self.now, timeZone: Self.berlin) == Self.iso("2026-11-29T23:00:00Z"))
        #expect(MomentText.parse("2026-11-30T14:00:00Z", now: Self.now, timeZone: Self.berlin) == Self.iso("2026-11-30T14:00:00Z"))
        #expect(MomentText.parse("2026-11-30T14:00:00+01:00", now: Self.now, timeZone: Self.utc) == Self.iso("2026-11-30T13:00:00Z"))
        // Z or an offset with a space, or without seconds.
        #expect(MomentText.parse("2026-11-30 14:00:00Z", now: Self.now, timeZone: Self.berlin) == Self.iso("2026-11-30T14:00:00Z"))
        #expect(MomentText.parse("2026-11-30T14:00Z", now: Self.now, timeZone: Self.berlin) == Self.iso("2026-11-30T14:00:00Z"))
        #expect(MomentText.parse("2026-11-30 14:00-0530", now: Self.now, timeZone: Self.utc) == Self.iso("2026-11-30T19:30:00Z"))
        #expect(MomentText.parse("2026-11-30T14:00:00+14:00", now: Self.now, timeZone: Self.utc) == Self.iso("2026-11-30T00:00:00Z"))
    }

    @Test("DST in Berlin: 02:30 on the spring-forward day is the first moment after the gap; on the fall-back day, the first 02:30")
    func daylightSaving() {
        // 29 Mar 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC).
        let spring = Self.iso("2026-03-29T12:00:00Z")
        #expect(MomentText.parse("02:30", now: spring, timeZone: Self.berlin) == Self.iso("2026-03-29T01:00:00Z"))
        #expect(MomentText.parse("03:30", now: spring, timeZone: Self.berlin) == Self.iso("2026-03-29T01:30:00Z"))
        // 25 Oct 2026: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:30 happens at 00:30 and 01:30 UTC.
        let autumn = Self.iso("2026-10-25T12:00:00Z")
        #expect(MomentText.parse("02:30", now: autumn, timeZone: Self.berlin) == Self.iso("2026-10-25T00:30:00Z"))
        #expect(MomentText.parse("2026-10-25 04:00", now: autumn, timeZone: Self.berlin) == Self.iso("2026-10-25T03:00:00Z"))
    }
}
