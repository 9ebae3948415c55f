import Watch
import Foundation
import Synchronization

/// Writes snapshots off the main queue, in batches: `record` only appends to a buffer (the
/// poll loop pays nothing measurable); a queue of its own writes the buffer every couple of
/// seconds, prunes every ten minutes, and writes what is left on `close`. A failing write drops
/// its batch (history never stops the dashboard), is counted in `trouble` for the status line,
/// and is tried again at the next flush; `onProblem` hears when it starts and when it ends.
package final class HistoryRecorder: Sendable {
    package let store: HistoryStore
    private let queue = DispatchQueue(label: "m4top.history")
    private let buffer = Mutex<[StoredSnapshot]>([])
    private let alertBuffer = Mutex<[StoredAlertEvent]>([])
    private let listBuffer = Mutex<[StoredUserList]>([])
    private let stopped = Mutex(false)
    private let flushes = Mutex(0)
    private let days: Int
    private let troubleState = Mutex<WriteTrouble?>(nil)
    private let onProblem: @Sendable (String) -> Void

    /// Writes failing now: why, and how many snapshots were not kept since they began.
    package struct WriteTrouble: Sendable, Equatable {
        package let message: String
        package let lost: Int
    }

    package var trouble: WriteTrouble? { troubleState.withLock { $0 } }

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

    package func record(_ list: StoredUserList) {
        listBuffer.withLock { $0.append(list) }
    }

    package func record(_ events: [StoredAlertEvent]) {
        guard !events.isEmpty else { return }
        alertBuffer.withLock { $0 += events }
    }

    /// Writes what is buffered, now, and stops the timer (the end of a run).
    package func close() {
        stopped.withLock { $0 = true }
        queue.sync { flush() }
    }

    private func flush() {
        let batch = Self.drain(buffer), alerts = Self.drain(alertBuffer), lists = Self.drain(listBuffer)
        // Nothing to write proves nothing about the disk: a failing store stays failing.
        guard !batch.isEmpty || !alerts.isEmpty || !lists.isEmpty else { return }
        do {
            try store.write(batch)
            try store.write(alertEvents: alerts)
            try store.write(userLists: lists)
            if let ended = troubleState.withLock({ state -> WriteTrouble? in defer { state = nil }; return state }) {
                onProblem("history: writing again; \(ended.lost) snapshot\(ended.lost == 1 ? " was" : "s were") not kept")
            }
        } catch {
            let began = troubleState.withLock { state -> Bool in
                defer { state = WriteTrouble(message: error.message, lost: (state?.lost ?? 0) + batch.count) }
                return state == nil
            }
            if began { onProblem(error.message) }
        }
    }

    /// What a buffer holds, leaving it empty.
    private static func drain<Item>(_ buffer: borrowing Mutex<[Item]>) -> [Item] {
        buffer.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }

    private func prune() {
        do {
            try store.prune(now: Date(), days: days)
        } catch {
            onProblem(error.message)
        }
    }
}

/// The recorder as a fleet sink: every answer and failure, under its server's stored name.
package struct HistorySink: FleetSink {
    package let recorder: HistoryRecorder
    /// Per server, the name it is stored under.
    package let serverNames: [String]
    /// How many of the alert book's events are stored already.
    private let alertsSeen = AlertCursor()
    /// Each server's list as last kept this run.
    private let listsKept = KeptLists()

    package init(recorder: HistoryRecorder, serverNames: [String]) {
        self.recorder = recorder
        self.serverNames = serverNames
    }

    package func fleet(_ fleet: FleetState, took event: FleetEvent) {
        // The alert log's new lines (an acknowledgement made by a key is among them by the
        // next event: a tick comes every second).
        let logged = fleet.alerts.eventsLogged
        let fresh = alertsSeen.advance(to: logged)
        if fresh > 0 {
            recorder.record(fleet.alerts.log.suffix(fresh).map { StoredAlertEvent($0, serverNames: serverNames) })
        }
        if case .userListFetched(let server, .success, let at) = event {
            let users = fleet.servers[server].users
            if listsKept.changed(server: server, to: users) {
                recorder.record(StoredUserList(time: at, server: serverNames[server], users: users))
            }
        }
        guard case .fetched(let key, let result, let at) = event else { return }
        let server = serverNames[key.server]
        switch result {
        case .success(let stats): recorder.record(.answer(stats, server: server, user: key.name, at: at))
        case .failure(let error): recorder.record(.failure(error, server: server, user: key.name, at: at))
        }
    }
}

/// A count that only moves forward, shared by copies of a sink.
private final class AlertCursor: Sendable {
    private let seen = Mutex(0)

    /// Moves to `total`; returns how many are new.
    func advance(to total: Int) -> Int {
        seen.withLock { seen in
            defer { seen = max(seen, total) }
            return max(0, total - seen)
        }
    }
}

/// The user lists kept this run, per server: a list is kept again only when it changed.
private final class KeptLists: Sendable {
    private let lists = Mutex<[Int: [String]]>([:])

    func changed(server: Int, to users: [String]) -> Bool {
        lists.withLock { lists in
            guard lists[server] != users else { return false }
            lists[server] = users
            return true
        }
    }
}
