import ArgumentParser
import Curses
import Foundation
import Logging
import M4API
import Simulator

/// `m4top simulate`: the embedded M4 server on its own, for trying scripts and for tests.
package struct SimulateCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the embedded M4 simulator (quickstats_get) on a loopback port.",
        // Parsed on its own (so that its flags are its own): the usage names the program too.
        usage: "m4top simulate <options>",
        discussion: """
        Control it while running (same port):
          curl -X POST 'http://HOST:PORT/_sim/fault?name=stall&seconds=30'
          curl -X POST 'http://HOST:PORT/_sim/clear'
          curl -X POST 'http://HOST:PORT/_sim/setting?name=api&value=off'
          curl -X POST 'http://HOST:PORT/_sim/skip?seconds=600'    (jump simulated time)
          curl 'http://HOST:PORT/_sim/status'    (settings, faults, request counters)
        Methods: quickstats_get and users_get (admin only; hash = SHA1(u + user_id + secret)).
        Faults: \(Fault.allCases.map(\.rawValue).joined(separator: ", ")).
        """
    )

    @Option(help: "Address to listen on (loopback unless told otherwise).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "The API secret the server expects (default: secret, as in the vendor's example).")
    var secret = "secret"

    @Option(help: ArgumentHelp("File holding the API secret instead of --secret.", valueName: "path"))
    var secretFile: String?

    @Option(help: ArgumentHelp("Comma-separated simple users.", valueName: "a,b"))
    var users = "alice,bob,carol"

    @Option(help: ArgumentHelp("A fleet of N simple users (user0001…; every 10th blocked, every 25th hidden) instead of --users.", valueName: "N"))
    var userCount: Int?

    @Flag(help: "Refuse users_get (\"You are not authorized to view this page\"), as for a manager without the permission.")
    var noUsersGet = false

    @Option(help: "The System Admin's username.")
    var adminName = "admin"

    @Option(help: ArgumentHelp("Comma-separated users that get Access Denied.", valueName: "a,b"))
    var deny = ""

    @Option(help: "Random seed: the same seed gives the same traffic.")
    var seed: UInt64 = 1

    @Option(help: "Simulated time runs this many times faster than the clock.")
    var speed = 1.0

    @Option(help: ArgumentHelp("Simulated start time, ISO 8601 (default: now).", valueName: "time"))
    var start: String?

    @Option(help: "Busy-hour arrivals, calls per minute, for the whole system.")
    var rate = 12.0

    @Flag(help: "Turn off \"Allow API globally\".")
    var apiDisabled = false

    @Flag(help: "Turn on \"Allow GET API\".")
    var allowGet = false

    @Flag(help: "Turn on \"Disable hash checking\".")
    var noHashCheck = false

    @Flag(help: "Turn off \"Show Active Calls for Users\".")
    var hideActiveCallsFromUsers = false

    @Option(help: "Error wrapper: status, page-status or page.")
    var errorWrapper = "status"

    @Flag(help: "Serve the vendor page's sample numbers to the admin, frozen.")
    var sample = false

    @Option(help: ArgumentHelp("Start with a fault on (repeatable).", valueName: "fault"))
    var fault: [String] = []

    @Option(help: "Delay of the latency fault, milliseconds.")
    var latencyMs = 1500

    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate (needs --tls-key).", valueName: "path"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The PEM private key for --tls-cert.", valueName: "path"))
    var tlsKey: String?

    package init() {}

    package func validate() throws {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be more than 0") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard rate >= 0 else { throw ValidationError("--rate must not be negative") }
        if let userCount, !(1...100_000).contains(userCount) { throw ValidationError("--user-count must be 1-100000") }
        guard SimulatorSettings.ErrorWrapper(rawValue: errorWrapper) != nil else {
            throw ValidationError("--error-wrapper must be status, page-status or page")
        }
        for name in fault where Fault(rawValue: name) == nil {
            throw ValidationError("unknown fault '\(name)'; known: \(Fault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if let start, Self.parseDate(start) == nil { throw ValidationError("--start must be ISO 8601, e.g. 2026-11-28T23:58:00Z") }
    }

    static func parseDate(_ text: String) -> Date? {
        ISO8601DateFormatter().date(from: text)
    }

    package func run() async throws {
        var settings = SimulatorSettings()
        do throws(ConfigError) {
            settings.secret = secret
            if let secretFile { settings.secret = try SecretSource.readSecretFile(secretFile, origin: "--secret-file") }
        } catch {
            Console.error("m4top simulate: \(error.message)")
            throw ExitRequest(.usage)
        }
        settings.users = users.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let userCount { settings.makeFleet(count: userCount) }
        settings.usersGetAllowed = !noUsersGet
        settings.adminName = adminName
        settings.deniedUsers = Set(deny.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        settings.apiEnabled = !apiDisabled
        settings.getEnabled = allowGet
        settings.hashChecking = !noHashCheck
        settings.showActiveCallsToUsers = !hideActiveCallsFromUsers
        settings.errorWrapper = SimulatorSettings.ErrorWrapper(rawValue: errorWrapper) ?? .status
        var faults = FaultBoard()
        faults.latencyMilliseconds = latencyMs
        for name in fault { if let fault = Fault(rawValue: name) { faults.set(fault, for: nil) } }
        let server = SimulatedServer(settings: settings, seed: seed, speed: speed,
                                     start: start.flatMap(Self.parseDate) ?? Date(),
                                     peakCallsPerMinute: rate, sampleMode: sample, faults: faults)
        let running: RunningSimulator
        do {
            let tls = tlsCert.flatMap { cert in tlsKey.map { RunningSimulator.TLSFiles(certificate: cert, privateKey: $0) } }
            running = try await RunningSimulator.start(server, host: host, port: port, tls: tls, requestLog: { log in
                Self.printLine("\(Self.clock()) \(log.method) u=\(log.user) -> \(log.outcome)")
            })
        } catch {
            Console.error("m4top simulate: cannot listen on \(host):\(port): \(error)")
            throw ExitRequest(.transport)
        }
        Self.printLine("""
        m4top simulator: quickstats_get at \(running.baseURL)/api/quickstats_get
        users: \(settings.adminName) (admin), \(Self.summary(settings.users))\(settings.hashChecking ? "" : "; hash checking off")
        try:   M4TOP_SECRET=… m4top --url \(running.baseURL) --user \(settings.adminName)\(settings.users.first.map { " --user \($0)" } ?? "")
        stop with Ctrl-C
        """)
        await Self.waitForTermination()
        Self.printLine("m4top simulator: stopping")
        await running.stop()
    }

    /// The users, or for a fleet the first few and how many.
    static func summary(_ users: [String]) -> String {
        users.count <= 8 ? users.joined(separator: ", ") : users.prefix(3).joined(separator: ", ") + " … \(users.last ?? "") (\(users.count) users)"
    }

    /// One line to stdout, flushed at once so that a pipe or a test sees it.
    static func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func clock() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }

    /// Returns on SIGINT, SIGTERM, SIGHUP or SIGQUIT.
    static func waitForTermination() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = Signals.watch(Signals.termination, on: .global()) { continuation.yield($0) }
        for await _ in stream { break }
        sources.forEach { $0.cancel() }
    }
}
