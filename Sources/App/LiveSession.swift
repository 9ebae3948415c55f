import Curses
import Dashboard
import Foundation
import Logging
import M4API
import Screen

/// The live dashboard: connects the pure `DashboardUpdate` to the world. A poll timer, a
/// one-second clock, stdin and signals all arrive as Dispatch sources on the main queue, the
/// only queue that touches the terminal; requests run off it and come back as events.
enum LiveSession {
    static func run(settings: RunSettings, environment: [String: String], color: ColorChoice) async -> ExitStatus {
        let target: ServerTarget
        do {
            target = try await ServerTarget.open(settings)
        } catch {
            Console.error("m4top: \(error.message)")
            return .usage
        }
        let colors = ColorPolicy.enabled(color, environment: environment)
        let themes: [Theme]
        do {
            let cycle = try ThemeCatalog(environment: environment).cycle(startingWith: settings.theme, origin: settings.themeOrigin)
            themes = cycle.themes
            // Warnings go to the log: the screen is about to belong to the dashboard.
            for warning in cycle.warnings { Logger(label: "m4top.theme").warning("\(warning)") }
        } catch {
            Console.error("m4top: \(error.message)")
            await target.close()
            return .usage
        }
        let status = await MainActor.run { () -> LiveController? in
            do {
                let terminal = try Terminal.start(colors: colors)
                return LiveController(settings: settings, target: target, terminal: terminal, themes: themes)
            } catch {
                Console.error("m4top: \(error)")
                return nil
            }
        }
        guard let controller = status else {
            await target.close()
            return .usage
        }
        let result = await controller.run()
        await target.close()
        return result
    }
}

@MainActor
final class LiveController {
    private var state: DashboardState
    private let terminal: Terminal
    private let target: ServerTarget
    private let view: DashboardView
    private let themes: [Theme]
    private var appliedTheme = -1
    private let logger = Logger(label: "m4top.live")

    private var sources: [any DispatchSourceProtocol] = []
    private var pollTimer: (any DispatchSourceTimer)?
    private var plannedPoll: Date?
    private var finished: CheckedContinuation<ExitStatus, Never>?
    private var emptyReads = 0

    init(settings: RunSettings, target: ServerTarget, terminal: Terminal, themes: [Theme]) {
        self.terminal = terminal
        self.target = target
        self.themes = themes.isEmpty ? [Theme.builtinDefault] : themes
        self.view = DashboardView(glyphs: terminal.isUTF8 ? .unicode : .ascii, timeZone: .current)
        var state = DashboardState(server: target.displayURL, users: settings.users, adminName: settings.adminName,
                                   interval: settings.interval, themeNames: self.themes.map(\.name))
        state.width = terminal.width
        state.height = terminal.height
        if target.isDemo {
            state.demoNotice = "DEMO: simulated numbers from the embedded M4 simulator. Real server: m4top --url https://HOST/billing --user NAME --secret-file PATH"
        }
        self.state = state
    }

    /// Runs until quit; returns the exit status. The terminal is restored before it returns.
    func run() async -> ExitStatus {
        await withCheckedContinuation { continuation in
            finished = continuation
            start()
        }
    }

    private func start() {
        let main = DispatchQueue.main
        let input = DispatchSource.makeReadSource(fileDescriptor: 0, queue: main)
        input.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.readInput() } }
        sources.append(input)

        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: main)
            source.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.quit() } }
            sources.append(source)
        }
        let resize = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: main)
        resize.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.resized() } }
        sources.append(resize)

        let clock = DispatchSource.makeTimerSource(queue: main)
        clock.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(50))
        clock.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.dispatch(.tick(Date())) } }
        sources.append(clock)

        let poll = DispatchSource.makeTimerSource(queue: main)
        poll.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.pollFired() } }
        poll.schedule(deadline: .distantFuture)
        pollTimer = poll
        sources.append(poll)

        sources.forEach { $0.resume() }
        dispatch(.pollDue(Date()))
    }

    // MARK: Events

    private func dispatch(_ event: Event) {
        let effects = DashboardUpdate.update(&state, event)
        for effect in effects {
            switch effect {
            case .fetch(let user): fetch(user)
            case .suspend: suspend()
            case .quit:
                quit()
                return
            }
        }
        planPoll()
        render()
    }

    private func fetch(_ user: String) {
        let client = target.client
        Task { @MainActor [weak self] in
            let result: Result<QuickStats, FetchError>
            do throws(FetchError) {
                result = .success(try await client.fetch(user: user))
            } catch {
                result = .failure(error)
            }
            if case .failure(let error) = result {
                self?.logger.info("fetch failed", metadata: ["user": "\(user)", "error": "\(error.message)"])
            }
            self?.dispatch(.fetched(user: user, result: result, at: Date()))
        }
    }

    private func pollFired() {
        plannedPoll = nil
        dispatch(.pollDue(Date()))
    }

    /// Points the one-shot poll timer at the state's next due time (only when that changes).
    private func planPoll() {
        let due = state.nextPollDue
        guard due != plannedPoll else { return }
        plannedPoll = due
        guard let due else {
            pollTimer?.schedule(deadline: .distantFuture)
            return
        }
        let wait = max(0, due.timeIntervalSinceNow)
        pollTimer?.schedule(deadline: .now() + wait, leeway: .milliseconds(20))
    }

    private func readInput() {
        let (keys, inputs) = terminal.readKeys()
        if inputs == 0 {
            // Readable but nothing to read: the terminal hung up, or (again and again) EOF.
            emptyReads += 1
            if terminal.isHungUp() || emptyReads >= 3 { quit() }
            return
        }
        emptyReads = 0
        for key in keys where finished != nil { dispatch(.key(key)) }
    }

    private func resized() {
        let size = terminal.updateSize()
        dispatch(.resized(width: size.width, height: size.height))
    }

    private func suspend() {
        terminal.suspend()
        // Back from `fg`: the size may have changed, and the screen must be repainted in full.
        _ = DashboardUpdate.update(&state, .resized(width: terminal.width, height: terminal.height))
    }

    private func render() {
        guard finished != nil else { return }
        let wanted = state.themeIndex % themes.count
        if wanted != appliedTheme {
            terminal.apply(themes[wanted])
            appliedTheme = wanted
            state.needsFullRedraw = true
        }
        let full = state.needsFullRedraw
        state.needsFullRedraw = false
        terminal.draw(view.render(state), full: full)
    }

    /// Every way out ends here: sources stopped, terminal restored, then the status returned.
    private func quit() {
        guard let finished else { return }
        self.finished = nil
        sources.forEach { $0.cancel() }
        sources.removeAll()
        terminal.stop()
        finished.resume(returning: .success)
    }
}
