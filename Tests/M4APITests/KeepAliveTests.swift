import Foundation
import M4API
import Simulator
import Testing
import TestSupport

/// Connections kept alive between requests to one server, counted from the server's side; and
/// every way a kept connection can go away still ends in an answer.
@Suite("Client keeps connections alive")
struct KeepAliveTests {
    static let answer = Data(AnswerXML.success(sections: AnswerXML.seedSample).utf8)

    /// A kept connection stays usable for a minute here: on a machine loaded by the other
    /// suites a task can wait seconds between two requests, and the 3 s default would then
    /// (rightly) open a new connection and fail a count that is about reuse, not idleness.
    /// A generous timeout too: these tests are about which connection carries a request; on a
    /// machine busy with the parallel suites an answer has taken more than 5 s (CI saw it).
    static func client(_ baseURL: String, timeout: Double = 30) throws -> M4Client {
        var settings = ConnectionSettings(methodURL: try QuickStatsEndpoint.methodURL(fromBase: baseURL), timeoutSeconds: timeout)
        settings.keepAliveSeconds = 60
        return M4Client(settings: settings, secret: "secret")
    }

    static func fetch(_ client: M4Client, times: Int, pause: UInt64 = 0) async throws -> [String?] {
        var revenues: [String?] = []
        for _ in 0..<times {
            revenues.append(try await client.fetch(user: "admin").today?["revenue"]?.text)
            if pause > 0 { try await Task.sleep(nanoseconds: pause) }
        }
        return revenues
    }

    @Test("Requests one after another share one connection")
    func reuse() async throws {
        let server = try KeepAliveServer(body: Self.answer)
        defer { server.stop() }
        let revenues = try await Self.fetch(try Self.client(server.baseURL), times: 5)
        #expect(revenues == Array(repeating: "1.4475", count: 5))
        #expect(server.requests == 5)
        #expect(server.connections == 1)
    }

    @Test("A connection idle longer than the keep-alive limit is not used again")
    func idleLimit() async throws {
        let server = try KeepAliveServer(body: Self.answer)
        defer { server.stop() }
        var settings = ConnectionSettings(methodURL: try QuickStatsEndpoint.methodURL(fromBase: server.baseURL), timeoutSeconds: 30)
        settings.keepAliveSeconds = 0.2
        _ = try await Self.fetch(M4Client(settings: settings, secret: "secret"), times: 3, pause: 500_000_000)
        #expect(server.requests == 3)
        #expect(server.connections == 3, "each request after a pause past the limit takes a new connection")
    }

    @Test("The simulator (Hummingbird) keeps them too: the same answers as over new connections")
    func simulator() async throws {
        let running = try await RunningSimulator.start(SimulatedServer(sampleMode: true))
        let client = try Self.client(running.baseURL)
        let revenues = try await Self.fetch(client, times: 4)
        await running.stop()
        #expect(revenues == Array(repeating: "1.4475", count: 4))
    }

    @Test("A kept connection the server closes as the next request arrives: that request is sent again, once, and answered")
    func closedAsRequestArrives() async throws {
        let server = try KeepAliveServer(body: Self.answer, answersPerConnection: 1)
        defer { server.stop() }
        let revenues = try await Self.fetch(try Self.client(server.baseURL), times: 3)
        #expect(revenues == Array(repeating: "1.4475", count: 3))
        #expect(server.requests == 3)
        #expect(server.connections >= 3, "each request after the first found its kept connection closed")
    }

    @Test("A server that closes right after answering: the next request takes a new connection")
    func closedAfterAnswer() async throws {
        let server = try KeepAliveServer(body: Self.answer, closeAfterAnswer: true)
        defer { server.stop() }
        let revenues = try await Self.fetch(try Self.client(server.baseURL), times: 3, pause: 100_000_000)
        #expect(revenues == Array(repeating: "1.4475", count: 3))
        #expect(server.connections == 3)
    }

    @Test("Connection: close is honoured")
    func connectionClose() async throws {
        let server = try KeepAliveServer(body: Self.answer, connectionHeader: "close")
        defer { server.stop() }
        _ = try await Self.fetch(try Self.client(server.baseURL), times: 3)
        #expect(server.connections == 3)
    }

    @Test("A server gone for good: the retry on a new connection fails plainly (refused), once")
    func serverGone() async throws {
        let server = try KeepAliveServer(body: Self.answer, answersPerConnection: 1)
        // A long timeout: a refusal must end the request, not the clock (and a loaded machine
        // running the other suites in parallel still finishes far below it).
        let client = try Self.client(server.baseURL, timeout: 60)
        _ = try await Self.fetch(client, times: 1)
        server.stop()  // no new connections; the kept one closes at the next request
        let started = Date()
        let result: Result<QuickStats, FetchError>
        do { result = .success(try await client.fetch(user: "admin")) } catch { result = .failure(error) }
        guard case .failure(.transport(.cannotConnect(_, _, let reason))) = result else {
            Issue.record("expected a refused connection, got \(result)")
            return
        }
        #expect(reason == "connection refused")
        #expect(Date().timeIntervalSince(started) < 30, "ended by the refusal, not by the 60 s timeout")
        #expect(server.requests == 1)
    }
}
