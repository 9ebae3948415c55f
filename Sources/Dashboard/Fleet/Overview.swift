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
    /// The place in the list above (`allCases`), without building that list each time: a
    /// frame asks for every row's.
    var severity: Int {
        switch self {
        case .down: return 0
        case .denied: return 1
        case .error: return 2
        case .stale: return 3
        case .wait: return 4
        case .blocked: return 5
        case .live: return 6
        }
    }

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
        let server = servers[key.server]
        return rowState(key, blocked: server.isBlocked(key.name), serverDown: server.failure != nil,
                        round: scheduler.roundSeconds(server: key.server))
    }

    /// One row's state with its server's facts read once for all its rows (a frame judges
    /// every row).
    func rowState(_ key: UserKey, blocked: Bool, serverDown: Bool, round: TimeInterval) -> RowState {
        if blocked { return .blocked }
        if serverDown { return .down }
        guard let user = userStates[key] else { return .wait }
        if let error = user.lastError { return RowState(problem: error) }
        if user.lastSuccess == nil { return .wait }
        return fleetState.isStale(key, user, round: round) ? .stale : .live
    }

    /// Every watched user's row state, counted per server (by `RowState.severity`): one pass
    /// for a frame's header words and trouble lines.
    package func rowStateCounts() -> [[Int]] {
        servers.indices.map { index in
            let server = servers[index]
            let down = server.failure != nil
            let round = scheduler.roundSeconds(server: index)
            var counts = Array(repeating: 0, count: RowState.allCases.count)
            for name in server.users {
                counts[rowState(UserKey(server: index, name: name), blocked: server.isBlocked(name), serverDown: down, round: round).severity] += 1
            }
            return counts
        }
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
        let filter = NameFilter(overview.filter)
        guard !filter.isEmpty else { return true }
        return matches(key.name, of: servers[key.server], filter: filter, serverMatches: filter.matches(servers[key.server].title))
    }

    /// `filter` is not empty; whether the server's title matches it is worked out once per server.
    private func matches(_ name: String, of server: WatchedServer, filter: NameFilter, serverMatches: Bool) -> Bool {
        if serverMatches || filter.matches(name) { return true }
        return server.directory[name].map { filter.matches($0.fullName) } ?? false
    }

    /// The lines of the overview, in order: the fleet total (several servers), then each server
    /// with its admin row first and its users filtered and sorted. Worked out once per frame
    /// and once per key (ten thousand rows): each server's facts read once, each row's sort key
    /// read once.
    package var overviewLines: [OverviewLine] {
        var lines: [OverviewLine] = servers.count > 1 && overview.filter.isEmpty ? [.fleetTotal] : []
        let filter = NameFilter(overview.filter)
        for index in servers.indices {
            let server = servers[index]
            let serverMatches = !filter.isEmpty && filter.matches(server.title)
            var admins: [UserKey] = [], others: [UserKey] = []
            for name in server.users where filter.isEmpty || matches(name, of: server, filter: filter, serverMatches: serverMatches) {
                if name == server.adminName {
                    admins.append(UserKey(server: index, name: name))
                } else {
                    others.append(UserKey(server: index, name: name))
                }
            }
            guard !admins.isEmpty || !others.isEmpty || overview.filter.isEmpty else { continue }
            lines.append(.server(index))
            lines += admins.map(OverviewLine.user)
            lines += sorted(others, server: index).map(OverviewLine.user)
        }
        return lines
    }

    /// One server's users in the overview's sort: by the column, then the server's order.
    private func sorted(_ keys: [UserKey], server: Int) -> [UserKey] {
        guard let column = overview.sort, keys.count > 1 else { return keys }
        let descending = overview.descending
        // Each row's key read once (not twice per comparison), compared once per comparison;
        // rows without a number go last whichever the direction: they are not the extremes.
        func order<T>(_ values: [T?], _ compare: (T, T) -> Int) -> [UserKey] {
            // Stable: equal rows keep the server's order.
            keys.indices.sorted { a, b in
                let result: Int
                switch (values[a], values[b]) {
                case (let x?, let y?): result = descending ? compare(y, x) : compare(x, y)
                case (nil, .some): result = 1
                case (.some, nil): result = -1
                case (nil, nil): result = 0
                }
                return result != 0 ? result < 0 : a < b
            }.map { keys[$0] }
        }
        switch column {
        case .user:
            return order(keys.map(\.name), threeWay)
        case .state:
            let facts = servers[server]
            let round = scheduler.roundSeconds(server: server)
            let severities = keys.map { key in
                rowState(key, blocked: facts.isBlocked(key.name), serverDown: facts.failure != nil, round: round).severity
            }
            // Trouble first: a lower severity is "more" (descending puts it on top).
            return order(severities) { threeWay($1, $0) }
        case .age:
            return order(keys.map(age), threeWay)
        default:
            return order(keys.map { value(column, of: $0).map(SortNumber.init) }, SortNumber.compare)
        }
    }
}

/// The overview's filter: a text matches when its lowercase holds the filter's lowercase. Both
/// in ASCII (user names mostly are), the bytes are compared as they stand, without lowercasing
/// (a new string) each of ten thousand names per frame and per key; the same answer.
struct NameFilter {
    /// Lowercased.
    let text: String
    /// The same as bytes, when all ASCII.
    private let ascii: [UInt8]?

    init(_ filter: String) {
        text = filter.lowercased()
        // Not with CR or LF: "\r\n" is one character, which a byte search would split.
        ascii = text.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D && $0 != 0x0A } ? Array(text.utf8) : nil
    }

    var isEmpty: Bool { text.isEmpty }

    func matches(_ candidate: String) -> Bool {
        if let ascii, let found = candidate.utf8.withContiguousStorageIfAvailable({ Self.find(ascii, in: $0) }), let found {
            return found
        }
        return candidate.lowercased().contains(text)
    }

    /// Whether `haystack`, lowercased, holds `needle` (lowercase ASCII); nil when `haystack` is
    /// not all ASCII (then lowercasing may change more than A-Z).
    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool? {
        if haystack.contains(where: { $0 >= 0x80 }) { return nil }
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) {
            var index = 0
            while index < needle.count {
                var byte = haystack[start + index]
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                if byte != needle[index] { break }
                index += 1
            }
            if index == needle.count { return true }
        }
        return false
    }
}

/// -1, 0 or 1 as `x` is below, equal to or above `y`.
private func threeWay<T: Comparable>(_ x: T, _ y: T) -> Int {
    x < y ? -1 : (y < x ? 1 : 0)
}

/// A row's number as the sort compares it: exactly as `Decimal` orders numbers, at the cost of
/// comparing two `Double`s (or the decimals' bytes, for a tie) unless two different numbers are
/// within a millionth of a percent of each other. A `Decimal` comparison takes ~200 ns (it builds
/// integers on the heap); a sort of ten thousand rows makes a few hundred thousand comparisons.
struct SortNumber {
    let exact: Decimal
    /// Within ~1e-15 of `exact` (relative): the margin below is a million times that.
    let approximate: Double
    /// The decimal's own bytes: the same bytes are the same number.
    let bytes: (UInt64, UInt64, UInt64)

    init(_ exact: Decimal) {
        self.exact = exact
        approximate = NSDecimalNumber(decimal: exact).doubleValue
        var bytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeBytes(of: exact) { source in
            withUnsafeMutableBytes(of: &bytes) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix($0.count))) }
        }
        self.bytes = bytes
    }

    /// The bytes hold the whole decimal (20 bytes), so equal bytes say equal numbers.
    static let bytesAreWhole = MemoryLayout<Decimal>.size <= MemoryLayout<(UInt64, UInt64, UInt64)>.size

    static func compare(_ x: SortNumber, _ y: SortNumber) -> Int {
        let margin = 1e-9 * max(abs(x.approximate), abs(y.approximate))
        if x.approximate < y.approximate - margin { return -1 }
        if x.approximate > y.approximate + margin { return 1 }
        if bytesAreWhole && x.bytes == y.bytes { return 0 }
        return threeWay(x.exact, y.exact)
    }
}

/// Moving, sorting and filtering on the overview.
package enum OverviewNavigation {
    static func perform(_ action: OverviewAction, _ state: inout DashboardState) {
        let lines = state.overviewLines
        let users = lines.compactMap(\.userKey)
        let rows = OverviewView.listRows(state)
        let page = max(1, rows - 1)
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
        // A move leaves the lines as they were (ten thousand rows are sorted once per key, not
        // twice); a new sort or filter orders them again. The list's height stays.
        switch action {
        case .sortNext, .sortPrevious, .invertSort, .clearFilter:
            keepSelectionVisible(&state, rows: rows)
        case .up, .down, .pageUp, .pageDown, .home, .end, .startFilter, .open, .refreshAll:
            keepSelectionVisible(&state, lines: lines, rows: rows)
        }
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
    /// `lines` and `rows`, when given, are the state's `overviewLines` and list height already
    /// worked out.
    package static func keepSelectionVisible(_ state: inout DashboardState, lines known: [OverviewLine]? = nil, rows knownRows: Int? = nil) {
        let lines = known ?? state.overviewLines
        let users = lines.compactMap(\.userKey)
        if let selection = state.overview.selection, !users.contains(selection) {
            state.overview.selection = users.first
        } else if state.overview.selection == nil {
            state.overview.selection = users.first
        }
        let rows = knownRows ?? OverviewView.listRows(state)
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
        return serverTroubles(counts: rowStateCounts())
    }

    /// The same from the rows' states counted already (`rowStateCounts`).
    package func serverTroubles(counts: [[Int]]) -> [ServerTrouble] {
        guard servers.count > 1 else { return [] }
        var alerts = Array(repeating: [FiringAlert](), count: servers.count)
        for alert in self.alerts.firing where alert.subject.server < servers.count { alerts[alert.subject.server].append(alert) }
        var troubles: [ServerTrouble] = []
        for index in servers.indices {
            let server = servers[index]
            let rows = [RowState.down, .denied, .error, .stale].compactMap { state in
                counts[index][state.severity] > 0 ? ServerTrouble.RowCount(state: state, count: counts[index][state.severity]) : nil
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
