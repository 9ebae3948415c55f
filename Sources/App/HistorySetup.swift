import Watch
import Foundation
import History
import Logging
import M4API

/// The run's history: the store opened (or not, and why), the recorder writing to it, and the
/// name each server is stored under.
struct HistorySetup: Sendable {
    let recorder: HistoryRecorder?
    /// What the screens read charts and baselines from: the recorder's store, or a store opened
    /// read-only (`history_read_only`: another process, such as the exporter, writes it).
    let store: HistoryStore?
    /// Said once on the status line: the file was moved aside, or history is off this run.
    let notice: String?
    /// Per server: its profile's name, or its URL when it has none.
    let serverNames: [String]
    /// The demo's temporary store's folder: removed by `close`.
    let temporaryFolder: String?
    /// How many days the store keeps.
    let days: Int

    private init(recorder: HistoryRecorder? = nil, store: HistoryStore? = nil, notice: String? = nil, serverNames: [String],
                 temporaryFolder: String? = nil, days: Int = RunSettings.defaultHistoryDays) {
        self.days = days
        self.recorder = recorder
        self.store = store ?? recorder?.store
        self.notice = notice
        self.serverNames = serverNames
        self.temporaryFolder = temporaryFolder
    }

    /// Never fails: a store that cannot be had turns history off for this run, with a notice.
    /// The demo keeps nothing in the user's store (simulated numbers do not belong next to a
    /// real server's); the dashboard's demo has a temporary one of its own (`openDemo`).
    static func open(_ settings: RunSettings, demo: Bool) -> HistorySetup {
        let names = settings.servers.map(\.storeName)
        guard let path = settings.historyPath, !demo else { return HistorySetup(serverNames: names) }
        let logger = Logger(label: "m4top.history")
        if settings.historyReadOnly {
            do {
                return HistorySetup(store: try HistoryStore.openReadOnly(path: path), serverNames: names, days: settings.historyDays)
            } catch {
                logger.error("\(error.message)")
                return HistorySetup(notice: "history is off this run (read-only): \(error.message)", serverNames: names)
            }
        }
        do {
            let (store, notice) = try HistoryStore.open(path: path) { Console.error("m4top: \($0)") }
            if let notice { logger.warning("\(notice)") }
            return HistorySetup(recorder: recorder(store, days: settings.historyDays, logger: logger), notice: notice, serverNames: names,
                                days: settings.historyDays)
        } catch {
            logger.error("\(error.message)")
            return HistorySetup(notice: "history is off this run: \(error.message)", serverNames: names)
        }
    }

    /// The dashboard's demo: a new store in a private temporary folder, which the demo's week is
    /// seeded into (`DemoHistory`) and its answers are recorded in.
    static func openDemo(_ settings: RunSettings) -> HistorySetup {
        let names = settings.servers.map(\.storeName)
        guard settings.historyPath != nil else { return HistorySetup(serverNames: names) }
        let logger = Logger(label: "m4top.history")
        do {
            let (store, folder) = try DemoHistory.makeStore()
            return HistorySetup(recorder: recorder(store, days: settings.historyDays, logger: logger), serverNames: names,
                                temporaryFolder: folder, days: settings.historyDays)
        } catch {
            logger.error("\(error.message)")
            return HistorySetup(notice: "the demo has no history this run: \(error.message)", serverNames: names)
        }
    }

    private static func recorder(_ store: HistoryStore, days: Int, logger: Logger) -> HistoryRecorder {
        HistoryRecorder(store: store, days: days) { problem in logger.error("\(problem)") }
    }

    /// The end of a run: what is buffered is written; the demo's store is removed.
    func close() {
        recorder?.close()
        if let temporaryFolder { try? FileManager.default.removeItem(atPath: temporaryFolder) }
    }

    /// The watched users as the store names them, with the zone of their server's days.
    func storedUsers(of fleet: FleetState) -> [(key: UserKey, server: String, timeZone: TimeZone)] {
        fleet.watched.map { (key: $0, server: serverNames[$0.server], timeZone: fleet.calendar(of: $0).timeZone) }
    }

    /// The last `window` of each wanted user, with its last answer in full.
    static func seeds(_ store: HistoryStore, wanted: [(key: UserKey, server: String)], window: TimeInterval, now: Date) -> [UserKey: SeedHistory] {
        (try? store.seeds(for: wanted, since: now.addingTimeInterval(-window))) ?? [:]
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
