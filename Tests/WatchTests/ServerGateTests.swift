import Foundation
import Testing
import Watch

/// The budget one server's callers share: /probe, the exporter's polls, --once.
@Suite("ServerGate: max_in_flight and max_rate for every caller of a server")
struct ServerGateTests {
    @Test("Twelve callers at once: never more than max_in_flight inside, starts at least 1.04/max_rate apart")
    func spacingAndInFlight() async {
        let gate = ServerGate(budget: ServerBudget(maxInFlight: 2, maxRate: 10))
        let started = Date()
        let most = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    _ = await gate.enter()
                    let inside = await gate.load.inFlight
                    try? await Task.sleep(nanoseconds: 50_000_000)
                    await gate.leave()
                    return inside
                }
            }
            return await group.reduce(0) { max($0, $1) }
        }
        #expect(most <= 2)
        // Eleven gaps of 0.104 s at least, whatever the machine's load (a lower bound only).
        #expect(Date().timeIntervalSince(started) >= 11 * 1.04 / 10)
        #expect(await gate.load == (0, 0))
    }

    @Test("A caller with a deadline gets false when no slot comes in time, and leaves no trace")
    func deadline() async {
        let gate = ServerGate(budget: ServerBudget(maxInFlight: 1, maxRate: 100))
        #expect(await gate.enter(within: 1))
        #expect(await gate.enter(within: 0.2) == false, "the one slot is taken")
        #expect(await gate.load == (1, 0), "the refused caller is not left waiting")
        await gate.leave()
        #expect(await gate.enter(within: 1))
        await gate.leave()
    }
}
