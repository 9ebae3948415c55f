@testable import Exporter
import Foundation
import M4API
import Synchronization
import Testing

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex(0.0)
    func advance(_ by: TimeInterval) { seconds.withLock { $0 += by } }
    var now: Date { Answers.t0.addingTimeInterval(seconds.withLock { $0 }) }
}

/// Counts the fetches a probe makes (the caching is the unit here; loopback tests prove the
/// same against the simulator's own counters).
final class FetchCounter: Sendable {
    private let count = Mutex(0)
    private let delay: UInt64
    init(delayNanoseconds: UInt64 = 0) { delay = delayNanoseconds }
    var calls: Int { count.withLock { $0 } }
    func fetch(_ user: String) async -> Result<QuickStats, FetchError> {
        count.withLock { $0 += 1 }
        if delay > 0 { try? await Task.sleep(nanoseconds: delay) }
        return user == "ghost" ? .failure(.api(APIError(text: "Bad login"))) : .success(Answers.seed)
    }
}


@Suite("Exporter: /probe answers, caches and refuses")
struct ProberTests {
    static func prober(_ counter: FetchCounter, clock: ManualClock) -> Prober {
        Prober(targets: [Prober.Target(label: "prod", adminName: "admin", interval: 10) { await counter.fetch($0) }],
               now: { clock.now })
    }

    @Test("Within the profile's interval a probe gets the cached answer; after it, a new fetch")
    func cache() async throws {
        let counter = FetchCounter(), clock = ManualClock()
        let prober = Self.prober(counter, clock: clock)
        let first = try await prober.probe(target: "prod", user: "alice")
        #expect(!first.cached && counter.calls == 1)
        clock.advance(9)
        let second = try await prober.probe(target: "prod", user: "alice")
        #expect(second.cached && counter.calls == 1)
        _ = try await prober.probe(target: "prod", user: "bob")
        #expect(counter.calls == 2, "another user is another answer")
        clock.advance(1)
        let third = try await prober.probe(target: "prod", user: "alice")
        #expect(!third.cached && counter.calls == 3)
    }

    @Test("Prometheus's scrape timeout (less half a second) is the probe's deadline; the late answer serves the next scrape")
    func scrapeTimeout() async throws {
        #expect(Prober.deadline(scrapeTimeoutHeader: "2") == 1.5)
        #expect(Prober.deadline(scrapeTimeoutHeader: "0.3") == 0.1, "never below a tenth of a second")
        #expect(Prober.deadline(scrapeTimeoutHeader: nil) == nil && Prober.deadline(scrapeTimeoutHeader: "soon") == nil)
        #expect(Prober.deadline(scrapeTimeoutHeader: "-1") == nil && Prober.deadline(scrapeTimeoutHeader: "inf") == nil)
        let counter = FetchCounter(delayNanoseconds: 4_000_000_000)
        let prober = Prober(targets: [Prober.Target(label: "prod", adminName: "admin", interval: 10) { await counter.fetch($0) }])
        // The fetch succeeds after 4 s: a timeout can only be the deadline's (no clock asserted).
        let late = try await prober.probe(target: "prod", user: "alice", deadline: 0.3)
        guard case .failure(.transport(.timedOut)) = late.result else {
            Issue.record("expected the deadline's timeout, got \(late.result)")
            return
        }
        // Without a deadline the next probe waits for the same fetch, which went on.
        let next = try await prober.probe(target: "prod", user: "alice")
        #expect(next.result.isSuccess && next.cached, "the fetch went on and its answer serves the next scrape")
        #expect(counter.calls == 1)
    }

    @Test("Concurrent probes of one user share one request")
    func coalescing() async throws {
        let counter = FetchCounter(delayNanoseconds: 200_000_000), clock = ManualClock()
        let prober = Self.prober(counter, clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await prober.probe(target: "prod", user: "alice") } }
            try await group.waitForAll()
        }
        #expect(counter.calls == 1)
    }

    @Test("Only a watched profile's name: a URL, an unknown name, a bad user are refused before any request", arguments: [
        ("http://evil.example/billing", "alice", "must be a profile name, not a URL (prod)"),
        ("staging", "alice", "must be a profile this exporter watches (prod)"),
        ("", "alice", "target is required"),
        ("prod", "", "user must be a user name"),
        ("prod", "a\u{1B}[2Jb", "no control characters"),
    ])
    func refusals(target: String, user: String, message: String) async {
        let counter = FetchCounter(), clock = ManualClock()
        let prober = Self.prober(counter, clock: clock)
        await #expect {
            _ = try await prober.probe(target: target, user: user)
        } throws: { error in
            (error as? Prober.BadRequest)?.message.contains(message) == true
        }
        #expect(counter.calls == 0)
    }

    @Test("No user: the profile's admin (the server's totals)")
    func defaultUser() async throws {
        let counter = FetchCounter(), clock = ManualClock()
        let outcome = try await Self.prober(counter, clock: clock).probe(target: "prod", user: nil)
        let metrics = Exposition(Prober.exposition(outcome, now: clock.now))
        #expect(metrics["m4_probe_success"] == "1.0")
        #expect(metrics["m4_today_margin_ratio"] == "0.54", "no server/user labels: relabelling adds them")
        #expect(metrics["m4_probe_answer_age_seconds"] == "0.0")
    }

    @Test("A failed probe: success 0, the kind of failure, no numbers")
    func failedProbe() async throws {
        let counter = FetchCounter(), clock = ManualClock()
        let outcome = try await Self.prober(counter, clock: clock).probe(target: "prod", user: "ghost")
        let metrics = Exposition(Prober.exposition(outcome, now: clock.now))
        #expect(metrics["m4_probe_success"] == "0.0")
        #expect(metrics[#"m4_probe_error_info{kind="api"}"#] == "1.0")
        #expect(metrics["m4_today_calls"] == nil)
    }

    @Test("A cached answer says how old it is")
    func age() async throws {
        let counter = FetchCounter(), clock = ManualClock()
        let prober = Self.prober(counter, clock: clock)
        _ = try await prober.probe(target: "prod", user: "alice")
        clock.advance(4)
        let cached = try await prober.probe(target: "prod", user: "alice")
        #expect(Exposition(Prober.exposition(cached, now: clock.now))["m4_probe_answer_age_seconds"] == "4.0")
    }
}

@Suite("Exporter: --listen")
struct ListenAddressTests {
    @Test("HOST:PORT and [IPv6]:PORT; loopback told apart", arguments: [
        ("127.0.0.1:9417", "127.0.0.1", 9417, true),
        ("127.10.0.3:0", "127.10.0.3", 0, true),
        ("localhost:80", "localhost", 80, true),
        ("[::1]:9417", "::1", 9417, true),
        ("0.0.0.0:9417", "0.0.0.0", 9417, false),
        ("[::]:9417", "::", 9417, false),
        ("10.1.2.3:9417", "10.1.2.3", 9417, false),
        ("127.0.0.1.example.com:1", "127.0.0.1.example.com", 1, false),
    ])
    func parse(text: String, host: String, port: Int, loopback: Bool) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address.host == host && address.port == port)
        #expect(address.isLoopback == loopback)
    }

    @Test("A name is loopback only when everything it resolves to is: localhost by its addresses, not by its name")
    func namesResolve() {
        #expect(ListenAddress.resolve("localhost").allSatisfy(ListenAddress.isLoopbackLiteral) == ListenAddress(host: "localhost", port: 1).isLoopback)
        #expect(ListenAddress.resolve("localhost").contains("127.0.0.1"), "this machine's /etc/hosts")
        #expect(!ListenAddress(host: "no-such-host.invalid", port: 1).isLoopback, "a name that does not resolve is not loopback")
        #expect(ListenAddress.isLoopbackLiteral("127.0.0.1") && ListenAddress.isLoopbackLiteral("::1"))
        #expect(!ListenAddress.isLoopbackLiteral("localhost"), "the name alone proves nothing")
    }

    @Test("Mistakes are named", arguments: [
        ("9417", "expected HOST:PORT"), (":9417", "the host is missing"), ("host:99999", "from 0 to 65535"),
        ("host:http", "from 0 to 65535"), ("::1:9417", "expected HOST:PORT"), ("[::1]9417", "expected [IPV6]:PORT"),
    ])
    func invalid(text: String, message: String) {
        #expect { try ListenAddress(parsing: text) } throws: { ($0 as? ListenAddress.Invalid)?.description.contains(message) == true }
    }
}
