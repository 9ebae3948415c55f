import DequeModule
import Foundation
import M4API

/// What an alert is about: one watched user's numbers, or a whole server.
package enum AlertSubject: Hashable, Sendable {
    case user(UserKey)
    case server(Int)

    package var server: Int {
        switch self {
        case .user(let key): return key.server
        case .server(let index): return index
        }
    }
}

/// One alert's state: waiting out its `for`, firing, acknowledged.
package struct AlertStatus: Sendable, Equatable {
    package var pendingSince: Date?
    package var firingSince: Date?
    package var acknowledged = false
    /// The value that made it fire (or the latest while firing), as the screen writes it.
    package var value: String = ""
    /// Since when the value has been clear of the threshold (resolution waits half of `for`).
    package var clearSince: Date?
    package var lastBell: Date?

    package var isFiring: Bool { firingSince != nil }
}

/// One line of the alert log (`a`).
package struct AlertEvent: Sendable, Equatable {
    /// `ended`: m4top stopped watching while it fired (a quit): whether it resolved is not
    /// known, and a replay of a later moment must not show it firing.
    package enum Kind: String, Sendable { case fired, resolved, acknowledged, ended }
    package let time: Date
    package let kind: Kind
    package let rule: String
    package let severity: Severity
    package let subject: AlertSubject
    package let value: String

    package init(time: Date, kind: Kind, rule: String, severity: Severity, subject: AlertSubject, value: String) {
        self.time = time
        self.kind = kind
        self.rule = rule
        self.severity = severity
        self.subject = subject
        self.value = value
    }
}

/// A firing alert, for the screens.
package struct FiringAlert: Sendable, Equatable {
    package let rule: AlertRule
    package let subject: AlertSubject
    package let status: AlertStatus
}

/// Every rule against every watched user (and server), in pure code with the clock passed in:
/// `for` windows, hysteresis, acknowledgement and the log are tested without waiting.
package struct AlertBook: Sendable {
    package let rules: [AlertRule]
    /// Ring the terminal bell when an alert fires (and remind while a critical one is not
    /// acknowledged).
    package var bell: Bool
    package private(set) var statuses: [Int: [AlertSubject: AlertStatus]] = [:]
    package private(set) var log = Deque<AlertEvent>()

    package static let logLimit = 500
    /// An unacknowledged critical alert rings again this often.
    package static let reminderSeconds: TimeInterval = 300

    package init(rules: [AlertRule] = AlertRule.builtIns, bell: Bool = false) {
        self.rules = rules
        self.bell = bell
    }

    // MARK: Evaluating

    /// A user's new answer (or failure): every metric rule for that user. Returns whether the
    /// bell should ring.
    package mutating func observe(_ key: UserKey, input: MetricInput, activeCallsDrop: ActiveCallsDrop?, baseline: UserBaseline? = nil,
                                  now: Date) -> Bool {
        var ring = false
        for (index, rule) in rules.enumerated() where rule.metric != nil && rule.applies(to: key.name) {
            guard let metric = rule.metric?.metric else { continue }
            let value = metric.value(input)
            let holds: Bool
            let clear: Bool
            var shown = value.map { MetricFormat.format($0, kind: metric.kind) ?? "\($0)" } ?? "-"
            switch rule.condition {
            case .fellToZero:
                holds = activeCallsDrop != nil
                clear = !holds
                if let drop = activeCallsDrop { shown = "0 (from \(MetricFormat.count(drop.from)))" }
            case .serverSilent:
                continue
            case .belowBaseline, .aboveBaseline:
                guard let value else { continue }
                let base = rule.base(from: baseline?.lastWeek)
                // Nothing to judge against (no row last week, or a quiet time): not firing, and a
                // firing alert resolves (the night came; the rule said it does not apply then).
                let judged = rule.judge(value, base: base) ?? (holds: false, clear: true)
                holds = judged.holds
                clear = judged.clear
                if let base, let percent = UserBaseline.percent(value, of: base) {
                    shown += " (\(MetricFormat.format(base, kind: metric.kind) ?? "\(base)") last week, \(UserBaseline.percentText(percent)))"
                }
            default:
                // No value (a simple user's answer has no margin): nothing to judge; a firing
                // alert stays until a value clears it.
                guard let value else { continue }
                holds = rule.holds(value)
                clear = rule.isClear(value, kind: metric.kind)
            }
            ring = step(rule: index, subject: .user(key), holds: holds, clear: clear, value: shown, now: now) || ring
        }
        return ring
    }

    /// The clock moved on: `for` windows that have run out fire, server rules are judged, and
    /// reminders ring. `servers` gives each server's failing-since time and interval.
    package mutating func tick(now: Date, servers: [(failingSince: Date?, interval: TimeInterval)]) -> Bool {
        var ring = false
        for (index, rule) in rules.enumerated() {
            if case .serverSilent(let intervals) = rule.condition {
                for (server, facts) in servers.enumerated() {
                    let silent = facts.failingSince.map { now.timeIntervalSince($0) >= intervals * facts.interval } ?? false
                    let shown = facts.failingSince.map { "no answer for \(MetricFormat.age(now.timeIntervalSince($0)))" } ?? "answering"
                    ring = step(rule: index, subject: .server(server), holds: silent, clear: !silent, value: shown, now: now) || ring
                }
                continue
            }
            // Pending alerts whose `for` has run out fire now, between polls.
            for (subject, status) in statuses[index] ?? [:] where status.pendingSince != nil && !status.isFiring {
                ring = step(rule: index, subject: subject, holds: true, clear: false, value: status.value, now: now) || ring
            }
        }
        if bell, reminderDue(now: now) { ring = true }
        return ring
    }

    /// `x`: every firing alert is acknowledged (its bell stops; the mark stays until it resolves).
    package mutating func acknowledgeAll(now: Date) {
        for (index, subjects) in statuses {
            for (subject, status) in subjects where status.isFiring && !status.acknowledged {
                statuses[index]?[subject]?.acknowledged = true
                record(AlertEvent(time: now, kind: .acknowledged, rule: rules[index].name, severity: rules[index].severity,
                                  subject: subject, value: status.value))
            }
        }
    }

    /// m4top stops watching (a quit): every firing alert is logged as `ended`, so that the stored
    /// log does not say it fired for ever. Their states go.
    package mutating func endAll(now: Date) {
        for (index, subjects) in statuses {
            for (subject, status) in subjects where status.isFiring {
                record(AlertEvent(time: now, kind: .ended, rule: rules[index].name, severity: rules[index].severity, subject: subject,
                                  value: "m4top stopped watching"))
            }
        }
        statuses = [:]
    }

    /// A user or server no longer watched: its alerts go (without a log line: nothing resolved).
    package mutating func forget(_ subject: AlertSubject) {
        for index in statuses.keys { statuses[index]?[subject] = nil }
    }

    // MARK: Reading

    package var firing: [FiringAlert] {
        statuses.flatMap { index, subjects in
            subjects.filter { $0.value.isFiring }.map { FiringAlert(rule: rules[index], subject: $0.key, status: $0.value) }
        }.sorted { ($0.rule.severity, $0.status.firingSince ?? .distantPast) > ($1.rule.severity, $1.status.firingSince ?? .distantPast) }
    }

    /// The most severe alert firing for this subject, if any.
    package func worst(for subject: AlertSubject) -> FiringAlert? {
        var best: FiringAlert?
        for (index, subjects) in statuses {
            guard let status = subjects[subject], status.isFiring else { continue }
            if best == nil || rules[index].severity > best!.rule.severity {
                best = FiringAlert(rule: rules[index], subject: subject, status: status)
            }
        }
        return best
    }

    /// The most severe alert firing for this user on a metric that `matches` (a panel's
    /// section, a wall tile's metric).
    package func worst(for key: UserKey, metrics matches: (MetricID) -> Bool) -> Severity? {
        var best: Severity?
        for (index, subjects) in statuses where rules[index].metric.map(matches) == true {
            guard subjects[.user(key)]?.isFiring == true else { continue }
            best = max(best ?? rules[index].severity, rules[index].severity)
        }
        return best
    }

    package var counts: (critical: Int, warning: Int) {
        let all = firing
        return (all.filter { $0.rule.severity == .critical }.count, all.filter { $0.rule.severity == .warning }.count)
    }

    // MARK: Inside

    /// One rule for one subject, one observation. Returns whether the bell should ring.
    private mutating func step(rule index: Int, subject: AlertSubject, holds: Bool, clear: Bool, value: String, now: Date) -> Bool {
        let rule = rules[index]
        var status = statuses[index]?[subject] ?? AlertStatus()
        defer {
            if status == AlertStatus() { statuses[index]?[subject] = nil } else { statuses[index, default: [:]][subject] = status }
        }
        if status.isFiring {
            status.value = value
            guard clear else {
                status.clearSince = nil
                return false
            }
            // Resolve once clear for half the `for` (at once when there is none).
            let since = status.clearSince ?? now
            status.clearSince = since
            guard now.timeIntervalSince(since) >= rule.forSeconds / 2 else { return false }
            record(AlertEvent(time: now, kind: .resolved, rule: rule.name, severity: rule.severity, subject: subject, value: value))
            status = AlertStatus()
            return false
        }
        guard holds else {
            status.pendingSince = nil
            status.value = ""
            return false
        }
        let since = status.pendingSince ?? now
        status.pendingSince = since
        status.value = value
        guard now.timeIntervalSince(since) >= rule.forSeconds else { return false }
        status.firingSince = now
        status.pendingSince = nil
        status.lastBell = now
        record(AlertEvent(time: now, kind: .fired, rule: rule.name, severity: rule.severity, subject: subject, value: value))
        return bell
    }

    /// Unacknowledged critical alerts ring again every `reminderSeconds`.
    private mutating func reminderDue(now: Date) -> Bool {
        var due = false
        for (index, subjects) in statuses where rules[index].severity == .critical {
            for (subject, status) in subjects where status.isFiring && !status.acknowledged {
                if now.timeIntervalSince(status.lastBell ?? .distantPast) >= Self.reminderSeconds {
                    statuses[index]?[subject]?.lastBell = now
                    due = true
                }
            }
        }
        return due
    }

    private mutating func record(_ event: AlertEvent) {
        log.append(event)
        eventsLogged += 1
        if log.count > Self.logLimit { log.removeFirst() }
    }

    /// Events logged by this book since it was made (restored ones not counted): a sink that
    /// stores them writes the newest `eventsLogged - seen`.
    package private(set) var eventsLogged = 0

    /// The log as it was before a restart (from the history store), oldest first; nothing
    /// fires from it: firing is judged again from fresh answers.
    package mutating func restore(log events: [AlertEvent]) {
        log = Deque(events.suffix(Self.logLimit))
    }

    /// The book as it stood at the end of `events`, oldest first (a replay from the store): the
    /// log, and every subject whose last event is a firing (or its acknowledgement) firing since
    /// then. Pending `for` windows are not stored, so none is rebuilt; a rule this run does not
    /// have stays in the log only.
    package mutating func replay(log events: [AlertEvent]) {
        restore(log: events)
        statuses = [:]
        for event in events {
            guard let index = rules.firstIndex(where: { $0.name == event.rule }) else { continue }
            switch event.kind {
            case .fired: statuses[index, default: [:]][event.subject] = AlertStatus(firingSince: event.time, value: event.value, lastBell: event.time)
            case .acknowledged: statuses[index]?[event.subject]?.acknowledged = true
            case .resolved, .ended: statuses[index]?[event.subject] = nil
            }
        }
    }
}
