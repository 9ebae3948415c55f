import App
import Dashboard
import Watch
import Exporter
import History
import Foundation
import M4API
import Screen
import Simulator

// Figures for the hot paths of m4top. Printed, not asserted: compare runs by eye or in CI logs.

/// `M4TOP_BENCH_ONLY=render` runs only the benchmarks whose label contains that word (for profiling).
let only = ProcessInfo.processInfo.environment["M4TOP_BENCH_ONLY"]

func measure(_ label: String, iterations: Int, unit: String = "op", _ body: () -> Void) {
    if let only, !label.contains(only) { return }
    body()  // warm up
    let clock = ContinuousClock()
    let elapsed = clock.measure { for _ in 0..<iterations { body() } }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let micros = seconds / Double(iterations) * 1e6
    let padded = label.padding(toLength: 54, withPad: " ", startingAt: 0)
    print(padded + String(format: "%9.1f µs/%@  (%d in %.2f s)", micros, unit, iterations, seconds))
}

func residentKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
}

func answer(_ calls: Int, active: Int) -> QuickStats {
    func s(_ n: String, _ v: [(String, String)]) -> StatSection { StatSection(name: n, fields: v.map { StatField(name: $0.0, text: $0.1) }) }
    return QuickStats(sections: [
        s("today", [("calls", "\(calls)"), ("duration", "\(calls * 97)"), ("revenue", "\(calls).4475"), ("self_cost", "\(calls / 2).6725"),
                    ("profit", "0.775"), ("margin", "54")]),
        s("month", [("calls", "\(calls + 90000)"), ("duration", "\(calls * 97 + 9_000_000)"), ("revenue", "16804.04"),
                    ("self_cost", "13003.734166"), ("profit", "3800.305834"), ("margin", "23")]),
        s("active_calls", [("total", "\(active)"), ("answered_calls", "\(active / 2)")]),
    ])
}

// M4TOP_BENCH_CONVERT=PATH: a store made before the dense layout, converted in place (the
// time a first start of this version takes on it), its size before and after; nothing else runs.
if let path = ProcessInfo.processInfo.environment["M4TOP_BENCH_CONVERT"] {
    do {
        let before = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let clock = ContinuousClock()
        var opened: HistoryStore?
        let took = try clock.measure { opened = try HistoryStore.open(path: path).store }
        let store = opened!
        try store.checkpoint()
        let (snapshots, minutes) = try store.counts()
        let pages = try store.pages()
        print(String(format: "conversion to the dense layout: %d snapshots + %d minutes in %.1f s; file %.0f MiB before, %.0f MiB of it in use after (%.0f MiB free pages, reused as rows come)",
                     snapshots, minutes, Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18,
                     Double(before) / 1_048_576, Double((pages.total - pages.free) * pages.size) / 1_048_576, Double(pages.free * pages.size) / 1_048_576))
    } catch {
        print("conversion bench: \(error)")
    }
    exit(0)
}
print("m4top benchmarks (\(ProcessInfo.processInfo.processorCount) cores)")

// The parser on the seed page's answer.
let seed = Data(AnswerXML.success(sections: AnswerXML.seedSample).utf8)
measure("parse the seed answer (XML -> model)", iterations: 5_000) { _ = try? QuickStatsParser.parse(seed) }

// A leak in the parser would grow a wall screen's memory with every poll.
if only == nil || "parse leak".contains(only!) {
    for _ in 0..<20_000 { _ = try? QuickStatsParser.parse(seed) }  // allocator warm-up
    let before = residentKiB()
    for _ in 0..<100_000 { _ = try? QuickStatsParser.parse(seed) }
    let middle = residentKiB()
    for _ in 0..<100_000 { _ = try? QuickStatsParser.parse(seed) }
    print("resident memory growth per 100,000 parses (twice):   \(middle - before) KiB, \(residentKiB() - middle) KiB")
}

// A server that answers garbage for a week: malformed answers must not grow memory either
// (Foundation's XMLParser once leaked ~100 bytes on each not-well-formed document).
if only == nil || "parse leak malformed".contains(only!) {
    let text = String(decoding: seed, as: UTF8.self)
    let malformed = [Data(text.prefix(text.count / 2).utf8), Data("<page><a></b></page>".utf8), Data("<page><!-- open".utf8),
                     Data("<page><![CDATA[ open".utf8), Data("<page>&undefined;</page>".utf8)]
    for index in 0..<10_000 { _ = try? QuickStatsParser.parse(malformed[index % malformed.count]) }
    let before = residentKiB()
    for index in 0..<50_000 { _ = try? QuickStatsParser.parse(malformed[index % malformed.count]) }
    let middle = residentKiB()
    for index in 0..<50_000 { _ = try? QuickStatsParser.parse(malformed[index % malformed.count]) }
    print("resident memory growth per 50,000 malformed answers (twice): \(middle - before) KiB, \(residentKiB() - middle) KiB")
}

// update(): a poll result with a diff against the previous snapshot and new trends.
var state = DashboardState(server: "http://127.0.0.1/billing", users: ["admin"], adminName: "admin", interval: 1)
state.width = 80
state.height = 24
var time = Date()
var calls = 1000
measure("update: poll result, diff, trends (1 h history)", iterations: 5_000) {
    calls += 3
    time = time.addingTimeInterval(1)
    _ = DashboardUpdate.update(&state, .pollDue(time))
    _ = DashboardUpdate.update(&state, .fetched(state.current, result: .success(answer(calls, active: calls % 40)), at: time))
}

// Frames are measured with a full hour of history (the sparkline full), whatever ran above.
if let only, !"update: poll result, diff, trends (1 h history)".contains(only) {
    for _ in 0..<3_600 {
        calls += 3
        time = time.addingTimeInterval(1)
        _ = DashboardUpdate.update(&state, .pollDue(time))
        _ = DashboardUpdate.update(&state, .fetched(state.current, result: .success(answer(calls, active: calls % 40)), at: time))
    }
}

// The view into the canvas.
let view = DashboardView(glyphs: .unicode, timeZone: .current)
measure("render 80x24 frame into the canvas", iterations: 2_000) { _ = view.render(state) }
var wide = state
wide.width = 200
wide.height = 60
measure("render 200x60 frame into the canvas", iterations: 1_000) { _ = view.render(wide) }

// A key press on the overview of ten servers of 1,000 users (10,000 rows), every user answered:
// the update for the key plus the frame rendered into the canvas, per key, as the shell does it
// (the terminal's own diff and write are not in it). `M4TOP_BENCH_ONLY=key` runs only this.
if only == nil || "key press".contains(only!) {
    func ms(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000
    }
    let utc = TimeZone(identifier: "UTC")!
    let setups = (1...10).map { server in
        ServerSetup(name: String(format: "s%02d", server), displayURL: "http://127.0.0.1:\(8000 + server)/billing", adminName: "admin",
                    users: ["admin"] + (1...1000).map { String(format: "user%04d", $0) }, timeZone: utc)
    }
    var fleet = DashboardState(servers: setups, interval: 5, overviewInterval: 30, start: .overview, now: time)
    fleet.width = 200
    fleet.height = 60
    // Two answers each (a diff and a rate), spread as a round is, numbers that differ per user.
    for round in 0..<2 {
        for (index, key) in fleet.fleet.enumerated() {
            let at = time.addingTimeInterval(Double(round) * 30 + Double(index) * 0.003)
            let calls = (index * 7919) % 5000 + round * (index % 5)
            _ = DashboardUpdate.update(&fleet, .fetched(key, result: .success(answer(calls, active: index % 23)), at: at))
        }
    }
    _ = DashboardUpdate.update(&fleet, .tick(time.addingTimeInterval(61)))
    let overview = OverviewView(glyphs: .unicode, timeZone: utc)
    _ = overview.render(fleet)
    // The main thread's own CPU time beside the clock's: on a loaded machine (another build)
    // the clock counts waiting for a core too.
    func cpuMilliseconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) * 1000 + Double(spec.tv_nsec) / 1e6
    }
    func press(_ keys: [Key], _ state: inout DashboardState) -> [(wall: Double, cpu: Double)] {
        keys.map { key in
            let cpu = cpuMilliseconds()
            let wall = ms(ContinuousClock().measure {
                _ = DashboardUpdate.update(&state, .key(key))
                _ = overview.render(state)
            })
            return (wall, cpuMilliseconds() - cpu)
        }
    }
    func report(_ label: String, _ times: [(wall: Double, cpu: Double)]) {
        let wall = times.map(\.wall).sorted(), cpu = times.map(\.cpu).sorted()
        let padded = label.padding(toLength: 54, withPad: " ", startingAt: 0)
        print(padded + String(format: "%6.1f ms median, %6.1f worst (CPU %.1f, %.1f; %d keys; target under 30 ms)",
                              wall[wall.count / 2], wall.last ?? 0, cpu[cpu.count / 2], cpu.last ?? 0, wall.count))
    }
    // `>` through every column twice (server order among them).
    report("key press to frame, 10,000 rows 200x60: sort (>)", press(Array(repeating: .character(">"), count: 26), &fleet))
    // Sorted by revenue, a page down at a time from the top.
    while fleet.overview.sort != .revenue { _ = DashboardUpdate.update(&fleet, .key(.character(">"))) }
    report("key press to frame, 10,000 rows 200x60: page down", press(Array(repeating: .pageDown, count: 30), &fleet))
    // `/`, a name typed, taken back, and cleared.
    let typed: [Key] = [.character("/")] + "user12".map { .character($0) } + Array(repeating: .backspace, count: 6) + [.escape]
    report("key press to frame, 10,000 rows 200x60: filter (/)", press(typed + typed, &fleet))
    // The one-second tick's frame with the list sorted (what an idle overview draws every second).
    report("tick to frame, 10,000 rows 200x60, sorted by revenue", (0..<20).map { second in
        let cpu = cpuMilliseconds()
        let wall = ms(ContinuousClock().measure {
            _ = DashboardUpdate.update(&fleet, .tick(time.addingTimeInterval(62 + Double(second))))
            _ = overview.render(fleet)
        })
        return (wall, cpuMilliseconds() - cpu)
    })
}

if let only, only != "week" && only != "exporter" { exit(0) }  // profiling one benchmark: skip the figures below (`week`, `exporter`: only those)
if only == nil {

// What a quiet tick changes: only the age and countdown digits should differ.
let before = view.render(state)
_ = DashboardUpdate.update(&state, .tick(time.addingTimeInterval(1)))
let after = view.render(state)
let changed = after.changes(from: before).count
print("cells changed by a quiet one-second tick (80x24):     \(changed) of \(after.cells.count)")
let polled = view.render(state)
_ = DashboardUpdate.update(&state, .fetched(state.current, result: .success(answer(calls + 5, active: 7)), at: time.addingTimeInterval(1)))
let afterPoll = view.render(state)
print("cells changed by a poll with new numbers (80x24):     \(afterPoll.changes(from: polled).count) of \(after.cells.count)")

// Memory of a full hour of one-second snapshots.
let baseline = residentKiB()
var histories: [SnapshotHistory] = []
for _ in 0..<10 {
    var history = SnapshotHistory(retention: 3600, capacity: 4096)
    for i in 0..<3600 { history.append(Snapshot(time: time.addingTimeInterval(Double(i)), stats: answer(i, active: i % 50))) }
    histories.append(history)
}
let perHour = (residentKiB() - baseline) / 10
print("memory of one user's full history (3,600 snapshots): ~\(perHour) KiB")

// A fleet of background users after an hour: one answer per 30 s each (what the overview
// keeps of users not on screen), through the real update.
do {
    let users = (1...1000).map { "user\($0)" }
    let before = residentKiB()
    var fleet = DashboardState(servers: [ServerSetup(name: "bench", displayURL: "http://127.0.0.1/billing", adminName: "admin",
                                                     users: ["admin"] + users)],
                               interval: 5, overviewInterval: 30, start: .overview, now: time)
    for round in 0..<120 {
        for (index, user) in users.enumerated() {
            let at = time.addingTimeInterval(Double(round) * 30 + Double(index) * 0.03)
            _ = DashboardUpdate.update(&fleet, .fetched(UserKey(server: 0, name: user), result: .success(answer(round * 3 + index, active: index % 7)), at: at))
        }
    }
    let perUser = Double(residentKiB() - before) / 1000
    print(String(format: "memory per background user after an hour (120 answers): %.1f KiB (1,000 users)", perUser))
    withExtendedLifetime(fleet) {}
}

// Taking in a users_get list (users = "all"): the scheduler, the users' states and the watched
// list follow it. Linear: 200,000 users must not block the main queue for long.
if only == nil || "take-in".contains(only!) {
    for count in [20_000, 200_000] {
        let list = [M4User(username: "admin", userType: "admin")] + (1...count).map { M4User(username: "user\($0)", blocked: $0 % 10 == 0) }
        var fleet = FleetState(servers: [ServerSetup(name: "bench", displayURL: "http://127.0.0.1/billing", adminName: "admin",
                                                     users: ["admin"], listsAllUsers: true)],
                               interval: 5, overviewInterval: 30, historyRetention: 0, now: time)
        let clock = ContinuousClock()
        let elapsed = clock.measure { _ = FleetUpdate.update(&fleet, .userListFetched(server: 0, result: .success(list), at: time)) }
        let again = clock.measure { _ = FleetUpdate.update(&fleet, .userListFetched(server: 0, result: .success(list), at: time)) }
        print(String(format: "take-in: a users_get list of %d users: %.0f ms, the same list again %.0f ms (%d watched)", count,
                     Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000,
                     Double(again.components.attoseconds) / 1e15 + Double(again.components.seconds) * 1000, fleet.watched.count))
    }
}

}

// The exporter: a scrape of /metrics is the exposition of every user's series, and the series
// are updated as each answer arrives (the cost a poll adds).
if only == nil || only == "exporter" {
    let users = (1...1000).map { "user\($0)" }
    // As the exporter runs it: the headless fleet, the latest answer kept.
    var fleet = FleetState(servers: [ServerSetup(name: "bench", displayURL: "http://127.0.0.1/billing", adminName: "admin",
                                                 users: ["admin"] + users)],
                           interval: 5, overviewInterval: 30, historyRetention: 0, now: time)
    let series = FleetSeries(serverLabels: ["bench"], version: "bench")
    let before = residentKiB()
    for (index, user) in users.enumerated() {
        let event = FleetEvent.fetched(UserKey(server: 0, name: user), result: .success(answer(index, active: index % 7)), at: time)
        _ = FleetUpdate.update(&fleet, event)
        series.fleet(fleet, took: event)
    }
    let seriesKiB = residentKiB() - before
    // Series creation: every user's first answer makes its series. Linear or not, at 1,000 and
    // 10,000 users (a fleet of ten servers) over one exporter.
    for count in [1_000, 10_000] {
        let many = (1...count).map { "user\($0)" }
        var big = FleetState(servers: [ServerSetup(name: "bench", displayURL: "http://127.0.0.1/billing", adminName: "admin", users: ["admin"] + many)],
                             interval: 5, overviewInterval: 30, historyRetention: 0, now: time)
        let fresh = FleetSeries(serverLabels: ["bench"], version: "bench")
        let events = many.enumerated().map { index, user in
            FleetEvent.fetched(UserKey(server: 0, name: user), result: .success(answer(index, active: index % 7)), at: time)
        }
        for event in events { _ = FleetUpdate.update(&big, event) }
        let made = ContinuousClock().measure { for event in events { fresh.fleet(big, took: event) } }
        let scrape = ContinuousClock().measure { _ = fresh.exposition() }
        print(String(format: "exporter: series of %d users made in %.0f ms (%.1f µs a user); /metrics then %.0f ms", count,
                     Double(made.components.seconds) * 1000 + Double(made.components.attoseconds) / 1e15,
                     (Double(made.components.seconds) * 1e6 + Double(made.components.attoseconds) / 1e12) / Double(count),
                     Double(scrape.components.seconds) * 1000 + Double(scrape.components.attoseconds) / 1e15))
    }
    var round = 0
    measure("exporter: series update per answer (1,000 users)", iterations: 20_000) {
        round += 1
        let event = FleetEvent.fetched(UserKey(server: 0, name: users[round % 1000]), result: .success(answer(round, active: round % 7)), at: time)
        series.fleet(fleet, took: event)
    }
    let size = series.exposition().count
    measure("exporter: /metrics exposition, 1,000 users", iterations: 200, unit: "scrape") { _ = series.exposition() }
    print(String(format: "exporter: /metrics for 1,000 users is %.0f KiB; the series take ~%d KiB", Double(size) / 1024, seriesKiB))
}

if only == nil {
// The history store: inserts per second in the recorder's batches, the file per user-day, and
// reading one user's last hour (what the charts get at start) from a store of 1,000 users.
do {
    let folder = NSTemporaryDirectory() + "m4top-bench-history-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = try HistoryStore.open(path: folder + "/history.sqlite").store
    let stats = answer(1000, active: 17)
    let users = 1000, perUser = 120  // an hour at one answer per 30 s
    let clock = ContinuousClock()
    let elapsed = try clock.measure {
        for round in 0..<perUser {
            let at = time.addingTimeInterval(Double(round) * 30)
            try store.write((0..<users).map { StoredSnapshot.answer(stats, server: "bench", user: "user\($0)", at: at) })
        }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "history inserts (batches of 1,000):                 %.0f rows/s", Double(users * perUser) / seconds))
    let bytes = (try FileManager.default.attributesOfItem(atPath: folder + "/history.sqlite")[.size] as? Int ?? 0)
        + ((try? FileManager.default.attributesOfItem(atPath: folder + "/history.sqlite-wal")[.size] as? Int) ?? 0)
    let perRow = Double(bytes) / Double(users * perUser)
    print(String(format: "history file per user-day (2,880 answers at 30 s):   %.1f MiB (%.0f bytes a row)", perRow * 2880 / 1_048_576, perRow))
    let read = try clock.measure {
        _ = try store.snapshots(server: "bench", user: "user500", since: time.addingTimeInterval(-1), until: time.addingTimeInterval(3600))
    }
    print(String(format: "read one user's hour from a 1,000-user store:       %.1f ms",
                 (Double(read.components.seconds) + Double(read.components.attoseconds) / 1e18) * 1000))
} catch {
    print("history bench: \(error)")
}

}
// M4TOP_BENCH_HISTORY_WEEK=USERS: a week's store of a fleet (the last day every 30 s, six days
// of minute rows), then what a start reads from it: the user on screen's hour, then everyone's.
if let users = ProcessInfo.processInfo.environment["M4TOP_BENCH_HISTORY_WEEK"].flatMap(Int.init), users > 0 {
    do {
        // M4TOP_BENCH_WEEK_FOLDER keeps the store between runs (built once, a minute): for profiling.
        let kept = ProcessInfo.processInfo.environment["M4TOP_BENCH_WEEK_FOLDER"]
        let folder = kept ?? NSTemporaryDirectory() + "m4top-bench-week-\(getpid())"
        let reuse = kept != nil && FileManager.default.fileExists(atPath: folder + "/history.sqlite")
        defer { if kept == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let clock = ContinuousClock()
        func ms(_ duration: Duration) -> Double {
            (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000
        }
        let store = try HistoryStore.open(path: folder + "/history.sqlite").store
        // The traffic of a carrier of this many customers at its busiest (M4TOP_BENCH_WEEK_RATE:
        // calls a minute at the day's peak, for the whole fleet; the simulator's own default is 12).
        let rate = ProcessInfo.processInfo.environment["M4TOP_BENCH_WEEK_RATE"].flatMap(Double.init) ?? 300
        // Eight days: a week back from now is inside the store (the baselines' "last week").
        let built = try clock.measure {
            if !reuse { try WeekFill.fill(store, users: users, days: 8, spacing: 30, now: time, peakCallsPerMinute: rate) }
        }
        try store.checkpoint()
        let (snapshots, minutes) = try store.counts()
        let size = (try FileManager.default.attributesOfItem(atPath: folder + "/history.sqlite")[.size] as? Int ?? 0)
            + ((try? FileManager.default.attributesOfItem(atPath: folder + "/history.sqlite-wal")[.size] as? Int) ?? 0)
        print(String(format: "week store: %d users (the traffic model, %.0f calls a minute at peak), %d snapshots + %d minutes, %.0f MiB (built in %.1f s)",
                     users, rate, snapshots, minutes, Double(size) / 1_048_576, ms(built) / 1000))
        let tables = try store.tableSizes()
        let answerBytes = Double(tables["snapshot"] ?? 0), minuteBytes = Double(tables["minute_block"] ?? 0)
        print(String(format: "  per user-week %.2f MiB (target 0.6 MiB; was 3.1); an answer %.0f bytes, a minute %.1f bytes",
                     Double(size) / Double(users) / 1_048_576 * 7 / 8, answerBytes / Double(max(1, snapshots)), minuteBytes / Double(max(1, minutes))))
        var reopened: HistoryStore?
        let open = try clock.measure { reopened = try HistoryStore.open(path: folder + "/history.sqlite").store }
        let one = try clock.measure { _ = try reopened!.snapshots(server: "bench", user: "user\(users / 2)", since: time.addingTimeInterval(-3600)) }
        // What a start reads for the rest of the fleet: every user's hour as points and its latest answer.
        let everyone = (0..<users).map { (key: UserKey(server: 0, name: "user\($0)"), server: "bench") }
        let all = try clock.measure { _ = try reopened!.seeds(for: everyone, since: time.addingTimeInterval(-3600)) }
        print(String(format: "  open %.1f ms; the user on screen's hour %.1f ms; every user's hour %.0f ms (target under 1,000 ms; was 8,500)", ms(open), ms(one), ms(all)))
        // Baselines: yesterday's and last week's row at this time and their days' ends, for every
        // user: what the dashboard reads once a minute. The first pass is a cold cache.
        let utc = TimeZone(identifier: "UTC")!
        let requests = (0..<users).map { BaselineRequest(server: "bench", user: "user\($0)", timeZone: utc) }
        var found: [UserBaseline] = []
        let passes = try (0..<3).map { _ in try clock.measure { found = try reopened!.baselines(for: requests, now: time) } }
        print(String(format: "  baselines for every user (%d yesterday, %d last week): %.0f ms cold, %.0f ms warm",
                     found.filter { $0.yesterday != nil }.count, found.filter { $0.lastWeek != nil }.count, ms(passes[0]), ms(passes[2])))
        // Replay's read: the whole fleet as of a moment (`m4top history --at`), in the full-
        // resolution day and in the minute rows.
        var rows = 0
        let recent = try clock.measure { rows = try reopened!.fleet(at: time.addingTimeInterval(-3 * 3600)).count }
        let older = try clock.measure { _ = try reopened!.fleet(at: time.addingTimeInterval(-5 * 86_400)) }
        print(String(format: "  the fleet as of a moment (%d users): %.0f ms 3 hours back, %.0f ms 5 days back", rows, ms(recent), ms(older)))
        // Replay: a jump reads every user's rows at the moment and builds the scene; a step
        // finds the next row first. Each ends with the frame drawn (80x24 overview, dashboard).
        var fleetState = DashboardState(servers: [ServerSetup(name: "bench", displayURL: "http://bench/billing", adminName: "user0",
                                                             users: (0..<users).map { "user\($0)" }, timeZone: utc)],
                                        interval: 5, start: .overview, now: time)
        fleetState.width = 80
        fleetState.height = 24
        let overview = OverviewView(glyphs: .unicode, timeZone: utc)
        func replay(_ target: ReplayRequest.Target, on view: any ScreenKind, _ live: DashboardState) throws -> (DashboardState, Double) {
            var state = live
            let started = ContinuousClock.now
            guard case .success(let scene) = ReplayLoader.scene(for: ReplayRequest(number: 1, target: target), live: state, store: reopened!,
                                                                names: ["bench"], days: 8) else { throw HistoryError("no scene") }
            if state.replay == nil { state.replay = ReplayState(moment: scene.moment) }
            state.replay?.scene = scene
            state.replay?.moment = scene.moment
            _ = view.render(state)
            return (state, ms(ContinuousClock.now - started))
        }
        if ProcessInfo.processInfo.environment["M4TOP_BENCH_REPLAY_PARTS"] != nil {
            let moment = time.addingTimeInterval(-3 * 3600)
            let wanted = fleetState.fleet.map { (key: $0, server: "bench") }
            let t1 = try clock.measure { _ = try reopened!.neighbourTime(of: wanted, from: moment, forward: true) }
            var records: [UserKey: ReplayUserRecord] = [:]
            let t2 = try clock.measure { records = try reopened!.replayUsers(wanted, at: moment, window: 300, chart: wanted[0].key, chartWindow: 3600) }
            let t3 = try clock.measure { _ = try reopened!.alertEvents(since: moment.addingTimeInterval(-8 * 86_400), until: moment, limit: 10_000) }
            var scene: ReplayScene?
            let t4 = clock.measure { scene = ReplayScene.make(live: fleetState, records: ReplayRecords(moment: moment, users: records), longChart: nil) }
            var state = fleetState
            state.replay = ReplayState(moment: moment)
            state.replay?.scene = scene
            let t5 = clock.measure { _ = overview.render(state) }
            print(String(format: "  replay parts: neighbour %.1f ms, users' rows %.1f ms, alert log %.1f ms, scene %.1f ms, frame %.1f ms",
                         ms(t1), ms(t2), ms(t3), ms(t4), ms(t5)))
        }
        for (label, back) in [("3 hours", 3.0 * 3600), ("5 days", 5.0 * 86_400)] {
            let jumps = try (0..<3).map { _ in try replay(.moment(time.addingTimeInterval(-back)), on: overview, fleetState).1 }
            let (at, _) = try replay(.moment(time.addingTimeInterval(-back)), on: overview, fleetState)
            var steps: [Double] = []
            var stepped = at
            for _ in 0..<5 {
                let result = try replay(.step(from: stepped.replay!.moment, forward: true, users: stepped.fleet), on: overview, stepped)
                stepped = result.0
                steps.append(result.1)
            }
            var dashboard = at
            dashboard.screen = .dashboard
            let view = DashboardView(glyphs: .unicode, timeZone: utc)
            let own = try (0..<5).map { _ in
                try replay(.step(from: dashboard.replay!.moment, forward: true, users: [dashboard.current]), on: view, dashboard).1
            }
            print(String(format: "  replay %@ back, %d users: jump to the overview drawn %.0f ms cold, %.0f ms warm; a step (anyone's next row) %.0f ms; a step on the dashboard %.0f ms",
                         label, users, jumps[0], jumps[2], steps.sorted()[2], own.sorted()[2]))
        }
    } catch {
        print("week store bench: \(error)")
    }
}

// A round trip through the real client and the simulator over loopback.
@Sendable func loopbackFetches(count: Int) async throws -> Double {
    let running = try await RunningSimulator.start(SimulatedServer(sampleMode: true))
    defer { Task { await running.stop() } }
    let client = M4Client(settings: ConnectionSettings(methodURL: try QuickStatsEndpoint.methodURL(fromBase: running.baseURL)),
                                  secret: "secret")
    _ = try await client.fetch(user: "admin")
    let elapsed = try await ContinuousClock().measure { for _ in 0..<count { _ = try await client.fetch(user: "admin") } }
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) / Double(count) * 1000
}

let done = DispatchSemaphore(value: 0)
Task.detached {
    do {
        let ms = try await loopbackFetches(count: 300)
        print(String(format: "fetch over loopback HTTP (client + simulator)         %.3f ms/request (300 requests)", ms))
    } catch {
        print("loopback fetch: \(error)")
    }
    done.signal()
}
done.wait()
