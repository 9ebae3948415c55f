@testable import App
import Dashboard
import Watch
import Foundation
import M4API
import Testing

/// A private temporary folder per test, removed at the end.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "m4top-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o600) -> String {
        let file = path + "/" + name
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        return file
    }
}

@Suite("Config file, secrets and settings")
struct ConfigAndSecretsTests {
    let dir = TempDir()

    func resolve(_ flags: ConnectionFlags, env: [String: String] = [:]) throws(ConfigError) -> RunSettings {
        try SettingsResolver.resolve(flags, environment: ["XDG_CONFIG_HOME": dir.path, "HOME": dir.path].merging(env) { $1 })
    }

    func message(_ flags: ConnectionFlags, env: [String: String] = [:]) -> String? {
        do {
            _ = try resolve(flags, env: env)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("No --url and no config file: the demo, automatically")
    func automaticDemo() throws {
        let settings = try resolve(ConnectionFlags())
        #expect(settings.servers[0].target == .demo(automatic: true))
        #expect(settings.servers[0].users == SettingsResolver.demoUsers)
        #expect(settings.interval == 5)
        #expect(settings.servers[0].timeout == 10)
    }

    @Test("Flags: url, users, method, interval; the secret from M4TOP_SECRET")
    func flags() throws {
        var flags = ConnectionFlags()
        flags.url = "https://pbx.example.com/billing"
        flags.users = ["admin", "alice", "admin"]
        flags.get = true
        flags.interval = 2.5
        let settings = try resolve(flags, env: ["M4TOP_SECRET": "s3cret\n"])
        #expect(settings.servers[0].target == .server(URL(string: "https://pbx.example.com/billing/api/quickstats_get")!))
        #expect(settings.servers[0].users == ["admin", "alice"])
        #expect(settings.servers[0].method == .get)
        #expect(settings.interval == 2.5)
        #expect(settings.servers[0].secret == "s3cret")
    }

    @Test("A real server without any secret is a clear configuration error")
    func missingSecret() {
        var flags = ConnectionFlags()
        flags.url = "http://h/billing"
        #expect(message(flags)?.contains("no API secret") == true)
        flags.noHash = true
        #expect(message(flags) == nil)
    }

    @Test("Secret files: owner-only, readable, non-empty; the secret never appears in a message")
    func secretFiles() {
        var flags = ConnectionFlags()
        flags.url = "http://h/billing"
        flags.secretFile = dir.write("open.secret", "topsecret-value\n", mode: 0o644)
        let open = message(flags)
        #expect(open?.contains("secret file \(flags.secretFile!) is refused: mode 0644, others can read it") == true, "\(open ?? "")")
        #expect(open?.contains("Allowed: 0600 or 0400 owned by you, or 0640/0440 with a group you are in") == true)
        #expect(open?.contains("topsecret-value") == false)
        flags.secretFile = dir.path + "/missing.secret"
        #expect(message(flags)?.contains("no such file") == true)
        flags.secretFile = dir.write("empty.secret", "\n")
        #expect(message(flags)?.contains("is empty") == true)
        flags.secretFile = dir.write("good.secret", "topsecret-value\nsecond line\n")
        #expect((try? resolve(flags))?.servers[0].secret == "topsecret-value")
    }

    @Test("--secret-file wins over M4TOP_SECRET, which wins over the config")
    func secretOrder() throws {
        let config = dir.write("c.toml", "url = \"http://h/billing\"\nsecret = \"from-config\"\n")
        var flags = ConnectionFlags()
        flags.configPath = config
        #expect(try resolve(flags).servers[0].secret == "from-config")
        #expect(try resolve(flags, env: ["M4TOP_SECRET": "from-env"]).servers[0].secret == "from-env")
        flags.secretFile = dir.write("f.secret", "from-file")
        #expect(try resolve(flags, env: ["M4TOP_SECRET": "from-env"]).servers[0].secret == "from-file")
    }

    @Test("A config file that holds a secret must be private")
    func privateConfig() {
        let config = dir.write("open.toml", "url = \"http://h/billing\"\nsecret = \"abc\"\n", mode: 0o644)
        var flags = ConnectionFlags()
        flags.configPath = config
        let text = message(flags)
        #expect(text?.contains("\(config): key 'secret'") == true)
        #expect(text?.contains("abc") == false)
    }

    @Test("Secret permissions: owner-only or group-readable by a group of the reader; each wrong bit or owner named",
          arguments: [
              // (mode, owner, group, what the message must say; nil when accepted)
              (0o600, 1000, 54320, nil), (0o400, 1000, 54320, nil), (0o640, 1000, 54320, nil), (0o440, 1000, 54320, nil),
              (0o640, 0, 54320, nil),  // root:ssl-cert style, read through the group
              (0o640, 1000, 54321, "group gid 54321 can read it and you are not in that group"),
              (0o644, 1000, 54320, "others can read it"),
              (0o602, 1000, 54320, "others can write it"),
              (0o660, 1000, 54320, "can write it"),
              (0o670, 1000, 54320, "can write it, execute it"),
              (0o600, 1001, 54320, "it is owned by"),
              (0o666, 1001, 54321, "it is owned by"),
          ] as [(Int, Int, Int, String?)])
    func secretPermissions(mode: Int, owner: Int, group: Int, wanted: String?) {
        let reader = SecretFilePermissions.Reader(user: 1000, groups: [54320, 1000])
        let problem = SecretFilePermissions(mode: mode_t(mode), owner: uid_t(owner), group: gid_t(group)).problem(for: reader)
        if let wanted {
            #expect(problem?.contains(wanted) == true, "\(String(mode, radix: 8)): \(problem ?? "accepted")")
            #expect(problem?.hasPrefix("mode 0\(String(mode, radix: 8))") == true)
            #expect(problem?.contains("Allowed: 0600 or 0400 owned by you, or 0640/0440 with a group you are in") == true)
        } else {
            #expect(problem == nil, "\(String(mode, radix: 8)) is allowed")
        }
        // Every fault at once is listed, not only the first.
        let all = SecretFilePermissions(mode: 0o677, owner: 1001, group: 54321).problem(for: reader) ?? ""
        #expect(all.contains("owned by") && all.contains("others can read it, write it, execute it")
                && all.contains("can write it, execute it") && all.contains("you are not in that group"), "\(all)")
    }

    @Test("A real 0640 secret file in one of the reader's groups is read; 0640 in a group it is not in is refused")
    func groupReadableSecretFile() throws {
        var flags = ConnectionFlags()
        flags.url = "http://h/billing"
        let file = dir.write("shared.secret", "group-secret\n", mode: 0o640)
        #expect(chown(file, geteuid(), getegid()) == 0)
        flags.secretFile = file
        #expect(try resolve(flags).servers[0].secret == "group-secret")
        // A group this process is not in: a high gid no one uses (root may chown to it).
        let stranger: gid_t = 54_321
        guard chown(file, geteuid(), stranger) == 0 else { return }  // not root: cannot give the file away
        let refused = message(flags) ?? ""
        #expect(refused.contains("group gid 54321 can read it and you are not in that group"), "\(refused)")
    }

    @Test("A hanging secret_command is stopped within the run's own timeout (check --timeout 2 took 10 s)")
    func secretCommandWithinTimeout() {
        let config = dir.write("slow.toml", "url = \"http://h/billing\"\nsecret_command = \"sleep 30\"\ntimeout = 1\n")
        var flags = ConnectionFlags()
        flags.configPath = config
        let started = Date()
        let text = message(flags) ?? ""
        #expect(text.contains("the secret command did not finish within 1 s"), "\(text)")
        #expect(Date().timeIntervalSince(started) < 5, "stopped after the 1 s timeout, not the 10 s default")
    }

    @Test("secret_command runs and its first line is the secret")
    func secretCommand() throws {
        let config = dir.write("cmd.toml", "url = \"http://h/billing\"\nsecret_command = \"printf 'cmd-secret\\\\nx'\"\n")
        var flags = ConnectionFlags()
        flags.configPath = config
        #expect(try resolve(flags).servers[0].secret == "cmd-secret")
        let failing = dir.write("bad.toml", "url = \"http://h/billing\"\nsecret_command = \"exit 3\"\n")
        flags.configPath = failing
        #expect(message(flags)?.contains("exit status 3") == true)
    }

    @Test("Profiles: default_profile, --profile, and fallback to top-level keys")
    func profiles() throws {
        let text = """
        interval = 3
        timeout = 4
        users = ["admin"]
        default_profile = "lab"

        [profiles.lab]
        url = "http://lab.example/billing"
        no_hash = true

        [profiles.prod]
        url = "https://pbx.example.com/billing"
        users = ["admin", "alice"]
        secret_file = "\(dir.write("prod.secret", "p"))"
        method = "get"
        theme = "red"
        insecure = true
        interval = 1.5
        """
        let path = dir.write("m4top/config.toml", text)
        var flags = ConnectionFlags()
        let lab = try resolve(flags)
        #expect(lab.servers[0].target == .server(URL(string: "http://lab.example/billing/api/quickstats_get")!))
        #expect(lab.interval == 3)
        #expect(lab.servers[0].timeout == 4)
        #expect(lab.servers[0].hashDisabled)
        flags.profiles = ["prod"]
        let prod = try resolve(flags)
        #expect(prod.servers[0].users == ["admin", "alice"])
        #expect(prod.servers[0].secret == "p")
        #expect(prod.servers[0].method == .get)
        #expect(prod.theme == "red")
        #expect(prod.themeOrigin == "\(path):15: key 'theme'", "a bad theme name will point at the config line")
        #expect(prod.servers[0].insecureTLS)
        #expect(prod.interval == 1.5)
        flags.interval = 9
        #expect(try resolve(flags).interval == 9, "flags override the file")
        flags.profiles = ["nope"]
        #expect(message(flags) == "\(path): no profile 'nope' (known: lab, prod)")
    }

    @Test("A fleet: watch lists profiles, each with its own URL, secret, TLS, hash, users and budget")
    func fleet() throws {
        let text = """
        watch = ["prod", "lab"]
        overview_interval = 20
        users = "all"

        [profiles.prod]
        url = "https://pbx.example.com/billing"
        secret_file = "\(dir.write("prod.secret", "p"))"
        max_in_flight = 4
        max_rate = 2.5
        timezone = "Europe/Vilnius"

        [profiles.lab]
        url = "http://lab.example/billing"
        users = ["admin", "dave"]
        no_hash = true
        insecure = true
        admin_name = "root"
        """
        dir.write("m4top/config.toml", text)
        var flags = ConnectionFlags()
        let settings = try resolve(flags)
        #expect(settings.servers.map(\.name) == ["prod", "lab"])
        #expect(settings.overviewInterval == 20)
        #expect(settings.startScreen == .overview, "several servers start on the overview")
        let prod = settings.servers[0], lab = settings.servers[1]
        #expect(prod.allUsers && prod.users == ["admin"], "users = \"all\" from the top level; the admin's row first")
        #expect(prod.secret == "p" && !prod.hashDisabled && !prod.insecureTLS)
        #expect(prod.budget == ServerBudget(maxInFlight: 4, maxRate: 2.5))
        #expect(prod.timeZone.identifier == "Europe/Vilnius")
        #expect(!lab.allUsers && lab.users == ["admin", "dave"], "a profile's list replaces the top-level all")
        #expect(lab.hashDisabled && lab.insecureTLS && lab.secret == nil && lab.adminName == "root")
        #expect(lab.budget == ServerBudget(), "defaults: 2 in flight, 5 a second")

        flags.profiles = ["lab"]
        #expect(try resolve(flags).servers.map(\.name) == ["lab"], "--profile picks from the watch list")
        #expect(try resolve(flags).startScreen == .dashboard)
        flags.allUsers = true
        let all = try resolve(flags)
        #expect(all.servers[0].allUsers && all.servers[0].users == ["root", "admin", "dave"], "--all-users: the configured users are the fallback")
        #expect(all.startScreen == .overview)
        flags.start = .dashboard
        #expect(try resolve(flags).startScreen == .dashboard, "--start wins")
        flags.profiles = ["lab", "prod"]
        flags.url = "http://other/billing"
        #expect(message(flags)?.contains("--url names one server") == true)
        flags.url = nil
        flags.overviewInterval = 7
        #expect(try resolve(flags).overviewInterval == 7)
        flags.profiles = []
        flags.url = "http://other/billing"
        #expect(try resolve(flags, env: ["M4TOP_SECRET": "s"]).servers.count == 1, "--url alone watches that one server, not the list")
    }

    @Test("[[alerts]], wall, bell and rotate are read; without [[alerts]] the built-ins apply")
    func alertsAndWall() throws {
        let text = """
        url = "http://h/billing"
        bell = true
        rotate = 20
        wall = ["active_calls.total", "today.calls"]

        [[alerts]]
        name = "calls dropped"
        metric = "active_calls.total"
        below = 1
        for = 30
        severity = "critical"
        users = ["admin"]

        [[alerts]]
        metric = "today.margin"
        above = 0.1
        severity = "warning"
        """
        dir.write("m4top/config.toml", text)
        var settings = try resolve(ConnectionFlags(), env: ["M4TOP_SECRET": "s"])
        #expect(settings.bell && settings.rotate == 20)
        #expect(settings.wallMetrics == [.activeCallsTotal, .todayCalls])
        #expect(settings.alertRules == [
            AlertRule(name: "calls dropped", metric: .activeCallsTotal, condition: .below(1), forSeconds: 30, severity: .critical, users: ["admin"]),
            AlertRule(name: "today.margin above", metric: .todayMargin, condition: .above(Decimal(string: "0.1")!), severity: .warning),
        ])
        dir.write("m4top/config.toml", "url = \"http://h/billing\"\n")
        var flags = ConnectionFlags()
        flags.bell = true
        flags.rotate = 5
        settings = try resolve(flags, env: ["M4TOP_SECRET": "s"])
        #expect(settings.alertRules == nil && settings.bell && settings.rotate == 5)
    }

    @Test("--demo: two simulated servers, prod and lab, that list their users")
    func demo() throws {
        var flags = ConnectionFlags()
        flags.demo = true
        let settings = try resolve(flags)
        #expect(settings.servers.map(\.name) == ["prod", "lab"])
        #expect(settings.servers.allSatisfy { $0.allUsers && $0.isDemo })
        #expect(settings.startScreen == .overview)
        flags.users = ["admin", "alice"]
        #expect(try resolve(flags).servers.map(\.users) == [["admin", "alice"]], "--user: one server with those users")
    }

    @Test("Config mistakes name the file, the line and the key", arguments: [
        ("interval = \"fast\"\n", "config.toml:1: key 'interval': must be a number of seconds, not a string"),
        ("url = \"http://h/billing\"\n\ninterval = 0.5\n", "config.toml:3: key 'interval': must be at least 1 second"),
        ("colour = \"red\"\n", "config.toml:1: unknown key 'colour'"),
        ("method = \"put\"\n", "config.toml:1: key 'method': must be \"post\" or \"get\", not \"put\""),
        ("users = []\n", "config.toml:1: key 'users': the list is empty"),
        ("url = \"ftp://x\"\n", "config.toml: key 'url': 'ftp://x' must start with http:// or https://"),
        ("url = \n", "config.toml:1: invalid TOML"),
        ("[profiles.a]\nurl = 5\n", "config.toml:2: key 'profiles.a.url': must be a string, not an integer"),
        ("watch = [\"x\"]\n[profiles.a]\nurl = \"http://h\"\n", "config.toml:1: key 'watch': no [profiles.x] in the file"),
        ("watch = \"a\"\n", "config.toml:1: key 'watch': must be a list of profile names, not a string"),
        ("overview_interval = 0\n", "config.toml:1: key 'overview_interval': must be 1-86400 seconds, not 0.0"),
        ("max_in_flight = 0\n", "config.toml:1: key 'max_in_flight': must be a whole number of requests, 1-64"),
        ("max_in_flight = 2.5\n", "config.toml:1: key 'max_in_flight': must be a whole number of requests, 1-64"),
        ("max_rate = -1\n", "config.toml:1: key 'max_rate': must be more than 0 and at most 1000 requests per second"),
        ("max_rate = \"fast\"\n", "config.toml:1: key 'max_rate': must be a number of requests per second, not a string"),
        ("[[alerts]]\nmetric = \"today.nope\"\nbelow = 1\n", "config.toml:2: [[alerts]] #1: key 'metric': unknown metric path 'today.nope'"),
        ("[[alerts]]\nmetric = \"today.margin\"\nbelow = 1\n\n[[alerts]]\nmetric = \"today.margin\"\nbelow = 1\nabove = 5\n",
         "config.toml:8: [[alerts]] #2: key 'above': a rule has one of below, above, below_baseline, above_baseline; this one has below and above"),
        ("[[alerts]]\nmetric = \"today.margin\"\nbelow = 1\nfor = -5\n", "config.toml:4: [[alerts]] #1: key 'for': must be 0 to 604800 seconds"),
        ("[[alerts]]\nmetric = \"today.margin\"\nbelow = 1\nseverity = \"page\"\n", "config.toml:4: [[alerts]] #1: key 'severity': must be \"critical\" or \"warning\""),
        ("[[alerts]]\nmetric = \"today.margin\"\n", "config.toml:1: [[alerts]] #1: needs below = N, above = N, below_baseline = PERCENT or above_baseline = PERCENT"),
        ("[[alerts]]\nbelow = 1\n", "config.toml:1: [[alerts]] #1: no metric"),
        ("[[alerts]]\nmetric = \"today.margin\"\nbelow = 1\ncolour = 1\n", "config.toml:4: [[alerts]] #1: unknown key 'colour'"),
        ("wall = [\"today.revenue\", \"bogus\"]\n", "config.toml:1: key 'wall': unknown metric path 'bogus'"),
        ("wall = []\n", "config.toml:1: key 'wall': the list is empty"),
        ("[[alerts]]\nmetric = \"today.margin\"\nbelow = -inf\n", "config.toml:3: [[alerts]] #1: key 'below': must be a finite number, not -inf"),
        ("[[alerts]]\nmetric = \"today.margin\"\nabove = nan\n", "config.toml:3: [[alerts]] #1: key 'above': must be a finite number, not nan"),
        ("[[alerts]]\nmetric = \"today.margin\"\nbelow = 1\nusers = []\n", "config.toml:4: [[alerts]] #1: key 'users': is empty: the rule would apply to nobody"),
        ("rotate = -1\n", "config.toml:1: key 'rotate': must be 0 (off) or 1-86400 seconds"),
        ("bell = \"yes\"\n", "config.toml:1: key 'bell': must be true or false, not a string"),
    ])
    func mistakes(text: String, expected: String) {
        var flags = ConnectionFlags()
        flags.configPath = dir.write("config.toml", text)
        if text.hasPrefix("[profiles.a]") { flags.profiles = ["a"] }
        let got = message(flags, env: ["M4TOP_SECRET": "x"]) ?? "(no error)"
        #expect(got.contains(expected), "got: \(got)")
        #expect(got.hasPrefix(dir.path), "names the file: \(got)")
    }

    @Test("An explicit --config that does not exist is an error; an absent default file is not")
    func missingConfig() {
        var flags = ConnectionFlags()
        flags.configPath = dir.path + "/nope.toml"
        #expect(message(flags)?.contains("cannot read the config file (no such file)") == true)
    }
}

@Suite("The package's example /etc/m4top/config.toml")
struct ShippedConfigTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/config/config.toml").path

    @Test("As shipped, every line is a comment: it loads and names no server")
    func shippedLoads() throws {
        let config = try ConfigFile.load(path: Self.example)
        #expect(config.profiles.isEmpty)
        #expect(config.watch.isEmpty)
    }

    @Test("Its commented keys, uncommented as its header says, are a valid profile")
    func uncommentedIsValid() throws {
        let dir = TempDir()
        let text = try String(contentsOfFile: Self.example, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                // "# key = value" and "# [table]" lines are the example; "# prose" stays a comment.
                let body = line.dropFirst(2)
                return line.hasPrefix("# ") && (body.hasPrefix("[") || body.range(of: #"^[a-z_]+ = "#, options: .regularExpression) != nil)
                    ? String(body) : String(line)
            }.joined(separator: "\n")
        let config = try ConfigFile.load(path: dir.write("config.toml", text, mode: 0o644))
        #expect(config.watch == ["prod"])
        let prod = try #require(config.profiles["prod"])
        #expect(prod.url == "https://pbx.example.com/billing")
        #expect(prod.allUsers == true)
        #expect(prod.secretFile == "/etc/m4top/prod.secret")
        #expect(prod.maxRate == 5)
    }
}

@Suite("Config: baseline alert rules")
struct BaselineAlertConfigTests {
    func load(_ text: String) throws(ConfigError) -> ConfigFile {
        let dir = TempDir()
        return try ConfigFile.load(path: dir.write("config.toml", text))
    }

    func message(_ text: String) -> String? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("below_baseline, above_baseline and min_baseline make baseline rules; baseline_alert adds the built-in")
    func rules() throws {
        let config = try load("""
        [[alerts]]
        metric = "today.revenue"
        below_baseline = 60
        min_baseline = 100
        for = 900
        severity = "warning"
        """)
        let rule = try #require(config.alerts?.first)
        #expect(rule.condition == .belowBaseline(percent: 60, minBaseline: 100))
        #expect(rule.forSeconds == 900 && rule.severity == .warning)
        #expect(rule.name == "today.revenue below baseline")
        #expect(rule.summary == "today.revenue below 60% of the same time last week (when that was 100 or more) for 15m 00s", "\(rule.summary)")
        let builtIn = try load("baseline_alert = true\n")
        #expect(builtIn.alerts == AlertRule.builtIns + [AlertRule.baselineBuiltIn])
        #expect(try load("baseline_alert = false\n").alerts == nil)
    }

    @Test("Each mistake named with its line", arguments: [
        ("[[alerts]]\nmetric = \"active_calls.total\"\nbelow = 3\nbelow_baseline = 50\n", "has below and below_baseline"),
        ("[[alerts]]\nmetric = \"active_calls.total\"\nbelow_baseline = 0\n", "more than 0"),
        ("[[alerts]]\nmetric = \"active_calls.total\"\nbelow_baseline = -5\n", "more than 0"),
        ("[[alerts]]\nmetric = \"active_calls.total\"\nbelow = 3\nmin_baseline = 10\n", "below_baseline and above_baseline rules only"),
        ("[[alerts]]\nmetric = \"active_calls.total\"\nbelow_baseline = 50\nmin_baseline = -1\n", "must be 0 or more"),
        ("[[alerts]]\nmetric = \"active_calls.total\"\n", "below_baseline = PERCENT"),
        ("baseline_alert = 1\n", "baseline_alert"),
    ])
    func mistakes(text: String, expected: String) {
        let said = message(text)
        #expect(said?.contains(expected) == true, "\(said ?? "accepted")")
        #expect(said?.contains("config.toml:") == true, "names the file and line: \(said ?? "")")
    }
}
