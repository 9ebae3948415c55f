import Foundation
import History
import M4API
import Simulator
import Watch

/// What the demo says about itself.
enum DemoNotice {
    static let realServer = "m4top --url https://HOST/billing --user NAME --secret-file PATH"

    /// On stderr, for `--once`.
    static func text(automatic: Bool) -> String {
        (automatic ? "m4top: no --url and no config file, so this is the embedded simulator: " : "m4top: demo mode: ")
            + "the numbers are simulated. For a real server: \(realServer)"
    }

    /// On the dashboard's status line.
    static let onScreen = "DEMO: simulated numbers from the embedded M4 simulator. Real server: \(realServer)"

    /// On the dashboard's status line when prod's traffic is about to drop (`at` in the local zone).
    static func dropAhead(at time: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "HH:mm:ss"
        return "DEMO: at \(formatter.string(from: time)) prod's traffic falls to a third (a demo fault), so that "
            + "the baseline alert fires. Real server: \(realServer)"
    }

    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
    }

    /// A fixed-offset zone where it is late morning now (10:30, to the quarter hour): the demo's
    /// servers live there, so that their traffic is busy whenever a newcomer tries it, while
    /// their clock, days and stored history are the real ones (baselines compare like with like).
    static func busyZone(now: Date = Date()) -> TimeZone {
        let secondsOfDay = Int(now.timeIntervalSince1970) % 86_400
        var offset = (10 * 3_600 + 30 * 60) - secondsOfDay
        offset = Int((Double(offset) / 900).rounded()) * 900
        while offset < -12 * 3_600 { offset += 86_400 }
        while offset > 14 * 3_600 { offset -= 86_400 }
        return TimeZone(secondsFromGMT: offset) ?? .current
    }
}

/// How one demo server is made: its simulator's users and secret, the seed of its traffic, how
/// busy it is. The week of history the dashboard's demo starts with is made the same way.
struct DemoPlan: Sendable {
    let storeName: String
    let settings: SimulatorSettings
    let seed: UInt64
    let peakCallsPerMinute: Double
    let timeZone: TimeZone

    /// prod's traffic falls to a third this long after the dashboard's demo starts.
    static let dropDelay: TimeInterval = 60

    init(server: ServerSettings, now: Date = Date()) {
        var settings = SimulatorSettings()
        settings.adminName = server.adminName
        settings.secret = DemoNotice.randomSecret()
        switch (server.name, server.allUsers) {
        case ("prod", true):
            settings.makeFleet(count: 24)
            settings.users = ["alice", "bob", "carol"] + settings.users
        case ("lab", true):
            settings.users = ["dave", "erin", "frank"]
            settings.blockedUsers = ["frank"]
        default:
            settings.users = server.users.filter { $0 != server.adminName }
        }
        self.settings = settings
        self.storeName = server.storeName
        self.seed = UInt64(now.timeIntervalSince1970) &+ UInt64(server.name.count)
        // prod a small carrier, busy enough that numbers move every second or two; lab quiet.
        self.peakCallsPerMinute = server.name == "prod" ? 24 : server.name == "lab" ? 4 : 12
        self.timeZone = server.timeZone
    }

    /// The simulator, on the real clock, in the server's (late-morning) zone: traffic from now,
    /// or continuing the simulated week `week` ends with.
    func makeServer(start: Date = Date(), continuing week: DemoWeek? = nil) -> SimulatedServer {
        if let week { return SimulatedServer(settings: settings, model: week.model) }
        return SimulatedServer(settings: settings, seed: seed, speed: 1, start: start, timeZone: timeZone,
                               peakCallsPerMinute: peakCallsPerMinute)
    }

    /// The week before `now`, simulated: every user's state at each row's time (cheap to keep;
    /// the rows are written later, off the start's path) and the model at `now`, which the live
    /// simulator carries on from: history and the first answers meet without a seam.
    func simulateWeek(days: Int, now: Date) -> DemoWeek {
        var model = TrafficModel(users: settings.users, start: now.addingTimeInterval(-Double(days) * 86_400), seed: seed,
                                 peakCallsPerMinute: peakCallsPerMinute, timeZone: timeZone)
        var samples: [DemoWeek.Sample] = []
        let users = self.users
        for time in DemoHistory.rowTimes(from: model.now, to: now, timeZone: timeZone) {
            model.advance(to: Date(timeIntervalSince1970: time), step: 60)
            samples.append(DemoWeek.Sample(time: time, states: users.map { model.state(of: $0, settings: settings) }))
        }
        model.advance(to: now, step: 60)
        return DemoWeek(plan: self, samples: samples, model: model)
    }

    /// Everyone the dashboard watches on this server: the admin and the listed users.
    var users: [String] { [settings.adminName] + settings.users }
}

/// A demo server's simulated week: what its users' answers were at each row's time, and the
/// traffic model at its end.
struct DemoWeek: Sendable {
    struct Sample: Sendable {
        let time: Double
        /// In `plan.users` order.
        let states: [TrafficModel.UserState]
    }

    let plan: DemoPlan
    let samples: [Sample]
    let model: TrafficModel
}

/// The dashboard's demo starts with a week of simulated history in a temporary store (never the
/// user's), from the same traffic model, so that "vs last week", forecasts and the charts'
/// last-week curve show at once. The store goes when the dashboard ends.
enum DemoHistory {
    /// One row per user every `spacing` where baselines and the 24-hour chart look (within the
    /// baselines' tolerance, so that every moment finds its row), every `coarseSpacing` where only
    /// the 7-day chart does (a column there is 50 minutes or more); minute rows, as the store
    /// keeps days older than one.
    static let spacing: TimeInterval = 240
    static let coarseSpacing: TimeInterval = 720
    /// The last hour as the dashboard records a user on screen: an answer every few seconds, so
    /// that the one-hour chart has a bar in every column (a column is 20 s or more).
    static let recentSpacing: TimeInterval = 15
    /// The most days simulated (a `history_days` of 3,650 would take minutes): the baselines
    /// and the 7-day chart need eight.
    static let maximumDays = 8

    /// Where rows are `spacing` apart: the last 26 hours (yesterday's moment, its day's end, the
    /// 24-hour chart), and last week from a day before this moment to that day's end (its moment,
    /// its end, and the 24-hour chart's last-week curve).
    static func fineWindows(now: Date, timeZone: TimeZone) -> [Range<Double>] {
        let end = now.timeIntervalSince1970
        var windows = [(end - 26 * 3_600)..<end]
        if let lastWeek = BaselineMoment.moment(.lastWeek, at: now, timeZone: timeZone) {
            let start = lastWeek.time.timeIntervalSince1970 - 86_400 - 3_600
            windows.append(start..<max(start, lastWeek.dayEnd.timeIntervalSince1970 + spacing))
        }
        return windows
    }

    /// A private folder under the temporary directory, and the store in it.
    static func makeStore() throws(HistoryError) -> (store: HistoryStore, folder: String) {
        var template = Array((NSTemporaryDirectory() + "/m4top-demo-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw HistoryError("cannot make a temporary folder for the demo's history: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        let (store, _) = try HistoryStore.open(path: folder + "/history.sqlite")
        return (store, folder)
    }

    /// When rows are taken between `start` and `now`: every `coarseSpacing`, every `spacing`
    /// in the fine windows, every `recentSpacing` in the last hour.
    static func rowTimes(from start: Double, to now: Date, timeZone: TimeZone) -> [Double] {
        let fine = fineWindows(now: now, timeZone: timeZone)
        let end = now.timeIntervalSince1970, recent = end - 3_600
        var times: [Double] = []
        var time = (start / coarseSpacing).rounded(.up) * coarseSpacing
        while time < end - recentSpacing {
            times.append(time)
            time += time >= recent ? recentSpacing : fine.contains { $0.contains(time) } ? spacing : coarseSpacing
        }
        return times
    }

    /// Writes each week's rows into `store`: the last day as snapshots (the store's full
    /// resolution), the days before as minute rows, as pruning would have left them.
    static func seed(_ store: HistoryStore, weeks: [DemoWeek], now: Date) throws(HistoryError) {
        let fullSince = now.timeIntervalSince1970 - HistoryStore.fullResolution
        for week in weeks {
            let plan = week.plan
            var minutes: [MinuteSample] = []
            var snapshots: [(sample: MinuteSample, time: Date)] = []
            // A user whose numbers did not move since the last row gets the same row again: most
            // of a small user's rows (and the costly part is turning numbers into text).
            var last: [(state: TrafficModel.UserState, sample: MinuteSample)?] = Array(repeating: nil, count: plan.users.count)
            for sample in week.samples {
                let minute = Int(sample.time / 60)
                for (index, state) in sample.states.enumerated() {
                    let user = plan.users[index]
                    let row: MinuteSample
                    if let previous = last[index], previous.state == state {
                        row = previous.sample.at(minute: minute)
                    } else {
                        let answer = state.answer(settings: plan.settings)
                        let stats = QuickStats(sections: answer.sections.map { section in
                            StatSection(name: section.name, fields: section.values.map { StatField(name: $0.0, text: $0.1) })
                        }, fields: answer.fields.map { StatField(name: $0.0, text: $0.1) })
                        let metrics = StoredSnapshot.answer(stats, server: plan.storeName, user: user, at: now).metrics
                        row = MinuteSample(server: plan.storeName, user: user, minute: minute, metrics: metrics)
                        last[index] = (state, row)
                    }
                    if sample.time >= fullSince {
                        snapshots.append((row, Date(timeIntervalSince1970: sample.time)))
                    } else {
                        minutes.append(row)
                    }
                }
                if minutes.count + snapshots.count >= 20_000 {
                    try store.writeMinutes(minutes)
                    try store.writeSnapshots(snapshots)
                    minutes.removeAll(keepingCapacity: true)
                    snapshots.removeAll(keepingCapacity: true)
                }
            }
            try store.writeMinutes(minutes)
            try store.writeSnapshots(snapshots)
        }
    }
}
