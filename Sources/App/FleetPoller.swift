import Dashboard
import Foundation
import M4API

/// The fleet without a terminal: the same state, `update` and scheduler as the dashboard,
/// driven by a loop of its own. Requests run concurrently and come back as events, exactly as in
/// the live shell; nothing here decides what to ask for.
actor FleetPoller {
    private(set) var state: DashboardState
    private let clients: [M4Client]

    /// The loop looks at the scheduler at least this often.
    static let longestSleep: TimeInterval = 0.05

    init(state: DashboardState, clients: [M4Client]) {
        precondition(state.servers.count == clients.count, "one client per server")
        self.state = state
        self.clients = clients
    }

    /// Polls for `seconds`, then returns (requests still in flight finish in the background and
    /// are still recorded).
    func run(for seconds: TimeInterval) async {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, !Task.isCancelled {
            let now = Date()
            perform(DashboardUpdate.update(&state, .pollDue(now)))
            let due = state.nextPollDue.map { $0.timeIntervalSince(Date()) } ?? Self.longestSleep
            let wait = min(max(due, 0.002), Self.longestSleep, max(0, end.timeIntervalSinceNow))
            try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
        }
    }

    private func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .fetch(let key):
                let client = clients[key.server]
                Task {
                    let result: Result<QuickStats, FetchError>
                    do throws(FetchError) {
                        result = .success(try await client.fetch(user: key.name))
                    } catch {
                        result = .failure(error)
                    }
                    await self.deliver(.fetched(key, result: result, at: Date()))
                }
            case .fetchUserList(let server):
                let client = clients[server]
                Task {
                    let result: Result<[M4User], FetchError>
                    do throws(FetchError) {
                        result = .success(try await client.fetchUsers())
                    } catch {
                        result = .failure(error)
                    }
                    await self.deliver(.userListFetched(server: server, result: result, at: Date()))
                }
            case .repaint, .applyTheme, .suspend, .bell, .loadChart, .quit:
                break
            }
        }
    }

    private func deliver(_ event: Event) {
        perform(DashboardUpdate.update(&state, event))
    }
}
