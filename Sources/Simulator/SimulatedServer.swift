import TextSafety
import Foundation
import M4API

/// What the HTTP layer must send back for one request.
package enum SimulatedReply: Sendable, Equatable {
    case xml(String)
    case html502
    case truncated(String)
    case notXML
    case drop
    case stall
}

/// One request's outcome, for the one-line request log (never the secret or the hash).
package struct ReplyLog: Sendable, Equatable {
    package var method: String
    package var user: String
    package var outcome: String
}

/// Requests as the server saw them: how many, how many at once, how many in any one second,
/// and which users were asked for (to time a full round of a fleet).
package struct RequestStats: Sendable, Equatable {
    package private(set) var total = 0
    package private(set) var inFlight = 0
    package private(set) var maxInFlight = 0
    /// The most requests that arrived within any one second (a sliding window).
    package private(set) var maxPerSecond = 0
    /// Requests per user name (`u`), for fairness and round times.
    package private(set) var perUser: [String: Int] = [:]
    private var lastSecond: [Date] = []

    mutating func began(user: String, at now: Date) {
        total += 1
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        lastSecond.removeAll { now.timeIntervalSince($0) >= 1 }
        lastSecond.append(now)
        maxPerSecond = max(maxPerSecond, lastSecond.count)
        perUser[user, default: 0] += 1
    }

    mutating func ended() { inFlight = max(0, inFlight - 1) }
}

/// The M4 server's brain: settings, traffic, faults, and the `quickstats_get` rules.
/// An actor, because requests arrive concurrently and all read and move the same model.
package actor SimulatedServer {
    package private(set) var settings: SimulatorSettings
    package private(set) var faults: FaultBoard
    private var model: TrafficModel
    private var clock: SimulatedClock
    /// Serve the seed page's numbers, frozen (for exact, repeatable answers).
    package let sampleMode: Bool

    package init(settings: SimulatorSettings = SimulatorSettings(), seed: UInt64 = 42, speed: Double = 1,
                start: Date = Date(), timeZone: TimeZone = TimeZone(identifier: "UTC")!,
                peakCallsPerMinute: Double = 12, sampleMode: Bool = false, faults: FaultBoard = FaultBoard()) {
        self.settings = settings
        self.faults = faults
        self.sampleMode = sampleMode
        self.clock = SimulatedClock(start: start, speed: speed)
        self.model = TrafficModel(users: settings.users, start: start, seed: seed,
                                  peakCallsPerMinute: peakCallsPerMinute, timeZone: timeZone)
    }

    /// A server whose traffic so far is `model` (the demo's, after its simulated week).
    package init(settings: SimulatorSettings, model: TrafficModel, faults: FaultBoard = FaultBoard()) {
        self.settings = settings
        self.faults = faults
        self.sampleMode = false
        self.clock = SimulatedClock(start: model.date, speed: 1)
        self.model = model
    }

    // MARK: Control

    package func update(_ change: (inout SimulatorSettings) -> Void) { change(&settings) }
    package func setFault(_ fault: Fault, seconds: Double?) { faults.set(fault, for: seconds) }
    package func scheduleFault(_ fault: Fault, after delay: Double) { faults.schedule(fault, after: delay) }
    package func clearFaults(_ fault: Fault? = nil) { faults.clear(fault) }
    package func setLatency(milliseconds: Int) { faults.latencyMilliseconds = max(0, milliseconds) }
    /// Moves simulated time forward at once (the traffic in between is simulated too).
    package func skip(seconds: TimeInterval) { clock.skip(seconds) }

    /// Simulated time now, and the model moved up to it.
    package func snapshot() -> (now: Date, model: TrafficModel) {
        let now = clock.now()
        // The drop counts from when it came on, not from the last request before it.
        if let start = faults.start(of: .trafficDrop), start > model.date, start < now, model.trafficFactor == 1 {
            model.advance(to: start)
        }
        model.trafficFactor = faults.isOn(.trafficDrop, now: now) ? 1.0 / 3 : 1
        model.advance(to: now)
        return (now, model)
    }

    /// Delay to add before answering (latency fault), in seconds.
    package func latency() -> Double {
        faults.isOn(.latency) ? Double(faults.latencyMilliseconds) / 1000 : 0
    }

    package func isStalled() -> Bool { faults.isOn(.stall) }

    // MARK: Counting requests

    /// What the server has been asked, for tests and `scripts/bench` (`/_sim/status`).
    package private(set) var requests = RequestStats()

    /// A request arrived (before any latency or fault): counted, and in flight until `ended`.
    package func began(user: String, at now: Date = Date()) { requests.began(user: user, at: now) }
    package func ended() { requests.ended() }

    // MARK: The methods

    /// Applies the server's rules in its order: API switch, GET switch, login, hash, permission,
    /// data store; then the answer for admin or simple user.
    package func answer(method: RequestMethod, parameters: [String: String]) -> (SimulatedReply, ReplyLog) {
        let user = parameters["u"] ?? ""
        var log = ReplyLog(method: method.rawValue, user: user.isEmpty ? "-" : TerminalSafeText.clean(user), outcome: "ok")
        func fail(_ kind: APIErrorKind) -> (SimulatedReply, ReplyLog) {
            log.outcome = kind.rawValue
            return (.xml(AnswerXML.error(kind.rawValue, wrapper: settings.errorWrapper)), log)
        }
        if let early = gate(method, outcome: "", log: &log) { return early }
        let isAdmin = user == settings.adminName
        guard !user.isEmpty, isAdmin || settings.users.contains(user) else { return fail(.badLogin) }
        if settings.hashChecking {
            let expected = RequestSigner(adminName: settings.adminName).hash(user: user, secret: settings.secret)
            guard parameters["hash"]?.lowercased() == expected else { return fail(.incorrectHash) }
        }
        if settings.deniedUsers.contains(user) { return fail(.accessDenied) }
        if faults.isOn(.elasticsearch) { return fail(.elasticsearchDown) }

        var xml = isAdmin ? adminAnswer() : userAnswer(user)
        if faults.isOn(.hostile) {
            log.outcome = "ok (hostile values)"
            xml = xml.replacingOccurrences(of: "<calls>", with: "<calls>\u{1B}[2J\u{1B}]0;pwned\u{07}\u{202E}")
        }
        if faults.isOn(.truncated) {
            log.outcome = "fault truncated"
            return (.truncated(String(xml.prefix(xml.count * 3 / 5))), log)
        }
        return (.xml(xml), log)
    }

    /// What stops a request of either method before its user is looked at: a fault on the
    /// board, the API switched off, GET not allowed. The reply, with its log's outcome after
    /// `outcome` (the method's prefix); nil when the request goes on.
    private func gate(_ method: RequestMethod, outcome prefix: String, log: inout ReplyLog) -> (SimulatedReply, ReplyLog)? {
        for (fault, reply) in [(Fault.stall, SimulatedReply.stall), (.drop, .drop), (.html502, .html502), (.notXML, .notXML)]
        where faults.isOn(fault) {
            log.outcome = prefix + "fault \(fault.rawValue)"
            return (reply, log)
        }
        let refusal: APIErrorKind?
        if !settings.apiEnabled || faults.isOn(.apiDisabled) {
            refusal = .apiDisabled
        } else if method == .get && !settings.getEnabled {
            refusal = .getDisabled
        } else {
            refusal = nil
        }
        guard let refusal else { return nil }
        log.outcome = prefix + refusal.rawValue
        return (.xml(AnswerXML.error(refusal.rawValue, wrapper: settings.errorWrapper)), log)
    }

    /// `users_get`: the same switches as quickstats_get, then the hash of `u` and `user_id`
    /// (the admin's name included), then the permission: only the admin may list users.
    package func answerUsers(method: RequestMethod, parameters: [String: String]) -> (SimulatedReply, ReplyLog) {
        let user = parameters["u"] ?? ""
        let userID = parameters["user_id"] ?? ""
        var log = ReplyLog(method: method.rawValue, user: user.isEmpty ? "-" : TerminalSafeText.clean(user), outcome: "users_get ok")
        func fail(_ kind: APIErrorKind) -> (SimulatedReply, ReplyLog) {
            log.outcome = "users_get " + kind.rawValue
            return (.xml(AnswerXML.error(kind.rawValue, wrapper: settings.errorWrapper)), log)
        }
        if let early = gate(method, outcome: "users_get ", log: &log) { return early }
        let isAdmin = user == settings.adminName
        guard !user.isEmpty, isAdmin || settings.users.contains(user) else { return fail(.accessDenied) }
        if settings.hashChecking {
            let expected = RequestSigner(adminName: settings.adminName).usersGetHash(admin: user, userID: userID, secret: settings.secret)
            guard parameters["hash"]?.lowercased() == expected else { return fail(.incorrectHash) }
        }
        guard isAdmin, settings.usersGetAllowed, !settings.deniedUsers.contains(user) else { return fail(.notAuthorized) }
        let (_, model) = snapshot()
        var entries: [[(String, String)]] = [userEntry(id: 0, name: settings.adminName, type: "admin", balance: 0)]
        for (index, name) in settings.users.enumerated() {
            entries.append(userEntry(id: index + 2, name: name, type: "user", balance: model.balance(forUser: name) ?? 0))
        }
        if userID != "all" { entries = entries.filter { entry in entry.first?.1 == userID } }
        var xml = AnswerXML.userList(entries)
        if faults.isOn(.hostile) {
            log.outcome = "users_get ok (hostile values)"
            xml = xml.replacingOccurrences(of: "<first_name>", with: "<first_name>\u{1B}[2J\u{1B}]0;pwned\u{07}\u{202E}")
        }
        return (.xml(xml), log)
    }

    private func userEntry(id: Int, name: String, type: String, balance: Decimal) -> [(String, String)] {
        [("id", String(id)), ("username", name), ("first_name", name.prefix(1).uppercased() + name.dropFirst()),
         ("last_name", "Sim"), ("balance", AnswerXML.money(balance)), ("blocked", settings.blockedUsers.contains(name) ? "1" : "0"),
         ("tariff_id", "1"), ("owner_id", "0"), ("usertype", type), ("user_status", ""),
         ("hidden", settings.hiddenUsers.contains(name) ? "1" : "0")]
    }

    private func adminAnswer() -> String {
        if sampleMode { return AnswerXML.success(sections: AnswerXML.seedSample) }
        let (_, model) = snapshot()
        let answer = model.answer(for: settings.adminName, settings: settings)
        return AnswerXML.success(sections: answer.sections, fields: answer.fields)
    }

    private func userAnswer(_ user: String) -> String {
        let (_, model) = snapshot()
        let answer = model.answer(for: user, settings: settings)
        return AnswerXML.success(sections: answer.sections, fields: answer.fields)
    }
}

extension TrafficModel {
    /// Everything a user's answer is made from, now: equal states give equal answers. The demo
    /// keeps a week of them and turns them into history rows later.
    package struct UserState: Equatable, Sendable {
        let isAdmin: Bool
        let totals: Totals?
        let active: Int
        let answered: Int
        let balanceMicros: Int?
    }

    package func state(of user: String, settings: SimulatorSettings) -> UserState {
        if user == settings.adminName {
            let active = settings.pinnedActiveCalls.map { (total: $0, answered: $0) } ?? activeCalls()
            return UserState(isAdmin: true, totals: system, active: active.total, answered: active.answered, balanceMicros: nil)
        }
        let active = activeCalls(forUser: user)
        return UserState(isAdmin: false, totals: totals(forUser: user), active: active.total, answered: active.answered,
                         balanceMicros: balanceMicros(forUser: user))
    }

    /// What `quickstats_get` answers for `user` now.
    package func answer(for user: String, settings: SimulatorSettings) -> (sections: [AnswerXML.Section], fields: [(String, String)]) {
        state(of: user, settings: settings).answer(settings: settings)
    }
}

extension TrafficModel.UserState {
    /// The answer as (element, value) lists: the system's numbers for the admin, a simple user's
    /// own for the others (element names are the simulator's best guess: the vendor does not
    /// document them), active calls only if allowed. Shared by the server and the demo's seeded
    /// history, so that both say the same.
    package func answer(settings: SimulatorSettings) -> (sections: [AnswerXML.Section], fields: [(String, String)]) {
        let active: AnswerXML.Section = ("active_calls", [("total", String(self.active)), ("answered_calls", String(answered))])
        guard let totals else { return ([], []) }
        if isAdmin {
            func values(_ totals: CallTotals) -> [(String, String)] {
                [("calls", String(totals.calls)), ("duration", String(totals.duration)),
                 ("revenue", Money.text(micros: totals.revenueMicros)), ("self_cost", Money.text(micros: totals.selfCostMicros)),
                 ("profit", Money.text(micros: totals.profitMicros)), ("margin", String(totals.margin))]
            }
            return ([("today", values(totals.today)), ("month", values(totals.month)), active], [])
        }
        func values(_ t: CallTotals) -> [(String, String)] {
            [("calls", String(t.calls)), ("duration", String(t.duration)), ("price", Money.text(micros: t.revenueMicros))]
        }
        var sections: [AnswerXML.Section] = [("today", values(totals.today)), ("month", values(totals.month))]
        if settings.showActiveCallsToUsers { sections.append(active) }
        return (sections, [("balance", balanceMicros.map { Money.text(micros: $0) } ?? "0")])
    }
}
