import Foundation
import M4API
import Synchronization
import Watch

/// Who `/probe` may ask for on one server when nothing polls it (`m4top exporter --probe-only`):
/// no poller keeps the server's user list there, so the roster asks for it itself, and only when
/// a probe needs it.
///
/// The rules are the poller's (`WatchedServer`, `FleetUpdate.finishUserList`): a profile with
/// `users = [...]` watches those names and never asks the server. With `users = "all"` the admin
/// (the server's totals) is always watched, and any other name is looked up in the server's
/// `users_get` list, fetched when a probe first names someone other than the admin and again at
/// most every `PollScheduler.userListPeriod`: hidden users are left out, blocked ones are listed;
/// a refusal (not an admin, not authorized) leaves the configured users; a failure keeps the
/// last list, and is tried again no sooner than `retry` later. The fetch takes a slot in the
/// server's budget like any other request, and concurrent probes share it.
package actor UserRoster {
    private var server: WatchedServer
    private let gate: ServerGate?
    private let fetch: @Sendable () async -> Result<[M4User], FetchError>
    private let now: @Sendable () -> Date
    /// How soon a failed fetch is tried again.
    private let retry: TimeInterval
    /// How long a probe without a deadline waits for the list (the profile's timeout).
    private let timeout: TimeInterval
    private var names: Set<String>
    /// When the server last answered `users_get` (with a list or a refusal).
    private var answeredAt: Date?
    private var failedAt: Date?
    private var failure: FetchError?
    private var running: Task<Bool, Never>?
    /// The latest fetch got its slot: its request was sent.
    private var sending = false
    /// Lists fetched (tests and the bench read it).
    package private(set) var fetches = 0

    package init(setup: ServerSetup, gate: ServerGate?, retry: TimeInterval, timeout: TimeInterval = 10,
                 now: @escaping @Sendable () -> Date = Date.init,
                 fetch: @escaping @Sendable () async -> Result<[M4User], FetchError>) {
        server = WatchedServer(setup)
        names = Set(setup.users)
        self.gate = gate
        self.retry = retry
        self.timeout = timeout
        self.now = now
        self.fetch = fetch
    }

    /// Whether a probe may ask for `user`, within `deadline` seconds (nil: the profile's timeout).
    package func admits(_ user: String, deadline: TimeInterval?) async -> Prober.Admission {
        guard server.listsAllUsers else { return names.contains(user) ? .watched : .notWatched }
        if user == server.adminName { return .watched }
        let moment = now()
        let stale = answeredAt.map { moment.timeIntervalSince($0) >= PollScheduler.userListPeriod } ?? true
        let resting = failedAt.map { moment.timeIntervalSince($0) < retry } ?? false
        let seconds = deadline ?? timeout
        var waited: Waited?
        if stale && !resting {
            let task = running ?? start(slotWait: max(0, seconds - 0.1))
            // With a list in hand the probe does not wait for the new one: the last list is kept
            // until the server gives another.
            if answeredAt == nil { waited = await Self.wait(for: task, seconds: seconds) }
        }
        if answeredAt != nil { return names.contains(user) ? .watched : .notWatched }
        switch waited {
        case .noSlot?: return .unknown(.transport(.timedOut(seconds: seconds)), budgetSpent: true)
        case .timedOut?:
            // Still waiting for a slot (nothing sent yet) is the budget's doing, not the server's.
            return .unknown(.transport(.timedOut(seconds: seconds)), budgetSpent: !sending)
        case .answered?, nil: return .unknown(failure ?? .transport(.timedOut(seconds: seconds)), budgetSpent: false)
        }
    }

    /// How waiting for a fetch ended.
    enum Waited: Sendable {
        case answered
        /// No slot in the server's budget in time: nothing was sent.
        case noSlot
        /// Still running when the probe's time was up (it goes on, for the next probe).
        case timedOut
    }

    /// The fetch, through the server's gate; false when it got no slot within `slotWait`.
    private func start(slotWait: TimeInterval) -> Task<Bool, Never> {
        let gate = self.gate, fetch = self.fetch
        sending = false
        let task = Task { () -> Bool in
            if let gate, !(await gate.enter(within: slotWait)) {
                self.settle(nil)
                return false
            }
            self.sending = true
            let result = await fetch()
            gate?.leave()
            self.settle(result)
            return true
        }
        running = task
        return task
    }

    /// What a fetch brought: the poller's rules for a list, a refusal, or a failure. Nil: no
    /// slot, nothing sent, so the next probe may try again at once.
    private func settle(_ result: Result<[M4User], FetchError>?) {
        running = nil
        guard let result else { return }
        fetches += 1
        let moment = now()
        switch result {
        case .success(let list):
            names = Set(server.watchedUsers(from: list))
            answeredAt = moment
            failedAt = nil
            failure = nil
        case .failure(let error) where PollOutcome(error) == .userFailure:
            // Refused (not an admin, not authorized): the configured users, as the poller does.
            names = Set(server.configuredUsers + [server.adminName])
            answeredAt = moment
            failedAt = nil
            failure = nil
        case .failure(let error):
            failedAt = moment
            failure = error
        }
    }

    /// How the task ended within `seconds` (it is not cancelled when it did not).
    private static func wait(for task: Task<Bool, Never>, seconds: TimeInterval) async -> Waited {
        await withCheckedContinuation { continuation in
            let first = FirstResume(continuation)
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
                first.resume(.timedOut)
            }
            Task {
                let gotSlot = await task.value
                timer.cancel()
                first.resume(gotSlot ? .answered : .noSlot)
            }
        }
    }

    /// Resumes a waiting probe once, with whichever comes first.
    private final class FirstResume: Sendable {
        private let continuation: Mutex<CheckedContinuation<Waited, Never>?>

        init(_ continuation: CheckedContinuation<Waited, Never>) {
            self.continuation = Mutex(continuation)
        }

        func resume(_ value: Waited) {
            continuation.withLock { pending in
                pending?.resume(returning: value)
                pending = nil
            }
        }
    }
}
