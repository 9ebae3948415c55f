import Watch
import Foundation
import Synchronization

/// Writes snapshots off the main queue, in batches: `record` only appends to a buffer (the
/// poll loop pays nothing measurable); a queue of its own writes the buffer every couple of
/// seconds, prunes every ten minutes, and writes what is left on `close`. A failing write is
/// reported once through `onProblem` and the batch dropped: history never stops the dashboard.
package final class HistoryRecorder: Sendable {
    package let store: HistoryStore
    private let queue = DispatchQueue(label: "m4top.history")
    private let buffer = Mutex<[StoredSnapshot]>([])
    private let stopped = Mutex(false)
    private let flushes = Mutex(0)
    private let days: Int
    private let reported = Mutex(false)
    private let onProblem: @Sendable (String) -> Void

    package static let flushSeconds = 2.0
    package static let pruneSeconds: TimeInterval = 600

    package init(store: HistoryStore, days: Int, onProblem: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.days = days
        self.onProblem = onProblem
        queue.async { [weak self] in self?.prune() }
        scheduleFlush()
    }

    /// The next flush, on the recorder's queue (a chain of one-shot timers: no timer object to
    /// share across threads).
    private func scheduleFlush() {
        queue.asyncAfter(deadline: .now() + Self.flushSeconds) { [weak self] in
            guard let self, !self.stopped.withLock({ $0 }) else { return }
            self.flush()
            let count = self.flushes.withLock { value -> Int in
                value += 1
                return value
            }
            if count % Int(Self.pruneSeconds / Self.flushSeconds) == 0 { self.prune() }
            self.scheduleFlush()
        }
    }

    package func record(_ snapshot: StoredSnapshot) {
        buffer.withLock { $0.append(snapshot) }
    }

    /// Writes what is buffered, now, and stops the timer (the end of a run).
    package func close() {
        stopped.withLock { $0 = true }
        queue.sync { flush() }
    }

    private func flush() {
        let batch = buffer.withLock { pending -> [StoredSnapshot] in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        do {
            try store.write(batch)
        } catch {
            report(error.message)
        }
    }

    private func prune() {
        do {
            try store.prune(now: Date(), days: days)
        } catch {
            report(error.message)
        }
    }

    private func report(_ message: String) {
        let first = reported.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { onProblem(message) }
    }
}

/// The recorder as a fleet sink: every answer and failure, under its server's stored name.
package struct HistorySink: FleetSink {
    package let recorder: HistoryRecorder
    /// Per server, the name it is stored under.
    package let serverNames: [String]

    package init(recorder: HistoryRecorder, serverNames: [String]) {
        self.recorder = recorder
        self.serverNames = serverNames
    }

    package func fleet(_ fleet: FleetState, took event: FleetEvent) {
        guard case .fetched(let key, let result, let at) = event else { return }
        let server = serverNames[key.server]
        switch result {
        case .success(let stats): recorder.record(.answer(stats, server: server, user: key.name, at: at))
        case .failure(let error): recorder.record(.failure(error, server: server, user: key.name, at: at))
        }
    }
}
