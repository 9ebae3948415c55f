import Foundation
import Testing

/// A real terminal for end-to-end tests: a private tmux server running a plain shell.
final class TmuxPane {
    let socket = "m4top-e2e-\(UUID().uuidString.prefix(8))"
    let width: Int
    let height: Int
    /// A history store of this pane's own: a shared one would show another run's stored answer
    /// for the same loopback URL (ports are reused) until the first poll comes back.
    let stateHome = NSTemporaryDirectory() + "m4top-e2e-state-\(UUID().uuidString.prefix(8))"

    init(width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        self.width = width
        self.height = height
        var args = ["new-session", "-d", "-x", "\(width)", "-y", "\(height)"]
        let env = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "screen-256color", "HOME": NSTemporaryDirectory(),
                   "XDG_CONFIG_HOME": NSTemporaryDirectory() + "m4top-e2e-empty-config",
                   "XDG_STATE_HOME": stateHome].merging(environment) { $1 }
        for (key, value) in env.sorted(by: { $0.key < $1.key }) { args += ["-e", "\(key)=\(value)"] }
        // The test runner may export NO_COLOR; the pane starts from a clean slate for it.
        args += ["env -u NO_COLOR -u COLORTERM bash --norc --noprofile"]
        try tmux(args)
        try tmux(["set-option", "-g", "status", "off"])
        try run("PS1='$ '")
    }

    /// Ends the session (its processes get SIGHUP), then the server. `kill-server` alone was seen
    /// to leave a server and its panes running.
    deinit {
        _ = try? tmux(["kill-session", "-t", "0"])
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: stateHome)
    }

    /// The m4top binary built next to the test bundle.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["M4TOP_BIN"] { return path }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("m4top").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/m4top"
    }

    /// Runs a tmux command and returns what it printed.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        try Spawn.run(["tmux", "-L", socket, "-f", "/dev/null"] + args)
    }

    /// Types a command line and Enter.
    func run(_ line: String) throws {
        try tmux(["send-keys", "-t", "0", "-l", line])
        try tmux(["send-keys", "-t", "0", "Enter"])
    }

    /// Sends tmux key names (`q`, `C-c`, `Tab`, `BTab`...).
    func keys(_ names: String...) throws {
        try tmux(["send-keys", "-t", "0"] + names)
    }

    func screen() throws -> String {
        try tmux(["capture-pane", "-p", "-t", "0"])
    }

    func format(_ expression: String) throws -> String {
        try tmux(["display-message", "-p", "-t", "0", expression]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", "0", "-x", "\(width)", "-y", "\(height)"])
    }

    /// Waits until the screen satisfies `condition`; returns the last screen either way.
    /// Polls with `Task.sleep`, never blocking a thread: the simulator in this process shares the
    /// cooperative pool, and a blocked pool would starve it.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 10, _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("timed out waiting for \(what); screen:\n\(last)")
        return last
    }

    @discardableResult
    func waitFor(text: String, timeout: TimeInterval = 10) async throws -> String {
        try await waitFor("'\(text)'", timeout: timeout) { $0.contains(text) }
    }

    /// The pid of the program running in the shell (the shell's child).
    func childPID() throws -> Int32? {
        let shell = try format("#{pane_pid}")
        return try Spawn.run(["pgrep", "-P", shell]).split(separator: "\n").first.flatMap { Int32($0) }
    }

    /// After the program ended: the shell answers, the alternate screen is off, the cursor shows.
    func expectShellUsable(_ label: String) async throws {
        // Type only once m4top has given the terminal back: input typed before that can be
        // discarded when the terminal modes are restored.
        let deadline = Date().addingTimeInterval(5)
        while (try? format("#{alternate_on}")) != "0" && Date() < deadline {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        try await Task.sleep(nanoseconds: 100_000_000)
        try run("echo alive-$((40+2))")
        try await waitFor(text: "alive-42", timeout: 5)
        #expect(try format("#{alternate_on}") == "0", "\(label): still in the alternate screen")
        #expect(try format("#{cursor_flag}") == "1", "\(label): cursor hidden")
    }
}

/// posix_spawn and waitpid, output through a temporary file: a daemon (the tmux server) that
/// inherits a pipe would keep it open, and Foundation's Process can miss such a child's exit.
enum Spawn {
    static let stateHome = NSTemporaryDirectory() + "m4top-spawned-state-\(getpid())"

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// A short command (tmux): waits for it in place.
    static func run(_ arguments: [String]) throws -> String {
        let child = try start(arguments)
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) == -1 && errno == EINTR {}
        return child.finish(status).output
    }

    /// Runs a command; returns its exit status and what it printed (stdout and stderr together).
    /// Waits with `Task.sleep`, so a simulator in this process keeps its threads meanwhile.
    static func runWithStatus(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let child = try start(arguments)
        var status: Int32 = 0
        while waitpid(child.pid, &status, WNOHANG) == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
        return child.finish(status)
    }

    struct Child {
        let pid: pid_t
        let outputPath: String

        func finish(_ status: Int32) -> (status: Int32, output: String) {
            defer { unlink(outputPath) }
            let exited = status & 0x7F == 0
            return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F),
                    (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
        }
    }

    static func start(_ arguments: [String]) throws -> Child {
        let outputPath = NSTemporaryDirectory() + "m4top-spawn-\(UUID().uuidString)"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // A history store of the test run's own (the exporter records by default), never the
        // home folder's; an `env XDG_STATE_HOME=…` in the arguments still wins.
        let argv = (["/usr/bin/env", "XDG_STATE_HOME=\(stateHome)"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failed(description: "cannot start \(arguments[0]): error \(spawned)") }
        return Child(pid: pid, outputPath: outputPath)
    }
}
