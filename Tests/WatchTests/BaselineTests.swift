import Foundation
import Testing
import Watch

@Suite("Baselines: the moments compared with, percentages and forecasts")
struct BaselineTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!
    let utc = TimeZone(identifier: "UTC")!

    func date(_ text: String, _ zone: TimeZone) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    func wallClock(_ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    @Test("Yesterday and a week ago at the same wall-clock time, with that day's midnight")
    func ordinaryDay() throws {
        let now = date("2026-12-01 14:00", utc)
        let moments = BaselineMoment.at(now, timeZone: utc)
        #expect(moments.map(\.kind) == [.yesterday, .lastWeek])
        #expect(wallClock(moments[0].time, utc) == "2026-11-30 14:00")
        #expect(wallClock(moments[1].time, utc) == "2026-11-24 14:00")
        #expect(wallClock(moments[1].dayStart, utc) == "2026-11-24 00:00")
        #expect(wallClock(moments[1].dayEnd, utc) == "2026-11-25 00:00")
        #expect(moments[1].label(timeZone: utc) == "Tue 24 Nov 14:00")
    }

    @Test("Across the spring-forward change (Berlin, 29 March 2026): 14:00 is compared with 14:00, 23 hours' days apart")
    func springForward() throws {
        let now = date("2026-04-02 14:00", berlin)
        let lastWeek = try #require(BaselineMoment.moment(.lastWeek, at: now, timeZone: berlin))
        #expect(wallClock(lastWeek.time, berlin) == "2026-03-26 14:00")
        #expect(now.timeIntervalSince(lastWeek.time) == 7 * 86_400 - 3600, "a week with a 23-hour day in it")
        // On the short day itself: its midnight to the next is 23 hours.
        let sunday = try #require(BaselineMoment.moment(.yesterday, at: date("2026-03-30 14:00", berlin), timeZone: berlin))
        #expect(sunday.dayEnd.timeIntervalSince(sunday.dayStart) == 23 * 3600)
    }

    @Test("Across the fall-back change (Berlin, 25 October 2026): the 25-hour day")
    func fallBack() throws {
        let now = date("2026-10-25 20:00", berlin)
        let yesterday = try #require(BaselineMoment.moment(.yesterday, at: now, timeZone: berlin))
        #expect(wallClock(yesterday.time, berlin) == "2026-10-24 20:00")
        #expect(now.timeIntervalSince(yesterday.time) == 86_400 + 3600, "the night between had 25 hours")
        let longDay = try #require(BaselineMoment.moment(.yesterday, at: date("2026-10-26 09:30", berlin), timeZone: berlin))
        #expect(longDay.dayEnd.timeIntervalSince(longDay.dayStart) == 25 * 3600)
    }

    @Test("A month start is just another day: 1 December compares with 30 November and 24 November")
    func monthStart() {
        let now = date("2026-12-01 00:30", utc)
        let moments = BaselineMoment.at(now, timeZone: utc)
        #expect(moments.map { wallClock($0.time, utc) } == ["2026-11-30 00:30", "2026-11-24 00:30"])
    }

    func values(_ kind: BaselineMoment.Kind, now: Date, metrics: [MetricID: Decimal], end: [MetricID: Decimal]?) -> BaselineValues {
        let moment = BaselineMoment.moment(kind, at: now, timeZone: utc)!
        return BaselineValues(moment: moment, rowTime: moment.time, metrics: metrics, activeRange: nil, endOfDay: end)
    }

    @Test("Percent against last week; none without a base or against a base of 0, never a 0 % guess")
    func percent() {
        let now = date("2026-12-01 14:00", utc)
        let baseline = UserBaseline(lastWeek: values(.lastWeek, now: now, metrics: [.todayCalls: 200, .todayRevenue: 0], end: nil))
        #expect(baseline.percentVsLastWeek(.todayCalls, current: 176) == -12)
        #expect(baseline.percentVsLastWeek(.todayCalls, current: 250) == 25)
        #expect(baseline.percentVsLastWeek(.todayRevenue, current: 5) == nil, "no percentage of nothing")
        #expect(baseline.percentVsLastWeek(.todayProfit, current: 5) == nil, "not stored then")
        #expect(UserBaseline().percentVsLastWeek(.todayCalls, current: 176) == nil)
    }

    @Test("Forecast: today so far scaled by last week's rest of the day; else yesterday's; else none")
    func forecast() throws {
        let now = date("2026-12-01 14:00", utc)
        // Last week: 2,000 calls by 14:00, 5,000 by midnight. Today 1,800 so far: 4,500.
        let lastWeek = values(.lastWeek, now: now, metrics: [.todayCalls: 2000, .todayRevenue: Decimal(string: "400.00")!],
                              end: [.todayCalls: 5000, .todayRevenue: Decimal(string: "900.00")!])
        let yesterday = values(.yesterday, now: now, metrics: [.todayCalls: 1000], end: [.todayCalls: 4000])
        let both = UserBaseline(yesterday: yesterday, lastWeek: lastWeek)
        let calls = try #require(both.forecast(.todayCalls, current: 1800))
        #expect(calls.value == 4500)
        #expect(calls.basis.kind == .lastWeek)
        #expect(both.forecast(.todayRevenue, current: Decimal(string: "360.00")!)?.value == 810, "360 × 900 / 400")
        // Last week's day not stored to its end: yesterday's shape, 1,800 × 4,000 / 1,000.
        let noEnd = UserBaseline(yesterday: yesterday, lastWeek: values(.lastWeek, now: now, metrics: [.todayCalls: 2000], end: nil))
        #expect(noEnd.forecast(.todayCalls, current: 1800)?.value == 7200)
        #expect(noEnd.forecast(.todayCalls, current: 1800)?.basis == yesterday.moment)
        #expect(UserBaseline(lastWeek: values(.lastWeek, now: now, metrics: [.todayCalls: 0], end: [.todayCalls: 10])).forecast(.todayCalls, current: 5) == nil,
                "nothing yet at this time last week: no scale")
        #expect(UserBaseline().forecast(.todayCalls, current: 1800) == nil)
    }
}
