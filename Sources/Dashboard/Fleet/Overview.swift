import Foundation
import M4API
import Screen
import Watch

/// The overview's cursor, sort and filter.
package struct OverviewState: Sendable, Equatable {
    package var selection: UserKey?
    /// Nil: each server's users in the server's own order.
    package var sort: OverviewColumn?
    package var descending = true
    package var filter = ""
    /// `/` typed: keys go to the filter until Enter or Esc.
    package var editingFilter = false
    /// The first line shown (scrolling).
    package var top = 0

    package init() {}
}

/// How far a row can be trusted, in one word (colour never carries it alone).
package enum RowState: String, Sendable, CaseIterable {
    /// The server is backing off after a failure: every row of it.
    case down
    /// The server refuses this user (Access Denied, not authorized).
    case denied
    /// Another API error for this user (Bad login, Incorrect hash).
    case error
    /// No success for three rounds.
    case stale
    /// Not asked yet.
    case wait
    /// Listed by users_get as blocked: shown, not polled.
    case blocked
    case live

    package var word: String { rawValue }

    /// Sorting by state puts trouble first.
    var severity: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    package var role: Role {
        switch self {
        case .down, .denied, .error: return .bad
        case .stale: return .warning
        case .wait, .blocked: return .muted
        case .live: return .good
        }
    }
}

extension RowState {
    /// The word for a user whose own last request failed this way.
    init(problem error: FetchError) {
        if case .api(let apiError) = error {
            self = apiError.kind == .accessDenied || apiError.kind == .notAuthorized ? .denied : .error
        } else {
            self = .down
        }
    }
}

/// One line of the overview list.
package enum OverviewLine: Sendable, Equatable {
    /// The sum of the servers' admin rows (several servers only).
    case fleetTotal
    case server(Int)
    case user(UserKey)

    package var userKey: UserKey? {
        if case .user(let key) = self { return key }
        return nil
    }
}

/// The overview's facts, decided here so that no drawing code decides them.
extension DashboardState {
    package func rowState(_ key: UserKey) -> RowState {
        if fleetState.isBlocked(key) { return .blocked }
        if servers[key.server].failure != nil { return .down }
        guard let user = userStates[key] else { return .wait }
        if let error = user.lastError { return RowState(problem: error) }
        if user.lastSuccess == nil { return .wait }
        return isStale(key) ? .stale : .live
    }

    /// A row's number: from its latest answer; a balance also from users_get; `VS 7D` from the
    /// store's baseline.
    package func value(_ column: OverviewColumn, of key: UserKey) -> Decimal? {
        if column == .vsLastWeek {
            guard let baseline = baselines[key], let figures = figures[key] else { return nil }
            return baseline.percentVsLastWeek(figures.priceOnly ? .todayPrice : .todayRevenue, current: figures.values[.revenue])
        }
        if let value = figures[key]?.values[column] { return value }
        if column == .balance, !isAdmin(key) { return servers[key.server].directory[key.name]?.balance }
        return nil
    }

    /// Seconds since the row's last success.
    package func age(of key: UserKey) -> TimeInterval? { fleetState.age(of: key) }

    /// The sum of the servers' admin rows (each is its server's totals; user rows are already
    /// inside them and are never added on top). Margin is recomputed from the sums.
    package func fleetTotal(_ column: OverviewColumn) -> Decimal? {
        let admins = servers.indices.map { UserKey(server: $0, name: servers[$0].adminName) }
        switch column {
        case .margin:
            guard let revenue = fleetTotal(.revenue), let profit = fleetTotal(.profit), revenue != 0 else { return nil }
            return profit / revenue * 100
        case .active, .activeDelta, .calls, .revenue, .profit, .callsPerMinute:
            let values = admins.compactMap { value(column, of: $0) }
            return values.isEmpty ? nil : values.reduce(0, +)
        case .user, .state, .age, .balance, .vsLastWeek:
            return nil
        }
    }

    /// Does the row match the filter (user name, full name, or server name; any case)?
    func matchesFilter(_ key: UserKey) -> Bool {
        let filter = overview.filter.lowercased()
        guard !filter.isEmpty else { return true }
        let server = servers[key.server]
        if key.name.lowercased().contains(filter) || server.title.lowercased().contains(filter) { return true }
        return server.directory[key.name]?.fullName.lowercased().contains(filter) ?? false
    }

    /// The lines of the overview, in order: the fleet total (several servers), then each server
    /// with its admin row first and its users filtered and sorted.
    package var overviewLines: [OverviewLine] {
        var lines: [OverviewLine] = servers.count > 1 && overview.filter.isEmpty ? [.fleetTotal] : []
        for index in servers.indices {
            let server = servers[index]
            let keys = server.users.map { UserKey(server: index, name: $0) }.filter(matchesFilter)
            guard !keys.isEmpty || overview.filter.isEmpty else { continue }
            let admins = keys.filter(isAdmin)
            let others = sorted(keys.filter { !isAdmin($0) })
            lines.append(.server(index))
            lines += (admins + others).map(OverviewLine.user)
        }
        return lines
    }

    private func sorted(_ keys: [UserKey]) -> [UserKey] {
        guard let column = overview.sort else { return keys }
        let descending = overview.descending
        // Rows without a number go last whichever the direction: they are not the extremes.
        func compare(_ a: UserKey, _ b: UserKey) -> Bool {
            switch column {
            case .user:
                return descending ? a.name > b.name : a.name < b.name
            case .state:
                let (x, y) = (rowState(a).severity, rowState(b).severity)
                return descending ? x < y : x > y
            case .age:
                switch (age(of: a), age(of: b)) {
                case (let x?, let y?): return descending ? x > y : x < y
                case (nil, .some): return false
                case (.some, nil): return true
                case (nil, nil): return false
                }
            default:
                switch (value(column, of: a), value(column, of: b)) {
                case (let x?, let y?): return descending ? x > y : x < y
                case (nil, .some): return false
                case (.some, nil): return true
                case (nil, nil): return false
                }
            }
        }
        // Stable: equal rows keep the server's order.
        return keys.enumerated().sorted { left, right in
            if compare(left.element, right.element) { return true }
            if compare(right.element, left.element) { return false }
            return left.offset < right.offset
        }.map(\.element)
    }
}

/// Moving, sorting and filtering on the overview.
package enum OverviewNavigation {
    static func perform(_ action: OverviewAction, _ state: inout DashboardState) {
        let lines = state.overviewLines
        let users = lines.compactMap(\.userKey)
        let page = max(1, OverviewView.listRows(state) - 1)
        let position = state.overview.selection.flatMap { users.firstIndex(of: $0) } ?? 0
        func select(_ index: Int) {
            guard !users.isEmpty else { return }
            state.overview.selection = users[min(max(0, index), users.count - 1)]
        }
        switch action {
        case .up: select(position - 1)
        case .down: select(position + 1)
        case .pageUp: select(position - page)
        case .pageDown: select(position + page)
        case .home:
            select(0)
            state.overview.top = 0
        case .end: select(users.count - 1)
        case .sortNext, .sortPrevious:
            // The columns there are: VS 7D only once a baseline came from the store.
            let order: [OverviewColumn?] = [nil] + OverviewColumn.allCases.filter { !state.baselines.isEmpty || $0 != .vsLastWeek }
            let index = order.firstIndex(of: state.overview.sort) ?? 0
            let step = action == .sortNext ? 1 : order.count - 1
            state.overview.sort = order[(index + step) % order.count]
            state.overview.descending = state.overview.sort?.sortsDescendingFirst ?? true
        case .invertSort:
            state.overview.descending.toggle()
        case .startFilter:
            state.overview.editingFilter = true
        case .clearFilter:
            state.overview.filter = ""
        case .open, .refreshAll:
            break
        }
        keepSelectionVisible(&state)
    }

    /// Keys while typing a filter: text goes in, Backspace takes out, Enter keeps, Esc clears.
    static func editFilter(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        switch key {
        case .enter:
            state.overview.editingFilter = false
        case .escape:
            state.overview.editingFilter = false
            state.overview.filter = ""
        case .backspace, .control("h"):
            if !state.overview.filter.isEmpty { state.overview.filter.removeLast() }
        case .control("c"):
            return [.quit(status: DashboardUpdate.quitStatus)]
        case .character(let character):
            guard state.overview.filter.count < maximumFilterLength,
                  !character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { break }
            state.overview.filter.append(character)
        default:
            break
        }
        keepSelectionVisible(&state)
        return []
    }

    static let maximumFilterLength = 40

    /// The selection stays on a shown row, and the list scrolls so that it is on screen.
    package static func keepSelectionVisible(_ state: inout DashboardState) {
        let lines = state.overviewLines
        let users = lines.compactMap(\.userKey)
        if let selection = state.overview.selection, !users.contains(selection) {
            state.overview.selection = users.first
        } else if state.overview.selection == nil {
            state.overview.selection = users.first
        }
        let rows = OverviewView.listRows(state)
        var top = min(state.overview.top, max(0, lines.count - rows))
        if let selection = state.overview.selection, let line = lines.firstIndex(of: .user(selection)) {
            // Show the server's line too when the cursor reaches the top of a group.
            let wanted = line > 0 && lines[line - 1] != .user(selection) && lines[line - 1].userKey == nil ? line - 1 : line
            if wanted < top { top = wanted }
            if line >= top + rows { top = line - rows + 1 }
        }
        state.overview.top = max(0, top)
    }
}

/// A server in trouble: pinned above the overview's list whatever the sort and the scroll, so
/// that "is anything wrong, and where?" is answered by name on the first screen.
package struct ServerTrouble: Sendable, Equatable {
    package let server: Int
    /// The server's own failure (every row of it is down).
    package let failure: FetchError?
    /// Rows of this server in a trouble state, worst first (down, denied, error, stale).
    package let rows: [RowCount]
    /// Its most severe firing alert (on the server or any of its users) and how many fire.
    package let worstAlert: FiringAlert?
    package let alertCount: Int
    /// users_get refused: the configured users are watched instead.
    package let listRefused: String?

    package struct RowCount: Sendable, Equatable {
        package let state: RowState
        package let count: Int
    }

    /// For ordering: a failing server first, then bad rows and critical alerts, then the rest.
    var severity: Int {
        if failure != nil { return 0 }
        if rows.contains(where: { $0.state.role == .bad }) || worstAlert?.rule.severity == .critical { return 1 }
        return 2
    }

    package var isBad: Bool { severity < 2 }
}

extension DashboardState {
    /// Servers in trouble, worst first; empty when every server is well (or only one is watched:
    /// its own line and the header say it).
    package var serverTroubles: [ServerTrouble] {
        guard servers.count > 1 else { return [] }
        var counts = Array(repeating: [RowState: Int](), count: servers.count)
        for key in fleet { counts[key.server][rowState(key), default: 0] += 1 }
        var alerts = Array(repeating: [FiringAlert](), count: servers.count)
        for alert in self.alerts.firing where alert.subject.server < servers.count { alerts[alert.subject.server].append(alert) }
        var troubles: [ServerTrouble] = []
        for index in servers.indices {
            let server = servers[index]
            let rows = [RowState.down, .denied, .error, .stale].compactMap { state in
                counts[index][state].flatMap { $0 > 0 ? ServerTrouble.RowCount(state: state, count: $0) : nil }
            }
            var refused: String?
            if case .refused(let reason) = server.userList { refused = reason }
            guard server.failure != nil || !rows.isEmpty || !alerts[index].isEmpty || refused != nil else { continue }
            // `firing` is sorted most severe first.
            troubles.append(ServerTrouble(server: index, failure: server.failure, rows: server.failure == nil ? rows : [],
                                          worstAlert: alerts[index].first, alertCount: alerts[index].count, listRefused: refused))
        }
        return troubles.enumerated().sorted { ($0.element.severity, $0.offset) < ($1.element.severity, $1.offset) }.map(\.element)
    }

    /// How many servers' admin rows are in `state`: the fleet total says `1/2 down`.
    package func serversIn(_ state: RowState) -> Int {
        servers.indices.filter { rowState(UserKey(server: $0, name: servers[$0].adminName)) == state }.count
    }
}
