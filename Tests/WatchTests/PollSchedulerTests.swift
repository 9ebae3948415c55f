import Watch
import Foundation
import Testing

/// The scheduler on a virtual clock: requests start, take some time, end; the test checks every
/// start against the caps and counts who was asked how often.
@Suite("Poll scheduler: caps, fairness, priority, backoff (virtual clock)")
struct PollSchedulerTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// Runs `scheduler` for `seconds` of virtual time. `latency(job, now)` says how long a
    /// request takes, `outcome(job, now)` how it ends. Every start is recorded.
    struct Run {
        var scheduler: PollScheduler
        var now: Date
        var starts: [(time: Date, job: PollJob)] = []
        var inFlight: [(end: Date, job: PollJob)] = []
        var maxInFlight: [Int: Int] = [:]

        mutating func advance(by seconds: TimeInterval, latency: (PollJob, Date) -> TimeInterval = { _, _ in 0.05 },
                              outcome: (PollJob, Date) -> PollOutcome = { _, _ in .success }) {
            let end = now.addingTimeInterval(seconds)
            while now <= end {
                for job in scheduler.start(now: now) {
                    starts.append((now, job))
                    inFlight.append((now.addingTimeInterval(latency(job, now)), job))
                    let count = inFlight.filter { $0.job.server == job.server }.count
                    maxInFlight[job.server] = max(maxInFlight[job.server] ?? 0, count)
                }
                // The next event: a request ending, or the scheduler's wake.
                let nextEnd = inFlight.map(\.end).min()
                let wake = scheduler.nextWake(now: now)
                guard let next = [nextEnd, wake].compactMap({ $0 }).min(), next <= end else { now = end.addingTimeInterval(0.001); break }
                now = max(next, now.addingTimeInterval(0.0001))
                for done in inFlight.filter({ $0.end <= now }) {
                    scheduler.finish(done.job, outcome: outcome(done.job, now), now: now)
                }
                inFlight.removeAll { $0.end <= now }
            }
        }

        /// Starts at one server within any window of one second.
        func maxPerSecond(server: Int) -> Int {
            let times = starts.filter { $0.job.server == server }.map(\.time)
            var best = 0
            for (index, time) in times.enumerated() {
                best = max(best, times[index...].prefix { $0.timeIntervalSince(time) < 1 }.count)
            }
            return best
        }

        func requests(for key: UserKey) -> [Date] {
            starts.filter { $0.job == .quickstats(key) }.map(\.time)
        }
    }

    func keys(_ count: Int, server: Int = 0) -> [UserKey] {
        (0..<count).map { UserKey(server: server, name: "user\($0)") }
    }

    func run(budgets: [ServerBudget], users: [[UserKey]], interval: TimeInterval = 5, overview: TimeInterval = 30) -> Run {
        var scheduler = PollScheduler(budgets: budgets, interval: interval, overviewInterval: overview)
        for list in users { scheduler.add(list, now: t0) }
        return Run(scheduler: scheduler, now: t0)
    }

    @Test("Start: every user's first answer as fast as the caps allow; later rounds keep that spacing")
    func firstRoundAtCapsPace() {
        var run = run(budgets: [ServerBudget()], users: [keys(10)])
        run.advance(by: 29.9)
        let gap = ServerBudget().minimumGap
        let first = run.starts.map { $0.time.timeIntervalSince(t0) }
        #expect(first.count == 10, "all ten in the first round, not one every 3 s")
        for (index, time) in first.enumerated() {
            #expect(abs(time - Double(index) * gap) < 0.001, "start \(index) at \(time) s: one every \(gap) s (max_rate 5)")
        }
        #expect(run.maxPerSecond(server: 0) <= 5)
        // The second round: each user again an overview interval after its own answer.
        run.advance(by: 31)
        for (index, key) in keys(10).enumerated() {
            let asked = run.requests(for: key)
            #expect(asked.count >= 2)
            if asked.count >= 2 {
                #expect(abs(asked[1].timeIntervalSince(asked[0]) - 30.05) < 0.01, "user \(index): 30 s after its 0.05 s answer")
            }
        }
    }

    @Test("Two users with the defaults: both answered within a second of the start (was up to 30 s)")
    func twoUsersAtOnce() {
        var run = run(budgets: [ServerBudget()], users: [keys(2)])
        run.advance(by: 1)
        #expect(run.starts.count == 2)
        #expect(run.starts.map { $0.time.timeIntervalSince(t0) }.max()! < 0.5)
    }

    @Test("Caps hold for 1,000 users on a short budget; rows age evenly; the round takes what the caps allow")
    func capsAndFairness() {
        var run = run(budgets: [ServerBudget(maxInFlight: 2, maxRate: 5)], users: [keys(1000)])
        run.advance(by: 600, latency: { _, _ in 0.3 })
        #expect(run.maxPerSecond(server: 0) <= 5)
        #expect((run.maxInFlight[0] ?? 0) <= 2)
        let counts = keys(1000).map { run.requests(for: $0).count }
        // 600 s at 5/s (4.8/s with the jitter allowance) is 2,880 requests: every user two or
        // three times, none starved, none favoured.
        #expect(counts.min()! >= 2 && counts.max()! - counts.min()! <= 1, "min \(counts.min()!) max \(counts.max()!)")
        #expect(abs(run.scheduler.roundSeconds(server: 0) - 208) < 1, "1,000 users at 5/s (less 4% for jitter): 208 s a round")
    }

    @Test("Slow answers: max_in_flight is the limit, and the round says so")
    func slowServer() {
        var run = run(budgets: [ServerBudget(maxInFlight: 2, maxRate: 5)], users: [keys(100)])
        run.advance(by: 120, latency: { _, _ in 2 })
        #expect((run.maxInFlight[0] ?? 0) == 2)
        #expect(run.maxPerSecond(server: 0) <= 2, "two at once, two seconds each: one a second")
        #expect(run.scheduler.roundSeconds(server: 0) > 90, "100 users at ~1/s")
    }

    @Test("Catch-up after a stall (laptop asleep) never bursts past the caps")
    func catchUpAfterStall() {
        var run = run(budgets: [ServerBudget(maxInFlight: 4, maxRate: 5)], users: [keys(200)])
        run.advance(by: 60)
        run.now = run.now.addingTimeInterval(3600)  // everyone overdue by an hour
        let before = run.starts.count
        run.advance(by: 10)
        #expect(run.starts.count - before <= 51, "at most 5 a second over 10 s")
        #expect(run.maxPerSecond(server: 0) <= 5)
    }

    @Test("The user on screen is polled every interval, before anyone else, even on a busy server")
    func focusPriority() {
        var run = run(budgets: [ServerBudget(maxInFlight: 2, maxRate: 5)], users: [keys(500)], interval: 2)
        run.scheduler.setFocus(UserKey(server: 0, name: "user250"), now: t0)
        run.advance(by: 100, latency: { _, _ in 0.2 })
        let focus = run.requests(for: UserKey(server: 0, name: "user250"))
        #expect(focus.first == t0, "at once")
        let gaps = zip(focus.dropFirst(), focus).map { $0.timeIntervalSince($1) }
        #expect(gaps.allSatisfy { $0 <= 2.2 + 0.21 }, "every interval (plus the answer's time): \(gaps.max() ?? 0)")
        #expect(run.maxPerSecond(server: 0) <= 5)
    }

    @Test("A dead server backs off as one and never delays the others")
    func deadServerIsolated() {
        var run = run(budgets: [ServerBudget(), ServerBudget()], users: [keys(30, server: 0), keys(30, server: 1)])
        run.advance(by: 120, outcome: { job, _ in job.server == 1 ? .serverFailure : .success })
        let healthy = keys(30, server: 0).map { run.requests(for: $0).count }
        #expect(healthy.allSatisfy { $0 >= 4 }, "server 0 keeps its 30 s rounds: \(healthy)")
        let dead = run.starts.filter { $0.job.server == 1 }.map(\.time)
        // One countdown for the whole server: 5, 10, 20, 40, 60… not 30 users each retrying.
        #expect(dead.count <= 8, "\(dead.count) probes in two minutes")
        #expect(run.scheduler.serverFailures(1) >= 4)
        #expect(run.scheduler.retryAt(server: 1) != nil)
    }

    @Test("A server that comes back is not flooded: its overdue users are spread out again")
    func recoveryNotFlooded() {
        var run = run(budgets: [ServerBudget(maxInFlight: 2, maxRate: 5)], users: [keys(60)])
        let downUntil = t0.addingTimeInterval(180)
        run.advance(by: 300, outcome: { _, now in now < downUntil ? .serverFailure : .success })
        let after = run.starts.filter { $0.time >= downUntil }.map(\.time)
        let firstTen = after.filter { $0 < downUntil.addingTimeInterval(10) }.count
        #expect(firstTen <= 25, "\(firstTen) in the first 10 s back: spread over the round, not 60 at once")
        #expect(run.maxPerSecond(server: 0) <= 5)
        let covered = keys(60).filter { key in run.requests(for: key).contains { $0 >= downUntil } }
        #expect(covered.count == 60, "everyone asked again within the rest of the run")
    }

    @Test("An API error for one user backs off that user only")
    func userFailureIsolated() {
        let denied = UserKey(server: 0, name: "user3")
        var run = run(budgets: [ServerBudget()], users: [keys(6)], overview: 10)
        run.advance(by: 300, outcome: { job, _ in job == .quickstats(denied) ? .userFailure : .success })
        #expect(run.scheduler.serverFailures(0) == 0)
        #expect(run.requests(for: denied).count <= 6, "10, 20, 40, 80, 160 s apart")
        #expect(run.requests(for: UserKey(server: 0, name: "user2")).count >= 29)
    }

    @Test("Pause stops everything but r; the user list comes first after the focus")
    func pauseAndUserList() {
        var scheduler = PollScheduler(budgets: [ServerBudget()], interval: 5, overviewInterval: 30)
        let admin = UserKey(server: 0, name: "admin")
        scheduler.add([admin, UserKey(server: 0, name: "alice")], now: t0)
        scheduler.setFocus(admin, now: t0)
        scheduler.wantUserList(server: 0, now: t0)
        #expect(scheduler.start(now: t0) == [.quickstats(admin)])
        #expect(scheduler.start(now: t0.addingTimeInterval(0.21)) == [.userList(server: 0)])
        scheduler.finish(.quickstats(admin), outcome: .success, now: t0.addingTimeInterval(0.3))
        scheduler.paused = true
        #expect(scheduler.nextWake(now: t0.addingTimeInterval(1)) == nil)
        #expect(scheduler.start(now: t0.addingTimeInterval(60)) == [])
        scheduler.refresh(admin, now: t0.addingTimeInterval(60))
        #expect(scheduler.start(now: t0.addingTimeInterval(60)) == [.quickstats(admin)])
    }

    @Test("Users removed from the list are forgotten; their answers in flight only free the budget")
    func removal() {
        var scheduler = PollScheduler(budgets: [ServerBudget(maxInFlight: 1, maxRate: 100)], interval: 5, overviewInterval: 30)
        let gone = UserKey(server: 0, name: "gone")
        scheduler.add([gone], now: t0)
        #expect(scheduler.start(now: t0) == [.quickstats(gone)])
        scheduler.remove([gone])
        scheduler.finish(.quickstats(gone), outcome: .success, now: t0.addingTimeInterval(1))
        #expect(scheduler.inFlight(server: 0) == 0)
        #expect(scheduler.nextWake(now: t0.addingTimeInterval(1)) == nil)
    }

    @Test("nextWake: the rate gap while users are due by then (a fleet past its budget), else the earliest due")
    func nextWakeFloor() {
        let budget = ServerBudget(maxInFlight: 2, maxRate: 5)
        var scheduler = PollScheduler(budgets: [budget, budget], interval: 5, overviewInterval: 30)
        let users = (0..<1000).map { UserKey(server: 0, name: "u\($0)") }
        scheduler.add(users, now: t0)
        scheduler.add([UserKey(server: 1, name: "a"), UserKey(server: 1, name: "b")], now: t0)
        #expect(scheduler.start(now: t0).count == 2, "one per server")
        // Server 0: 999 users due now, the gap not passed: wake at the gap.
        #expect(scheduler.nextWake(now: t0) == t0.addingTimeInterval(budget.minimumGap))
        // Server 1: both asked and answered; each next due 30 s after its answer, later than the gap.
        scheduler.finish(.quickstats(UserKey(server: 1, name: "a")), outcome: .success, now: t0.addingTimeInterval(0.1))
        let second = t0.addingTimeInterval(budget.minimumGap)
        #expect(scheduler.start(now: second).map(\.server).sorted() == [0, 1])
        scheduler.finish(.quickstats(UserKey(server: 1, name: "b")), outcome: .success, now: second.addingTimeInterval(0.1))
        for job in [UserKey(server: 0, name: "u0"), UserKey(server: 0, name: "u1")] {
            scheduler.finish(.quickstats(job), outcome: .success, now: second.addingTimeInterval(0.2))
        }
        var alone = scheduler
        alone.remove(Set(users))
        #expect(alone.nextWake(now: second) == t0.addingTimeInterval(30.1), "server 1 alone: a's next poll, past the gap")
        #expect(scheduler.nextWake(now: second) == second.addingTimeInterval(budget.minimumGap), "server 0's gap comes first")
    }
}
