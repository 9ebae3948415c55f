import Foundation

/// Simulated time: starts at `start` and runs `speed` times faster than the wall clock,
/// so a demo moves within seconds and a test can cross midnight in a few seconds.
package struct SimulatedClock: Sendable {
    package let start: Date
    package let speed: Double
    private let realStart: Date
    /// Simulated time skipped on request (control endpoint `/_sim/skip`).
    package private(set) var skipped: TimeInterval = 0

    package init(start: Date = Date(), speed: Double = 1, realStart: Date = Date()) {
        self.start = start
        self.speed = speed
        self.realStart = realStart
    }

    package func now(real: Date = Date()) -> Date {
        start.addingTimeInterval(real.timeIntervalSince(realStart) * speed + skipped)
    }

    /// Jumps simulated time forward, e.g. over midnight, without waiting for it.
    package mutating func skip(_ seconds: TimeInterval) {
        skipped += max(0, seconds)
    }
}
