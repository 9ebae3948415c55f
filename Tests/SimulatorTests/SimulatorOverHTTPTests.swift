import TextSafety
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import M4API
import Simulator
import TestSupport
import Testing

/// Settings, errors and faults of the simulator, over loopback HTTP with the project's own client.
@Suite("Simulator over HTTP")
struct SimulatorOverHTTPTests {
    /// Runs `body` against a fresh simulator; the simulator and every client are stopped however it ends.
    static func with(_ server: SimulatedServer, _ body: (RunningSimulator) async throws -> Void) async throws {
        let running = try await RunningSimulator.start(server)
        do {
            try await body(running)
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }

    static func client(_ running: RunningSimulator, method: RequestMethod = .post, timeout: Double = 5) throws -> M4Client {
        M4Client(settings: ConnectionSettings(methodURL: try QuickStatsEndpoint.methodURL(fromBase: running.baseURL),
                                                      method: method, timeoutSeconds: timeout),
                         secret: "secret")
    }

    static func raw(_ running: RunningSimulator, method: String = "POST", path: String = SimulatorHTTP.methodPath,
                    body: String? = nil) async throws -> (status: Int, type: String, body: String) {
        var request = URLRequest(url: URL(string: "http://\(running.host):\(running.port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", String(decoding: data, as: UTF8.self))
    }

    @Test("Sample mode serves the seed page's answer; errors come as HTTP 200, text/html")
    func bytes() async throws {
        try await Self.with(SimulatedServer(sampleMode: true)) { running in
            let ok = try await Self.raw(running, body: "u=admin&hash=e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")
            #expect(ok.status == 200)
            let expected = AnswerXML.success(sections: AnswerXML.seedSample)
            #expect(ok.body == expected)
            #expect(ok.body.replacingOccurrences(of: "\n *", with: " ", options: .regularExpression)
                .hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?> <page> <quickstats> <today> <calls>4</calls> <duration>345</duration> <revenue>1.4475</revenue>"#))
            let bad = try await Self.raw(running, body: "u=admin&hash=0000")
            #expect(bad.status == 200)
            #expect(bad.type.hasPrefix("text/html"))
            #expect(bad.body.contains("<status>\n  <error>Incorrect hash</error>\n</status>"))
        }
    }

    @Test("Every error wrapper is understood by the client", arguments: SimulatorSettings.ErrorWrapper.allCases)
    func wrappers(wrapper: SimulatorSettings.ErrorWrapper) async throws {
        var settings = SimulatorSettings()
        settings.errorWrapper = wrapper
        settings.apiEnabled = false
        try await Self.with(SimulatedServer(settings: settings)) { running in
            let client = try Self.client(running)
            await #expect(throws: FetchError.api(APIError(text: "API Requests are disabled"))) {
                try await client.fetch(user: "admin")
            }
        }
    }

    @Test("Active calls reach simple users only when the setting is on")
    func activeCallsSetting() async throws {
        var settings = SimulatorSettings()
        settings.showActiveCallsToUsers = false
        try await Self.with(SimulatedServer(settings: settings)) { running in
            let client = try Self.client(running)
            #expect(try await client.fetch(user: "alice").activeCalls == nil)
            #expect(try await client.fetch(user: "admin").activeCalls != nil)
            await running.server.update { $0.showActiveCallsToUsers = true }
            #expect(try await client.fetch(user: "alice").activeCalls != nil)
        }
    }

    @Test("The control endpoint switches settings and faults while running")
    func controlEndpoint() async throws {
        try await Self.with(SimulatedServer()) { running in
            let client = try Self.client(running)
            _ = try await client.fetch(user: "admin")
            let set = try await Self.raw(running, path: "/_sim/setting?name=api&value=off")
            #expect(set.status == 200)
            #expect(set.body.contains("\"api\":false"))
            await #expect(throws: FetchError.api(APIError(text: "API Requests are disabled"))) { try await client.fetch(user: "admin") }
            _ = try await Self.raw(running, path: "/_sim/setting?name=api&value=on")
            let fault = try await Self.raw(running, path: "/_sim/fault?name=elasticsearch&seconds=30")
            #expect(fault.body.contains("\"faults\":[\"elasticsearch\"]"))
            await #expect(throws: FetchError.api(APIError(text: "Cannot connect to Elasticsearch"))) { try await client.fetch(user: "admin") }
            _ = try await Self.raw(running, path: "/_sim/clear")
            _ = try await client.fetch(user: "admin")
            let unknown = try await Self.raw(running, path: "/_sim/fault?name=nonsense")
            #expect(unknown.status == 400)
        }
    }

    @Test("A fault with a duration ends by itself")
    func timedFault() async throws {
        try await Self.with(SimulatedServer()) { running in
            await running.server.setFault(.html502, seconds: 2)  // ample: a loaded machine is slow
            let client = try Self.client(running)
            await #expect(throws: FetchError.self) { try await client.fetch(user: "admin") }
            try await Task.sleep(nanoseconds: 2_200_000_000)
            _ = try await client.fetch(user: "admin")
        }
    }

    @Test("Hostile values arrive sanitised at the client")
    func hostile() async throws {
        try await Self.with(SimulatedServer()) { running in
            await running.server.setFault(.hostile, seconds: nil)
            let raw = try await Self.raw(running, body: "u=admin&hash=e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")
            #expect(raw.body.contains("\u{1B}[2J"))
            let client = try Self.client(running)
            let stats = try await client.fetch(user: "admin")
            let calls = try #require(stats.today?["calls"])
            #expect(!calls.text.unicodeScalars.contains(where: TerminalSafeText.isUnsafe))
            #expect(calls.number == nil)
        }
    }

    @Test("Skipping simulated time over midnight: today resets, the month does not")
    func crossesMidnight() async throws {
        let start = ISO8601DateFormatter().date(from: "2026-11-28T23:50:00Z")!
        try await Self.with(SimulatedServer(seed: 11, start: start)) { running in
            let client = try Self.client(running)
            let before = try await client.fetch(user: "admin")
            let skipped = try await Self.raw(running, path: "/_sim/skip?seconds=900")
            #expect(skipped.body.contains("\"simulated_time\":\"2026-11-29T00:05"))
            let after = try await client.fetch(user: "admin")
            let todayBefore = try #require(before.today?["calls"]?.number)
            let todayAfter = try #require(after.today?["calls"]?.number)
            #expect(todayAfter < todayBefore, "today resets at midnight")
            let monthBefore = try #require(before.month?["calls"]?.number)
            let monthAfter = try #require(after.month?["calls"]?.number)
            #expect(monthAfter >= monthBefore, "the month carries on")
            #expect(try await Self.raw(running, path: "/_sim/skip?seconds=-5").status == 400)
        }
    }
}
