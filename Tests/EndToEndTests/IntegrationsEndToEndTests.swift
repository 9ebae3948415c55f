import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import M4API
import Simulator
import Testing
import TestSupport

/// The real binary as monitoring runs it: `m4top exporter` as a service, `m4top check` as a
/// plugin, and the deployment files checked by the real Prometheus tools (Debian's
/// `prometheus` package, installed by scripts/install-deps).
enum Integrations {
    static let secret = "e2e-exporter-secret-value"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let deploy = repository + "/deploy"

    /// A simulator in this process (so a test can stop it), its admin's active calls fixed.
    static func simulator(activeCalls: Int = 7, latencyMs: Int? = nil, start: Date = Date(),
                          users: [String] = ["alice", "bob"]) async throws -> RunningSimulator {
        var settings = SimulatorSettings()
        settings.secret = secret
        settings.users = users
        settings.pinnedActiveCalls = activeCalls
        var faults = FaultBoard()
        if let latencyMs {
            faults.latencyMilliseconds = latencyMs
            faults.set(.latency, for: nil)
        }
        return try await RunningSimulator.start(SimulatedServer(settings: settings, seed: 5, start: start, faults: faults))
    }

    /// `m4top exporter` in the background; returns once it says where it serves.
    static func exporter(_ arguments: [String], descriptorLimit: Int? = nil) async throws -> (child: Spawn.Child, base: String) {
        let command = [TmuxPane.binary, "exporter", "--listen", "127.0.0.1:0"] + arguments
        // `ulimit -n` in a shell that then becomes the exporter.
        let limited = descriptorLimit.map { ["sh", "-c", "ulimit -n \($0) && exec \"$@\"", "sh"] + command } ?? command
        let child = try Spawn.start(["env", "-u", "M4TOP_SECRET", "XDG_CONFIG_HOME=/nonexistent", "M4TOP_SECRET=\(secret)"] + limited)
        let end = Date().addingTimeInterval(20)
        while Date() < end {
            let output = (try? String(contentsOfFile: child.outputPath, encoding: .utf8)) ?? ""
            if let range = output.range(of: #"serving https?://[0-9.]+:[0-9]+"#, options: .regularExpression) {
                return (child, String(output[range].dropFirst("serving ".count)))
            }
            if waitpid(child.pid, nil, WNOHANG) == child.pid { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        kill(child.pid, SIGKILL)
        throw Spawn.Failed(description: "the exporter did not start: \((try? String(contentsOfFile: child.outputPath, encoding: .utf8)) ?? "")")
    }

    /// SIGTERM, then the exit status and everything it printed.
    static func terminate(_ child: Spawn.Child, signal: Int32 = SIGTERM) async throws -> (status: Int32, output: String) {
        kill(child.pid, signal)
        return try await wait(child, seconds: 20)
    }

    static func wait(_ child: Spawn.Child, seconds: Double) async throws -> (status: Int32, output: String) {
        var status: Int32 = 0
        let end = Date().addingTimeInterval(seconds)
        while waitpid(child.pid, &status, WNOHANG) == 0 {
            if Date() > end {
                kill(child.pid, SIGKILL)
                while waitpid(child.pid, &status, 0) == -1 && errno == EINTR {}
                return (-1, child.finish(status).output)
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return child.finish(status)
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// A tool, with stdin from a string; its status and output.
    static func tool(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        guard let input else { return try await Spawn.runWithStatus(arguments) }
        let file = NSTemporaryDirectory() + "m4top-stdin-\(UUID().uuidString)"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        return try await Spawn.runWithStatus(["sh", "-c", "exec \"$0\" \"$@\" < '\(file)'"] + arguments)
    }

    /// A real Prometheus scraping every second, on a free port, its data in a folder of its own.
    struct Prometheus {
        let child: Spawn.Child
        let port: Int
        let dir: String

        static func start(scrapeConfigs: String, files: [String: String] = [:]) async throws -> Prometheus {
            try await start(config: """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
            \(scrapeConfigs)
            """, files: files)
        }

        /// A whole config file; `files` go beside it (what its relative paths name).
        static func start(config: String, files: [String: String] = [:]) async throws -> Prometheus {
            // Free now (bound, read, released when the ClosedPort goes): Prometheus cannot take port 0.
            let port = ClosedPort().port
            let dir = NSTemporaryDirectory() + "m4top-prometheus-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
            for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
            try config.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
            let child = try Spawn.start(["prometheus", "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                                         "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"])
            return Prometheus(child: child, port: port, dir: dir)
        }

        func stop() {
            kill(child.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
            _ = child.finish(status)
            try? FileManager.default.removeItem(atPath: dir)
        }

        /// The query's single value, once Prometheus has the wanted one (or the last seen).
        func query(_ promQL: String, until wanted: String, seconds: Double) async -> String? {
            let url = "http://127.0.0.1:\(port)/api/v1/query?query=" + promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let end = Date().addingTimeInterval(seconds)
            var last: String?
            while Date() < end {
                if let body = try? await Integrations.get(url).body,
                   let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                   let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
                   let value = result.first?["value"] as? [Any], let text = value.last as? String {
                    last = text
                    if text == wanted { return text }
                }
                try? await Task.sleep(nanoseconds: 250_000_000)
            }
            return last
        }

        /// Every series of an instant query: its labels and value.
        func vector(_ promQL: String) async -> [(labels: [String: String], value: String)] {
            let url = "http://127.0.0.1:\(port)/api/v1/query?query=" + promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            guard let body = try? await Integrations.get(url).body,
                  let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                  let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else { return [] }
            return result.compactMap { series in
                guard let labels = series["metric"] as? [String: String], let value = (series["value"] as? [Any])?.last as? String else { return nil }
                return (labels, value)
            }
        }
    }

    /// Prometheus's `hashmod` relabelling: the MD5 of the value, its last 8 bytes as a
    /// big-endian number, modulo `modulus`.
    static func hashmod(_ value: String, modulus: UInt64) -> UInt64 {
        let digest = Array(Insecure.MD5.hash(data: Data(value.utf8)))
        return digest[8...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % modulus
    }

    /// The users a `--log-file` says the exporter asked quickstats_get for.
    static func askedFor(inLog path: String) -> [String] {
        let log = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains("m4top.api: quickstats_get ") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("user=") }.map { String($0.dropFirst("user=".count)) }
        }
    }

    /// Every `m4_…` name a text mentions.
    static func metricNames(in text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "\\bm4_[a-z_]+")
        return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }
}

@Suite("Integrations: the exporter and check binaries, and the deployment files under the real Prometheus tools", .serialized)
struct IntegrationsEndToEndTests {
    @Test("promtool accepts the scrape config and the rules, and the rules' own tests pass")
    func deploymentFiles() async throws {
        let config = try await Integrations.tool(["promtool", "check", "config", Integrations.deploy + "/prometheus/prometheus.yml"])
        #expect(config.status == 0, "\(config.output)")
        #expect(config.output.contains("SUCCESS"))
        // The sharded config, and its file_sd targets file beside it (promtool reads that too).
        let sharded = try await Integrations.tool(["promtool", "check", "config", Integrations.deploy + "/prometheus/prometheus-sharded.yml"])
        #expect(sharded.status == 0 && sharded.output.contains("SUCCESS") && !sharded.output.contains("WARNING"), "\(sharded.output)")
        let rules = try await Integrations.tool(["promtool", "check", "rules", Integrations.deploy + "/prometheus/m4top-rules.yml"])
        #expect(rules.status == 0, "\(rules.output)")
        #expect(rules.output.contains("SUCCESS: 7 rules found"))
        let tests = try await Integrations.tool(["sh", "-c", "cd '\(Integrations.deploy)/prometheus' && promtool test rules m4top-rules.test.yml"])
        #expect(tests.status == 0, "\(tests.output)")
        #expect(tests.output.contains("SUCCESS"))
    }

    @Test("The live /metrics passes promtool check metrics; the rules and the Grafana dashboard name only metrics it serves")
    func liveMetrics() async throws {
        let simulator = try await Integrations.simulator()
        defer { Task { await simulator.stop() } }
        // bob and nobody are watched too: /probe asks only for users a profile watches.
        let (child, base) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--user", "alice",
                                                             "--user", "bob", "--user", "nobody", "--overview-interval", "1"])
        var metrics = ""
        for _ in 0..<100 {
            metrics = try await Integrations.get(base + "/metrics").body
            if metrics.contains(#"m4_balance{server="127.0.0.1",user="alice"}"#) && metrics.contains(#"m4_today_revenue{server="127.0.0.1",user="admin"}"#) { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let lint = try await Integrations.tool(["promtool", "check", "metrics"], input: metrics)
        #expect(lint.status == 0 && lint.output.isEmpty, "promtool: \(lint.output)")
        let probe = try await Integrations.get(base + "/probe?target=127.0.0.1&user=bob").body
        #expect(probe.contains("m4_probe_success 1.0"))
        let probeLint = try await Integrations.tool(["promtool", "check", "metrics"], input: probe)
        #expect(probeLint.status == 0 && probeLint.output.isEmpty, "promtool: \(probeLint.output)")

        let failedProbe = try await Integrations.get(base + "/probe?target=127.0.0.1&user=nobody").body
        #expect(failedProbe.contains(#"m4_probe_error_info{kind="api"} 1.0"#))
        let served = Integrations.metricNames(in: metrics + probe + failedProbe)
        let dashboard = try String(contentsOfFile: Integrations.deploy + "/grafana/m4top-dashboard.json", encoding: .utf8)
        let json = try JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as? [String: Any]
        let panels = json?["panels"] as? [[String: Any]] ?? []
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 10, "the dashboard has its panels")
        let named = Integrations.metricNames(in: expressions.joined(separator: "\n"))
        #expect(named.isSubset(of: served), "the dashboard names \(named.subtracting(served)), which the exporter does not serve")
        let rules = try String(contentsOfFile: Integrations.deploy + "/prometheus/m4top-rules.yml", encoding: .utf8)
        let ruleNames = Integrations.metricNames(in: rules.split(separator: "\n").filter { $0.contains("expr:") || $0.hasPrefix("          ") }.joined(separator: "\n"))
        #expect(!ruleNames.isEmpty && ruleNames.isSubset(of: served), "the rules name \(ruleNames.subtracting(served)), which the exporter does not serve")

        let ended = try await Integrations.terminate(child)
        #expect(ended.status == 0)
        #expect(!ended.output.contains(Integrations.secret))
    }

    @Test("The Grafana dashboard provisions from a file (a datasource variable, no __inputs) and draws one line per user with both jobs on")
    func grafanaProvisioning() throws {
        let text = try String(contentsOfFile: Integrations.deploy + "/grafana/m4top-dashboard.json", encoding: .utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        // File provisioning cannot fill `__inputs` (Grafana: "Datasource ${DS_PROMETHEUS} was not found").
        #expect(json["__inputs"] == nil)
        #expect(!text.contains("${DS_"), "no import-time placeholder anywhere")
        let variables = (json["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        let datasource = variables.first { $0["type"] as? String == "datasource" }
        #expect(datasource?["name"] as? String == "datasource" && datasource?["query"] as? String == "prometheus")
        // Every datasource reference in panels, targets and variables is that variable.
        var uids: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let source = object["datasource"] as? [String: Any], let uid = source["uid"] as? String { uids.append(uid) }
                object.values.forEach(walk)
            } else if let list = value as? [Any] {
                list.forEach(walk)
            }
        }
        walk(json)
        #expect(!uids.isEmpty && uids.allSatisfy { $0 == "${datasource}" }, "\(Set(uids))")
        // A user polled by /metrics and probed by /probe has each gauge twice (two jobs):
        // every panel folds them into one line per user.
        let panels = json["panels"] as? [[String: Any]] ?? []
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        for expression in expressions where !expression.contains("m4_poll_errors_total") {
            #expect(expression.contains("max without (job, instance) (m4_"), "\(expression)")
        }
    }

    @Test("A real Prometheus scrapes the exporter: it finds the simulator's active calls, then m4_up 0 when the simulator stops")
    func realPrometheus() async throws {
        let simulator = try await Integrations.simulator(activeCalls: 7)
        let (exporter, base) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--overview-interval", "1",
                                                                "--interval", "1"])
        let exporterAddress = base.replacingOccurrences(of: "http://", with: "")
        let prometheus = try await Integrations.Prometheus.start(scrapeConfigs: """
          - job_name: m4top
            static_configs:
              - targets: ["\(exporterAddress)"]
        """)
        defer { prometheus.stop() }
        func query(_ promQL: String, until wanted: String, seconds: Double) async -> String? {
            await prometheus.query(promQL, until: wanted, seconds: seconds)
        }

        let active = await query(#"m4_active_calls{job="m4top",server="127.0.0.1",user="admin"}"#, until: "7", seconds: 40)
        #expect(active == "7", "Prometheus has the simulator's active calls")
        #expect(await query(#"m4_up{user="admin"}"#, until: "1", seconds: 10) == "1")
        await simulator.stop()
        #expect(await query(#"m4_up{user="admin"}"#, until: "0", seconds: 30) == "0", "m4_up goes to 0 when the simulator stops")
        #expect(await query(#"m4_poll_errors_total{user="admin",kind="transport"} > 0"#, until: "1", seconds: 10) != nil)
        let ended = try await Integrations.terminate(exporter)
        #expect(ended.status == 0, "\(ended.output)")
    }

    @Test("Two --probe-only exporters behind the shipped hashmod config: a real Prometheus probes every target through exactly one of them, and each asks only for its share")
    func shardedProbeOnly() async throws {
        let users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
        let simulator = try await Integrations.simulator(users: users)
        defer { Task { await simulator.stop() } }
        let dir = NSTemporaryDirectory() + "m4top-sharded-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The same config for both: users from the server's list; an answer is served again for
        // the whole test, so a user asked twice would be two exporters asking.
        try """
        watch = ["sim"]
        [profiles.sim]
        url = "\(simulator.baseURL)"
        users = "all"
        interval = 300
        max_rate = 5
        """.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        var replicas: [(child: Spawn.Child, address: String, log: String)] = []
        for index in 0..<2 {
            let log = dir + "/exporter-\(index).log"
            let (child, base) = try await Integrations.exporter(["--config", dir + "/config.toml", "--probe-only", "--log-file", log])
            replicas.append((child, base.replacingOccurrences(of: "http://", with: ""), log))
        }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let idle = await simulator.server.requests.total
        #expect(idle == 0, "probe-only: nothing asked before a probe (\(idle) requests)")

        // The shipped file, with the replicas' addresses and a test's pace; the targets file
        // names the profile and every user of the simulator.
        var config = try String(contentsOfFile: Integrations.deploy + "/prometheus/prometheus-sharded.yml", encoding: .utf8)
        for (index, replica) in replicas.enumerated() {
            config = config.replacingOccurrences(of: "m4top-exporter-\(index):9417", with: replica.address)
        }
        for (from, to) in [("scrape_interval: 60s", "scrape_interval: 1s"), ("scrape_timeout: 15s", "scrape_timeout: 1s"),
                           ("evaluation_interval: 30s", "evaluation_interval: 1s")] {
            #expect(config.contains(from))
            config = config.replacingOccurrences(of: from, with: to)
        }
        let targets = ["admin"] + users
        let targetsFile = targets.map { "- targets: [sim]\n  labels: {user: \($0)}" }.joined(separator: "\n") + "\n"
        let rules = try String(contentsOfFile: Integrations.deploy + "/prometheus/m4top-rules.yml", encoding: .utf8)
        let prometheus = try await Integrations.Prometheus.start(config: config, files: ["m4top-targets.yml": targetsFile, "m4top-rules.yml": rules])
        defer { prometheus.stop() }

        // Each target goes to the shard its hash names; both shards have some.
        let expected = Dictionary(uniqueKeysWithValues: targets.map { ($0, Int(Integrations.hashmod("sim/\($0)", modulus: 2))) })
        #expect(Set(expected.values) == [0, 1], "the test's users fall in both shards: \(expected)")
        let answered = await prometheus.query("count(m4_probe_success == 1)", until: "\(targets.count)", seconds: 40)
        #expect(answered == "\(targets.count)", "every target probed successfully")
        let up = await prometheus.vector(#"up{job=~"m4top-probe-.*"}"#)
        #expect(up.count == targets.count, "one scrape target per user, no more: \(up.map(\.labels))")
        var shardOf: [String: Int] = [:]
        for series in up {
            let user = String((series.labels["instance"] ?? "").dropFirst("sim/".count))
            #expect(shardOf[user] == nil, "\(user) scraped by two jobs")
            shardOf[user] = Int((series.labels["job"] ?? "").dropFirst("m4top-probe-".count))
            #expect(series.value == "1" && series.labels["server"] == "sim" && series.labels["user"] == user, "\(series)")
        }
        #expect(shardOf == expected, "each target in its hash's shard")
        let exportersUp = await prometheus.vector(#"up{job="m4top"}"#)
        #expect(exportersUp.count == 2 && exportersUp.allSatisfy { $0.value == "1" }, "each replica's own /metrics: \(exportersUp)")

        // The simulator: every user asked once in all (union: every target; nobody twice), and
        // the list at most once per replica; nothing else.
        let stats = await simulator.server.requests
        #expect(stats.perUser.filter { $0.key != "users_get" } == Dictionary(uniqueKeysWithValues: targets.map { ($0, 1) }), "\(stats.perUser)")
        #expect((stats.perUser["users_get"] ?? 0) <= 2, "\(stats.perUser)")
        // Each replica: only its share, by its own log.
        for (index, replica) in replicas.enumerated() {
            let asked = Integrations.askedFor(inLog: replica.log)
            let share = targets.filter { expected[$0] == index }
            #expect(asked.sorted() == share.sorted(), "replica \(index) asked for \(asked), its share is \(share)")
            let metrics = try await Integrations.get("http://\(replica.address)/metrics").body
            #expect(metrics.contains("m4_exporter_build_info") && !metrics.contains("user="), "no user claimed: \(metrics)")
        }
        for replica in replicas {
            let ended = try await Integrations.terminate(replica.child)
            #expect(ended.status == 0, "\(ended.output)")
            #expect(ended.output.contains("probe-only") && !ended.output.contains(Integrations.secret), "\(ended.output)")
        }
    }

    @Test("--web.config.file: a real Prometheus scrapes over HTTPS (verified against the certificate) with basic auth from an htpasswd bcrypt hash; a wrong password is up 0")
    func realPrometheusWithWebConfig() async throws {
        let dir = NSTemporaryDirectory() + "m4top-web-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try await Spawn.runWithStatus(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                                  "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        #expect(made.status == 0)
        chmod(dir + "/key.pem", 0o600)
        // Apache's htpasswd makes the hash ($2y$, cost 10), as an operator would.
        let hashed = try await Spawn.runWithStatus(["htpasswd", "-nbBC", "10", "prom", "scrape: secret"])
        let hash = String(hashed.output.split(separator: "\n")[0].dropFirst("prom:".count))
        #expect(hash.hasPrefix("$2y$10$"), "\(hashed.output)")
        try """
        # exporter-toolkit format, paths relative to this file
        tls_server_config:
          cert_file: cert.pem
          key_file: key.pem
        http_server_config:
          headers:
            X-Content-Type-Options: nosniff
        basic_auth_users:
          prom: \(hash)
        """.write(toFile: dir + "/web.yml", atomically: true, encoding: .utf8)

        let simulator = try await Integrations.simulator(activeCalls: 9)
        defer { Task { await simulator.stop() } }
        let (exporter, base) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--overview-interval", "1",
                                                                "--interval", "1", "--web.config.file", dir + "/web.yml"])
        #expect(base.hasPrefix("https://"))
        let anonymous = try await Spawn.runWithStatus(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", dir + "/cert.pem", base + "/metrics"])
        #expect(anonymous.output == "401", "no password, no numbers")
        let headers = try await Spawn.runWithStatus(["curl", "-s", "-D", "-", "-o", "/dev/null", "--cacert", dir + "/cert.pem",
                                                     "-u", "prom:scrape: secret", base + "/metrics"])
        #expect(headers.output.hasPrefix("HTTP/1.1 200"), "\(headers.output)")
        #expect(headers.output.lowercased().contains("x-content-type-options: nosniff"))

        let address = base.replacingOccurrences(of: "https://", with: "")
        let prometheus = try await Integrations.Prometheus.start(scrapeConfigs: """
          - job_name: m4top
            scheme: https
            tls_config:
              ca_file: \(dir)/cert.pem
            basic_auth:
              username: prom
              password: "scrape: secret"
            static_configs:
              - targets: ["\(address)"]
          - job_name: wrong
            scheme: https
            tls_config:
              ca_file: \(dir)/cert.pem
            basic_auth:
              username: prom
              password: guessed
            static_configs:
              - targets: ["\(address)"]
        """)
        defer { prometheus.stop() }
        #expect(await prometheus.query(#"m4_active_calls{job="m4top",user="admin"}"#, until: "9", seconds: 40) == "9")
        #expect(await prometheus.query(#"up{job="wrong"}"#, until: "0", seconds: 10) == "0", "a wrong password scrapes nothing")
        #expect(await prometheus.query(#"count(m4_up{job="wrong"})"#, until: "none", seconds: 2) == nil)
        #expect(try await Integrations.terminate(exporter).status == 0)
    }

    @Test("Idle clients cannot starve the exporter: with 128 descriptors, 150 idle sockets are closed after --idle-timeout, /metrics answers, polls go on")
    func idleSockets() async throws {
        let simulator = try await Integrations.simulator(activeCalls: 4)
        defer { Task { await simulator.stop() } }
        let (exporter, base) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--overview-interval", "1",
                                                                "--interval", "1", "--idle-timeout", "2"], descriptorLimit: 128)
        let port = UInt16(base.split(separator: ":").last!)!
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<150 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            sockets.append(fd)
        }
        // Accepted ones are closed after 2 quiet seconds; those in the listen queue get their turn.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 20
        let started = Date()
        let (data, response) = try await URLSession(configuration: configuration).data(from: URL(string: base + "/metrics")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "answered after \(Date().timeIntervalSince(started)) s")
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let closedByServer = sockets.filter { fd in
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            var byte: UInt8 = 0
            return poll(&descriptor, 1, 0) == 1 && read(fd, &byte, 1) == 0
        }.count
        #expect(closedByServer >= 60, "idle connections closed by the exporter: \(closedByServer) of 150")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#"m4_up{server="127.0.0.1",user="admin"} 1.0"#), "polls went on during the flood")
        let after = try await Integrations.get(base + "/metrics").body
        #expect(after.contains(#"m4_poll_errors_total{server="127.0.0.1",user="admin",kind="transport"} 0"#),
                "no poll failed for want of a descriptor: \(after.split(separator: "\n").filter { $0.contains("errors_total") })")
        #expect(try await Integrations.terminate(exporter).status == 0)
    }

    @Test("The exporter records every answer in the history store by default (what baselines compare with); --no-history records nothing")
    func exporterRecords() async throws {
        let simulator = try await Integrations.simulator()
        defer { Task { await simulator.stop() } }
        let state = NSTemporaryDirectory() + "m4top-exporter-state-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let store = state + "/m4top/history.sqlite"
        let (child, base) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--user", "alice",
                                                             "--overview-interval", "1", "--history", store])
        for _ in 0..<100 {
            if try await Integrations.get(base + "/metrics").body.contains("m4_up{server=\"127.0.0.1\",user=\"alice\"} 1") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try await Task.sleep(nanoseconds: 2_500_000_000)
        let ended = try await Integrations.terminate(child)
        #expect(ended.status == 0, "\(ended.output)")
        #expect(ended.output.contains("recording every answer in \(store)"), "\(ended.output)")
        let rows = try await Spawn.runWithStatus(["env", "XDG_STATE_HOME=\(state)", TmuxPane.binary, "history", "--format", "csv"])
        #expect(rows.status == 0, "\(rows.output)")
        let lines = rows.output.split(separator: "\n")
        #expect(lines.filter { $0.contains(",admin,") }.count >= 2 && lines.filter { $0.contains(",alice,") }.count >= 2,
                "every answer stored, for each user: \(rows.output.prefix(600))")

        let (quiet, _) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--overview-interval", "1",
                                                          "--no-history", "--log-file", state + "/log"])
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let quietEnd = try await Integrations.terminate(quiet)
        #expect(quietEnd.status == 0)
        #expect(!quietEnd.output.contains("recording"), "--no-history opens no store: \(quietEnd.output)")
    }

    @Test("SIGTERM drains: a probe in flight is answered, then the exporter exits 0")
    func drain() async throws {
        let simulator = try await Integrations.simulator(latencyMs: 1500)
        defer { Task { await simulator.stop() } }
        let (child, base) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--user", "alice",
                                                             "--overview-interval", "60"])
        let probe = Task { try await Integrations.get(base + "/probe?target=127.0.0.1&user=alice") }
        try await Task.sleep(nanoseconds: 400_000_000)
        let ended = try await Integrations.terminate(child)
        let answer = try await probe.value
        #expect(answer.status == 200)
        #expect(answer.body.contains("m4_probe_success 1.0"), "the request in flight finished")
        #expect(ended.status == 0, "\(ended.output)")
        #expect(ended.output.contains("m4top exporter: stopped"))
    }

    @Test("Listening beyond loopback needs TLS or --insecure-listen; with TLS it serves HTTPS")
    func listenPolicy() async throws {
        let refused = try await Spawn.runWithStatus(["env", "M4TOP_SECRET=x", TmuxPane.binary, "exporter", "--url", "http://127.0.0.1:9/billing",
                                                     "--listen", "0.0.0.0:0"])
        #expect(refused.status == 2)
        #expect(refused.output.contains("--listen 0.0.0.0:0 is not loopback, and these numbers are a carrier's revenue"), "\(refused.output)")
        let nothing = try await Spawn.runWithStatus(["env", "-u", "M4TOP_SECRET", "XDG_CONFIG_HOME=/nonexistent", TmuxPane.binary, "exporter"])
        #expect(nothing.status == 2, "nothing configured: no simulated numbers served as real ones")
        #expect(nothing.output.contains("no server configured"), "\(nothing.output)")
        let badKey = try await Spawn.runWithStatus(["env", "M4TOP_SECRET=x", TmuxPane.binary, "exporter", "--url", "http://127.0.0.1:9/billing",
                                                    "--listen", "0.0.0.0:0", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"])
        #expect(badKey.status == 2)
        #expect(badKey.output.contains("--tls-cert /nonexistent/cert.pem: cannot read the certificate (no such file)"), "\(badKey.output)")

        let dir = NSTemporaryDirectory() + "m4top-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try await Spawn.runWithStatus(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                                  "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        #expect(made.status == 0)
        chmod(dir + "/key.pem", 0o644)
        let openKey = try await Spawn.runWithStatus(["env", "M4TOP_SECRET=x", TmuxPane.binary, "exporter", "--url", "http://127.0.0.1:9/billing",
                                                     "--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"])
        #expect(openKey.status == 2)
        #expect(openKey.output.contains("--tls-key \(dir)/key.pem is refused: mode 0644, others can read it"), "\(openKey.output)")
        chmod(dir + "/key.pem", 0o640)
        let simulator = try await Integrations.simulator()
        defer { Task { await simulator.stop() } }
        let (child, base) = try await Integrations.exporter(["--url", simulator.baseURL, "--user", "admin", "--overview-interval", "1",
                                                             "--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"])
        #expect(base.hasPrefix("https://"))
        let https = try await Spawn.runWithStatus(["curl", "-sk", base + "/-/healthy"])
        #expect(https.output == "OK\n")
        let plain = try await Spawn.runWithStatus(["curl", "-s", "-w", " %{http_code}", "--max-time", "3",
                                                   base.replacingOccurrences(of: "https", with: "http") + "/metrics"])
        #expect(plain.output == "This port serves HTTPS: use https:// instead of http://.\n 400", "plain HTTP on the TLS port is told so")
        #expect(try await Integrations.terminate(child).status == 0)
    }

    @Test("systemd-analyze security rates the exporter's unit 3.0 or lower (node_exporter's hardened units' level)")
    func systemdSecurity() async throws {
        let unit = Integrations.deploy + "/systemd/m4top-exporter.service"
        let rated = try await Integrations.tool(["systemd-analyze", "security", "--offline=true", "--threshold=30", unit])
        #expect(rated.status == 0, "\(rated.output.split(separator: "\n").filter { $0.contains("✗") || $0.contains("Overall") }.joined(separator: "\n"))")
        #expect(rated.output.contains("Overall exposure level for m4top-exporter.service: 1."), "\(rated.output.suffix(200))")
    }

    @Test("Every Prometheus job the docs show passes promtool check config as it is written")
    func docsScrapeConfigs() async throws {
        let docs = try String(contentsOfFile: Integrations.repository + "/docs/integrations.md", encoding: .utf8)
        // Each ```yaml block that holds a job: the full scrape config, or one job to paste under scrape_configs.
        let blocks = docs.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
            .filter { $0.contains("job_name:") }
        #expect(blocks.count >= 2, "the scrape config and the HTTPS job with basic auth")
        let dir = NSTemporaryDirectory() + "m4top-docs-prom-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (index, block) in blocks.enumerated() {
            // Files the example names must exist for promtool; made empty here.
            var text = block
            for path in ["/etc/prometheus/m4top-exporter.crt", "/etc/prometheus/m4top-exporter.password"] where text.contains(path) {
                let local = dir + "/" + (path as NSString).lastPathComponent
                _ = FileManager.default.createFile(atPath: local, contents: Data("x\n".utf8))
                text = text.replacingOccurrences(of: path, with: local)
            }
            let config = text.hasPrefix("scrape_configs:") ? text : "scrape_configs:\n" + text
            try config.write(toFile: "\(dir)/\(index).yml", atomically: true, encoding: .utf8)
            let checked = try await Integrations.tool(["promtool", "check", "config", "--syntax-only", "\(dir)/\(index).yml"])
            #expect(checked.status == 0, "\(config)\n\(checked.output)")
        }
    }

    /// A deploy file without its leading comment lines: what the docs must show verbatim.
    static func body(of file: String) throws -> String {
        try String(contentsOfFile: Integrations.deploy + "/" + file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0.hasPrefix("#") || $0.hasPrefix("//") }.joined(separator: "\n")
    }

    @Test("The docs' Nagios command and Icinga CheckCommand are the deploy files; nagios4 -v and icinga2 daemon -C accept them, and the Nagios command line, run as Nagios runs it, checks the simulator")
    func nagiosAndIcinga() async throws {
        let docs = try String(contentsOfFile: Integrations.repository + "/docs/integrations.md", encoding: .utf8)
        let nagios = try Self.body(of: "nagios/m4top.cfg"), icinga = try Self.body(of: "icinga2/m4top.conf")
        #expect(docs.contains(nagios), "docs/integrations.md shows deploy/nagios/m4top.cfg as it is")
        #expect(docs.contains(icinga), "docs/integrations.md shows deploy/icinga2/m4top.conf as it is")

        let dir = NSTemporaryDirectory() + "m4top-nagios-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/results", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        // The smallest site around the deploy file: a period, a contact, the template, the host.
        let objects = """
        define timeperiod {
          timeperiod_name 24x7
          alias 24x7
        \(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].map { "  \($0) 00:00-24:00" }.joined(separator: "\n"))
        }
        define command {
          command_name notify-none
          command_line /bin/true
        }
        define contact {
          contact_name noc
          host_notifications_enabled 0
          service_notifications_enabled 0
          host_notification_period 24x7
          service_notification_period 24x7
          host_notification_options n
          service_notification_options n
          host_notification_commands notify-none
          service_notification_commands notify-none
        }
        define service {
          name generic-service
          register 0
          max_check_attempts 3
          check_interval 5
          retry_interval 1
          check_period 24x7
          notification_period 24x7
          contacts noc
        }
        define host {
          host_name pbx-prod
          address 127.0.0.1
          max_check_attempts 3
          check_period 24x7
          notification_period 24x7
          contacts noc
        }

        """
        try objects.write(toFile: dir + "/objects.cfg", atomically: true, encoding: .utf8)
        let user = String(cString: getpwuid(geteuid()).pointee.pw_name), group = String(cString: getgrgid(getegid()).pointee.gr_name)
        try """
        log_file=\(dir)/nagios.log
        cfg_file=\(dir)/objects.cfg
        cfg_file=\(Integrations.deploy)/nagios/m4top.cfg
        check_result_path=\(dir)/results
        lock_file=\(dir)/nagios.lock
        temp_file=\(dir)/nagios.tmp
        status_file=\(dir)/status.dat
        nagios_user=\(user)
        nagios_group=\(group)
        illegal_macro_output_chars=`~$&|'"<>

        """.write(toFile: dir + "/nagios.cfg", atomically: true, encoding: .utf8)
        for file in ["objects.cfg", "nagios.cfg"] { chmod(dir + "/" + file, 0o644) }
        let verified = try await Spawn.runWithStatus(["nagios4", "-v", dir + "/nagios.cfg"])
        #expect(verified.status == 0 && verified.output.contains("Things look okay"), "\(verified.output.suffix(800))")

        // The service's command line with its $ARGn$, through /bin/sh as Nagios runs a line with quotes.
        func directive(_ name: String) -> String {
            nagios.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ") }
                .map { $0.trimmingCharacters(in: .whitespaces).dropFirst(name.count).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        // A fixed afternoon: a day's traffic behind it, whatever the hour the test runs at (just
        // after midnight today's margin is 0, and the docs' warning condition would fire).
        let afternoon = Date(timeIntervalSince1970: 1_795_023_600)  // 2026-11-18 15:00 UTC
        let simulator = try await Integrations.simulator(activeCalls: 7, start: afternoon)
        defer { Task { await simulator.stop() } }
        _ = FileManager.default.createFile(atPath: dir + "/m4.secret", contents: Data((Integrations.secret + "\n").utf8), attributes: [.posixPermissions: 0o640])
        let config = dir + "/config.toml"
        try "[profiles.prod]\nurl = \"\(simulator.baseURL)\"\nsecret_file = \"\(dir)/m4.secret\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        var line = directive("command_line")
        for (index, argument) in directive("check_command").split(separator: "!").dropFirst().enumerated() {
            line = line.replacingOccurrences(of: "$ARG\(index + 1)$", with: String(argument))
        }
        line = line.replacingOccurrences(of: "/usr/bin/m4top", with: TmuxPane.binary).replacingOccurrences(of: "/etc/m4top/config.toml", with: config)
        #expect(!line.contains("$"), "every macro filled: \(line)")
        let ran = try await Spawn.runWithStatus(["env", "-u", "M4TOP_SECRET", "/bin/sh", "-c", line])
        #expect(ran.status == 0, "\(line)\n\(ran.output)")
        #expect(ran.output.hasPrefix("M4 OK - prod admin: 7 active calls"), "\(ran.output)")
        #expect(ran.output.contains("active_calls.total=7;;1:;0"), "the --critical threshold reached the perfdata: \(ran.output)")

        try """
        include <itl>
        include "\(Integrations.deploy)/icinga2/m4top.conf"
        object Host "pbx-prod" {
          check_command = "dummy"
          vars.m4_profile = "prod"
        }

        """.write(toFile: dir + "/icinga2.conf", atomically: true, encoding: .utf8)
        let icingaCheck = try await Spawn.runWithStatus(["icinga2", "daemon", "-C", "-c", dir + "/icinga2.conf"])
        #expect(icingaCheck.status == 0 && icingaCheck.output.contains("Instantiated 1 Service"), "\(icingaCheck.output.suffix(800))")
    }

    @Test("A dotted-key bomb in the config is UNKNOWN for check and exit 2 for --once; in a themes folder --list-themes names it and goes on")
    func tomlBombs() async throws {
        let dir = NSTemporaryDirectory() + "m4top-bomb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/m4top/themes", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bomb = Array(repeating: "a", count: 30_000).joined(separator: ".") + " = 1\n"
        _ = FileManager.default.createFile(atPath: dir + "/bomb.toml", contents: Data(bomb.utf8), attributes: [.posixPermissions: 0o600])
        _ = FileManager.default.createFile(atPath: dir + "/m4top/themes/bomb.toml", contents: Data(bomb.utf8), attributes: [.posixPermissions: 0o600])
        let check = try await Spawn.runWithStatus(["env", "-u", "M4TOP_SECRET", TmuxPane.binary, "check", "--config", dir + "/bomb.toml"])
        #expect(check.status == 3 && check.output.contains("a key of 30000 dotted parts"), "\(check.status) \(check.output.prefix(300))")
        let once = try await Spawn.runWithStatus(["env", "-u", "M4TOP_SECRET", TmuxPane.binary, "--once", "--config", dir + "/bomb.toml"])
        #expect(once.status == 2 && once.output.contains("bomb.toml:1: invalid TOML: a key of 30000 dotted parts"), "\(once.status) \(once.output.prefix(300))")
        let themes = try await Spawn.runWithStatus(["env", "XDG_CONFIG_HOME=\(dir)", TmuxPane.binary, "--list-themes"])
        #expect(themes.status == 0 && themes.output.contains("a key of 30000 dotted parts") && themes.output.contains("high-contrast"),
                "\(themes.status) \(themes.output.prefix(600))")
    }

    @Test("check --help, -V and --version exit 3 (UNKNOWN), as monitoring plugins do")
    func checkHelpAndVersion() async throws {
        for arguments in [["--help"], ["-h"], ["-V"], ["--version"]] {
            let result = try await Spawn.runWithStatus([TmuxPane.binary, "check"] + arguments)
            #expect(result.status == 3, "check \(arguments): exit \(result.status)")
            if arguments[0].hasPrefix("--h") || arguments[0] == "-h" {
                #expect(result.output.contains("USAGE: m4top check"), "\(result.output.prefix(200))")
                // One user and one server per check: the help must not offer more.
                let flat = result.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                #expect(flat.contains("--user <name> The user to check"), "\(flat)")
                #expect(flat.contains("--profile <name> The profile (server) from the config file to check"), "\(flat)")
                #expect(!flat.contains("repeatable; the first") && !flat.contains("repeat to watch"), "\(flat)")
            } else {
                #expect(result.output.hasPrefix("m4top check "), "\(result.output.prefix(200))")
            }
        }
        let root = try await Spawn.runWithStatus([TmuxPane.binary, "--help"])
        #expect(root.status == 0, "the dashboard's own help still exits 0")
        #expect(root.output.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("repeatable; the first is shown first"),
                "the dashboard watches several users")
        let full = try await Spawn.runWithStatus(["sh", "-c", "\"$0\" check --demo > /dev/full", TmuxPane.binary])
        #expect(full.status == 3 && full.output.contains("could not write the status line"), "a line Nagios never got is UNKNOWN: \(full.output)")
        let twice = try await Spawn.runWithStatus([TmuxPane.binary, "check", "--user", "a", "--user", "b"])
        #expect(twice.status == 3 && twice.output.contains("give --user once"), "\(twice.output)")
        let simulate = try await Spawn.runWithStatus([TmuxPane.binary, "simulate", "--help"])
        #expect(simulate.status == 0 && simulate.output.contains("USAGE: m4top simulate"), "\(simulate.output.prefix(300))")
    }

    @Test("check: OK, WARNING, CRITICAL by thresholds; UNKNOWN for errors, within --timeout plus a second")
    func check() async throws {
        let simulator = try await Integrations.simulator(activeCalls: 0)
        defer { Task { await simulator.stop() } }
        func check(_ arguments: [String], secret: String = Integrations.secret) async throws -> (status: Int32, output: String) {
            try await Spawn.runWithStatus(["env", "-u", "M4TOP_SECRET", "XDG_CONFIG_HOME=/nonexistent", "M4TOP_SECRET=\(secret)",
                                           TmuxPane.binary, "check", "--url", simulator.baseURL] + arguments)
        }
        let ok = try await check(["--user", "admin", "--warning", "today.calls<0"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.hasPrefix("M4 OK - admin: 0 active calls, "))
        #expect(ok.output.contains(" | today.calls="))
        #expect(ok.output.split(separator: "\n").count == 1, "one line")

        let warning = try await check(["--warning", "today.margin<101", "--critical", "active_calls.total>5"])
        #expect(warning.status == 1, "\(warning.output)")
        #expect(warning.output.hasPrefix("M4 WARNING - admin: today.margin "))
        #expect(warning.output.contains(" below 101% (warning) | "))
        #expect(warning.output.contains("%;101: "), "the warning range on the margin's perfdata")
        #expect(warning.output.contains("active_calls.total=0;;~:5;0"), "the critical range on active calls")

        let critical = try await check(["--critical", "active_calls.total<1", "--warning", "today.margin<101"])
        #expect(critical.status == 2, "\(critical.output)")
        #expect(critical.output.hasPrefix("M4 CRITICAL - admin: "))
        #expect(critical.output.contains("active_calls.total 0 below 1 (critical)"))
        #expect(critical.output.contains("active_calls.total=0;;1:;0"))

        let api = try await check(["--critical", "active_calls.total<1"], secret: "wrong")
        #expect(api.status == 3)
        #expect(api.output.hasPrefix("M4 UNKNOWN - admin: the server answered: Incorrect hash"))
        #expect(!api.output.contains("wrong\n") && !api.output.contains(RequestSigner.sha1Hex("wrong")))

        let usage = try await check(["--critical", "active_calls.total=1"])
        #expect(usage.status == 3 && usage.output.hasPrefix("M4 UNKNOWN - --critical 'active_calls.total=1': expected PATH<N, PATH>N or PATH<N%baseline"))
        // Nothing configured: never the embedded simulator's numbers reported as a server's.
        let nothing = try await Spawn.runWithStatus(["env", "-u", "M4TOP_SECRET", "XDG_CONFIG_HOME=/nonexistent", TmuxPane.binary, "check"])
        #expect(nothing.status == 3)
        #expect(nothing.output.hasPrefix("M4 UNKNOWN - no server configured (no --url, and no config file at /nonexistent/m4top/config.toml)"))
        let flag = try await check(["--bogus"])
        #expect(flag.status == 3 && flag.output.hasPrefix("M4 UNKNOWN - Unknown option '--bogus'"), "a bad flag is UNKNOWN, not 2 (CRITICAL)")

        await simulator.server.setFault(.stall, seconds: nil)
        let started = Date()
        let slow = try await check(["--timeout", "1"])
        let took = Date().timeIntervalSince(started)
        #expect(slow.status == 3)
        #expect(slow.output.hasPrefix("M4 UNKNOWN - admin: transport error: no answer within 1 s"), "\(slow.output)")
        #expect(took < 2, "never longer than --timeout plus a second: took \(took) s")
        // --unreachable critical: a server that does not answer pages like check_http's refused port.
        let paged = try await check(["--timeout", "1", "--unreachable", "critical"])
        #expect(paged.status == 2, "\(paged.output)")
        #expect(paged.output.hasPrefix("M4 CRITICAL - admin: transport error: no answer within 1 s"), "\(paged.output)")
        await simulator.server.clearFaults()
        // An API refusal is not "unreachable": still UNKNOWN under --unreachable critical.
        let refused = try await check(["--unreachable", "critical"], secret: "wrong")
        #expect(refused.status == 3 && refused.output.hasPrefix("M4 UNKNOWN - admin: the server answered: Incorrect hash"), "\(refused.output)")
        let closed = try await Spawn.runWithStatus(["env", "M4TOP_SECRET=x", TmuxPane.binary, "check", "--url", "http://127.0.0.1:\(ClosedPort().port)/billing",
                                                    "--unreachable", "critical"])
        #expect(closed.status == 2 && closed.output.hasPrefix("M4 CRITICAL - admin: transport error: "), "\(closed.output)")
        let bad = try await check(["--unreachable", "sometimes"])
        #expect(bad.status == 3, "a bad value is UNKNOWN: \(bad.output)")
    }
}
