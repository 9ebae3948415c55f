import Foundation
import M4API
import Simulator
import Testing
import TestSupport

/// `m4top --once` as scripts run it: the real binary, its output and its exit status.
@Suite("One-shot binary: output and exit statuses")
struct OneShotBinaryTests {
    static func m4top(_ arguments: [String], secret: String? = "secret") async throws -> (status: Int32, output: String) {
        var command = ["env", "-u", "M4TOP_SECRET", "XDG_CONFIG_HOME=/nonexistent"]
        if let secret { command.append("M4TOP_SECRET=\(secret)") }
        return try await Spawn.runWithStatus(command + [TmuxPane.binary] + arguments)
    }

    @Test("Success: exit 0 and the seed's numbers exactly as sent, in the contract's JSON")
    func success() async throws {
        let running = try await RunningSimulator.start(SimulatedServer(sampleMode: true))
        defer { Task { await running.stop() } }
        let result = try await Self.m4top(["--once", "--format", "json", "--url", running.baseURL])
        #expect(result.status == 0)
        #expect(result.output.contains(#""today": {"calls": 4, "duration": 345, "revenue": 1.4475, "self_cost": 0.6725, "profit": 0.775, "margin": 54}"#))
        #expect(result.output.contains(#""month": {"calls": 19, "duration": 2182, "revenue": 6.04, "self_cost": 3.734166, "profit": 2.305834, "margin": 38}"#))
        #expect(result.output.contains(#""active_calls": {"total": 0, "answered_calls": 0}"#))
        #expect(result.output.contains("\"server\": \"\(running.baseURL)\""))
    }

    @Test("--once --all-users keeps within the server's max_rate (5 a second by default), by the simulator's own counters")
    func allUsersWithinBudget() async throws {
        var settings = SimulatorSettings()
        settings.makeFleet(count: 24)
        let running = try await RunningSimulator.start(SimulatedServer(settings: settings, seed: 2))
        defer { Task { await running.stop() } }
        let result = try await Self.m4top(["--once", "--format", "json", "--all-users", "--url", running.baseURL])
        #expect(result.status == 0, "\(result.output.suffix(300))")
        let stats = await running.server.requests
        #expect(stats.total >= 20, "the list and its users: \(stats.total)")
        // The gate spaces starts exactly (ServerGateTests); the server counts arrivals, and on a
        // loaded machine one request can leave late enough to put one more into some second.
        #expect(stats.maxPerSecond <= 5 + 1, "most requests in any second: \(stats.maxPerSecond) (was 23)")
    }

    @Test("An API error: exit 1, the server's text verbatim, a hint; never the secret")
    func apiError() async throws {
        let running = try await RunningSimulator.start(SimulatedServer(sampleMode: true))
        defer { Task { await running.stop() } }
        let result = try await Self.m4top(["--once", "--format", "json", "--url", running.baseURL], secret: "wrong-secret-value")
        #expect(result.status == 1)
        #expect(result.output.contains(#"{"error": {"kind": "api", "message": "Incorrect hash""#))
        #expect(!result.output.contains("wrong-secret-value"))
        #expect(!result.output.contains(RequestSigner.sha1Hex("wrong-secret-value")), "nor the hash")
    }

    @Test("Transport and response errors: exit 3, named precisely")
    func transport() async throws {
        let running = try await RunningSimulator.start(SimulatedServer(sampleMode: true))
        defer { Task { await running.stop() } }
        let base = running.baseURL
        await running.server.setFault(.html502, seconds: nil)
        let html = try await Self.m4top(["--once", "--url", base])
        #expect(html.status == 3)
        #expect(html.output.contains("HTTP 502 Bad Gateway (an HTML error page, not an API answer)"))
        await running.server.setFault(.stall, seconds: nil)
        let started = Date()
        let stalled = try await Self.m4top(["--once", "--url", base, "--timeout", "1", "--format", "json"])
        #expect(Date().timeIntervalSince(started) < 5, "never hangs past --timeout")
        #expect(stalled.status == 3)
        #expect(stalled.output.contains(#""kind": "transport", "message": "no answer within 1 s (timeout)""#))
        let closed = ClosedPort()
        let refused = try await Self.m4top(["--once", "--url", "http://127.0.0.1:\(closed.port)/billing"])
        #expect(refused.status == 3)
        #expect(refused.output.contains("connection refused"))
    }

    @Test("Usage and configuration errors: exit 2, with a specific message", arguments: [
        (["--once", "--interval", "0.5"], "--interval must be at least 1 second"),
        (["--once", "--bogus"], "Unknown option '--bogus'"),
        (["--once", "--url", "ftp://host/billing"], "must start with http:// or https://"),
        (["--once", "--url", "http://127.0.0.1:9/billing", "--secret-file", "/nonexistent/secret"], "cannot read secret file /nonexistent/secret (no such file)"),
        (["--once", "--format", "json", "--config", "/nonexistent/config.toml"], #"{"error": {"kind": "config""#),
    ])
    func usage(arguments: [String], expected: String) async throws {
        let result = try await Self.m4top(arguments)
        #expect(result.status == 2, "\(arguments)")
        #expect(result.output.contains(expected), "\(result.output)")
    }

    @Test("A real server without a secret is refused before any request")
    func noSecret() async throws {
        let result = try await Self.m4top(["--once", "--url", "http://127.0.0.1:9/billing"], secret: nil)
        #expect(result.status == 2)
        #expect(result.output.contains("no API secret"))
    }

    @Test("--demo --once prints simulated numbers in the contract's shape, after a `--` too")
    func demoOnce() async throws {
        let result = try await Self.m4top(["--", "--demo", "--once", "--format", "json"], secret: nil)
        #expect(result.status == 0)
        for key in ["\"server\": \"http://127.0.0.1:", "\"user\": \"admin\"", "\"today\": {\"calls\": ", "\"month\": {", "\"active_calls\": {\"total\": "] {
            #expect(result.output.contains(key), "\(key)")
        }
        #expect(result.output.contains("the numbers are simulated"))
    }
}
