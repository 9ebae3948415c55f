@testable import Exporter
import Foundation
import M4API
import Synchronization
import Testing
import Watch

/// A `users_get` the test controls: its answer, how long it takes, how often it was asked.
final class ListSource: Sendable {
    private let state = Mutex<(answer: Result<[M4User], FetchError>, calls: Int)>((.success([]), 0))
    private let delay: UInt64

    init(_ answer: Result<[M4User], FetchError>, delayNanoseconds: UInt64 = 0) {
        delay = delayNanoseconds
        state.withLock { $0.answer = answer }
    }

    var calls: Int { state.withLock { $0.calls } }
    func answer(_ answer: Result<[M4User], FetchError>) { state.withLock { $0.answer = answer } }

    func fetch() async -> Result<[M4User], FetchError> {
        let answer = state.withLock { state in
            state.calls += 1
            return state.answer
        }
        if delay > 0 { try? await Task.sleep(nanoseconds: delay) }
        return answer
    }
}

/// A `users_get` that answers only when the test says so.
final class HeldList: Sendable {
    private let (released, release) = AsyncStream<Void>.makeStream()
    private let count = Mutex(0)
    var calls: Int { count.withLock { $0 } }

    func fetch() async -> Result<[M4User], FetchError> {
        count.withLock { $0 += 1 }
        for await _ in released { break }
        return .success(UserRosterTests.list)
    }

    func answer() { release.yield() }
}

@Suite("Exporter: who a probe-only exporter may ask for (UserRoster)")
struct UserRosterTests {
    static let list: [M4User] = [
        M4User(username: "alice"), M4User(username: "bob", blocked: true), M4User(username: "ghost", hidden: true),
    ]

    static func roster(allUsers: Bool = true, users: [String] = ["admin"], source: ListSource, gate: ServerGate? = nil,
                       clock: ManualClock = ManualClock()) -> UserRoster {
        UserRoster(setup: ServerSetup(name: "prod", displayURL: "http://pbx", adminName: "admin", users: users, listsAllUsers: allUsers),
                   gate: gate, retry: 5, timeout: 30, now: { clock.now }) { await source.fetch() }
    }

    @Test("users = [...]: the configured names, and the server is never asked")
    func configured() async {
        let source = ListSource(.success(Self.list))
        let roster = Self.roster(allUsers: false, users: ["admin", "carol"], source: source)
        #expect(await roster.admits("carol", deadline: nil) == .watched)
        #expect(await roster.admits("alice", deadline: nil) == .notWatched)
        #expect(source.calls == 0)
    }

    @Test("users = \"all\": the admin at once; anyone else from one users_get, kept ten minutes; hidden users left out, blocked ones listed")
    func listed() async {
        let source = ListSource(.success(Self.list)), clock = ManualClock()
        let roster = Self.roster(source: source, clock: clock)
        #expect(await roster.admits("admin", deadline: nil) == .watched)
        #expect(source.calls == 0, "the admin needs no list")
        #expect(await roster.admits("alice", deadline: nil) == .watched)
        #expect(await roster.admits("bob", deadline: nil) == .watched)
        #expect(await roster.admits("ghost", deadline: nil) == .notWatched)
        #expect(await roster.admits("stranger", deadline: nil) == .notWatched)
        #expect(source.calls == 1)
        clock.advance(PollScheduler.userListPeriod - 1)
        _ = await roster.admits("stranger", deadline: nil)
        #expect(source.calls == 1, "within ten minutes the list is kept")
        // Ten minutes on: fetched again, while the probe is answered from the list in hand.
        source.answer(.success([M4User(username: "dave")]))
        clock.advance(1)
        #expect(await roster.admits("alice", deadline: nil) == .watched, "answered from the last list")
        for _ in 0..<50 where await roster.admits("dave", deadline: nil) != .watched { try? await Task.sleep(nanoseconds: 20_000_000) }
        #expect(await roster.admits("dave", deadline: nil) == .watched && source.calls == 2)
        #expect(await roster.admits("alice", deadline: nil) == .notWatched, "alice left the list")
    }

    @Test("Concurrent probes share one users_get")
    func shared() async {
        let source = ListSource(.success(Self.list), delayNanoseconds: 200_000_000)
        let roster = Self.roster(source: source)
        let answers = await withTaskGroup(of: Prober.Admission.self) { group in
            for name in ["alice", "bob", "ghost", "alice", "stranger", "alice"] { group.addTask { await roster.admits(name, deadline: nil) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.filter { $0 == .watched }.count == 4)
        #expect(source.calls == 1)
    }

    @Test("A refusal (not an admin) leaves the configured users; a failure with no list says so, and is tried again only after the retry")
    func refusalAndFailure() async {
        let refused = ListSource(.failure(.api(APIError(text: "You are not authorized to view this page"))))
        let fallback = Self.roster(users: ["admin", "carol"], source: refused)
        #expect(await fallback.admits("carol", deadline: nil) == .watched)
        #expect(await fallback.admits("alice", deadline: nil) == .notWatched)
        #expect(refused.calls == 1)

        let down = ListSource(.failure(.transport(.connectionClosed))), clock = ManualClock()
        let roster = Self.roster(source: down, clock: clock)
        #expect(await roster.admits("alice", deadline: nil) == .unknown(.transport(.connectionClosed), budgetSpent: false))
        #expect(await roster.admits("alice", deadline: nil) == .unknown(.transport(.connectionClosed), budgetSpent: false))
        #expect(down.calls == 1, "not again before the retry")
        down.answer(.success(Self.list))
        clock.advance(5)
        #expect(await roster.admits("alice", deadline: nil) == .watched)
        #expect(down.calls == 2)
        // Down again ten minutes later: the last list is kept.
        down.answer(.failure(.transport(.connectionClosed)))
        clock.advance(PollScheduler.userListPeriod)
        #expect(await roster.admits("alice", deadline: nil) == .watched)
    }

    @Test("A slow users_get is waited for until the deadline only; it goes on and serves the next probe")
    func deadline() async {
        let source = HeldList()
        let roster = UserRoster(setup: ServerSetup(name: "prod", displayURL: "http://pbx", adminName: "admin", users: ["admin"], listsAllUsers: true),
                                gate: nil, retry: 5, timeout: 30) { await source.fetch() }
        // The list cannot come before the test lets it: the answer can only be the deadline's.
        let early = await roster.admits("alice", deadline: 0.3)
        #expect(early == .unknown(.transport(.timedOut(seconds: 0.3)), budgetSpent: false), "\(early)")
        source.answer()
        var late = await roster.admits("alice", deadline: 0.3)
        for _ in 0..<100 where late != .watched {
            try? await Task.sleep(nanoseconds: 50_000_000)
            late = await roster.admits("alice", deadline: 0.3)
        }
        #expect(late == .watched)
        #expect(source.calls == 1, "the probes joined the fetch that went on")
    }

    @Test("No slot in the server's budget before the deadline: nothing sent, said as budget, and the next probe tries again")
    func budget() async {
        let gate = ServerGate(budget: ServerBudget(maxInFlight: 1, maxRate: 100))
        #expect(await gate.enter())
        let source = ListSource(.success(Self.list))
        let roster = Self.roster(source: source, gate: gate)
        let refused = await roster.admits("alice", deadline: 0.3)
        #expect(refused == .unknown(.transport(.timedOut(seconds: 0.3)), budgetSpent: true), "\(refused)")
        #expect(source.calls == 0)
        gate.leave()
        var next = await roster.admits("alice", deadline: 5)
        for _ in 0..<100 where next != .watched {
            try? await Task.sleep(nanoseconds: 50_000_000)
            next = await roster.admits("alice", deadline: 5)
        }
        #expect(next == .watched)
        #expect(source.calls == 1)
    }

    @Test("Prober: a user the roster cannot vouch for is answered as a failed probe, and nothing is fetched")
    func proberUnknown() async throws {
        let counter = FetchCounter()
        let down = ListSource(.failure(.transport(.connectionClosed)))
        let roster = Self.roster(source: down)
        let prober = Prober(targets: [Prober.Target(label: "prod", adminName: "admin", interval: 10,
                                                    watches: { await roster.admits($0, deadline: $1) }) { await counter.fetch($0) }])
        let outcome = try await prober.probe(target: "prod", user: "alice")
        let metrics = Exposition(Prober.exposition(outcome))
        #expect(metrics["m4_probe_success"] == "0.0")
        #expect(metrics[#"m4_probe_error_info{kind="transport"}"#] == "1.0")
        #expect(counter.calls == 0)
        let admin = try await prober.probe(target: "prod", user: nil)
        #expect(admin.result.isSuccess && counter.calls == 1, "the admin needs no list")
        await #expect(throws: Prober.BadRequest.self) {
            _ = try await Prober(targets: [Prober.Target(label: "prod", adminName: "admin", interval: 10,
                                                         watches: { _, _ in .notWatched }) { await counter.fetch($0) }])
                .probe(target: "prod", user: "alice")
        }
        #expect(counter.calls == 1)
    }
}
