@testable import App
import Dashboard
import Watch
import Exporter
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import M4API
import Simulator
import Testing

/// The exporter's real parts (config, poller, series, prober, HTTP) over loopback in front of
/// the simulator, whose own request counters say what the M4 server was asked.
// Serialized: the probe flood would starve the others' timing on a 2-core machine.
@Suite("Exporter over loopback, in front of the simulator", .serialized)
struct ExporterOverLoopbackTests {
    static let secret = "s3cr3t-for-exporter-tests"

    struct Running {
        let simulator: RunningSimulator
        let base: String
        let task: Task<Void, any Error>
        /// Nil when probe-only.
        let poller: FleetPoller?
        let dir: TempDir

        func get(_ path: String) async throws -> (status: Int, type: String, body: String) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: base + path)!)
            let http = response as! HTTPURLResponse
            return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", String(decoding: data, as: UTF8.self))
        }

        func stop() async {
            await poller?.stop()
            task.cancel()
            _ = try? await task.value
            await simulator.stop()
        }
    }

    /// A config naming the simulator as profile `sim`, watched through the real settings path.
    static func start(users: String = #"["admin", "user0002", "user0003", "nobody"]"#, fleet: Int = 6,
                      budget: String = "max_rate = 20", extra: String = "", latencyMs: Int? = nil, probeOnly: Bool = false,
                      limits: ExporterHTTP.ConnectionLimits = ExporterHTTP.ConnectionLimits()) async throws -> Running {
        var simSettings = SimulatorSettings()
        simSettings.makeFleet(count: fleet)
        simSettings.secret = secret
        simSettings.pinnedActiveCalls = 7
        let simulator = try await RunningSimulator.start(SimulatedServer(settings: simSettings, seed: 3))
        let dir = TempDir()
        let secretFile = dir.write("secret", secret + "\n")
        let config = dir.write("config.toml", """
        watch = ["sim"]
        overview_interval = 1
        [profiles.sim]
        url = "\(simulator.baseURL)"
        secret_file = "\(secretFile)"
        users = \(users)
        interval = 30
        \(budget)
        \(extra)
        """)
        var flags = ConnectionFlags()
        flags.configPath = config
        let settings = try SettingsResolver.resolve(flags, environment: ["HOME": dir.path])
        let targets = try await ServerTarget.openAll(settings.servers)
        let run = ExporterRun(settings: settings, targets: targets, probeOnly: probeOnly)
        let series = FleetSeries(serverLabels: run.serverLabels, version: "test")
        let (poller, prober) = run.makeParts(series: series, history: HistorySetup.open(settings, demo: true))
        let router = ExporterHTTP.router(series: series, prober: prober,
                                         about: .init(version: "test", servers: run.serverLabels, pollInterval: probeOnly ? nil : 1))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try ExporterHTTP.application(router: router, address: ListenAddress(host: "127.0.0.1", port: 0), tls: nil,
                                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), limits: limits) { port in
            continuation.yield(port)
        }
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        await poller?.start()
        return Running(simulator: simulator, base: "http://127.0.0.1:\(port)", task: task, poller: poller, dir: dir)
    }

    /// Polls `/metrics` until `series` reads `value` (or time runs out); the last reading.
    static func await(_ running: Running, _ series: String, equals value: String, within seconds: Double = 8) async throws -> String? {
        let end = Date().addingTimeInterval(seconds)
        var last: String?
        while Date() < end {
            let body = try await running.get("/metrics").body
            last = body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map { String($0.dropFirst(series.count + 1)) }
            if last == value { return last }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        return last
    }

    @Test("/metrics: the simulator's numbers in the text format; m4_up falls to 0 when it stops")
    func metrics() async throws {
        let running = try await Self.start(users: #"["admin"]"#)
        let admin = #"{server="sim",user="admin"}"#
        #expect(try await Self.await(running, "m4_active_calls" + admin, equals: "7.0") == "7.0")
        let answer = try await running.get("/metrics")
        #expect(answer.status == 200)
        #expect(answer.type == "text/plain; version=0.0.4; charset=utf-8")
        #expect(answer.body.contains("m4_up\(admin) 1.0"))
        #expect(answer.body.contains("# TYPE m4_poll_errors_total counter"))
        await running.simulator.server.update { $0.pinnedActiveCalls = 3 }
        #expect(try await Self.await(running, "m4_active_calls" + admin, equals: "3.0") == "3.0", "a new value within a round")
        await running.simulator.stop()
        #expect(try await Self.await(running, "m4_up" + admin, equals: "0.0") == "0.0")
        var head = URLRequest(url: URL(string: running.base + "/metrics")!)
        head.httpMethod = "HEAD"
        let (headBody, headResponse) = try await URLSession.shared.data(for: head)
        #expect((headResponse as? HTTPURLResponse)?.statusCode == 200, "HEAD /metrics answers as GET does")
        #expect((headResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") == answer.type)
        #expect(headBody.isEmpty, "without a body")
        let after = try await running.get("/metrics").body
        #expect(after.contains(#"m4_poll_errors_total{server="sim",user="admin",kind="transport"} "#))
        #expect(!after.contains(#"user="admin",kind="transport"} 0"#), "the failure is counted")
        #expect(after.contains("m4_active_calls\(admin) 3.0"), "the last good number stays, marked by m4_up")
        await running.stop()
    }

    @Test("/probe: one fetch per interval however often it is asked; names only, never URLs")
    func probe() async throws {
        let running = try await Self.start()
        let first = try await running.get("/probe?target=sim&user=user0003")
        #expect(first.status == 200 && first.type.hasPrefix("text/plain; version=0.0.4"))
        #expect(first.body.contains("m4_probe_success 1.0"))
        #expect(first.body.contains("m4_today_price "))
        for _ in 0..<5 { _ = try await running.get("/probe?target=sim&user=user0003") }
        #expect(await running.simulator.server.requests.perUser["user0003"] == 1, "six scrapes within the profile's 30 s interval: one request")

        let before = await running.simulator.server.requests.total
        let url = try await running.get("/probe?target=" + running.simulator.baseURL.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(url.status == 400)
        #expect(url.body.contains("must be a profile name, not a URL (sim)"))
        let unknown = try await running.get("/probe?target=prod&user=admin")
        #expect(unknown.status == 400)
        // The poller may have asked in the meantime, but never for these.
        let stats = await running.simulator.server.requests
        #expect(stats.total - before <= (stats.perUser["admin"] ?? 0), "no request for a refused probe")

        let failed = try await running.get("/probe?target=sim&user=nobody")
        #expect(failed.body.contains("m4_probe_success 0.0"))
        #expect(failed.body.contains(#"m4_probe_error_info{kind="api"} 1.0"#))
        await running.stop()
    }

    @Test("/probe asks only for users the profile watches or lists; another name is 400 and sends nothing, unless probe_any_user")
    func probeWatchedOnly() async throws {
        let running = try await Self.start(users: #""all""#)
        // users = "all": the server's list decides; wait for it.
        var listed = try await running.get("/probe?target=sim&user=user0005")
        for _ in 0..<50 where listed.status != 200 {
            try await Task.sleep(nanoseconds: 100_000_000)
            listed = try await running.get("/probe?target=sim&user=user0005")
        }
        #expect(listed.status == 200 && listed.body.contains("m4_probe_success 1.0"), "\(listed.body)")
        let before = await running.simulator.server.requests.perUser["stranger"]
        let stranger = try await running.get("/probe?target=sim&user=stranger")
        #expect(stranger.status == 400 && stranger.body.contains("user 'stranger' is not one profile sim watches"), "\(stranger.body)")
        #expect(await running.simulator.server.requests.perUser["stranger"] == before, "nothing sent for it")
        let marks = "a" + String(repeating: "\u{0301}", count: 13_000)
        let long = try await running.get("/probe?target=sim&user=" + marks.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(long.status == 400 && long.body.contains("at most 256 bytes"), "one character of 26 KB is refused by its bytes")
        await running.stop()

        let open = try await Self.start(users: #"["admin"]"#, extra: "probe_any_user = true")
        let any = try await open.get("/probe?target=sim&user=user0004")
        #expect(any.status == 200 && any.body.contains("m4_probe_success 1.0"), "\(any.body)")
        await open.stop()
    }

    @Test("A /probe flood of 60 users at once keeps within the server's max_in_flight and max_rate (its own counters); the late ones answer kind=\"budget\"; probe-only alike",
          arguments: [false, true])
    func probeFlood(probeOnly: Bool) async throws {
        let running = try await Self.start(users: #""all""#, fleet: 60, budget: "max_in_flight = 2\nmax_rate = 5", probeOnly: probeOnly)
        for _ in 0..<50 {
            let ready = try await running.get("/probe?target=sim&user=user0060")
            if ready.body.contains("m4_probe_success") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let base = running.base
        // All at once: URLSession's default would queue them six at a time.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 100
        let session = URLSession(configuration: configuration)
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for number in 1...59 where number % 25 != 0 {  // every 25th is hidden: not listed, so not probed
                group.addTask {
                    var request = URLRequest(url: URL(string: base + String(format: "/probe?target=sim&user=user%04d", number))!)
                    request.setValue("2", forHTTPHeaderField: "X-Prometheus-Scrape-Timeout-Seconds")
                    request.timeoutInterval = 30
                    let (data, _) = try await session.data(for: request)
                    return String(decoding: data, as: UTF8.self)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let stats = await running.simulator.server.requests
        #expect(stats.maxInFlight <= 2, "most in flight at the server: \(stats.maxInFlight)")
        // Starts are spaced exactly (ServerGateTests); arrivals can bunch by one on a loaded machine.
        #expect(stats.maxPerSecond <= 5 + 1, "most in any second at the server: \(stats.maxPerSecond)")
        let budget = bodies.filter { $0.contains(#"m4_probe_error_info{kind="budget"} 1.0"#) }.count
        let answered = bodies.filter { $0.contains("m4_probe_success 1.0") }.count
        // The rest got a slot late and ran into the deadline (kind="transport"); every probe answered.
        #expect(budget > 30 && answered >= 5, "budget \(budget), answered \(answered)")
        #expect(bodies.allSatisfy { $0.contains("m4_probe_success ") }, "\(bodies.filter { !$0.contains("m4_probe_success ") }.prefix(2))")
        if probeOnly {
            #expect(stats.perUser["users_get"] == 1, "one list, fetched for the first probe and kept: \(stats.perUser["users_get"] ?? 0)")
            #expect(stats.total == stats.perUser.filter { $0.key != "users_get" }.count + 1, "one request per user probed, and the list: \(stats.perUser)")
        }
        await running.stop()
    }

    /// The simulator's requests, as a dictionary: user (or users_get) to count.
    static func asked(_ running: Running) async -> [String: Int] { await running.simulator.server.requests.perUser }

    @Test("--probe-only sends nothing until a /probe comes, then only the named user (and the server's list, once, for users = \"all\"); /metrics claims no user")
    func probeOnlyAsksOnlyForProbes() async throws {
        let running = try await Self.start(users: #""all""#, fleet: 30, probeOnly: true)
        // overview_interval = 1: a poller would have asked for every user by now.
        try await Task.sleep(nanoseconds: 2_500_000_000)
        let before = await Self.asked(running)
        #expect(before.isEmpty, "nothing sent before a probe: \(before)")
        let idle = try await running.get("/metrics")
        #expect(idle.status == 200 && idle.body.contains(#"m4_exporter_build_info{version="test"} 1.0"#), "\(idle.body)")
        #expect(!idle.body.contains("m4_users_watched") && !idle.body.contains("user="), "no user claimed: \(idle.body)")
        let landing = try await running.get("/")
        #expect(landing.body.contains("probe-only"), "\(landing.body)")

        let first = try await running.get("/probe?target=sim&user=user0003")
        #expect(first.status == 200 && first.body.contains("m4_probe_success 1.0"), "\(first.body)")
        let firstAsked = await Self.asked(running)
        #expect(firstAsked == ["users_get": 1, "user0003": 1], "the list (users = \"all\"), then that user: \(firstAsked)")
        let admin = try await running.get("/probe?target=sim")
        #expect(admin.body.contains("m4_probe_success 1.0"))
        let hidden = try await running.get("/probe?target=sim&user=user0025")
        #expect(hidden.status == 400 && hidden.body.contains("is not one profile sim watches"), "a hidden user is not listed: \(hidden.body)")
        let stranger = try await running.get("/probe?target=sim&user=stranger")
        #expect(stranger.status == 400, "\(stranger.body)")
        let blocked = try await running.get("/probe?target=sim&user=user0010")
        #expect(blocked.status == 200, "a blocked user is listed, as for the poller: \(blocked.body)")
        _ = try await running.get("/probe?target=sim&user=user0003")
        let allAsked = await Self.asked(running)
        #expect(allAsked == ["users_get": 1, "user0003": 1, "admin": 1, "user0010": 1],
                "the list kept, the cached answer served, nothing for refused names: \(allAsked)")
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(await running.simulator.server.requests.total == 4, "still nothing in the background")
        let after = try await running.get("/metrics").body
        #expect(!after.contains("user="), "probes are not polls: /metrics claims no user: \(after)")
        await running.stop()

        // users = [...]: the configured names decide; the server's list is never asked for.
        let listed = try await Self.start(users: #"["admin", "user0002"]"#, probeOnly: true)
        let named = try await listed.get("/probe?target=sim&user=user0002")
        #expect(named.body.contains("m4_probe_success 1.0"))
        let other = try await listed.get("/probe?target=sim&user=user0003")
        #expect(other.status == 400)
        let listedAsked = await Self.asked(listed)
        #expect(listedAsked == ["user0002": 1], "\(listedAsked)")
        await listed.stop()
    }

    @Test("--probe-only with --history is refused: a probe-only exporter records nothing")
    func probeOnlyNoHistory() throws {
        #expect(throws: (any Error).self) { try ExporterCommand.parse(["--probe-only", "--history", "/tmp/x.sqlite"]) }
        #expect(try ExporterCommand.parse(["--probe-only", "--no-history"]).probeOnly)
    }

    @Test("/probe honours Prometheus's X-Prometheus-Scrape-Timeout-Seconds against a slow server")
    func probeScrapeTimeout() async throws {
        let running = try await Self.start()
        // Without the header the probe would wait the 8 s and succeed (the profile's timeout is 10 s).
        await running.simulator.server.setLatency(milliseconds: 8_000)
        await running.simulator.server.setFault(.latency, seconds: nil)
        var request = URLRequest(url: URL(string: running.base + "/probe?target=sim&user=user0002")!)
        request.setValue("1.5", forHTTPHeaderField: "X-Prometheus-Scrape-Timeout-Seconds")
        let (data, _) = try await URLSession.shared.data(for: request)
        let body = String(decoding: data, as: UTF8.self)
        #expect(body.contains("m4_probe_success 0.0"), "answered at Prometheus's deadline, not after the server's 8 s: \(body)")
        #expect(body.contains(#"m4_probe_error_info{kind="transport"} 1.0"#))
        await running.stop()
    }

    /// Sends raw bytes, reads until the server closes or 5 s pass: what came, and whether the
    /// server closed. Blocking: call it off the cooperative pool.
    static func exchange(_ request: String, port: UInt16) -> (String, Bool) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if count < 0 { return (String(decoding: received, as: UTF8.self), false) }
            received += buffer[0..<count]
        }
    }

    @Test("HTTP/1.0 without keep-alive: the answer says Connection: close and the connection ends with it (it waited for the idle timeout)")
    func http10Closes() async throws {
        let running = try await Self.start(users: #"["admin"]"#)
        let port = UInt16(running.base.split(separator: ":").last!)!
        // On a Dispatch thread: a blocking read must not hold one of the cooperative pool's.
        let answer = await withCheckedContinuation { (done: CheckedContinuation<(String, Bool), Never>) in
            DispatchQueue.global().async { done.resume(returning: Self.exchange("GET /-/healthy HTTP/1.0\r\n\r\n", port: port)) }
        }
        #expect(answer.1, "the server closed the connection after the answer: \(answer.0)")
        #expect(answer.0.hasPrefix("HTTP/1.1 200") && answer.0.contains("Connection: close") && answer.0.hasSuffix("OK\n"), "\(answer.0)")
        await running.stop()
    }

    @Test("Slowloris: a request head sent a byte at a time is cut off at the head deadline, though the idle timeout never fires")
    func slowloris() async throws {
        let running = try await Self.start(users: #"["admin"]"#, limits: ExporterHTTP.ConnectionLimits(idleSeconds: 2))
        let port = UInt16(running.base.split(separator: ":").last!)!
        let closedAfter = await withCheckedContinuation { (done: CheckedContinuation<Double?, Never>) in
            DispatchQueue.global().async {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                let started = Date()
                // One byte every half second, for up to 8 s: never 2 s quiet, never a whole head.
                for byte in Array("GET /-/healthy HTTP/1.1\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100) {
                    var value = byte
                    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    var sink: UInt8 = 0
                    if poll(&descriptor, 1, 0) == 1 && read(fd, &sink, 1) == 0 { return done.resume(returning: Date().timeIntervalSince(started)) }
                    if send(fd, &value, 1, Int32(MSG_NOSIGNAL)) != 1 { return done.resume(returning: Date().timeIntervalSince(started)) }
                    if Date().timeIntervalSince(started) > 8 { break }
                    usleep(500_000)
                }
                done.resume(returning: nil)
            }
        }
        #expect(closedAfter != nil, "the connection was never closed")
        #expect((closedAfter ?? 0) >= 1.5, "not before the deadline: \(closedAfter ?? -1) s")
        await running.stop()
    }

    @Test("The secret is on no page: landing, metrics, probe, errors")
    func secretNowhere() async throws {
        let running = try await Self.start(users: #""all""#)
        _ = try await Self.await(running, #"m4_users_watched{server="sim"}"#, equals: "7.0")
        var pages: [String] = []
        for path in ["/", "/metrics", "/probe?target=sim", "/probe?target=sim&user=x", "/probe", "/-/healthy", "/nope"] {
            let page = try await running.get(path)
            pages.append(page.body)
            if path == "/" {
                #expect(page.type == "text/html; charset=utf-8")
                #expect(page.body.contains("<code>sim</code>"))
                #expect(!page.body.contains(running.simulator.baseURL), "names, not URLs")
            }
        }
        for page in pages {
            #expect(!page.contains(Self.secret))
            #expect(!page.contains(RequestSigner.sha1Hex(Self.secret)))
        }
        await running.stop()
    }
}
