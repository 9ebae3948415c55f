import ArgumentParser
import Watch
import Exporter
import Foundation
import Logging
import M4API
import ServiceLifecycle
import TextSafety

/// `m4top exporter`: the fleet, headless, as Prometheus metrics. The same scheduler as the
/// overview polls every watched user within each server's budget; `/metrics` serves what it
/// has, `/probe` fetches one user on demand. SIGTERM (or Ctrl-C) drains and exits 0.
package struct ExporterCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "exporter",
        abstract: "Serve every watched user's numbers to Prometheus (GET /metrics, /probe?target=PROFILE&user=USER).",
        usage: "m4top exporter [--listen HOST:PORT] [--config PATH] [--profile NAME ...] [<options>]",
        discussion: """
        Listens on 127.0.0.1:\(ListenAddress.defaultPort) by default. Any other address serves a carrier's revenue over a \
        network: give --tls-cert and --tls-key, or a --web.config.file with TLS or basic_auth_users (the Prometheus \
        exporter-toolkit's format, as node_exporter reads it), or say --insecure-listen. Servers, users, secrets and \
        budgets come from the config file's profiles (watch = [...], users = "all", max_in_flight, max_rate), as for the \
        overview.

        SIGTERM drains open requests and exits 0.
        """
    )

    @OptionGroup package var connection: ConnectionOptions
    @OptionGroup package var polling: PollingOptions

    @Option(name: .long, help: ArgumentHelp("Address and port to serve on (default: 127.0.0.1:\(ListenAddress.defaultPort); port 0 picks a free one).", valueName: "host:port"))
    package var listen: String?

    @Option(name: .long, help: ArgumentHelp("PEM certificate (chain) to serve HTTPS with; needs --tls-key.", valueName: "path"))
    package var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("PEM private key for --tls-cert.", valueName: "path"))
    package var tlsKey: String?

    @Option(name: .customLong("web.config.file"),
            help: ArgumentHelp("Prometheus exporter-toolkit web config (YAML): tls_server_config, basic_auth_users with bcrypt hashes, http_server_config.headers.",
                               valueName: "path"))
    package var webConfigFile: String?

    @Option(name: .long, help: ArgumentHelp("Close a client connection quiet for this long (default: \(Int(ExporterHTTP.ConnectionLimits.defaultIdleSeconds))).", valueName: "seconds"))
    package var idleTimeout: Double = ExporterHTTP.ConnectionLimits.defaultIdleSeconds

    @Flag(name: .long, help: "Serve plain HTTP on an address other than loopback (only behind a network you trust).")
    package var insecureListen = false

    @Flag(name: .long, help: ArgumentHelp("Poll nothing in the background: ask a server only for what a /probe names (one of several exporters sharing the probes, spread by Prometheus's hashmod). /metrics then serves the exporter's build info alone; nothing is recorded in the history store."))
    package var probeOnly = false

    @Option(name: .long, help: ArgumentHelp("Write a debug log to this file.", valueName: "path"))
    package var logFile: String?

    @Option(name: .long, help: ArgumentHelp("Record every answer in this history store (default: the config's history, else $XDG_STATE_HOME/m4top/history.sqlite); the same file a dashboard reads its baselines from.", valueName: "path"))
    package var history: String?

    @Flag(name: .long, help: "Record nothing on disk.")
    package var noHistory = false

    package init() {}

    package func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if tlsCert != nil && webConfigFile != nil {
            throw ValidationError("give --tls-cert/--tls-key or --web.config.file (its tls_server_config), not both")
        }
        _ = try listenAddress
        if history != nil && noHistory { throw ValidationError("--history and --no-history exclude each other") }
        if probeOnly && history != nil {
            throw ValidationError("--probe-only records nothing (only the exporter's own polls are recorded): leave out --history")
        }
        guard idleTimeout >= 1 && idleTimeout <= 3_600 else { throw ValidationError("--idle-timeout must be 1-3600 seconds") }
    }

    /// The HTTP face's settings: the web config (or the TLS flags alone), checked against the
    /// listen policy and the secret-file rules for private keys.
    func webSettings(address: ListenAddress) throws(ConfigError) -> WebConfig {
        var web = WebConfig()
        if let webConfigFile {
            do throws(WebConfig.Invalid) { web = try WebConfig.load(path: webConfigFile) } catch { throw ConfigError(error.description) }
            if web.holdsPrivateKey, let problem = FileAccess.secretProblem(webConfigFile) {
                throw ConfigError("--web.config.file \(webConfigFile) holds a private key (tls_server_config.key) and is refused: \(problem)")
            }
        } else if let tlsCert, let tlsKey {
            web.tls = ServerTLS(certificate: .file(tlsCert), privateKey: .file(tlsKey))
        }
        if let keyFile = web.tls?.privateKeyFile, access(keyFile, F_OK) == 0, let problem = FileAccess.secretProblem(keyFile) {
            let flag = webConfigFile.map { "--web.config.file \($0): key_file" } ?? "--tls-key"
            throw ConfigError("\(flag) \(keyFile) is refused: \(problem)")
        }
        if !address.isLoopback && web.tls == nil && web.basicAuthUsers.isEmpty && !insecureListen {
            throw ConfigError("""
            --listen \(address) is not loopback, and these numbers are a carrier's revenue: serve HTTPS with \
            --tls-cert and --tls-key, or give a --web.config.file with TLS or basic_auth_users, or pass --insecure-listen \
            to serve plain HTTP anyway
            """)
        }
        return web
    }

    /// Without --url, --config or a config file there is no server to export: say so rather
    /// than serve the simulator's numbers as if they were real.
    static func nothingConfigured(_ environment: [String: String], verb: String = "export") -> String {
        "no server configured (no --url, and no config file at \(ConfigFile.defaultPath(environment: environment))): "
            + "give --config, --profile or --url, or --demo to \(verb) the embedded simulator's numbers"
    }

    var listenAddress: ListenAddress {
        get throws {
            guard let listen else { return .default }
            do { return try ListenAddress(parsing: listen) } catch { throw ValidationError(error.description) }
        }
    }

    package func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        LogSetup.bootstrapOnce(logFile: logFile)
        var flags = connection.flags
        polling.apply(to: &flags)
        flags.noHistory = noHistory
        let settings: RunSettings
        let targets: [ServerTarget]
        let address = try listenAddress
        let web: WebConfig
        do throws(ConfigError) {
            web = try webSettings(address: address)
            var resolved = try SettingsResolver.resolve(flags, environment: environment)
            if let history { resolved.historyPath = FileAccess.absolute(FileAccess.expandTilde(history, environment: environment)) }
            // `history_read_only` is for dashboards beside the exporter: the exporter records.
            resolved.historyReadOnly = false
            // Probe-only polls nothing, so it has nothing of its own to record: no store opened.
            if probeOnly { resolved.historyPath = nil }
            settings = resolved
            if settings.isAutomaticDemo { throw ConfigError(Self.nothingConfigured(environment)) }
            targets = try await ServerTarget.openAll(settings.servers)
        } catch {
            Console.error("m4top exporter: \(error.message)")
            throw ExitRequest(.usage)
        }
        if let demo = targets.first(where: \.isDemo) { Console.error(DemoNotice.text(automatic: demo.automaticDemo)) }
        let status = await ExporterRun(settings: settings, targets: targets, probeOnly: probeOnly).serve(address: address, web: web,
                                                                                   limits: ExporterHTTP.ConnectionLimits(idleSeconds: idleTimeout))
        for target in targets { await target.close() }
        throw ExitRequest(status)
    }
}

/// One exporter run: the fleet poller, the series it feeds, the prober, and the HTTP server,
/// under one service group that SIGTERM and SIGINT shut down gracefully. Probe-only: no poller;
/// a server is asked only for what a `/probe` names (and for its user list when a probe needs
/// it, see `UserRoster`).
struct ExporterRun {
    let settings: RunSettings
    let targets: [ServerTarget]
    var probeOnly = false
    let logger = Logger(label: "m4top.exporter")

    var serverLabels: [String] {
        targets.map { ExporterLabels.server(name: $0.settings.name, displayURL: $0.displayURL) }
    }

    /// One budget per server, shared by the poller and /probe.
    var gates: [ServerGate] { targets.map { ServerGate(budget: $0.setup.budget, timers: $0.client.executor) } }

    func makePoller(series: FleetSeries, gates: [ServerGate], history: HistorySetup) -> FleetPoller {
        // The overview's policy: every user at the overview interval, none in focus. The alert
        // rules are Prometheus's business here.
        var state = FleetState(servers: targets.map(\.setup), interval: settings.interval, overviewInterval: settings.overviewInterval,
                               historyRetention: 0)
        state.alerts = AlertBook(rules: [], bell: false)
        series.noteWatched(state)
        return FleetPoller(state: state, clients: targets.map(\.client), gates: gates, sinks: Sinks.exporter(series: series, history: history))
    }

    /// The poller (none when probe-only) and the prober, sharing one budget per server.
    func makeParts(series: FleetSeries, history: HistorySetup) -> (poller: FleetPoller?, prober: Prober) {
        let gates = self.gates
        // Probe-only: no poller, so no series but the build info (no user is claimed as watched).
        let poller = probeOnly ? nil : makePoller(series: series, gates: gates, history: history)
        return (poller, makeProber(series: series, gates: gates))
    }

    func makeProber(series: FleetSeries, gates: [ServerGate]) -> Prober {
        Prober(targets: targets.indices.map { index in
            let target = targets[index], client = target.client, anyUser = target.settings.probeAnyUser
            let watches: @Sendable (String, TimeInterval?) async -> Prober.Admission
            if anyUser {
                watches = { _, _ in .watched }
            } else if probeOnly {
                // No poller keeps the list: the roster asks for it when a probe needs it.
                let roster = UserRoster(setup: target.setup, gate: gates[index], retry: target.settings.interval, timeout: target.settings.timeout) {
                    await client.fetchUsersResult()
                }
                watches = { user, deadline in await roster.admits(user, deadline: deadline) }
            } else {
                watches = { user, _ in series.watches(server: index, user: user) ? .watched : .notWatched }
            }
            return Prober.Target(label: serverLabels[index], adminName: target.settings.adminName, interval: target.settings.interval,
                                 gate: gates[index], timeout: target.settings.timeout, watches: watches) { user in
                await client.fetchResult(user: user)
            }
        })
    }

    /// Serves until SIGTERM or SIGINT; the exit status.
    func serve(address: ListenAddress, web: WebConfig, limits: ExporterHTTP.ConnectionLimits = ExporterHTTP.ConnectionLimits()) async -> ExitStatus {
        let series = FleetSeries(serverLabels: serverLabels, version: M4TopVersion.current)
        // Every answer into the store, as the dashboard records it: a service that runs all the
        // time keeps the week that baselines compare with. The demo's numbers are never stored.
        let history = HistorySetup.open(settings, demo: targets.contains(where: \.isDemo))
        defer { history.close() }
        if let notice = history.notice { Console.error("m4top exporter: \(notice)") }
        if let path = history.recorder?.store.path { Console.error("m4top exporter: recording every answer in \(TerminalSafeText.clean(path))") }
        let (poller, prober) = makeParts(series: series, history: history)
        let about = ExporterHTTP.About(version: M4TopVersion.current, servers: serverLabels, pollInterval: probeOnly ? nil : settings.overviewInterval)
        let router = ExporterHTTP.router(series: series, prober: prober, about: about, web: web)
        let scheme = web.tls == nil ? "http" : "https"
        let users = targets.map { $0.settings.allUsers ? "all users" : "\($0.settings.users.count) user\($0.settings.users.count == 1 ? "" : "s")" }
        let application: any Service
        do {
            application = try ExporterHTTP.application(router: router, address: address, tls: web.tls, logger: logger, limits: limits) { port in
                let bound = ListenAddress(host: address.host, port: port)
                let servers = zip(serverLabels, users).map { "\(TerminalSafeText.clean($0)) (\($1))" }.joined(separator: ", ")
                let what = probeOnly ? "/probe (probe-only: nothing is polled until a probe names a user)" : "/metrics"
                Console.error("m4top exporter: serving \(scheme)://\(bound)\(what) for \(servers)")
            }
        } catch {
            Console.error("m4top exporter: \(error.description)")
            return .usage
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: application)] + (poller.map { [.init(service: PollingService(poller: $0))] } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
            Console.error("m4top exporter: stopped")
            return .success
        } catch {
            Console.error("m4top exporter: \(ExporterRun.plainWords(error, address: address))")
            return .transport
        }
    }

    /// A bind failure in words (NIO's error names the errno only).
    static func plainWords(_ error: any Error, address: ListenAddress) -> String {
        let text = String(describing: error)
        if text.contains("Address already in use") || text.contains("EADDRINUSE") {
            return "cannot listen on \(address): the address is already in use (another exporter?)"
        }
        if text.contains("Cannot assign requested address") || text.contains("EADDRNOTAVAIL") {
            return "cannot listen on \(address): no such address on this machine"
        }
        if text.contains("Permission denied") || text.contains("EACCES") {
            return "cannot listen on \(address): permission denied (ports below 1024 need privileges)"
        }
        return "cannot serve on \(address): \(text)"
    }
}

/// The poller as a service: polls until the group shuts down.
struct PollingService: Service {
    let poller: FleetPoller

    func run() async throws {
        await poller.start()
        try? await gracefulShutdown()
        await poller.stop()
    }
}
