import Foundation
import Simulator
import Testing
import TestSupport

/// The real binary under the terminal types people use, in C and UTF-8 locales: it starts,
/// draws, quits and gives the terminal back; `dumb` and no TERM end with a clear usage error.
/// Colours are read as a person sees them: on 8-colour terminals nothing is drawn in colour 0
/// (black on the usual black background).
@Suite("Terminal types and locales", .serialized)
struct TerminalMatrixTests {
    static let drawing = ["xterm", "xterm-256color", "xterm-direct", "screen", "screen-256color", "tmux-256color",
                          "linux", "vt100", "vt220"]
    static let refusing = ["dumb", ""]
    static let locales = ["C", "C.UTF-8"]

    static var drawingCases: [(String, String)] { drawing.flatMap { term in locales.map { (term, $0) } } }
    static var refusingCases: [(String, String)] { refusing.flatMap { term in locales.map { (term, $0) } } }

    func command(term: String, locale: String, url: String) -> String {
        let termSetting = term.isEmpty ? "-u TERM" : "TERM=\(term)"
        return "env \(termSetting) LANG=\(locale) LC_ALL=\(locale) M4TOP_SECRET=secret \(TmuxPane.binary) --url \(url); echo exit-status=$?"
    }

    @Test("Draws, quits with 0 and restores the terminal", arguments: drawingCases)
    func draws(term: String, locale: String) async throws {
        let running = try await RunningSimulator.start(SimulatedServer(sampleMode: true))
        defer { Task { await running.stop() } }
        let pane = try TmuxPane(width: 80, height: 24)
        try pane.run(command(term: term, locale: locale, url: running.baseURL))
        let screen = try await pane.waitFor(text: "Revenue/h")
        let utf8 = locale == "C.UTF-8"
        #expect(screen.contains(utf8 ? "┌─ Today" : "+- Today"), "\(term) \(locale): box drawing for the locale")
        #expect(screen.contains("1.45"))
        if ["xterm", "screen", "linux"].contains(term) {
            // 8 colours: the muted second header line is never drawn in colour 0.
            let colored = try pane.tmux(["capture-pane", "-p", "-e", "-t", "0"])
            let line = colored.split(separator: "\n").first { $0.contains("updated") }.map(String.init) ?? ""
            #expect(!line.contains("\u{1B}[30m") && !line.contains(";30m"), "\(term): muted text in black: \(line.debugDescription)")
        }
        try pane.keys("q")
        try await pane.waitFor(text: "exit-status=0")
        try await pane.expectShellUsable("\(term) \(locale)")
    }

    @Test("dumb and no TERM: exit 2 with a message that suggests --once", arguments: refusingCases)
    func refuses(term: String, locale: String) async throws {
        let pane = try TmuxPane(width: 120, height: 24)
        try pane.run(command(term: term, locale: locale, url: "http://127.0.0.1:9/billing"))
        let screen = try await pane.waitFor("the exit status") { $0.split(separator: "\n").contains { $0.hasPrefix("exit-status=") } }
        #expect(screen.split(separator: "\n").contains("exit-status=2"), "\(screen)")
        #expect(screen.contains("--once"))
    }
}
