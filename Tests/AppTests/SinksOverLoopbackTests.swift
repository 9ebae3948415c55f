@testable import App
import Foundation
import History
import M4API
import Simulator
import Synchronization
import Testing
import Watch

/// A new output is a `FleetSink`: this file is one (a test's own), attached to the real
/// headless poller beside the history store's, against the simulator over loopback HTTP.
@Suite("Sinks: what the fleet hears reaches every sink, over loopback")
struct SinksOverLoopbackTests {
    /// Counts answers and failures per user, as a StatsD or OpenTelemetry sink would send them.
    final class CountingSink: FleetSink {
        let answers = Mutex<[String: Int]>([:])
        let watchedWhenTold = Mutex<Bool>(true)

        func fleet(_ fleet: FleetState, took event: FleetEvent) {
            guard case .fetched(let key, .success, _) = event else { return }
            answers.withLock { $0[key.name, default: 0] += 1 }
            // The state has taken the answer in before any sink hears of it.
            if fleet.userStates[key]?.lastSuccess == nil { watchedWhenTold.withLock { $0 = false } }
        }
    }

    @Test("A counting sink and the history sink both hear every answer the poller takes in")
    func sinksHearEveryAnswer() async throws {
        let simulator = try await FleetOverLoopbackTests.simulator(users: 3)
        defer { Task { await simulator.stop() } }
        let folder = NSTemporaryDirectory() + "m4top-sinks-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try HistoryStore.open(path: folder + "/history.sqlite").store
        let recorder = HistoryRecorder(store: store, days: 7) { _ in }
        let counting = CountingSink()
        let users = ["admin", "user0001", "user0002"]
        let fleet = FleetState(servers: [ServerSetup(name: "sim", displayURL: simulator.baseURL, adminName: "admin", users: users)],
                               interval: 1, overviewInterval: 1)
        let poller = FleetPoller(state: fleet, clients: [try FleetOverLoopbackTests.client(simulator)],
                                 sinks: [counting, HistorySink(recorder: recorder, serverNames: ["sim"])])
        await poller.run(for: 5)
        recorder.close()

        let counted = counting.answers.withLock { $0 }
        #expect(Set(counted.keys) == Set(users), "\(counted)")
        #expect(counted.values.allSatisfy { $0 >= 2 }, "every user answered at least twice in 5 s at a 1 s interval (a loaded machine answers slowly): \(counted)")
        #expect(counting.watchedWhenTold.withLock { $0 })
        let stored = try store.snapshots(server: "sim")
        for user in users {
            #expect(stored.filter { $0.user == user && $0.ok }.count == counted[user], "\(user): one stored row per answer heard")
        }
        let final = await poller.state
        #expect(users.allSatisfy { final.userStates[UserKey(server: 0, name: $0)]?.lastSuccess != nil })
    }
}
