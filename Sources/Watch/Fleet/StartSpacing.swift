import Foundation
import M4API
import Synchronization

/// The dashboard's last word on `max_rate`, on the real clock as each request leaves: starts at
/// least `minimumGap` apart (`1.04 / max_rate`, the 4% kept for the network), so m4top itself
/// never sends more than `max_rate` in any second. The scheduler decides on its own clock (an
/// event's time); a start that then waited (a frame drawn, other answers taken in) could leave
/// right behind an earlier one that waited longer. Here the slot is taken with the clock read
/// just before sending, under a lock: no actor, no extra thread hop, and a wait only when one is
/// needed.
package final class StartSpacing: Sendable {
    package let gap: TimeInterval
    private let last = Mutex(Date.distantPast)

    package init(budget: ServerBudget) {
        gap = budget.minimumGap
    }

    /// Takes the next start at or after `now`: how long to wait before sending (0: at once).
    package func reserve(now: Date) -> TimeInterval {
        last.withLock { last in
            let start = max(now, last.addingTimeInterval(gap))
            last = start
            return start.timeIntervalSince(now)
        }
    }

    /// Waits for the next start: returns when the request may leave. The wait is a timer on
    /// `timers` (the client's loop) when given, not `Task.sleep` (libdispatch's timer thread,
    /// then a worker, then back to the loop).
    package func waitForTurn(timers: LoopExecutor? = nil) async {
        let wait = reserve(now: Date())
        if wait > 0 {
            if let timers {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    _ = timers.after(wait) { continuation.resume() }
                }
            } else {
                try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
            }
        }
        left(at: Date())
    }

    /// The request leaves now: a wake-up later than its turn (a busy event loop, a loaded
    /// machine) moves the next start back with it, so two starts are never closer than the gap
    /// on the clock as they leave (measured at 10,000 users: 174 ms apart without this).
    package func left(at now: Date) {
        last.withLock { last in last = max(last, now) }
    }

    /// One user's answer, asked for when its turn comes. Called from the main queue it runs on
    /// the thread that sends the request (the client's own), so the clock is read right there.
    package func fetch(_ user: String, with client: M4Client) async -> Result<QuickStats, FetchError> {
        await waitForTurn(timers: client.executor)
        return await client.fetchResult(user: user)
    }

    /// The server's user list, when its turn comes (as `fetch`).
    package func fetchUsers(with client: M4Client) async -> Result<[M4User], FetchError> {
        await waitForTurn(timers: client.executor)
        return await client.fetchUsersResult()
    }
}
