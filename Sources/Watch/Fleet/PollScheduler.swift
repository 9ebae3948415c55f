import Foundation

/// A watched user: one server of the fleet (its index) and a user name on it.
package struct UserKey: Hashable, Sendable, Comparable {
    package let server: Int
    package let name: String

    package init(server: Int, name: String) {
        self.server = server
        self.name = name
    }

    package static func < (a: UserKey, b: UserKey) -> Bool {
        a.server != b.server ? a.server < b.server : a.name < b.name
    }
}

/// One request the scheduler lets out.
package enum PollJob: Hashable, Sendable {
    case quickstats(UserKey)
    case userList(server: Int)

    package var server: Int {
        switch self {
        case .quickstats(let key): return key.server
        case .userList(let server): return server
        }
    }
}

/// How a request ended, as far as scheduling cares.
package enum PollOutcome: Sendable, Equatable {
    case success
    /// The server answered, but not for this user (Access Denied, Bad login): only this row waits.
    case userFailure
    /// No usable answer (down, slow, HTML, API switched off): the whole server backs off.
    case serverFailure
}

/// What one server may be asked: `max_in_flight` requests at once, `max_rate` per second.
package struct ServerBudget: Sendable, Equatable {
    package var maxInFlight: Int
    package var maxRate: Double

    package static let defaultMaxInFlight = 2
    package static let defaultMaxRate: Double = 5

    package init(maxInFlight: Int = defaultMaxInFlight, maxRate: Double = defaultMaxRate) {
        self.maxInFlight = max(1, maxInFlight)
        self.maxRate = max(0.01, maxRate)
    }

    /// Starts are at least this far apart, so no window of one second ever holds more than
    /// `maxRate` of them, and catch-up after a stall is as slow as normal running. The 4% on
    /// top is for the network: requests reach the server a few milliseconds apart from when
    /// they left, and the server counts arrivals (40 ms of jitter per `maxRate` requests).
    package var minimumGap: TimeInterval { Self.jitterAllowance / maxRate }

    package static let jitterAllowance = 1.04
}

/// The one place that decides every request to every server. Pure: the clock is passed in, so
/// the caps, fairness and backoff are tested on a virtual clock.
///
/// Policy, per server:
/// - at most `maxInFlight` requests at once and starts at least `1 / maxRate` apart;
/// - the user on screen (the focus) first, every `interval`; then the server's user list when
///   due (every 10 minutes); then every other user every `overviewInterval`, the most overdue
///   first, so when the budget is short every row ages evenly and none starves;
/// - new users (at start, or from a fresh user list) are due at once: their first answers come
///   as fast as the caps allow (two users wait a fifth of a second, not half the interval), and
///   since each next poll is due `overviewInterval` after its answer, the rounds after the first
///   keep the spacing the caps gave the first;
/// - a server failure backs off the whole server (one countdown, doubling to a minute): one
///   probe at a time until it answers, then the overdue users are spread out again instead of
///   all being asked at once; a user failure backs off only that user.
package struct PollScheduler: Sendable {
    package var interval: TimeInterval
    package var overviewInterval: TimeInterval
    package private(set) var focus: UserKey?
    /// `p`: nothing starts by itself; `r` still fetches.
    package var paused = false

    /// Server user lists are fetched again this often.
    package static let userListPeriod: TimeInterval = 600
    /// Backoff after failures never waits longer than this (or the interval, when longer).
    package static let maxBackoff: TimeInterval = 60
    /// A user the server refuses (Access Denied) is asked again at most this rarely.
    package static let maxUserBackoff: TimeInterval = 600

    struct Slot: Sendable {
        var due: Date
        var inFlight = false
        var startedAt: Date?
        var lastFinish: Date?
        var failures = 0
        /// `r` pressed: goes even while paused; pressed during a request, it goes again after.
        var forced = false
        var refreshQueued = false
        /// Blocked users are listed, not polled.
        var polled = true
    }

    /// One server's users and budget. Users live in arrays (scanned on every wake: a thousand
    /// users cost microseconds, not a dictionary lookup each), found by name through `position`.
    struct Lane: Sendable {
        var budget: ServerBudget
        var users: [UserKey] = []
        var slots: [Slot] = []
        var position: [String: Int] = [:]
        /// Users polled (not blocked): what a full round has to cover.
        var polledCount = 0
        var inFlight = 0
        var lastStart: Date?
        /// Server failures in a row; above zero the server is backing off.
        var failures = 0
        var retryAt: Date?
        var userListDue: Date?
        var userListInFlight = false
        var userListStartedAt: Date?
        /// Smoothed seconds per answer: what `maxInFlight` allows per second.
        var latency: TimeInterval?
    }

    private(set) var lanes: [Lane]

    /// The slot of a watched user (nil when not watched). Setting nil is not removal: see `remove`.
    private subscript(slot key: UserKey) -> Slot? {
        get { lanes[key.server].position[key.name].map { lanes[key.server].slots[$0] } }
        set {
            guard let newValue, let index = lanes[key.server].position[key.name] else { return }
            lanes[key.server].slots[index] = newValue
        }
    }

    package init(budgets: [ServerBudget], interval: TimeInterval, overviewInterval: TimeInterval) {
        self.lanes = budgets.map { Lane(budget: $0) }
        self.interval = interval
        self.overviewInterval = overviewInterval
    }

    // MARK: Who is watched

    /// Adds users of one server, all due now, in the order given (the focus goes first anyway):
    /// the server's caps pace them. Users already watched keep their schedule.
    package mutating func add(_ keys: [UserKey], now: Date) {
        var seen = Set<UserKey>()
        let fresh = keys.filter { self[slot: $0] == nil && seen.insert($0).inserted }
        // In place: a copy of the lane per user made a 20,000-user list take seconds. Equal due
        // times go in the list's order (the most overdue is picked with a strict <).
        for key in fresh {
            lanes[key.server].position[key.name] = lanes[key.server].users.count
            lanes[key.server].users.append(key)
            lanes[key.server].slots.append(Slot(due: now))
            lanes[key.server].polledCount += 1
        }
    }

    /// Stops watching these users (gone from the server's list). A request in flight still ends
    /// through `finish`, which then only frees the server's budget.
    package mutating func remove(_ keys: Set<UserKey>) {
        for server in Set(keys.map(\.server)) {
            var lane = lanes[server]
            var users: [UserKey] = [], slots: [Slot] = []
            for (key, slot) in zip(lane.users, lane.slots) where !keys.contains(key) {
                users.append(key)
                slots.append(slot)
            }
            lane.users = users
            lane.slots = slots
            lane.position = Dictionary(uniqueKeysWithValues: users.enumerated().map { ($0.element.name, $0.offset) })
            lane.polledCount = slots.filter(\.polled).count
            lanes[server] = lane
        }
        if let focus, keys.contains(focus) { self.focus = nil }
    }

    /// Listed but not polled (blocked users), or polled again.
    package mutating func setPolled(_ key: UserKey, _ polled: Bool) {
        guard var slot = self[slot: key], slot.polled != polled else { return }
        slot.polled = polled
        self[slot: key] = slot
        lanes[key.server].polledCount += polled ? 1 : -1
    }

    /// The server's user list is wanted: now, and every `userListPeriod` after.
    package mutating func wantUserList(server: Int, now: Date) {
        lanes[server].userListDue = now
    }

    /// The user on screen (nil on the overview): polled every `interval`, before anyone else.
    package mutating func setFocus(_ key: UserKey?, now: Date) {
        guard key != focus else { return }
        if let old = focus, var slot = self[slot: old], slot.failures == 0, !slot.forced {
            slot.due = (slot.lastFinish ?? now).addingTimeInterval(overviewInterval)
            self[slot: old] = slot
        }
        focus = key
        guard let key, var slot = self[slot: key], !slot.inFlight else { return }
        if slot.failures == 0 {
            // Never asked: at once. Otherwise one interval after its last answer.
            slot.due = min(slot.due, slot.lastFinish?.addingTimeInterval(interval) ?? now)
        }
        self[slot: key] = slot
    }

    /// `r`: this user now, caps permitting, paused or not.
    package mutating func refresh(_ key: UserKey, now: Date) {
        guard var slot = self[slot: key] else { return }
        if slot.inFlight {
            slot.refreshQueued = true
        } else {
            slot.due = min(slot.due, now)
            slot.forced = true
        }
        self[slot: key] = slot
    }

    /// After `interval` changed: the focus's next poll follows its last answer.
    package mutating func replanFocus() {
        guard let focus, var slot = self[slot: focus], slot.failures == 0, let last = slot.lastFinish, !slot.forced else { return }
        slot.due = last.addingTimeInterval(interval)
        self[slot: focus] = slot
    }

    // MARK: Running

    /// The requests to start now. Each server starts at most one per call when it has a rate
    /// gap; call again at `nextWake`.
    package mutating func start(now: Date) -> [PollJob] {
        var jobs: [PollJob] = []
        for server in lanes.indices {
            while let job = nextJob(server: server, now: now) {
                jobs.append(job)
                begin(job, now: now)
            }
        }
        return jobs
    }

    /// When `start` next has something to do, or nil when only a finishing request (or a key)
    /// can change that.
    package func nextWake(now: Date) -> Date? {
        var best: Date?
        for server in lanes.indices {
            let lane = lanes[server]
            guard lane.inFlight < lane.budget.maxInFlight, !(lane.failures > 0 && lane.inFlight > 0) else { continue }
            // Nothing starts before the rate gap (and the retry): the scan for the earliest due
            // may stop at the first user due by then. A fleet over its budget always has one
            // among its first slots (ten thousand users, a scan after every event).
            var floor = lane.lastStart.map { $0.addingTimeInterval(lane.budget.minimumGap) }
            if lane.failures > 0, let retryAt = lane.retryAt, !hasForced(server: server) { floor = max(floor ?? retryAt, retryAt) }
            guard let due = earliestDue(server: server, notBefore: floor) else { continue }
            let wake = floor.map { max(due, $0) } ?? due
            best = best.map { min($0, wake) } ?? wake
        }
        return best
    }

    /// A request ended. Frees its server's budget and plans the next poll of its user.
    package mutating func finish(_ job: PollJob, outcome: PollOutcome, now: Date) {
        let server = job.server
        lanes[server].inFlight = max(0, lanes[server].inFlight - 1)
        var startedAt: Date?
        switch job {
        case .userList:
            startedAt = lanes[server].userListStartedAt
            lanes[server].userListInFlight = false
            lanes[server].userListStartedAt = nil
            lanes[server].userListDue = outcome == .serverFailure ? nil : now.addingTimeInterval(Self.userListPeriod)
        case .quickstats(let key):
            if var slot = self[slot: key] {
                startedAt = slot.startedAt
                slot.inFlight = false
                slot.startedAt = nil
                slot.forced = false
                slot.lastFinish = now
                switch outcome {
                case .success:
                    slot.failures = 0
                    slot.due = now.addingTimeInterval(period(of: key))
                case .userFailure:
                    slot.failures += 1
                    slot.due = now.addingTimeInterval(userBackoff(of: key, failures: slot.failures))
                case .serverFailure:
                    slot.due = now.addingTimeInterval(period(of: key))
                }
                if slot.refreshQueued {
                    slot.refreshQueued = false
                    slot.forced = true
                    slot.due = now
                }
                self[slot: key] = slot
            }
        }
        if let startedAt {
            let seconds = max(0, now.timeIntervalSince(startedAt))
            lanes[server].latency = lanes[server].latency.map { $0 * 0.8 + seconds * 0.2 } ?? seconds
        }
        if outcome == .serverFailure {
            lanes[server].failures += 1
            lanes[server].retryAt = now.addingTimeInterval(backoff(failures: lanes[server].failures))
            if lanes[server].userListDue == nil, case .userList = job { lanes[server].userListDue = lanes[server].retryAt }
        } else if lanes[server].failures > 0 {
            // Back: spread the overdue users out again rather than asking for all at once.
            lanes[server].failures = 0
            lanes[server].retryAt = nil
            respread(server: server, now: now)
        }
    }

    // MARK: What the screen shows

    /// When this user is next asked for (its own schedule, or the server's retry when later).
    package func nextPoll(of key: UserKey) -> Date? {
        guard let slot = self[slot: key], !slot.inFlight else { return nil }
        let lane = lanes[key.server]
        if lane.failures > 0, let retryAt = lane.retryAt { return max(slot.due, retryAt) }
        return slot.due
    }

    package func isInFlight(_ key: UserKey) -> Bool { self[slot: key]?.inFlight ?? false }
    /// Polled at all (a blocked user is listed, never asked for).
    package func isPolled(_ key: UserKey) -> Bool { self[slot: key]?.polled ?? false }

    /// The server's retry, while it is backing off.
    package func retryAt(server: Int) -> Date? {
        lanes[server].failures > 0 ? lanes[server].retryAt : nil
    }

    package func serverFailures(_ server: Int) -> Int { lanes[server].failures }

    package func budget(of server: Int) -> ServerBudget { lanes[server].budget }

    /// Requests in flight to this server now.
    package func inFlight(server: Int) -> Int { lanes[server].inFlight }

    /// Seconds one full round of this server's users (not the focus) takes: the overview
    /// interval, or longer when the server's budget cannot cover every user in it.
    package func roundSeconds(server: Int) -> TimeInterval {
        let lane = lanes[server]
        var count = lane.polledCount
        if let focus, focus.server == server, self[slot: focus]?.polled == true { count -= 1 }
        guard count > 0 else { return overviewInterval }
        var rate = 1 / lane.budget.minimumGap
        if let focus, focus.server == server { rate -= 1 / interval }
        if let latency = lane.latency, latency > 0 { rate = min(rate, Double(lane.budget.maxInFlight) / latency) }
        rate = max(rate, 0.01)
        return max(overviewInterval, Double(count) / rate)
    }

    // MARK: Inside

    private func period(of key: UserKey) -> TimeInterval {
        key == focus ? interval : overviewInterval
    }

    /// The wait after `failures` server failures in a row: the interval, doubled per further
    /// failure, capped at a minute (or the interval, when that is longer).
    package func backoff(failures: Int) -> TimeInterval {
        guard failures > 0 else { return interval }
        let doubled = interval * pow(2, Double(min(failures - 1, 16)))
        return min(doubled, max(Self.maxBackoff, interval))
    }

    private func userBackoff(of key: UserKey, failures: Int) -> TimeInterval {
        if key == focus { return backoff(failures: failures) }
        let doubled = overviewInterval * pow(2, Double(min(failures - 1, 16)))
        return min(doubled, max(Self.maxUserBackoff, overviewInterval))
    }

    private func isCandidate(_ slot: Slot) -> Bool {
        !slot.inFlight && slot.polled && (!paused || slot.forced)
    }

    private func hasForced(server: Int) -> Bool {
        lanes[server].slots.contains { $0.forced && isCandidate($0) }
    }

    /// The earliest due time of the server's user list and candidate users; with `floor`, any
    /// due time at or before it may be returned instead (the caller waits for the floor anyway).
    private func earliestDue(server: Int, notBefore floor: Date? = nil) -> Date? {
        let lane = lanes[server]
        var best: Date?
        if !paused, !lane.userListInFlight, let due = lane.userListDue { best = due }
        if let best, let floor, best <= floor { return best }
        // The slots array itself, not a lookup by name per user: this runs after every answer.
        for slot in lane.slots where isCandidate(slot) {
            if let floor, slot.due <= floor { return slot.due }
            best = best.map { min($0, slot.due) } ?? slot.due
        }
        return best
    }

    private func nextJob(server: Int, now: Date) -> PollJob? {
        let lane = lanes[server]
        guard lane.inFlight < lane.budget.maxInFlight else { return nil }
        if let last = lane.lastStart, now < last.addingTimeInterval(lane.budget.minimumGap) { return nil }
        if lane.failures > 0 {
            // Backing off: one probe at a time, and before the retry time only what `r` asked for.
            if lane.inFlight > 0 { return nil }
            if let retryAt = lane.retryAt, now < retryAt {
                return lane.slots.firstIndex { $0.forced && isCandidate($0) }.map { .quickstats(lane.users[$0]) }
            }
        }
        if let focus, focus.server == server, let slot = self[slot: focus], isCandidate(slot), slot.due <= now {
            return .quickstats(focus)
        }
        if !paused, !lane.userListInFlight, let due = lane.userListDue, due <= now { return .userList(server: server) }
        var best: (index: Int, due: Date)?
        for (index, slot) in lane.slots.enumerated() where isCandidate(slot) && slot.due <= now {
            // Forced (`r`) first, then the most overdue: every row ages evenly.
            let due = slot.forced ? .distantPast : slot.due
            if best == nil || due < best!.due { best = (index, due) }
        }
        return best.map { .quickstats(lane.users[$0.index]) }
    }

    private mutating func begin(_ job: PollJob, now: Date) {
        let server = job.server
        lanes[server].inFlight += 1
        lanes[server].lastStart = now
        switch job {
        case .userList:
            lanes[server].userListInFlight = true
            lanes[server].userListStartedAt = now
            lanes[server].userListDue = nil
        case .quickstats(let key):
            if var slot = self[slot: key] {
                slot.inFlight = true
                slot.startedAt = now
                self[slot: key] = slot
            }
        }
    }

    /// Overdue background users of a server that came back: due evenly over the round from now,
    /// the longest waiting first.
    private mutating func respread(server: Int, now: Date) {
        let lane = lanes[server]
        let waiting = lane.slots.indices
            .filter { lane.users[$0] != focus && !lane.slots[$0].inFlight && lane.slots[$0].due <= now }
            .sorted { lane.slots[$0].due < lane.slots[$1].due }
        guard !waiting.isEmpty else { return }
        let spacing = max(overviewInterval / Double(waiting.count), lane.budget.minimumGap)
        for (order, index) in waiting.enumerated() {
            lanes[server].slots[index].due = now.addingTimeInterval(Double(order + 1) * spacing)
        }
    }
}
