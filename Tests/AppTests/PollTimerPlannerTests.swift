@testable import App
import Foundation
import Testing

@Suite("The shell's poll timer plan")
struct PollTimerPlannerTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("Armed once per new due time, disarmed when nothing is due, re-armed after it fires")
    func plan() {
        var planner = PollTimerPlanner()
        #expect(planner.plan(due: t0.addingTimeInterval(5), now: t0) == .arm(after: 5))
        #expect(planner.plan(due: t0.addingTimeInterval(5), now: t0.addingTimeInterval(1)) == nil, "same due time: untouched")
        #expect(planner.plan(due: nil, now: t0) == .disarm, "in flight or paused")
        #expect(planner.plan(due: nil, now: t0) == nil)
        #expect(planner.plan(due: t0.addingTimeInterval(-3), now: t0) == .arm(after: 0), "overdue: now, never negative")
        planner.fired()
        #expect(planner.plan(due: t0.addingTimeInterval(-3), now: t0) == .arm(after: 0), "fired: the same time is planned again")
    }
}
