import Curses
import Dashboard
import Watch
import Foundation
import History
import Logging
import M4API
import Screen

/// The live dashboard: connects the pure `DashboardUpdate` to the world. A poll timer, a
/// one-second clock, stdin and signals all arrive as Dispatch sources on the main queue, the
/// only queue that touches the terminal; requests run off it and come back as events.
enum LiveSession {
    static func run(settings: RunSettings, environment: [String: String], color: ColorChoice, replayAt: String? = nil) async -> ExitStatus {
        var settings = settings
        // No terminal, nothing touched: no store made, no demo folder, no simulator started.
        if let problem = Terminal.unsuitable(environment: environment) {
            Console.error("m4top: \(problem)")
            return .usage
        }
        let targets: [ServerTarget]
        do {
            // The demo's week is simulated first when there is a store to put it in.
            let demoDays = settings.historyPath != nil && !settings.historyReadOnly ? settings.historyDays : nil
            targets = try await ServerTarget.openAll(settings.servers, demoDays: demoDays.map { min($0, DemoHistory.maximumDays) })
        } catch {
            Console.error("m4top: \(error.message)")
            return .usage
        }
        func closeAll() async { for target in targets { await target.close() } }
        // `--at` reviews a store (often a copy of someone else's): it is read as it is, never
        // pruned, migrated or moved aside, and nothing is recorded into it, even after Esc. (The
        // demo's week, simulated above, goes into its own temporary store all the same.)
        if replayAt != nil { settings.historyReadOnly = true }
        let history = targets.contains(where: \.isDemo) ? HistorySetup.openDemo(settings) : HistorySetup.open(settings, demo: false)
        let colors = ColorPolicy.enabled(color, environment: environment)
        let finding = BackgroundDetector.detect(environment: environment)
        let themes: [Theme]
        do {
            let cycle = try ThemeCatalog(environment: environment).cycle(startingWith: ThemeCatalog.choose(settings.theme, for: finding.background),
                                                                         origin: settings.themeOrigin)
            themes = cycle.themes
            // Warnings go to the log: the screen is about to belong to the dashboard.
            for warning in cycle.warnings { Logger(label: "m4top.theme").warning("\(warning)") }
        } catch {
            Console.error("m4top: \(error.message)")
            await closeAll()
            return .usage
        }
        let status = await MainActor.run { () -> LiveController? in
            do {
                let terminal = try Terminal.start(colors: colors)
                return LiveController(settings: settings, targets: targets, terminal: terminal, themes: themes, background: finding.background,
                                      history: history, replayAt: replayAt)
            } catch {
                Console.error("m4top: \(error)")
                return nil
            }
        }
        guard let controller = status else {
            await closeAll()
            return .usage
        }
        let result = await controller.run()
        await closeAll()
        return result
    }
}

@MainActor
final class LiveController {
    private var state: DashboardState
    private let terminal: Terminal
    private let targets: [ServerTarget]
    /// Per server, `max_rate` on the real clock as each request leaves (`fetch`).
    private let spacing: [StartSpacing]
    private let history: HistorySetup
    /// Told of every fleet event after the state has taken it in (`Sinks`).
    private let sinks: [any FleetSink]
    /// Every screen's view, by its name.
    private let views: [ScreenMode: any ScreenKind]
    private let themes: [String: Theme]
    private let background: TerminalBackground
    private let logger = Logger(label: "m4top.live")

    private var sources: [any DispatchSourceProtocol] = []
    private var pollTimer: (any DispatchSourceTimer)?
    private var pollPlanner = PollTimerPlanner()
    private var finished: CheckedContinuation<ExitStatus, Never>?
    private var emptyReads = 0

    /// What `--at` asks for at start (the replay's first load).
    private var startEffects: [Effect] = []

    init(settings: RunSettings, targets: [ServerTarget], terminal: Terminal, themes: [Theme], background: TerminalBackground,
         history: HistorySetup, replayAt: String? = nil) {
        self.history = history
        self.sinks = Sinks.live(history: history)
        self.terminal = terminal
        self.background = background
        self.targets = targets
        self.spacing = targets.map { StartSpacing(budget: $0.setup.budget) }
        let cycle = themes.isEmpty ? [Theme.builtinDefault] : themes
        self.themes = Dictionary(cycle.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let glyphs: Glyphs = terminal.isUTF8 ? .unicode : .ascii
        self.views = Dictionary(uniqueKeysWithValues: Screens.all.map { ($0.mode, $0.init(glyphs: glyphs, timeZone: .current)) })
        var state = DashboardState(servers: targets.map(\.setup), interval: settings.interval, overviewInterval: settings.overviewInterval,
                                   start: settings.startScreen, themeNames: cycle.map(\.name))
        state.width = terminal.width
        state.height = terminal.height
        state.alerts = AlertBook(rules: settings.alertRules ?? AlertRule.builtIns, bell: settings.bell)
        // The alert log as it stood when m4top last ended: it survives a restart.
        if let store = history.store, let events = try? store.alertEvents(since: Date().addingTimeInterval(-Double(history.days) * 86_400),
                                                                         limit: AlertBook.logLimit) {
            state.alerts.restore(log: events.compactMap { $0.event(serverNames: history.serverNames) })
        }
        state.rotation = Rotation(period: settings.rotate)
        state.wallMetrics = settings.wallMetrics
        if targets.contains(where: \.isDemo) { state.demoNotice = DemoNotice.onScreen }
        if targets.contains(where: { $0.demoPlan?.storeName == "prod" }) {
            state.demoNotice = DemoNotice.dropAhead(at: Date().addingTimeInterval(DemoPlan.dropDelay))
        }
        if let notice = history.notice { state.notice = (notice, Date().addingTimeInterval(60)) }
        // `--at`: a replay from the first frame, in the first server's zone; no request goes out.
        if let replayAt, let moment = MomentText.parse(replayAt, now: Date(), timeZone: state.servers[0].calendar.timeZone) {
            startEffects = ReplayUpdate.startOffline(&state, at: moment)
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
        input.resume()
        sources.append(input)

        sources += Signals.watch(Signals.termination, on: main) { [weak self] number in
            MainActor.assumeIsolated { self?.dispatch(.signal(number)) }
        }
        sources += Signals.watch([SIGWINCH], on: main) { [weak self] _ in
            MainActor.assumeIsolated { self?.resized() }
        }

        let clock = DispatchSource.makeTimerSource(queue: main)
        clockOrigin = .now() + 1
        clock.schedule(deadline: clockOrigin, repeating: 1, leeway: .milliseconds(50))
        clock.setEventHandler { [weak self] in
            MainActor.assumeIsolated {
                self?.sayHistoryTrouble()
                self?.ticked()
                self?.loadBaselinesEachMinute()
            }
        }
        clock.resume()
        sources.append(clock)

        let poll = DispatchSource.makeTimerSource(queue: main)
        poll.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.pollFired() } }
        poll.schedule(deadline: .distantFuture)
        poll.resume()
        pollTimer = poll
        sources.append(poll)

        perform([.applyTheme(state.themeName)] + startEffects)
        debugCrashIfAsked()
        dispatch(.pollDue(Date()))
        startDemo()
        loadHistory()
        loadBaselinesEachMinute()
        // The first frame at once (rows waiting for their first answer): a poll's start and
        // answers for rows off the current user draw nothing until the next tick, up to 1 s later.
        draw()
    }

    // MARK: Events and effects

    /// The clock's first tick; the others follow each whole second after it.
    private var clockOrigin = DispatchTime.now()

    /// A poll due this soon after a tick starts with the tick (early by that much at most, a
    /// tenth of the interval): at a short interval the clock and the polls then share one
    /// wake-up, and the user on screen's answer, milliseconds later, draws the only frame.
    private var tickSlack: TimeInterval { min(0.1, state.interval / 10) }

    /// The clock's tick: the screen's time-driven duties, and the polls due by `tickSlack`.
    private func ticked() {
        let now = Date()
        guard let due = state.nextPollDue, due.timeIntervalSince(now) <= tickSlack else {
            dispatch(.tick(now))
            return
        }
        let focus = state.current
        let wasAsking = state.scheduler.isInFlight(focus)
        dispatch(.tick(now), pollsFollow: true)
        dispatch(.pollDue(max(now, due)))
        // The user on screen asked just now: its answer draws (a slow one: the next tick does).
        let answerDraws = !wasAsking && state.scheduler.isInFlight(focus) && Screens.kind(state.screen).followsCurrentUser
        if finished != nil, !answerDraws { draw() }
    }

    /// Whether a poll due at `due` starts with the clock's next tick (`ticked`), so that the
    /// poll timer need not be armed for it.
    private func startsWithNextTick(_ due: Date) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds, origin = clockOrigin.uptimeNanoseconds
        let second: UInt64 = 1_000_000_000
        let nextTick = now <= origin ? origin : origin + ((now - origin) / second + 1) * second
        let toTick = Double(nextTick - now) / 1e9, toDue = due.timeIntervalSinceNow
        return toDue >= toTick && toDue <= toTick + tickSlack
    }

    /// `pollsFollow`: a tick with polls started right after it (`ticked`), which plan the poll
    /// timer and draw in its place.
    private func dispatch(_ event: Event, pollsFollow: Bool = false) {
        guard finished != nil else { return }
        perform(DashboardUpdate.update(&state, event))
        if let fleetEvent = event.fleetEvent {
            for sink in sinks { sink.fleet(state.fleetState, took: fleetEvent) }
        }
        guard finished != nil, !pollsFollow else { return }
        planPoll()
        switch event {
        case .pollDue:
            // Starting a poll shows nothing new (`fetching…` waits 0.3 s; the next tick or the
            // answer draws): one frame less per poll.
            return
        case .fetched(let key, _, _) where key != state.current || !Screens.kind(state.screen).followsCurrentUser:
            // Answers for rows off screen (a fleet gives 15 a second) are drawn by the next
            // one-second tick, all together: not one frame per answer.
            return
        case .userListFetched:
            loadHistoryOfNewUsers()
            return
        default:
            draw()
        }
    }

    private func draw() {
        guard let view = views[state.screen] else { return }
        terminal.draw(view.render(state))
    }

    private func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .fetch(let key): fetch(key)
            case .fetchUserList(let server): fetchUserList(server)
            case .repaint: terminal.invalidate()
            case .bell: terminal.bell()
            case .loadChart(let key, let window): loadChart(key, window: window)
            case .loadReplay(let request): loadReplay(request)
            case .loadReplayBaselines(let moment): loadReplayBaselines(at: moment)
            case .applyTheme(let name):
                terminal.apply(themes[name] ?? Theme.builtinDefault, background: background)
                terminal.invalidate()
            case .suspend:
                terminal.suspend()
                dispatch(.resumed(width: terminal.width, height: terminal.height))
            case .quit(let status):
                quit(status: status)
                return
            }
        }
    }

    /// The charts from the store, read off the main queue; they arrive as an event.
    private func loadHistory() {
        guard let store = history.store else { return }
        let names = history.serverNames
        let current = state.current
        let others = state.fleet.filter { $0 != current }.map { (key: $0, server: names[$0.server]) }
        seeded.formUnion(state.fleet)
        let window = max(state.chartWindow, Trends.chartWindow)
        Task.detached { [weak self] in
            // The user on screen first (its chart within milliseconds), then everyone else.
            let first = HistorySetup.seeds(store, wanted: [(key: current, server: names[current.server])], window: window, now: Date())
            await MainActor.run { self?.dispatch(.historyLoaded(first)) }
            guard !others.isEmpty else { return }
            let rest = HistorySetup.seeds(store, wanted: others, window: window, now: Date())
            await MainActor.run { self?.dispatch(.historyLoaded(rest)) }
            let damaged = store.damagedRows
            guard damaged > 0 else { return }
            await MainActor.run { self?.sayDamagedRows(damaged, path: store.path) }
        }
    }

    /// The last write trouble said on the status line (said again only when it changes).
    private var saidTrouble: HistoryRecorder.WriteTrouble?

    /// A failing store (a full disk) is said on the status line with how much was not kept,
    /// while it lasts; the recorder keeps trying.
    private func sayHistoryTrouble() {
        let trouble = history.recorder?.trouble
        guard trouble != saidTrouble else { return }
        saidTrouble = trouble
        if let trouble {
            state.notice = ("history: \(trouble.message); \(trouble.lost) snapshot\(trouble.lost == 1 ? "" : "s") not kept, still trying",
                            Date().addingTimeInterval(5))
        }
    }

    /// Said once: rows of the store that could not be read (edited by hand or by a tool).
    private func sayDamagedRows(_ count: Int, path: String) {
        let text = "history: skipped \(count) damaged row\(count == 1 ? "" : "s") in \(path) (a value of the wrong type)"
        logger.warning("\(text)")
        state.notice = (text, Date().addingTimeInterval(30))
        dispatch(.tick(Date()))
    }

    /// Users asked of the store already (at start, or when a user list brought them).
    private var seeded: Set<UserKey> = []

    /// Users a fresh `users_get` list brought: their stored history, off the main queue.
    private func loadHistoryOfNewUsers() {
        guard let store = history.store else { return }
        let names = history.serverNames
        let fresh = state.fleet.filter { !seeded.contains($0) }
        guard !fresh.isEmpty else { return }
        seeded.formUnion(fresh)
        let wanted = fresh.map { (key: $0, server: names[$0.server]) }
        let window = max(state.chartWindow, Trends.chartWindow)
        Task.detached { [weak self] in
            let seeds = HistorySetup.seeds(store, wanted: wanted, window: window, now: Date())
            guard !seeds.isEmpty else { return }
            await MainActor.run { self?.dispatch(.historyLoaded(seeds)) }
        }
    }

    /// The dashboard's demo: prod's traffic drops after a minute (the baseline alert's cue), and
    /// its temporary store gets a simulated week, off the main queue; charts and baselines are
    /// read again when it is there.
    private func startDemo() {
        let plans = targets.compactMap(\.demoPlan)
        guard !plans.isEmpty else { return }
        for target in targets where target.demoPlan?.storeName == "prod" {
            if let server = target.simulator?.server {
                Task { await server.scheduleFault(.trafficDrop, after: DemoPlan.dropDelay) }
            }
        }
        let weeks = targets.compactMap(\.demoWeek)
        guard let store = history.store, history.temporaryFolder != nil, !weeks.isEmpty else { return }
        Task.detached { [weak self] in
            let started = Date()
            do throws(HistoryError) {
                try DemoHistory.seed(store, weeks: weeks, now: started)
            } catch {
                Logger(label: "m4top.history").error("the demo's week: \(error.message)")
                return
            }
            Logger(label: "m4top.history").info("the demo's week seeded in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
            await MainActor.run {
                guard let self else { return }
                self.seeded.removeAll()
                self.baselinesReadAt = nil
                self.loadHistory()
                self.loadBaselinesEachMinute()
                // A replay read before the week was there is read again, in full.
                self.perform(ReplayUpdate.reread(&self.state))
            }
        }
    }

    /// When baselines were last read, and whether a read is under way.
    private var baselinesReadAt: Date?
    private var readingBaselines = false

    /// Yesterday's and last week's numbers at this minute, for every watched user, read off the
    /// main queue once a minute (a baseline moves with the clock, not with the answers).
    private func loadBaselinesEachMinute() {
        guard let store = history.store, !readingBaselines else { return }
        let now = Date()
        if let last = baselinesReadAt, now.timeIntervalSince(last) < 60 { return }
        baselinesReadAt = now
        readingBaselines = true
        let wanted = history.storedUsers(of: state.fleetState)
        Task.detached { [weak self] in
            let found = (try? store.baselines(of: wanted, at: now)) ?? [:]
            let asked = Set(wanted.map(\.key))
            await MainActor.run {
                self?.readingBaselines = false
                self?.dispatch(.baselinesLoaded(found, for: asked))
            }
        }
    }

    /// A long chart range for one user, read off the main queue (a minute's peak per point).
    private func loadChart(_ key: UserKey, window: TimeInterval) {
        guard let store = history.store else { return }
        let server = history.serverNames[key.server]
        Task.detached { [weak self] in
            let now = Date()
            let chart = ChartReader.read(store, server: server, user: key.name, window: window, until: now)
            await MainActor.run { self?.dispatch(.chartLoaded(key, window: window, samples: chart.recent, at: now, lastWeek: chart.lastWeek)) }
        }
    }

    /// Replay reads run here, on a thread of their own: a long read (a week's chart, a slow
    /// disk) must not hold a thread of Swift's small concurrency pool, which quitting needs.
    private let storeReads = DispatchQueue(label: "m4top.replay-reads", qos: .userInitiated)
    private var readingReplay = false
    /// The newest load asked for while one was read: only it runs next (keys pressed faster
    /// than the store answers do not queue up).
    private var nextReplay: ReplayRequest?

    /// A replay's scene, read and built off the main queue.
    private func loadReplay(_ request: ReplayRequest) {
        guard let store = history.store else {
            dispatch(.replayFailed(number: request.number, message: "history is off: a replay reads the store (see `history` in the config)"))
            return
        }
        guard !readingReplay else {
            nextReplay = request
            return
        }
        readingReplay = true
        let live = state
        let names = history.serverNames
        let days = history.days
        storeReads.async { [weak self] in
            let result = ReplayLoader.scene(for: request, live: live, store: store, names: names, days: days)
            DispatchQueue.main.async {
                MainActor.assumeIsolated {
                    guard let self else { return }
                    self.readingReplay = false
                    switch result {
                    case .success(let scene): self.dispatch(.replayLoaded(number: request.number, scene: scene))
                    case .failure(let failure): self.dispatch(.replayFailed(number: request.number, message: failure.message))
                    }
                    if let next = self.nextReplay {
                        self.nextReplay = nil
                        self.loadReplay(next)
                    }
                }
            }
        }
    }

    private func loadReplayBaselines(at moment: Date) {
        guard let store = history.store else { return }
        let wanted = history.storedUsers(of: state.fleetState)
        storeReads.async { [weak self] in
            let baselines = (try? store.baselines(of: wanted, at: moment)) ?? [:]
            DispatchQueue.main.async { MainActor.assumeIsolated { self?.dispatch(.replayBaselinesLoaded(baselines, at: moment)) } }
        }
    }

    /// A request's task runs on the main queue after whatever is queued there first (a frame,
    /// other answers), so one request can wait longer than the next: behind frames of 10,000
    /// rows two requests to a server once left 12 ms apart though the scheduler started them
    /// 208 ms apart. Its server's spacing reads the clock on the thread that sends, as the
    /// request leaves, and holds it until `minimumGap` after the one before. The answer comes
    /// back as an event.
    private func fetch(_ key: UserKey) {
        let client = targets[key.server].client
        let server = targets[key.server].settings.name
        let spacing = spacing[key.server]
        // The request, its answer and the parse run on the client's event loop; one hop back.
        Task(executorPreference: client.executor) { [weak self] in
            let result = await spacing.fetch(key.name, with: client)
            await MainActor.run {
                if case .failure(let error) = result {
                    self?.logger.info("fetch failed", metadata: ["server": "\(server)", "user": "\(key.name)", "error": "\(error.message)"])
                }
                self?.dispatch(.fetched(key, result: result, at: Date()))
            }
        }
    }

    private func fetchUserList(_ server: Int) {
        let client = targets[server].client
        let name = targets[server].settings.name
        let spacing = spacing[server]
        Task(executorPreference: client.executor) { [weak self] in
            let result = await spacing.fetchUsers(with: client)
            await MainActor.run {
                switch result {
                case .success(let users): self?.logger.info("users_get", metadata: ["server": "\(name)", "users": "\(users.count)"])
                case .failure(let error): self?.logger.info("users_get failed", metadata: ["server": "\(name)", "error": "\(error.message)"])
                }
                self?.dispatch(.userListFetched(server: server, result: result, at: Date()))
            }
        }
    }

    private func pollFired() {
        pollPlanner.fired()
        dispatch(.pollDue(Date()))
    }

    private func planPoll() {
        var due = state.nextPollDue
        // Due just after the next tick: the tick starts it, no timer of its own to arm and fire.
        if let wanted = due, startsWithNextTick(wanted) { due = nil }
        switch pollPlanner.plan(due: due, now: Date()) {
        case .none: break
        case .disarm: pollTimer?.schedule(deadline: .distantFuture)
        case .arm(let wait): pollTimer?.schedule(deadline: .now() + wait, leeway: .milliseconds(20))
        }
    }

    private func readInput() {
        let (keys, inputs) = terminal.readKeys()
        if inputs == 0 {
            // Readable but nothing to read: the terminal hung up, or (again and again) EOF.
            emptyReads += 1
            if terminal.isHungUp() || emptyReads >= 3 { dispatch(.hangUp) }
            return
        }
        emptyReads = 0
        for key in keys { dispatch(.key(key)) }
    }

    private func resized() {
        let size = terminal.updateSize()
        dispatch(.resized(width: size.width, height: size.height))
    }

    /// Every way out ends here: sources stopped, terminal restored, then the status returned.
    private func quit(status: Int32) {
        guard let finished else { return }
        self.finished = nil
        sources.forEach { $0.cancel() }
        sources.removeAll()
        terminal.stop()
        // Alerts still firing are logged as ended, and the store is told before it closes.
        let now = Date()
        state.alerts.endAll(now: now)
        for sink in sinks { sink.fleet(state.fleetState, took: .tick(now)) }
        history.close()
        finished.resume(returning: ExitStatus(rawValue: status))
    }

    /// `M4TOP_DEBUG_CRASH=SECONDS`: a real trap inside the program after that long, so a test can
    /// check that a crash restores the terminal and still prints its backtrace. Hidden: not in
    /// --help.
    private func debugCrashIfAsked() {
        guard let text = ProcessInfo.processInfo.environment["M4TOP_DEBUG_CRASH"], let seconds = Double(text),
              seconds.isFinite, seconds >= 0, seconds < 3600 else { return }
        DispatchQueue.main.asyncAfter(deadline: .now() + seconds) {
            fatalError("M4TOP_DEBUG_CRASH: a deliberate crash, for testing")
        }
    }
}
