import DequeModule
import Foundation

/// One server's budget shared by everything that calls it in one process: the poller's
/// requests and `/probe`'s. At most `maxInFlight` at once, starts `minimumGap` apart, waiters
/// let in in arrival order. The poller's own scheduler keeps within the budget by itself; the
/// gate is what stops probes (which Prometheus sends as it likes) from adding to it.
package actor ServerGate {
    package let budget: ServerBudget
    private var inFlight = 0
    private var lastStart = Date.distantPast
    private var waiting: Deque<Waiter> = []
    private var wakeScheduled = false
    private var nextID: UInt64 = 0

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    package init(budget: ServerBudget) {
        self.budget = budget
    }

    /// Waits for a slot; false when `seconds` pass first (nil: wait as long as it takes).
    /// Every `true` must be followed by one `leave()`.
    package func enter(within seconds: TimeInterval? = nil) async -> Bool {
        if waiting.isEmpty && inFlight < budget.maxInFlight && Date().timeIntervalSince(lastStart) >= budget.minimumGap {
            begin()
            return true
        }
        if let seconds, seconds <= 0 { return false }
        let id = nextID
        nextID += 1
        return await withCheckedContinuation { continuation in
            waiting.append(Waiter(id: id, continuation: continuation))
            if let seconds {
                Task {
                    try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                    self.expire(id)
                }
            }
            admit()
        }
    }

    package func leave() {
        inFlight = max(0, inFlight - 1)
        admit()
    }

    /// Requests started and not yet left, and callers waiting (for tests and the landing page).
    package var load: (inFlight: Int, waiting: Int) { (inFlight, waiting.count) }

    private func begin() {
        inFlight += 1
        lastStart = Date()
    }

    /// Lets waiters in, in order, while there is a slot; sleeps until the gap allows the next.
    private func admit() {
        while let first = waiting.first, inFlight < budget.maxInFlight {
            let wait = budget.minimumGap - Date().timeIntervalSince(lastStart)
            if wait > 0 {
                guard !wakeScheduled else { return }
                wakeScheduled = true
                Task {
                    try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000) + 1_000_000)
                    self.woke()
                }
                return
            }
            waiting.removeFirst()
            begin()
            first.continuation.resume(returning: true)
        }
    }

    private func woke() {
        wakeScheduled = false
        admit()
    }

    private func expire(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).continuation.resume(returning: false)
    }
}
