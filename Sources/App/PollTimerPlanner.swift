import Foundation

/// Decides how the one poll timer is pointed: at the state's next due time, re-armed only when
/// that time changes (a timer re-armed on every event would drift and cost wake-ups).
struct PollTimerPlanner: Equatable {
    enum Command: Equatable {
        /// Fire after this many seconds (0: now).
        case arm(after: TimeInterval)
        /// Nothing is due (paused, or a request in flight).
        case disarm
    }

    private(set) var planned: Date?

    /// The command for the timer, or nil when it already points at `due`.
    mutating func plan(due: Date?, now: Date) -> Command? {
        guard due != planned else { return nil }
        planned = due
        guard let due else { return .disarm }
        return .arm(after: max(0, due.timeIntervalSince(now)))
    }

    /// The timer fired: whatever it pointed at is spent.
    mutating func fired() { planned = nil }
}
