import Foundation
import M4API
import Prometheus
import Synchronization
import TextSafety
import Watch

/// `GET /probe?target=PROFILE&user=USER`, blackbox_exporter style: one fetch for one user,
/// answered as its own small exposition. Targets are profile names only, never URLs, so a scrape
/// cannot make the exporter call a host the config does not name. An answer younger than the
/// profile's interval is served again, and concurrent probes of one user share one request, so
/// however often Prometheus asks, a user costs its M4 server at most one request per interval.
package actor Prober {
    /// One probe-able server: a configured profile.
    package struct Target: Sendable {
        package let label: String
        package let adminName: String
        /// Seconds an answer is served again before a new fetch.
        package let interval: TimeInterval
        package let fetch: @Sendable (String) async -> Result<QuickStats, FetchError>
        /// The server's budget, shared with the poller; nil: none (tests).
        package let gate: ServerGate?
        /// How long a probe without Prometheus's timeout header waits for a slot.
        package let timeout: TimeInterval
        /// Whether the profile watches this user (its `users`, or its `users_get` list with
        /// `users = "all"`): a probe cannot make the exporter ask for any name it likes. The
        /// second argument is the seconds the answer may take (nil: the profile's timeout), for
        /// a check that has to ask the server for its list first (`UserRoster`).
        package let watches: @Sendable (String, TimeInterval?) async -> Admission

        package init(label: String, adminName: String, interval: TimeInterval, gate: ServerGate? = nil, timeout: TimeInterval = 10,
                     watches: @escaping @Sendable (String, TimeInterval?) async -> Admission = { _, _ in .watched },
                     fetch: @escaping @Sendable (String) async -> Result<QuickStats, FetchError>) {
            self.label = label
            self.adminName = adminName
            self.interval = interval
            self.gate = gate
            self.timeout = timeout
            self.watches = watches
            self.fetch = fetch
        }
    }

    /// Whether a probe may ask the server for a user.
    package enum Admission: Sendable, Equatable {
        case watched
        /// A 400: nothing is sent.
        case notWatched
        /// Whether the profile watches the user could not be told (its `users_get` list was
        /// needed and could not be had in time): nothing is asked for the user, and the probe
        /// fails with this error (`budgetSpent`: the list got no slot in the server's budget).
        case unknown(FetchError, budgetSpent: Bool)
    }

    /// A probe's result, and whether it was fetched for this request.
    package struct Outcome: Sendable {
        package let result: Result<QuickStats, FetchError>
        package let fetchedAt: Date
        /// How long the fetch took (for a cached answer: the original fetch).
        package let duration: TimeInterval
        package let cached: Bool
        /// No slot in the server's budget came before the deadline: nothing was sent.
        package var budgetSpent = false
    }

    /// A request `/probe` cannot serve: the HTTP 400's text.
    package struct BadRequest: Error, Sendable, Equatable {
        package let message: String
    }

    private struct Key: Hashable {
        let target: String
        let user: String
    }

    private enum Entry {
        case inFlight(Task<Outcome, Never>)
        case done(Outcome)
    }

    /// Distinct users kept at most: probes name users freely, so memory must not follow them.
    static let cacheLimit = 10_000
    /// In bytes: "a" and 13,000 combining marks is one character.
    static let longestUserName = 256

    private let targets: [String: Target]
    private var cache: [Key: Entry] = [:]
    private let now: @Sendable () -> Date

    package init(targets: [Target], now: @escaping @Sendable () -> Date = Date.init) {
        self.targets = Dictionary(targets.map { ($0.label, $0) }, uniquingKeysWith: { first, _ in first })
        self.now = now
    }

    package var targetNames: [String] { targets.keys.sorted() }

    /// What blackbox_exporter leaves of Prometheus's scrape timeout for the answer to travel:
    /// the probe gives up this long before Prometheus would.
    package static let scrapeTimeoutMargin: TimeInterval = 0.5

    /// The probe's deadline from Prometheus's `X-Prometheus-Scrape-Timeout-Seconds` header, or
    /// nil without one (the profile's own timeout then bounds the fetch).
    package static func deadline(scrapeTimeoutHeader: String?) -> TimeInterval? {
        guard let text = scrapeTimeoutHeader, let seconds = Double(text), seconds.isFinite, seconds > 0 else { return nil }
        return max(0.1, seconds - scrapeTimeoutMargin)
    }

    /// Checks the query, then answers from the cache or with one fetch. With a `deadline` (in
    /// seconds) a fetch still running then is answered as a timeout; it goes on, bounded by the
    /// profile's timeout, and its answer serves the next scrape.
    package func probe(target: String?, user: String?, deadline: TimeInterval? = nil) async throws(BadRequest) -> Outcome {
        let (profile, name) = try validate(target: target, user: user)
        let key = Key(target: profile.label, user: name)
        // A cached answer (or a fetch already running) sends nothing new.
        if let shared = await shared(key, interval: profile.interval, deadline: deadline) { return shared }
        let clock = now
        let started = ContinuousClock.now
        switch await profile.watches(name, deadline) {
        case .watched:
            break
        case .notWatched:
            throw BadRequest(message: "user '\(TerminalSafeText.excerpt(name))' is not one profile \(profile.label) watches (its users, or its users_get list with users = \"all\")")
        case .unknown(let error, let budgetSpent):
            let duration = Self.seconds(ContinuousClock.now - started)
            var unknown = Outcome(result: .failure(error), fetchedAt: clock(), duration: duration, cached: false)
            unknown.budgetSpent = budgetSpent
            return unknown
        }
        // What the check left of the deadline; and another probe may have started the fetch meanwhile.
        let left = deadline.map { max(0.1, $0 - Self.seconds(ContinuousClock.now - started)) }
        if let shared = await shared(key, interval: profile.interval, deadline: left) { return shared }
        // A little less than the probe's deadline: a probe that got no slot says so (kind
        // "budget") before the deadline would call it a timeout.
        let wait = max(0, (left ?? profile.timeout) - 0.1)
        let task = Task { () -> Outcome in
            let started = clock()
            if let gate = profile.gate {
                guard await gate.enter(within: wait) else {
                    var refused = Outcome(result: .failure(.transport(.timedOut(seconds: wait))), fetchedAt: clock(),
                                          duration: clock().timeIntervalSince(started), cached: false)
                    refused.budgetSpent = true
                    self.forget(key)
                    return refused
                }
            }
            let result = await profile.fetch(name)
            profile.gate?.leave()
            let ended = clock()
            let outcome = Outcome(result: result, fetchedAt: ended, duration: ended.timeIntervalSince(started), cached: false)
            self.finished(key, outcome)
            return outcome
        }
        cache[key] = .inFlight(task)
        return await Self.outcome(of: task, within: left, now: now)
    }

    /// The answer younger than the interval, or the fetch already running for this user
    /// (waited for within `deadline`); nil when a new fetch is needed.
    private func shared(_ key: Key, interval: TimeInterval, deadline: TimeInterval?) async -> Outcome? {
        switch cache[key] {
        case .done(let outcome) where now().timeIntervalSince(outcome.fetchedAt) < interval:
            return Outcome(result: outcome.result, fetchedAt: outcome.fetchedAt, duration: outcome.duration, cached: true)
        case .inFlight(let task):
            let outcome = await Self.outcome(of: task, within: deadline, now: now)
            var joined = Outcome(result: outcome.result, fetchedAt: outcome.fetchedAt, duration: outcome.duration, cached: true)
            joined.budgetSpent = outcome.budgetSpent
            return joined
        default:
            return nil
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A probe that sent nothing leaves no answer behind: the next scrape tries again.
    private func forget(_ key: Key) {
        if case .inFlight = cache[key] { cache[key] = nil }
    }

    private func finished(_ key: Key, _ outcome: Outcome) {
        cache[key] = .done(outcome)
        trim()
    }

    /// The fetch's outcome, or a timeout when `seconds` pass first (the fetch is not cancelled).
    static func outcome(of task: Task<Outcome, Never>, within seconds: TimeInterval?, now: @escaping @Sendable () -> Date) async -> Outcome {
        guard let seconds else { return await task.value }
        let started = now()
        return await withCheckedContinuation { continuation in
            let first = FirstOutcome(continuation)
            Task { first.resume(await task.value) }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                first.resume(Outcome(result: .failure(.transport(.timedOut(seconds: seconds))), fetchedAt: now(),
                                     duration: now().timeIntervalSince(started), cached: false))
            }
        }
    }

    /// Resumes a waiting probe once, with whichever comes first: the answer or the deadline.
    private final class FirstOutcome: Sendable {
        private let continuation: Mutex<CheckedContinuation<Outcome, Never>?>

        init(_ continuation: CheckedContinuation<Outcome, Never>) {
            self.continuation = Mutex(continuation)
        }

        func resume(_ outcome: Outcome) {
            continuation.withLock { pending in
                pending?.resume(returning: outcome)
                pending = nil
            }
        }
    }

    private func validate(target: String?, user: String?) throws(BadRequest) -> (Target, String) {
        let names = targetNames.joined(separator: ", ")
        guard let target, !target.isEmpty else {
            throw BadRequest(message: "target is required: a profile this exporter watches (\(names))")
        }
        guard let profile = targets[target] else {
            let what = target.contains("://") || target.contains("/") ? "a profile name, not a URL" : "a profile this exporter watches"
            throw BadRequest(message: "target '\(TerminalSafeText.excerpt(target))' is unknown: it must be \(what) (\(names))")
        }
        let name = user ?? profile.adminName
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.utf8.count <= Self.longestUserName,
              !name.unicodeScalars.contains(where: TerminalSafeText.isUnsafe) else {
            throw BadRequest(message: "user must be a user name: not empty, at most \(Self.longestUserName) bytes, no control characters")
        }
        return (profile, name)
    }

    /// Drops expired answers once the cache is full, then the oldest if it is still full.
    private func trim() {
        guard cache.count > Self.cacheLimit else { return }
        let moment = now()
        for (key, entry) in cache {
            if case .done(let outcome) = entry, let target = targets[key.target],
               moment.timeIntervalSince(outcome.fetchedAt) >= target.interval {
                cache[key] = nil
            }
        }
        while cache.count > Self.cacheLimit {
            let oldest = cache.compactMap { key, entry -> (Key, Date)? in
                if case .done(let outcome) = entry { return (key, outcome.fetchedAt) }
                return nil
            }.min { $0.1 < $1.1 }
            guard let oldest else { break }
            cache[oldest.0] = nil
        }
    }

    /// The probe's exposition: no `server`/`user` labels (Prometheus's relabelling adds them
    /// from the query, as for blackbox_exporter), the user's numbers when the fetch succeeded.
    package static func exposition(_ outcome: Outcome, now: Date = Date()) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        registry.makeGauge(descriptor: .named("m4_probe_success", help: "1 when the probe's quickstats_get answered with numbers, else 0."))
            .set(outcome.result.isSuccess ? 1.0 : 0.0)
        registry.makeGauge(descriptor: .named("m4_probe_duration_seconds", help: "How long the probe's quickstats_get took, in seconds."))
            .set(outcome.duration)
        registry.makeGauge(descriptor: .named("m4_probe_answer_age_seconds",
                                              help: "Seconds since the answer was fetched: 0 when fetched for this scrape, more when a scrape came within the profile's interval."))
            .set(outcome.cached ? max(0, now.timeIntervalSince(outcome.fetchedAt)) : 0)
        switch outcome.result {
        case .success(let stats):
            for exported in ExportedMetric.all {
                if let value = exported.value(in: stats) {
                    registry.makeGauge(descriptor: exported.descriptor).set(value)
                }
            }
        case .failure(let error):
            registry.makeGauge(descriptor: .named("m4_probe_error_info",
                                                  help: "1, labelled with the kind of the probe's failure: api, transport, response, or budget (the server's max_in_flight and max_rate left no slot in time; nothing was sent)."),
                               labels: [("kind", outcome.budgetSpent ? "budget" : error.kind.rawValue)]).set(1.0)
        }
        return ExpositionOrder.sorted(registry.emitToBuffer())
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
