@testable import App
import Dashboard
import Watch
import Foundation
import M4API
import Simulator
import Testing

/// The fleet's real loop (state, update, scheduler, client) against three simulators over
/// loopback HTTP: one healthy, one stopped half-way, one slow. The simulators count what they
/// were asked, so the caps are checked from the servers' side.
@Suite("A fleet over loopback: three servers, one dies, one is slow")
struct FleetOverLoopbackTests {
    static func simulator(users: Int, latencyMs: Int? = nil) async throws -> RunningSimulator {
        var settings = SimulatorSettings()
        settings.makeFleet(count: users)
        var faults = FaultBoard()
        if let latencyMs {
            faults.latencyMilliseconds = latencyMs
            faults.set(.latency, for: nil)
        }
        return try await RunningSimulator.start(SimulatedServer(settings: settings, seed: 9, faults: faults))
    }

    static func client(_ running: RunningSimulator) throws -> M4Client {
        M4Client(settings: ConnectionSettings(methodURL: try QuickStatsEndpoint.methodURL(fromBase: running.baseURL), timeoutSeconds: 5),
                 secret: "secret")
    }

    /// The scheduler spaces starts exactly (PollSchedulerTests proves it on a virtual clock);
    /// a server counts arrivals, and on a loaded machine (tests run in parallel) a request can
    /// leave late enough to put one more into some second. In flight is counted exactly.
    static let arrivalsPerSecondSeen = 5 + 1

    @Test("Caps hold at every server, the dead one is marked down and backs off, the others carry on")
    func threeServers() async throws {
        let healthy = try await Self.simulator(users: 20)
        let dying = try await Self.simulator(users: 20)
        let slow = try await Self.simulator(users: 20, latencyMs: 1200)
        defer { Task { for sim in [healthy, dying, slow] { await sim.stop() } } }
        let budget = ServerBudget(maxInFlight: 2, maxRate: 5)
        let setups = ["healthy", "dying", "slow"].enumerated().map { index, name in
            ServerSetup(name: name, displayURL: [healthy, dying, slow][index].baseURL, adminName: "admin", users: ["admin"],
                        listsAllUsers: true, budget: budget)
        }
        let state = FleetState(servers: setups, interval: 2, overviewInterval: 4)
        let poller = FleetPoller(state: state, clients: try [healthy, dying, slow].map(Self.client))

        await poller.run(for: 5)
        await dying.stop()
        let stoppedAt = Date()
        await poller.run(for: 7)
        let final = DashboardState(fleet: await poller.state, start: .overview)

        // Every list arrived: 20 users listed, hidden ones (every 25th: none of 20) left out.
        #expect(final.servers.map(\.users.count) == [21, 21, 21])
        // The healthy server: everyone fresh, the caps never passed (the server's own counters).
        let healthyKeys = final.fleet.filter { $0.server == 0 }
        let polledHealthy = healthyKeys.filter { !final.servers[0].isBlocked($0.name) }
        #expect(polledHealthy.allSatisfy { final.rowState($0) == .live }, "\(polledHealthy.map { final.rowState($0) })")
        let healthyStats = await healthy.server.requests
        #expect(healthyStats.maxPerSecond <= Self.arrivalsPerSecondSeen && healthyStats.maxInFlight <= 2, "\(healthyStats.maxPerSecond) \(healthyStats.maxInFlight)")
        #expect(polledHealthy.allSatisfy { (healthyStats.perUser[$0.name] ?? 0) >= 2 }, "every user asked at least twice in 12 s")
        #expect(healthyKeys.filter { final.servers[0].isBlocked($0.name) }.allSatisfy { healthyStats.perUser[$0.name] == nil },
                "blocked users are never asked")

        // The dead server: every row says down, one countdown for the server, few probes.
        #expect(final.servers[1].failure != nil)
        #expect(final.fleet.filter { $0.server == 1 && !final.servers[1].isBlocked($0.name) }.allSatisfy { final.rowState($0) == .down })
        #expect(final.scheduler.retryAt(server: 1) != nil)
        let dyingStats = await dying.server.requests
        #expect(dyingStats.maxPerSecond <= Self.arrivalsPerSecondSeen && dyingStats.maxInFlight <= 2, "\(dyingStats.maxPerSecond) \(dyingStats.maxInFlight)")
        #expect(Date().timeIntervalSince(stoppedAt) >= 6)

        // The slow server: never more than two at once, still answering, rows ageing evenly.
        let slowStats = await slow.server.requests
        #expect(slowStats.maxInFlight <= 2, "\(slowStats.maxInFlight)")
        #expect(slowStats.maxPerSecond <= Self.arrivalsPerSecondSeen)
        let slowLive = final.fleet.filter { $0.server == 2 && final.rowState($0) != .blocked && final.userStates[$0]?.lastSuccess != nil }
        #expect(slowLive.count >= 10, "\(slowLive.count) of the slow server's users answered")
        #expect(final.scheduler.roundSeconds(server: 2) > 4, "the overview says a round takes longer than the interval")
    }
}
