import Foundation

/// Totals of finished, answered calls over one period.
package struct CallTotals: Sendable, Equatable {
    package var calls = 0
    package var duration = 0           // seconds
    package var revenue = Decimal(0)   // what users were charged ("price" for a simple user)
    package var selfCost = Decimal(0)  // what the operator paid its providers

    package init() {}

    package var profit: Decimal { revenue - selfCost }

    /// Whole percent of revenue, as the server reports it; 0 without revenue.
    package var margin: Int {
        guard revenue != 0 else { return 0 }
        var percent = profit / revenue * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &percent, 0, .plain)
        return NSDecimalNumber(decimal: rounded).intValue
    }

    mutating func add(duration seconds: Int, revenue: Decimal, selfCost: Decimal, calls: Int = 1) {
        self.calls += calls
        self.duration += seconds
        self.revenue += revenue
        self.selfCost += selfCost
    }
}

/// One call in progress: ringing until `answerAt` (nil = never answered), up until `end`.
struct LiveCall: Sendable {
    var user: Int?
    var start: Double
    var answerAt: Double?
    var end: Double
    var ratePerMinute: Decimal
    var costFactorPermille: Int
}

/// A believable day of a small VoIP operator: arrivals follow the hour of day, durations have a
/// long tail, each call has a price and a cost (some at a loss), totals roll over at midnight
/// and at the month's start. All randomness comes from one seeded generator.
package struct TrafficModel: Sendable {
    package struct Totals: Sendable, Equatable {
        package var today = CallTotals()
        package var month = CallTotals()
    }

    package let userNames: [String]
    /// Busy-hour arrival rate for the whole system, calls per minute.
    package let peakCallsPerMinute: Double
    package let timeZone: TimeZone

    package private(set) var now: Double
    package private(set) var system = Totals()
    package private(set) var users: [Totals]
    package private(set) var balances: [Decimal]

    private var live: [LiveCall] = []
    private var random: SeededRandom
    private let calendar: Calendar
    private let userShares: [Double]

    /// Relative arrival rate per hour of day: quiet nights, busy office hours.
    static let hourProfile: [Double] = [0.08, 0.05, 0.04, 0.04, 0.05, 0.1, 0.25, 0.5, 0.8, 0.95, 1.0, 0.98,
                                        0.85, 0.9, 0.97, 1.0, 0.92, 0.75, 0.55, 0.45, 0.38, 0.3, 0.2, 0.12]
    /// Per-minute tariffs charged to users.
    static let tariffs: [Decimal] = [Decimal(string: "0.012")!, Decimal(string: "0.025")!, Decimal(string: "0.049")!,
                                     Decimal(string: "0.09")!, Decimal(string: "0.18")!]
    static let answerRatio = 0.72

    package init(users: [String], start: Date, seed: UInt64, peakCallsPerMinute: Double = 12,
                timeZone: TimeZone = TimeZone(identifier: "UTC")!, backfill: Bool = true) {
        self.userNames = users
        self.peakCallsPerMinute = peakCallsPerMinute
        self.timeZone = timeZone
        self.now = start.timeIntervalSince1970
        self.random = SeededRandom(seed: seed)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        // Named users carry 60% of the traffic between them, the first the most; the rest is
        // everybody else, so the users' totals never add up to more than the system's.
        let weights = users.indices.map { 1 / Double($0 + 1) }
        let total = weights.reduce(0, +)
        self.userShares = weights.map { total > 0 ? 0.6 * $0 / total : 0 }
        self.users = Array(repeating: Totals(), count: users.count)
        self.balances = users.indices.map { Decimal(12_000 - 2_500 * ($0 % 4)) }
        if backfill { backfillMonth() }
    }

    // MARK: Reading

    package func totals(forUser name: String) -> Totals? {
        userNames.firstIndex(of: name).map { users[$0] }
    }

    package func balance(forUser name: String) -> Decimal? {
        userNames.firstIndex(of: name).map { balances[$0] }
    }

    /// Calls up right now, and how many of them are answered (the rest are ringing).
    package func activeCalls(forUser name: String? = nil) -> (total: Int, answered: Int) {
        let index = name.flatMap { userNames.firstIndex(of: $0) }
        if name != nil && index == nil { return (0, 0) }
        var total = 0, answered = 0
        for call in live where index == nil || call.user == index {
            total += 1
            if let answerAt = call.answerAt, answerAt <= now { answered += 1 }
        }
        return (total, answered)
    }

    // MARK: Running

    /// Moves simulated time forward to `date`, call by call, rolling totals over at boundaries.
    package mutating func advance(to date: Date) {
        let target = date.timeIntervalSince1970
        guard target > now else { return }
        // Fine steps for a live view; coarser when a test or a long pause skips far ahead.
        let step = min(60, max(1, (target - now) / 5000))
        while now < target {
            let boundary = nextDayStart(after: now)
            let stepEnd = min(now + step, target, boundary)
            simulate(from: now, to: stepEnd)
            now = stepEnd
            if now >= boundary { rollOver(at: now) }
        }
    }

    private mutating func simulate(from t0: Double, to t1: Double) {
        let mean = arrivalsPerSecond(at: t0) * (t1 - t0)
        for _ in 0..<random.poisson(mean: mean) {
            live.append(newCall(startingAt: t0 + random.unit() * (t1 - t0)))
        }
        var stillUp: [LiveCall] = []
        stillUp.reserveCapacity(live.count)
        for call in live {
            if call.end <= t1 { finish(call) } else { stillUp.append(call) }
        }
        live = stillUp
    }

    private func arrivalsPerSecond(at time: Double) -> Double {
        let hour = calendar.component(.hour, from: Date(timeIntervalSince1970: time))
        return peakCallsPerMinute / 60 * Self.hourProfile[hour]
    }

    private mutating func newCall(startingAt start: Double) -> LiveCall {
        let ring = 3 + random.unit() * 20
        let answered = random.unit() < Self.answerRatio
        // Log-normal talk time: median about a minute, a long tail, capped at two hours.
        let talk = min(7200, max(1, exp(log(65) + 1.05 * random.normal())))
        let roll = random.unit()
        var user: Int?
        var cumulative = 0.0
        for (index, share) in userShares.enumerated() {
            cumulative += share
            if roll < cumulative { user = index; break }
        }
        return LiveCall(user: user, start: start, answerAt: answered ? start + ring : nil,
                        end: start + ring + (answered ? talk.rounded() : 0),
                        ratePerMinute: Self.tariffs[Int(random.unit() * Double(Self.tariffs.count))],
                        // cost is 45%..112% of the price: most calls earn, a few lose money
                        costFactorPermille: 450 + Int(random.unit() * 670))
    }

    private mutating func finish(_ call: LiveCall) {
        guard let answerAt = call.answerAt else { return }
        let seconds = max(1, Int((call.end - answerAt).rounded()))
        let price = Self.round(call.ratePerMinute * Decimal(seconds) / 60)
        let cost = Self.round(price * Decimal(call.costFactorPermille) / 1000)
        credit(user: call.user, seconds: seconds, revenue: price, cost: cost, calls: 1)
    }

    private mutating func credit(user: Int?, seconds: Int, revenue: Decimal, cost: Decimal, calls: Int) {
        system.today.add(duration: seconds, revenue: revenue, selfCost: cost, calls: calls)
        system.month.add(duration: seconds, revenue: revenue, selfCost: cost, calls: calls)
        if let user {
            users[user].today.add(duration: seconds, revenue: revenue, selfCost: cost, calls: calls)
            users[user].month.add(duration: seconds, revenue: revenue, selfCost: cost, calls: calls)
            balances[user] -= revenue
        }
    }

    private mutating func rollOver(at time: Double) {
        let date = Date(timeIntervalSince1970: time)
        let newMonth = calendar.component(.day, from: date) == 1
        system.today = CallTotals()
        if newMonth { system.month = CallTotals() }
        for index in users.indices {
            users[index].today = CallTotals()
            if newMonth { users[index].month = CallTotals() }
        }
    }

    private func nextDayStart(after time: Double) -> Double {
        let date = Date(timeIntervalSince1970: time)
        let startOfDay = calendar.startOfDay(for: date)
        return calendar.date(byAdding: .day, value: 1, to: startOfDay)!.timeIntervalSince1970
    }

    /// Fills the month so far with hourly aggregates, so a fresh simulator shows a lived-in month
    /// without simulating every call of it.
    private mutating func backfillMonth() {
        let current = Date(timeIntervalSince1970: now)
        let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: current))!
        let todayStart = calendar.startOfDay(for: current).timeIntervalSince1970
        var hour = monthStart.timeIntervalSince1970
        let meanTalk = 65 * exp(1.05 * 1.05 / 2)
        let meanRate = Self.tariffs.reduce(0, +) / Decimal(Self.tariffs.count)
        while hour + 3600 <= now {
            let expected = arrivalsPerSecond(at: hour) * 3600 * Self.answerRatio
            let calls = random.poisson(mean: expected)
            if calls > 0 {
                let seconds = Int(Double(calls) * meanTalk * (0.85 + 0.3 * random.unit()))
                let revenue = Self.round(meanRate * Decimal(seconds) / 60)
                let cost = Self.round(revenue * Decimal(600 + Int(random.unit() * 300)) / 1000)
                let isToday = hour >= todayStart
                func add(_ totals: inout Totals, fraction: Double) {
                    let part = Int((Double(calls) * fraction).rounded(.down))
                    guard part > 0 else { return }
                    let share = Decimal(part) / Decimal(calls)
                    let s = Int(Double(seconds) * Double(part) / Double(calls))
                    let r = Self.round(revenue * share), c = Self.round(cost * share)
                    totals.month.add(duration: s, revenue: r, selfCost: c, calls: part)
                    if isToday { totals.today.add(duration: s, revenue: r, selfCost: c, calls: part) }
                }
                add(&system, fraction: 1)
                for index in users.indices {
                    let before = users[index].month.revenue
                    add(&users[index], fraction: userShares[index])
                    balances[index] -= users[index].month.revenue - before
                }
            }
            hour += 3600
        }
        // Calls already up when the simulator starts.
        let expectedUp = arrivalsPerSecond(at: now) * 100
        for _ in 0..<random.poisson(mean: expectedUp) {
            live.append(newCall(startingAt: now - random.unit() * 90))
        }
        live.removeAll { $0.end <= now }
    }

    /// Money keeps 6 decimals, as the server's own sums do.
    static func round(_ value: Decimal) -> Decimal {
        var input = value, output = Decimal()
        NSDecimalRound(&output, &input, 6, .plain)
        return output
    }
}
