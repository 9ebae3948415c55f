import Foundation
import Testing
import M4API
import Watch

/// The budget one server's callers share: /probe, the exporter's polls, --once.
@Suite("ServerGate: max_in_flight and max_rate for every caller of a server")
struct ServerGateTests {
    @Test("Twelve callers at once: never more than max_in_flight inside, starts at least 1.04/max_rate apart (waits on Task.sleep, and on an event loop's timer)",
          arguments: [false, true])
    func spacingAndInFlight(onLoop: Bool) async {
        let gate = ServerGate(budget: ServerBudget(maxInFlight: 2, maxRate: 10), timers: onLoop ? M4Client.spareExecutor : nil)
        let started = Date()
        let most = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    _ = await gate.enter()
                    let inside = gate.load.inFlight
                    try? await Task.sleep(nanoseconds: 50_000_000)
                    gate.leave()
                    return inside
                }
            }
            return await group.reduce(0) { max($0, $1) }
        }
        #expect(most <= 2)
        // Eleven gaps of 0.104 s at least, whatever the machine's load (a lower bound only).
        #expect(Date().timeIntervalSince(started) >= 11 * 1.04 / 10)
        #expect(gate.load == (0, 0))
    }

    @Test("A caller with a deadline is refused on time by an event loop's timer too")
    func deadlineOnLoop() async {
        let gate = ServerGate(budget: ServerBudget(maxInFlight: 1, maxRate: 100), timers: M4Client.spareExecutor)
        #expect(await gate.enter(within: 1))
        let before = Date()
        #expect(await gate.enter(within: 0.2) == false)
        #expect(Date().timeIntervalSince(before) >= 0.2)
        #expect(gate.load == (1, 0))
        gate.leave()
    }

    @Test("A caller with a deadline gets false when no slot comes in time, and leaves no trace")
    func deadline() async {
        let gate = ServerGate(budget: ServerBudget(maxInFlight: 1, maxRate: 100))
        #expect(await gate.enter(within: 1))
        #expect(await gate.enter(within: 0.2) == false, "the one slot is taken")
        #expect(gate.load == (1, 0), "the refused caller is not left waiting")
        gate.leave()
        #expect(await gate.enter(within: 1))
        gate.leave()
    }

    @Test("StartSpacing: starts 1.04/max_rate apart on the clock read as each leaves; a late start waits for none, early ones queue behind it")
    func startSpacing() async {
        let spacing = StartSpacing(budget: ServerBudget(maxInFlight: 2, maxRate: 5))
        let gap = 1.04 / 5
        let t0 = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(spacing.reserve(now: t0) == 0)
        // Two more at the same moment (behind a frame): one and two gaps later, never sooner.
        #expect(abs(spacing.reserve(now: t0) - gap) < 1e-6)
        #expect(abs(spacing.reserve(now: t0.addingTimeInterval(0.1)) - (2 * gap - 0.1)) < 1e-6)
        // Long after: at once.
        #expect(spacing.reserve(now: t0.addingTimeInterval(5)) == 0)
        // At most max_rate starts in any sliding second, whatever the asking times.
        var starts: [Date] = []
        var now = t0.addingTimeInterval(10)
        for step in 0..<40 {
            now = now.addingTimeInterval(step % 3 == 0 ? 0.01 : 0.3)
            starts.append(now.addingTimeInterval(spacing.reserve(now: now)))
        }
        for (index, start) in starts.enumerated() {
            #expect(starts[index...].prefix { $0.timeIntervalSince(start) < 1 }.count <= 5)
        }
        // A start that leaves late (its wake-up behind other work) moves the next one back.
        let late = StartSpacing(budget: ServerBudget(maxRate: 5))
        #expect(late.reserve(now: t0) == 0)
        late.left(at: t0.addingTimeInterval(0.05))
        #expect(abs(late.reserve(now: t0.addingTimeInterval(0.1)) - (0.05 + gap - 0.1)) < 1e-6)
        // The wait itself.
        let timed = StartSpacing(budget: ServerBudget(maxRate: 20))
        await timed.waitForTurn()
        let before = Date()
        await timed.waitForTurn()
        #expect(Date().timeIntervalSince(before) >= 0.04)
        // On an event loop's timer (as a client's fetch waits).
        await timed.waitForTurn(timers: M4Client.spareExecutor)
        let onLoop = Date()
        await timed.waitForTurn(timers: M4Client.spareExecutor)
        #expect(Date().timeIntervalSince(onLoop) >= 0.04)
    }
}
