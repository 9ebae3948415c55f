import DequeModule
import Foundation
import M4API
import Synchronization

/// One server's budget shared by everything that calls it in one process: the poller's
/// requests and `/probe`'s. At most `maxInFlight` at once, starts `minimumGap` apart, waiters
/// let in in arrival order. The poller's own scheduler keeps within the budget by itself; the
/// gate is what stops probes (which Prometheus sends as it likes) from adding to it.
///
/// A lock, not an actor: a caller let in at once (the poller's usual case) runs on, on its own
/// thread (the client's event loop), with no hop to another executor and back. A wait is a
/// timer on `timers` (the server's client's loop) when given: a loop timer fires inside the
/// loop's own epoll wait, where `Task.sleep` wakes libdispatch's timer thread and then a worker.
/// At 1,000 users those hops and wake-ups were a fifth of the exporter's CPU.
package final class ServerGate: Sendable {
    package let budget: ServerBudget
    private let timers: LoopExecutor?
    private let state = Mutex(State())

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var inFlight = 0
        var lastStart = Date.distantPast
        var waiting: Deque<Waiter> = []
        var wakeScheduled = false
        var nextID: UInt64 = 0
    }

    package init(budget: ServerBudget, timers: LoopExecutor? = nil) {
        self.budget = budget
        self.timers = timers
    }

    /// Waits for a slot; false when `seconds` pass first (nil: wait as long as it takes).
    /// Every `true` must be followed by one `leave()`.
    package func enter(within seconds: TimeInterval? = nil) async -> Bool {
        let budget = self.budget
        let atOnce = state.withLock { state -> Bool in
            let now = Date()
            guard state.waiting.isEmpty, state.inFlight < budget.maxInFlight,
                  now.timeIntervalSince(state.lastStart) >= budget.minimumGap else { return false }
            state.inFlight += 1
            state.lastStart = now
            return true
        }
        if atOnce { return true }
        if let seconds, seconds <= 0 { return false }
        let admitted = await withCheckedContinuation { continuation in
            let id = state.withLock { state -> UInt64 in
                defer { state.nextID += 1 }
                state.waiting.append(Waiter(id: state.nextID, continuation: continuation))
                return state.nextID
            }
            if let seconds { after(seconds) { self.expire(id) } }
            admit()
        }
        // Let in, the caller runs only when its executor gets to it (a loop busy with other
        // answers): its start is now, and the next one waits a whole gap from here.
        if admitted { state.withLock { $0.lastStart = max($0.lastStart, Date()) } }
        return admitted
    }

    package func leave() {
        state.withLock { $0.inFlight = max(0, $0.inFlight - 1) }
        admit()
    }

    /// Requests started and not yet left, and callers waiting (for tests and the landing page).
    package var load: (inFlight: Int, waiting: Int) { state.withLock { ($0.inFlight, $0.waiting.count) } }

    /// Lets waiters in, in order, while there is a slot; sleeps until the gap allows the next.
    /// Continuations resume and timers are set outside the lock.
    private func admit() {
        let budget = self.budget
        let (admitted, wake) = state.withLock { state -> ([Waiter], TimeInterval?) in
            var admitted: [Waiter] = []
            while !state.waiting.isEmpty, state.inFlight < budget.maxInFlight {
                let wait = budget.minimumGap - Date().timeIntervalSince(state.lastStart)
                if wait > 0 {
                    guard !state.wakeScheduled else { break }
                    state.wakeScheduled = true
                    return (admitted, wait)
                }
                admitted.append(state.waiting.removeFirst())
                state.inFlight += 1
                state.lastStart = Date()
            }
            return (admitted, nil)
        }
        for waiter in admitted { waiter.continuation.resume(returning: true) }
        // A little past the gap: the clocks of the timer and of `Date` need not agree to the µs.
        if let wake { after(wake + 0.0005) { self.woke() } }
    }

    private func woke() {
        state.withLock { $0.wakeScheduled = false }
        admit()
    }

    private func expire(_ id: UInt64) {
        let refused = state.withLock { state -> Waiter? in
            guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiting.remove(at: index)
        }
        refused?.continuation.resume(returning: false)
    }

    /// Runs `body` after `seconds`, on the loop's timer when there is one.
    private func after(_ seconds: TimeInterval, _ body: @escaping @Sendable () -> Void) {
        if let timers {
            _ = timers.after(seconds, body)
        } else {
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                body()
            }
        }
    }
}
