import Foundation

/// Totals of finished, answered calls over one period. Money is kept in whole millionths (the
/// server's sums have 6 decimals): exact, and integers add a hundred times faster than Decimal
/// (a simulated week finishes 200,000 calls).
package struct CallTotals: Sendable, Equatable {
    package var calls = 0
    package var duration = 0           // seconds
    package var revenueMicros = 0      // what users were charged ("price" for a simple user)
    package var selfCostMicros = 0     // what the operator paid its providers

    package init() {}

    package var revenue: Decimal {
        get { Money.decimal(micros: revenueMicros) }
        set { revenueMicros = Money.micros(newValue) }
    }

    package var selfCost: Decimal {
        get { Money.decimal(micros: selfCostMicros) }
        set { selfCostMicros = Money.micros(newValue) }
    }

    package var profitMicros: Int { revenueMicros - selfCostMicros }
    package var profit: Decimal { Money.decimal(micros: profitMicros) }

    /// Whole percent of revenue, rounded half away from zero, as the server reports it; 0
    /// without revenue.
    package var margin: Int {
        guard revenueMicros != 0 else { return 0 }
        let numerator = 2 * profitMicros * 100, denominator = 2 * revenueMicros
        let quotient = (abs(numerator) + abs(revenueMicros)) / abs(denominator)
        return (numerator < 0) != (denominator < 0) ? -quotient : quotient
    }

    mutating func add(duration seconds: Int, revenueMicros: Int, selfCostMicros: Int, calls: Int = 1) {
        self.calls += calls
        self.duration += seconds
        self.revenueMicros += revenueMicros
        self.selfCostMicros += selfCostMicros
    }
}

/// Money as whole millionths, and back.
package enum Money {
    package static func decimal(micros: Int) -> Decimal {
        Decimal(sign: micros < 0 ? .minus : .plus, exponent: -6, significand: Decimal(micros.magnitude))
    }

    /// Rounded half away from zero to 6 decimals.
    package static func micros(_ value: Decimal) -> Int {
        var input = value * 1_000_000, output = Decimal()
        NSDecimalRound(&output, &input, 0, .plain)
        return NSDecimalNumber(decimal: output).intValue
    }

    /// `1.4475`, `-0.5`, `12`: as the server writes a sum (no trailing zeros), without Decimal.
    package static func text(micros: Int) -> String {
        let magnitude = micros.magnitude
        var text = (micros < 0 ? "-" : "") + String(magnitude / 1_000_000)
        var fraction = magnitude % 1_000_000
        guard fraction != 0 else { return text }
        var digits = 6
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let part = String(fraction)
        text += "." + String(repeating: "0", count: digits - part.count) + part
        return text
    }
}

/// One call in progress: ringing until `answerAt` (nil = never answered), up until `end`.
struct LiveCall: Sendable {
    var user: Int?
    var start: Double
    var answerAt: Double?
    var end: Double
    /// Millionths of money per minute (the tariff's exact value: money keeps 6 decimals).
    var microsPerMinute: Int
    var costFactorPermille: Int
}

/// A believable week of a small VoIP operator: arrivals follow the hour of day and the weekday, durations have a
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
    package var date: Date { Date(timeIntervalSince1970: now) }
    package private(set) var system = Totals()
    package private(set) var users: [Totals]
    private var balanceMicros: [Int]
    /// Arrivals are multiplied by this (the `traffic-drop` fault sets a third).
    package var trafficFactor = 1.0

    private var live: [LiveCall] = []
    private var random: SeededRandom
    private let calendar: Calendar
    private let userShares: [Double]

    /// Relative arrival rate per hour of day: quiet nights, busy office hours.
    static let hourProfile: [Double] = [0.08, 0.05, 0.04, 0.04, 0.05, 0.1, 0.25, 0.5, 0.8, 0.95, 1.0, 0.98,
                                        0.85, 0.9, 0.97, 1.0, 0.92, 0.75, 0.55, 0.45, 0.38, 0.3, 0.2, 0.12]
    /// Relative arrival rate per weekday, Sunday first: a business carrier's quiet weekend.
    static let weekdayProfile: [Double] = [0.35, 0.95, 1.0, 1.0, 1.0, 0.9, 0.45]
    /// Per-minute tariffs charged to users, in millionths: 0.012, 0.025, 0.049, 0.09, 0.18.
    static let tariffMicros = [12_000, 25_000, 49_000, 90_000, 180_000]
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
        self.balanceMicros = users.indices.map { (12_000 - 2_500 * ($0 % 4)) * 1_000_000 }
        if backfill { backfillMonth() }
    }

    // MARK: Reading

    package func totals(forUser name: String) -> Totals? {
        userNames.firstIndex(of: name).map { users[$0] }
    }

    package func balanceMicros(forUser name: String) -> Int? {
        userNames.firstIndex(of: name).map { balanceMicros[$0] }
    }

    package func balance(forUser name: String) -> Decimal? {
        balanceMicros(forUser: name).map { Money.decimal(micros: $0) }
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
    /// `step` is the finest slice of time simulated at once (default: fine for a live view,
    /// coarser when a long pause skips far ahead); a call's length never depends on it.
    package mutating func advance(to date: Date, step: Double? = nil) {
        let target = date.timeIntervalSince1970
        guard target > now else { return }
        let step = step ?? min(60, max(1, (target - now) / 5000))
        while now < target {
            let boundary = nextDayStart()
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
        guard live.contains(where: { $0.end <= t1 }) else { return }
        var stillUp: [LiveCall] = []
        stillUp.reserveCapacity(live.count)
        for call in live {
            if call.end <= t1 { finish(call) } else { stillUp.append(call) }
        }
        live = stillUp
    }

    /// The day's and the week's shape (deterministic: baselines need a Monday to look like a
    /// Monday), times the fault's factor. The calendar is asked once an hour, not every step.
    private mutating func arrivalsPerSecond(at time: Double) -> Double {
        if time < hourCache.start || time >= hourCache.end {
            let date = Date(timeIntervalSince1970: time)
            let parts = calendar.dateComponents([.hour, .weekday], from: date)
            let weekday = Self.weekdayProfile[((parts.weekday ?? 2) - 1) % 7]
            let interval = calendar.dateInterval(of: .hour, for: date)
            hourCache = (interval?.start.timeIntervalSince1970 ?? time, interval?.end.timeIntervalSince1970 ?? time + 1,
                         peakCallsPerMinute / 60 * Self.hourProfile[parts.hour ?? 12] * weekday)
        }
        return hourCache.rate * trafficFactor
    }

    /// The hour the arrival rate was last worked out for, and that rate.
    private var hourCache: (start: Double, end: Double, rate: Double) = (0, 0, 0)
    /// The next midnight, worked out once a day.
    private var dayEndCache: (from: Double, end: Double) = (0, 0)

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
                        microsPerMinute: Self.tariffMicros[Int(random.unit() * Double(Self.tariffMicros.count))],
                        // cost is 45%..112% of the price: most calls earn, a few lose money
                        costFactorPermille: 450 + Int(random.unit() * 670))
    }

    private mutating func finish(_ call: LiveCall) {
        guard let answerAt = call.answerAt else { return }
        let seconds = max(1, Int((call.end - answerAt).rounded()))
        // Whole millionths, rounded half up as the server's 6-decimal sums are: exact, and a
        // hundred times cheaper than Decimal division (a seeded week finishes 200,000 calls).
        let priceMicros = (call.microsPerMinute * seconds + 30) / 60
        let costMicros = (priceMicros * call.costFactorPermille + 500) / 1000
        credit(user: call.user, seconds: seconds, revenue: priceMicros, cost: costMicros, calls: 1)
    }

    private mutating func credit(user: Int?, seconds: Int, revenue: Int, cost: Int, calls: Int) {
        system.today.add(duration: seconds, revenueMicros: revenue, selfCostMicros: cost, calls: calls)
        system.month.add(duration: seconds, revenueMicros: revenue, selfCostMicros: cost, calls: calls)
        if let user {
            users[user].today.add(duration: seconds, revenueMicros: revenue, selfCostMicros: cost, calls: calls)
            users[user].month.add(duration: seconds, revenueMicros: revenue, selfCostMicros: cost, calls: calls)
            balanceMicros[user] -= revenue
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

    /// The midnight after `now`.
    private mutating func nextDayStart() -> Double {
        if now < dayEndCache.from || now >= dayEndCache.end {
            let date = Date(timeIntervalSince1970: now)
            let startOfDay = calendar.startOfDay(for: date)
            dayEndCache = (startOfDay.timeIntervalSince1970, calendar.date(byAdding: .day, value: 1, to: startOfDay)!.timeIntervalSince1970)
        }
        return dayEndCache.end
    }

    /// Fills the month so far with hourly aggregates, so a fresh simulator shows a lived-in month
    /// without simulating every call of it.
    private mutating func backfillMonth() {
        let current = Date(timeIntervalSince1970: now)
        let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: current))!
        let todayStart = calendar.startOfDay(for: current).timeIntervalSince1970
        var hour = monthStart.timeIntervalSince1970
        let meanTalk = 65 * exp(1.05 * 1.05 / 2)
        let meanRateMicros = Self.tariffMicros.reduce(0, +) / Self.tariffMicros.count
        while hour + 3600 <= now {
            let expected = arrivalsPerSecond(at: hour) * 3600 * Self.answerRatio
            let calls = random.poisson(mean: expected)
            if calls > 0 {
                let seconds = Int(Double(calls) * meanTalk * (0.85 + 0.3 * random.unit()))
                let revenue = (meanRateMicros * seconds + 30) / 60
                let cost = (revenue * (600 + Int(random.unit() * 300)) + 500) / 1000
                let isToday = hour >= todayStart
                func add(_ totals: inout Totals, fraction: Double) {
                    let part = Int((Double(calls) * fraction).rounded(.down))
                    guard part > 0 else { return }
                    let s = Int(Double(seconds) * Double(part) / Double(calls))
                    let r = revenue * part / calls, c = cost * part / calls
                    totals.month.add(duration: s, revenueMicros: r, selfCostMicros: c, calls: part)
                    if isToday { totals.today.add(duration: s, revenueMicros: r, selfCostMicros: c, calls: part) }
                }
                add(&system, fraction: 1)
                for index in users.indices {
                    let before = users[index].month.revenueMicros
                    add(&users[index], fraction: userShares[index])
                    balanceMicros[index] -= users[index].month.revenueMicros - before
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
}

extension TrafficModel {
    /// Every simple user's state now, in `userNames` order, from one pass over the live calls:
    /// `state(of:)` for each would look each name up and walk every live call (a week of a
    /// thousand users at a minute's steps is ten million states, for `m4top-bench`).
    package func userStates() -> [UserState] {
        var total = [Int](repeating: 0, count: users.count), answered = total
        for call in live {
            guard let user = call.user, user >= 0, user < users.count else { continue }
            total[user] += 1
            if let answerAt = call.answerAt, answerAt <= now { answered[user] += 1 }
        }
        return users.indices.map { index in
            UserState(isAdmin: false, totals: users[index], active: total[index], answered: answered[index], balanceMicros: balanceMicros[index])
        }
    }
}
