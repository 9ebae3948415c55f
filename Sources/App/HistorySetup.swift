import Watch
import Foundation
import History
import Logging
import M4API

/// The run's history: the store opened (or not, and why), the recorder writing to it, and the
/// name each server is stored under.
struct HistorySetup: Sendable {
    let recorder: HistoryRecorder?
    /// Said once on the status line: the file was moved aside, or history is off this run.
    let notice: String?
    /// Per server: its profile's name, or its URL when it has none.
    let serverNames: [String]

    /// Never fails: a store that cannot be had turns history off for this run, with a notice.
    /// The demo keeps nothing (simulated numbers do not belong next to a real server's).
    static func open(_ settings: RunSettings, demo: Bool) -> HistorySetup {
        let names = settings.servers.map(\.storeName)
        guard let path = settings.historyPath, !demo else { return HistorySetup(recorder: nil, notice: nil, serverNames: names) }
        let logger = Logger(label: "m4top.history")
        do {
            let (store, notice) = try HistoryStore.open(path: path)
            if let notice { logger.warning("\(notice)") }
            let recorder = HistoryRecorder(store: store, days: settings.historyDays) { problem in
                logger.error("\(problem)")
            }
            return HistorySetup(recorder: recorder, notice: notice, serverNames: names)
        } catch {
            logger.error("\(error.message)")
            return HistorySetup(recorder: nil, notice: "history is off this run: \(error.message)", serverNames: names)
        }
    }

    /// The last `window` of each wanted user, with its last answer in full.
    static func seeds(_ store: HistoryStore, wanted: [(key: UserKey, server: String)], window: TimeInterval, now: Date) -> [UserKey: SeedHistory] {
        var seeds: [UserKey: SeedHistory] = [:]
        for (key, server) in wanted {
            guard let rows = try? store.snapshots(server: server, user: key.name, since: now.addingTimeInterval(-window)) else { continue }
            let ok = rows.filter(\.ok)
            let latest = (try? store.latestAnswer(server: server, user: key.name)).flatMap { $0 }.map { Snapshot(time: $0.time, stats: $0.stats) }
            guard !ok.isEmpty || latest != nil else { continue }
            let points = ok.map { row in
                HistoryPoint(time: row.time, todayCalls: row.metrics[.todayCalls], todayDuration: row.metrics[.todayDuration],
                             todayRevenue: row.metrics[.todayRevenue] ?? row.metrics[.todayPrice])
            }
            let chart = ok.compactMap { row in
                row.metrics[.activeCallsTotal].map { ChartSample(time: row.time.timeIntervalSince1970, level: NSDecimalNumber(decimal: $0).doubleValue) }
            }
            seeds[key] = SeedHistory(points: points, chart: chart, latest: latest)
        }
        return seeds
    }
}

extension ServerSettings {
    /// The name a server's rows are stored under: its profile, else its URL.
    var storeName: String { name.isEmpty ? target.storeName : name }
}

extension ServerSettings.Target {
    /// A server without a profile name is stored under its URL (without credentials).
    var storeName: String {
        switch self {
        case .server(let url): return QuickStatsEndpoint.displayBase(of: url)
        case .demo: return "demo"
        }
    }
}
