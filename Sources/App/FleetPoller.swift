import Watch
import Foundation
import M4API

/// The fleet without a terminal (the exporter, tests, the bench): the same `FleetState` and
/// `FleetUpdate` the dashboard wraps, driven by one timer pointed at the scheduler's next due
/// time, as the live shell's poll timer is. Requests run concurrently and come back as events;
/// nothing here decides what to ask for. Idle, it sleeps: no wake-up until something is due.
/// It runs on the first client's event loop (its executor and its timer), where that client's
/// answers are read: an answer reaches it without a thread switch.
actor FleetPoller {
    private(set) var state: FleetState
    private let clients: [M4Client]
    /// Per server, the budget shared with `/probe` (nil: the scheduler's caps alone).
    private let gates: [ServerGate]?
    /// Told of every event after the state has taken it in (the exporter's series).
    private let sinks: [any FleetSink]
    private var running = false
    private var planner = PollTimerPlanner()
    private var timer: LoopTimer?
    private let loop: LoopExecutor

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.serialExecutor }

    init(state: FleetState, clients: [M4Client], gates: [ServerGate]? = nil, sinks: [any FleetSink] = []) {
        precondition(state.servers.count == clients.count, "one client per server")
        self.state = state
        self.clients = clients
        self.loop = clients.first?.executor ?? M4Client.spareExecutor
        self.gates = gates
        self.sinks = sinks
    }

    /// Starts polling; returns at once.
    func start() {
        guard !running else { return }
        running = true
        pollDue()
    }

    /// No new poll starts on the timer (answers in flight are still taken in).
    func stop() {
        running = false
        timer?.cancel()
        timer = nil
        planner = PollTimerPlanner()
    }

    /// Polls for `seconds`, then stops.
    func run(for seconds: TimeInterval) async {
        start()
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
        stop()
    }

    private func pollDue() {
        guard running else { return }
        deliver(.pollDue(Date()))
    }

    private func deliver(_ event: FleetEvent) {
        perform(FleetUpdate.update(&state, event))
        for sink in sinks { sink.fleet(state, took: event) }
        replan()
    }

    /// Points the timer at the next due time, re-armed only when that time changes.
    private func replan() {
        guard running, let command = planner.plan(due: state.nextPollDue, now: Date()) else { return }
        timer?.cancel()
        timer = nil
        guard case .arm(let after) = command else { return }
        timer = loop.after(after) { [weak self] in
            // The loop is this actor's executor: the timer runs isolated to it already.
            self?.assumeIsolated { $0.timerFired() }
        }
    }

    private func timerFired() {
        planner.fired()
        timer = nil
        pollDue()
    }

    private func perform(_ effects: [FleetEffect]) {
        for effect in effects {
            switch effect {
            case .fetch(let key):
                let client = clients[key.server], gate = gates?[key.server]
                // Sent, read and parsed on the client's event loop (see `LoopExecutor`).
                Task(executorPreference: client.executor) {
                    _ = await gate?.enter()
                    let result = await client.fetchResult(user: key.name)
                    gate?.leave()
                    await self.deliver(.fetched(key, result: result, at: Date()))
                }
            case .fetchUserList(let server):
                let client = clients[server], gate = gates?[server]
                Task(executorPreference: client.executor) {
                    _ = await gate?.enter()
                    let result = await client.fetchUsersResult()
                    gate?.leave()
                    await self.deliver(.userListFetched(server: server, result: result, at: Date()))
                }
            case .bell:
                break
            }
        }
    }
}
