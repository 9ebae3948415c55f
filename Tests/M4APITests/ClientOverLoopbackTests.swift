import Foundation
import M4API
import Simulator
import Testing
import TestSupport

/// The real client against the real simulator over loopback HTTP: no mocked transport.
@Suite("Client over loopback HTTP")
struct ClientOverLoopbackTests {
    static func withSimulator<T>(_ settings: SimulatorSettings = SimulatorSettings(), sample: Bool = true,
                                 faults: FaultBoard = FaultBoard(),
                                 _ body: (RunningSimulator) async throws -> T) async throws -> T {
        let server = SimulatedServer(settings: settings, seed: 7, sampleMode: sample, faults: faults)
        let running = try await RunningSimulator.start(server)
        do {
            let result = try await body(running)
            await running.stop()
            return result
        } catch {
            await running.stop()
            throw error
        }
    }

    static func client(_ running: RunningSimulator, method: RequestMethod = .post, secret: String? = "secret",
                       hashDisabled: Bool = false, timeout: Double = 5, maxBody: Int = 1 << 20) throws -> M4Client {
        let url = try QuickStatsEndpoint.methodURL(fromBase: running.baseURL)
        return M4Client(settings: ConnectionSettings(methodURL: url, method: method,
                                                             signer: RequestSigner(hashDisabled: hashDisabled),
                                                             timeoutSeconds: timeout, maxBodyBytes: maxBody),
                                secret: secret)
    }

    static func outcome(_ client: M4Client, user: String = "admin") async -> Result<QuickStats, FetchError> {
        do {
            return .success(try await client.fetch(user: user))
        } catch {
            return .failure(error)
        }
    }

    @Test("Admin over POST gets the seed's numbers exactly as sent")
    func adminPost() async throws {
        try await Self.withSimulator { running in
            let client = try Self.client(running)
            let stats = try await client.fetch(user: "admin")
            #expect(stats.today?.fields.map(\.text) == ["4", "345", "1.4475", "0.6725", "0.775", "54"])
            #expect(stats.month?["self_cost"]?.text == "3.734166")
        }
    }

    @Test("A simple user over POST and over GET (when allowed) gets their own numbers")
    func simpleUserPostAndGet() async throws {
        var settings = SimulatorSettings()
        settings.getEnabled = true
        try await Self.withSimulator(settings, sample: false) { running in
            for method in RequestMethod.allCases {
                let client = try Self.client(running, method: method)
                let stats = try await client.fetch(user: "alice")
                #expect(stats.today?["price"] != nil)
                #expect(stats.today?["revenue"] == nil)
                #expect(stats.balance != nil)
                #expect(stats.activeCalls?["total"]?.number != nil)
            }
        }
    }

    @Test("Each refusal of the server arrives as its typed API error")
    func apiErrors() async throws {
        var settings = SimulatorSettings()
        settings.deniedUsers = ["bob"]
        try await Self.withSimulator(settings) { running in
            let good = try Self.client(running)
            let wrong = try Self.client(running, secret: "not-it")
            let get = try Self.client(running, method: .get)
            #expect(await Self.outcome(wrong).failureKind == .incorrectHash)
            #expect(await Self.outcome(good, user: "mallory").failureKind == .badLogin)
            #expect(await Self.outcome(good, user: "").failureKind == .badLogin)
            #expect(await Self.outcome(good, user: "bob").failureKind == .accessDenied)
            #expect(await Self.outcome(get).failureKind == .getDisabled)
            await running.server.setFault(.elasticsearch, seconds: nil)
            #expect(await Self.outcome(good).failureKind == .elasticsearchDown)
            await running.server.clearFaults()
            await running.server.update { $0.apiEnabled = false }
            #expect(await Self.outcome(good).failureKind == .apiDisabled)
        }
    }

    @Test("No hash is needed when the server's hash checking is off")
    func noHash() async throws {
        var settings = SimulatorSettings()
        settings.hashChecking = false
        try await Self.withSimulator(settings) { running in
            let client = try Self.client(running, secret: nil, hashDisabled: true)
            #expect(client.request(for: "admin")["hash"] == nil)
            #expect(await Self.outcome(client).isSuccess)
        }
    }

    @Test("Faults become the precise transport or response error")
    func faults() async throws {
        try await Self.withSimulator { running in
            let client = try Self.client(running, timeout: 2)
            let cases: [(Fault, (FetchError) -> Bool)] = [
                (.html502, { $0 == .response(.httpStatus(code: 502, reason: "Bad Gateway", isHTML: true)) }),
                (.notXML, { if case .response(.notXML) = $0 { return true }; return false }),
                (.truncated, { $0 == .response(.truncated) }),
                (.drop, { $0 == .transport(.connectionClosed) }),
            ]
            for (fault, matches) in cases {
                await running.server.clearFaults()
                await running.server.setFault(fault, seconds: nil)
                let result = await Self.outcome(client)
                guard case .failure(let error) = result else {
                    Issue.record("\(fault): expected a failure")
                    continue
                }
                #expect(matches(error), "\(fault.rawValue) gave \(error)")
            }
        }
    }

    @Test("A stalled server is reported as a timeout, close to --timeout")
    func stallTimesOut() async throws {
        try await Self.withSimulator { running in
            await running.server.setFault(.stall, seconds: nil)
            let client = try Self.client(running, timeout: 1)
            let started = Date()
            let result = await Self.outcome(client)
            let elapsed = Date().timeIntervalSince(started)
            #expect(result.failure == .transport(.timedOut(seconds: 1)))
            #expect(elapsed < 4, "took \(elapsed) s")
            await running.server.clearFaults()
        }
    }

    @Test("Latency under the timeout still succeeds")
    func latency() async throws {
        var faults = FaultBoard()
        faults.latencyMilliseconds = 300
        faults.set(.latency, for: nil)
        try await Self.withSimulator(faults: faults) { running in
            let client = try Self.client(running, timeout: 3)
            #expect(await Self.outcome(client).isSuccess)
        }
    }

    @Test("An answer over the size limit is refused")
    func tooLarge() async throws {
        try await Self.withSimulator { running in
            let client = try Self.client(running, maxBody: 100)
            #expect(await Self.outcome(client).failure == .response(.tooLarge(limitBytes: 100)))
        }
    }

    @Test("Nothing listening is 'cannot connect', quickly")
    func refused() async throws {
        let closed = ClosedPort()
        let url = try QuickStatsEndpoint.methodURL(fromBase: "http://127.0.0.1:\(closed.port)/billing")
        let result = await Self.outcome(M4Client(settings: ConnectionSettings(methodURL: url, timeoutSeconds: 3), secret: "secret"))
        guard case .failure(.transport(.cannotConnect(let host, _, let reason))) = result else {
            Issue.record("expected cannot connect, got \(result)")
            return
        }
        #expect(host == "127.0.0.1")
        #expect(reason == "connection refused")
    }

    @Test("TLS to a server that does not speak it fails as TLS, not as garbage")
    func tlsToPlainServer() async throws {
        try await Self.withSimulator { running in
            let url = try QuickStatsEndpoint.methodURL(fromBase: running.baseURL.replacingOccurrences(of: "http://", with: "https://"))
            let client = M4Client(settings: ConnectionSettings(methodURL: url, timeoutSeconds: 3), secret: "secret")
            let result = await Self.outcome(client)
            guard case .failure(let error) = result else {
                Issue.record("expected a failure")
                return
            }
            let isTLSOrClosed: Bool
            switch error {
            case .transport(.tls), .transport(.connectionClosed): isTLSOrClosed = true
            default: isTLSOrClosed = false
            }
            #expect(isTLSOrClosed, "got \(error)")
        }
    }
}

extension Result where Failure == FetchError {
    var failure: FetchError? {
        if case .failure(let error) = self { return error }
        return nil
    }

    var failureKind: APIErrorKind? {
        if case .failure(.api(let error)) = self { return error.kind }
        return nil
    }

    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
