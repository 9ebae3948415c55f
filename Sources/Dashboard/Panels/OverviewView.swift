import Foundation
import M4API
import Watch
import Screen

/// Draws the overview: one row per watched user, grouped by server, with the fleet total on
/// top. Pure: the same state gives the same cells.
///
/// ```
///  m4top · overview · 31 users on 2 servers                     1 down  2 stale
///  sort: REVENUE ▼ (< > i) · every 30s off screen
///   USER          STATE     AGE  ACTIVE    Δ   CALLS     REVENUE  MARGIN     BALANCE
///   Σ fleet       live       2s      14   +2     312      104.55     38%
///  prod  http://127.0.0.1:41234/billing · 27 users · round 30s
///   Σ admin       live       2s      12   +2     270       92.10     37%
///   alice         live       4s       3          51       12.40           11,987.60
/// ```
package struct OverviewView {
    /// The layout's rows: title, sort line and column titles on top; status and footer below.
    static let headerRows = 3
    static let bottomRows = 2

    /// Rows below the titles at this terminal height: the pinned trouble lines, then the list.
    package static func listRows(height: Int) -> Int { max(1, height - headerRows - bottomRows) }

    /// Rows the scrolling list has, once the trouble lines are pinned above it.
    package static func listRows(_ state: DashboardState) -> Int {
        max(1, listRows(height: state.height) - troubleRows(state.serverTroubles.count, height: state.height))
    }

    /// Pinned trouble lines: one per server in trouble, at most a third of the rows (the last
    /// then says how many more), none when all is well.
    static func troubleRows(_ troubles: Int, height: Int) -> Int {
        min(troubles, max(1, listRows(height: height) / 3))
    }

    package let context: PanelContext
    package init(context: PanelContext) { self.context = context }

    package func draw(_ state: DashboardState, in screen: Rect, on canvas: inout Canvas) {
        let (top, rest) = screen.splitTop(Self.headerRows)
        let bottom = rest.splitBottom(Self.bottomRows).1
        let columns = OverviewColumn.fitting(state.width, baselines: !state.baselines.isEmpty)
        let lines = state.overviewLines
        // Every row's state, judged once for the header's words and the trouble lines.
        let counts = state.rowStateCounts()
        drawHeader(state, counts: counts, in: top, on: &canvas)
        drawTitles(state, columns: columns, in: top.row(2), on: &canvas)
        let troubles = state.serverTroubles(counts: counts)
        let (strip, list) = rest.splitBottom(Self.bottomRows).0.splitTop(Self.troubleRows(troubles.count, height: state.height))
        drawTroubles(troubles, state, in: strip, on: &canvas)
        let first = min(state.overview.top, max(0, lines.count - list.height))
        for row in 0..<list.height where first + row < lines.count {
            drawLine(lines[first + row], state, columns: columns, in: list.row(row), on: &canvas)
        }
        if lines.allSatisfy({ $0.userKey == nil }) {
            canvas.put("  no user matches the filter \"\(state.overview.filter)\" (Esc clears it)", in: list.row(0), role: .muted)
        }
        drawStatus(state, in: bottom.row(0), on: &canvas)
        Footer.draw(KeyMap.overviewFooterItems, in: bottom.row(1), on: &canvas)
    }

    // MARK: Header

    private func drawHeader(_ state: DashboardState, counts perServer: [[Int]], in rect: Rect, on canvas: inout Canvas) {
        let glyphs = context.glyphs
        let row = rect.row(0)
        canvas.fill(row, role: .header)
        let servers = state.servers.count
        let users = state.fleet.count
        let heading = " m4top \(glyphs.separator) overview \(glyphs.separator) \(users) user\(users == 1 ? "" : "s") on \(servers) server\(servers == 1 ? "" : "s")"
        canvas.put(heading, in: row, role: .header)
        // Trouble counted in words on the right: seen from across the room.
        var counts: [RowState: Int] = [:]
        for server in perServer {
            for word in RowState.allCases where server[word.severity] > 0 { counts[word, default: 0] += server[word.severity] }
        }
        var x = row.maxX - 1
        if state.demoNotice != nil { x -= canvas.putRight(" DEMO ", rightEdge: x + 1, y: row.y, role: .warning) + 1 }
        if state.paused && !state.isReplaying { x -= canvas.putRight("\(glyphs.pause) PAUSED", rightEdge: x, y: row.y, role: .warning) + 2 }
        if let alerts = state.alertSummary { x -= canvas.putRight("\(glyphs.cross) \(alerts.text)", rightEdge: x, y: row.y, role: alerts.role) + 2 }
        for word in [RowState.stale, .error, .denied, .down] {
            guard let count = counts[word], count > 0 else { continue }
            x -= canvas.putRight("\(count) \(word.word)", rightEdge: x, y: row.y, role: word.role) + 2
        }
        if counts.keys.allSatisfy({ $0 == .live || $0 == .blocked }) && !state.paused && state.alertSummary == nil {
            canvas.putRight("\(glyphs.bullet) all live", rightEdge: x, y: row.y, role: .good)
        }

        var parts: [String] = []
        if let column = state.overview.sort {
            parts.append("sort: \(title(of: column)) \(state.overview.descending ? glyphs.down : glyphs.up)")
        } else {
            parts.append("server order")
        }
        if !state.overview.filter.isEmpty { parts.append("filter: \(state.overview.filter)") }
        if !state.isReplaying { parts.append("every \(TimeText.seconds(state.scheduler.overviewInterval)) per user") }
        canvas.put(" " + parts.joined(separator: "  \(glyphs.separator)  "), in: rect.row(1), role: .muted)
    }

    // MARK: Trouble, pinned

    private func drawTroubles(_ troubles: [ServerTrouble], _ state: DashboardState, in strip: Rect, on canvas: inout Canvas) {
        guard strip.height > 0 else { return }
        let shown = troubles.count > strip.height ? strip.height - 1 : troubles.count
        let nameWidth = min(16, troubles.prefix(shown).map { CharacterWidth.of(state.servers[$0.server].title) }.max() ?? 0)
        for (row, trouble) in troubles.prefix(shown).enumerated() {
            drawTrouble(trouble, state, nameWidth: nameWidth, in: strip.row(row), on: &canvas)
        }
        if shown < troubles.count {
            let more = troubles.count - shown
            let text = " \(context.glyphs.cross) +\(more) more server\(more == 1 ? "" : "s") in trouble: their lines below (< > sorts by STATE)"
            canvas.put(CharacterWidth.truncate(text, to: strip.width, ellipsis: context.glyphs.ellipsis), in: strip.row(shown),
                       role: troubles[shown...].contains(where: \.isBad) ? .bad : .warning)
        }
    }

    /// ` ✖ lab   DOWN: connection refused · retry in 4s · 2 users`
    private func drawTrouble(_ trouble: ServerTrouble, _ state: DashboardState, nameWidth: Int, in row: Rect, on canvas: inout Canvas) {
        let glyphs = context.glyphs
        let server = state.servers[trouble.server]
        let role: Role = trouble.isBad ? .bad : .warning
        var x = row.x + canvas.put(" \(glyphs.cross) ", in: row, role: role)
        let name = CharacterWidth.truncate(server.title, to: nameWidth, ellipsis: glyphs.ellipsis)
        x += canvas.put(name, x: x, y: row.y, role: role, maxWidth: max(0, row.maxX - x))
        x += nameWidth - CharacterWidth.of(name) + 2
        var parts: [String] = []
        if let failure = trouble.failure {
            var text = "DOWN: \(failure.message)"
            if let retry = state.scheduler.retryAt(server: trouble.server) {
                text += " \(glyphs.separator) retry in \(TimeText.age(max(0, retry.timeIntervalSince(state.now)).rounded(.up)))"
            }
            parts.append(text)
        }
        parts += trouble.rows.map { "\($0.count) \($0.state.word)" }
        if let alert = trouble.worstAlert {
            parts.append("\(alert.rule.severity.word) \(alert.rule.name)" + (trouble.alertCount > 1 ? " +\(trouble.alertCount - 1) more" : ""))
        }
        if trouble.listRefused != nil { parts.append("users_get refused") }
        parts.append("\(server.users.count) user\(server.users.count == 1 ? "" : "s")")
        let text = parts.joined(separator: " \(glyphs.separator) ")
        canvas.put(CharacterWidth.truncate(text, to: max(0, row.maxX - x), ellipsis: glyphs.ellipsis), x: x, y: row.y, role: role)
    }

    private func drawTitles(_ state: DashboardState, columns: [OverviewColumn], in row: Rect, on canvas: inout Canvas) {
        let cells = layout(columns, width: row.width)
        for (column, cell) in cells {
            let sorted = state.overview.sort == column
            let text = title(of: column) + (sorted ? (state.overview.descending ? context.glyphs.down : context.glyphs.up) : "")
            let role: Role = sorted ? .accent : .title
            if column == .user || column == .state {
                canvas.put(text, x: row.x + cell.x, y: row.y, role: role, maxWidth: cell.width)
            } else {
                canvas.putRight(text, rightEdge: row.x + cell.x + cell.width, y: row.y, role: role)
            }
        }
    }

    private func title(of column: OverviewColumn) -> String {
        column == .activeDelta && context.glyphs.isASCII ? "+/-" : column.title
    }

    /// Each column's start and width: fixed widths, the user column taking what is left.
    private func layout(_ columns: [OverviewColumn], width: Int) -> [(OverviewColumn, (x: Int, width: Int))] {
        let fixed = columns.filter { $0 != .user }.map(\.width).reduce(0, +) + columns.count + 1
        let userWidth = min(28, max(OverviewColumn.user.width, width - fixed))
        var x = 1
        var result: [(OverviewColumn, (x: Int, width: Int))] = []
        for column in columns {
            let w = column == .user ? userWidth : column.width
            result.append((column, (x, w)))
            x += w + 1
        }
        return result
    }

    // MARK: Lines

    private func drawLine(_ line: OverviewLine, _ state: DashboardState, columns: [OverviewColumn], in row: Rect, on canvas: inout Canvas) {
        switch line {
        case .server(let index): drawServer(index, state, in: row, on: &canvas)
        case .fleetTotal: drawFleetTotal(state, columns: columns, in: row, on: &canvas)
        case .user(let key): drawUser(key, state, columns: columns, in: row, on: &canvas)
        }
    }

    private func drawServer(_ index: Int, _ state: DashboardState, in row: Rect, on canvas: inout Canvas) {
        let glyphs = context.glyphs
        let server = state.servers[index]
        var x = row.x + canvas.put(" " + server.title + " ", in: row, role: .accent)
        var parts: [String] = []
        if !server.name.isEmpty { parts.append(server.displayURL) }
        let blocked = server.users.filter(server.isBlocked).count
        var count = "\(server.users.count) user\(server.users.count == 1 ? "" : "s")"
        if blocked > 0 { count += " (\(blocked) blocked)" }
        parts.append(count)
        switch server.userList {
        case .listed(_, let hidden, _) where hidden > 0: parts.append("\(hidden) hidden left out")
        case .waiting: parts.append("asking for the user list\(glyphs.ellipsis)")
        default: break
        }
        let round = state.scheduler.roundSeconds(server: index)
        if server.failure == nil, round > state.scheduler.overviewInterval + 0.5 {
            parts.append("full round \(TimeText.age(round.rounded(.up))) (max_rate \(Self.rate(state.scheduler.budget(of: index).maxRate))/s)")
        }
        x += canvas.put(parts.joined(separator: " \(glyphs.separator) "), x: x, y: row.y, role: .muted, maxWidth: row.maxX - x)
        if let alert = state.alerts.worst(for: .server(index)) {
            x += canvas.put(" \(glyphs.cross) \(alert.rule.severity.word) \(alert.rule.name)", x: x, y: row.y, role: alert.rule.severity.role,
                            maxWidth: max(0, row.maxX - x))
        }
        if let failure = server.failure {
            let retry = state.scheduler.retryAt(server: index).map { " \(glyphs.separator) retry in \(TimeText.age(max(0, $0.timeIntervalSince(state.now)).rounded(.up)))" } ?? ""
            let text = " \(glyphs.cross) DOWN: \(failure.message)\(retry)"
            canvas.put(CharacterWidth.truncate(text, to: max(0, row.maxX - x), ellipsis: glyphs.ellipsis), x: x, y: row.y, role: .bad)
        } else if case .refused(let reason) = server.userList {
            let text = " users_get refused: \(reason) (watching the configured users)"
            canvas.put(CharacterWidth.truncate(text, to: max(0, row.maxX - x), ellipsis: glyphs.ellipsis), x: x, y: row.y, role: .warning)
        }
    }

    static func rate(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private func drawFleetTotal(_ state: DashboardState, columns: [OverviewColumn], in row: Rect, on canvas: inout Canvas) {
        canvas.fill(row, role: .header)
        let admins = state.servers.indices.map { UserKey(server: $0, name: state.servers[$0].adminName) }
        let worst = admins.map(state.rowState).min { $0.severity < $1.severity } ?? .wait
        let ages = admins.compactMap(state.age)
        let fleetWord = worst == .live || worst == .wait ? worst.word : "\(state.serversIn(worst))/\(state.servers.count) \(worst.word)"
        let cells = layout(columns, width: row.width)
        let stateWidth = cells.first { $0.0 == .state }?.1.width ?? 0
        let ageWidth = cells.first { $0.0 == .age }?.1.width ?? 0
        let fleetWordFits = CharacterWidth.of(fleetWord) <= stateWidth
        for (column, cell) in cells {
            let x = row.x + cell.x
            switch column {
            case .user: canvas.put("Σ fleet", x: x, y: row.y, role: .header, maxWidth: cell.width)
            case .state:
                // How much of the fleet: `1/2 down`, not just `down`. Wider than the column, it
                // takes the age's place (the age matters less than the count).
                canvas.put(fleetWord, x: x, y: row.y, role: .header, maxWidth: fleetWordFits ? cell.width : cell.width + 1 + ageWidth)
            case .age:
                if fleetWordFits, let oldest = ages.max() { canvas.putRight(TimeText.age(oldest), rightEdge: x + cell.width, y: row.y, role: .header) }
            default:
                guard let value = state.fleetTotal(column) else { continue }
                let text = column == .activeDelta ? arrowed(value) : column.format(value)
                canvas.putRight(text ?? "", rightEdge: x + cell.width, y: row.y, role: .header)
            }
        }
    }

    private func drawUser(_ key: UserKey, _ state: DashboardState, columns: [OverviewColumn], in row: Rect, on canvas: inout Canvas) {
        let glyphs = context.glyphs
        let selected = state.overview.selection == key
        let rowState = state.rowState(key)
        let flashing = state.isHighlightActive(key)
        let changed = flashing ? state.figures[key]?.changed ?? [] : []
        let dim = rowState == .blocked || rowState == .wait || rowState == .stale
        let base: Role = selected ? .highlight : dim ? .muted : .text
        if selected { canvas.fill(row, role: .highlight) }
        canvas.put(selected ? ">" : " ", x: row.x, y: row.y, role: base)
        let isAdmin = state.isAdmin(key)
        for (column, cell) in layout(columns, width: row.width) {
            let x = row.x + cell.x
            func right(_ text: String, _ role: Role) {
                canvas.putRight(text, rightEdge: x + cell.width, y: row.y, role: selected ? .highlight : role)
            }
            switch column {
            case .user:
                let name = (isAdmin ? "Σ " : "") + key.name
                canvas.put(CharacterWidth.truncate(name, to: cell.width, ellipsis: glyphs.ellipsis), x: x, y: row.y,
                           role: selected ? .highlight : isAdmin ? .accent : base)
            case .state:
                // A firing alert is the row's word: what the room must see first.
                if let alert = state.alerts.worst(for: .user(key)) {
                    let word = alert.rule.severity.word + (alert.status.acknowledged ? " ack" : "")
                    canvas.put(word, x: x, y: row.y, role: selected ? .highlight : alert.rule.severity.role, maxWidth: cell.width)
                } else {
                    canvas.put(rowState.word, x: x, y: row.y, role: selected ? .highlight : rowState.role, maxWidth: cell.width)
                }
            case .age:
                if let age = state.age(of: key) { right(TimeText.age(age), rowState == .stale ? .stale : .muted) }
            case .activeDelta:
                if let change = state.value(.activeDelta, of: key), let text = arrowed(change) {
                    right(text, changed.contains(column) ? .highlight : .accent)
                }
            case .vsLastWeek:
                guard let value = state.value(column, of: key) else { continue }
                right(column.format(value), BaselineColumn.role(value, polarity: .upIsGood))
            default:
                guard let value = state.value(column, of: key) else { continue }
                var role: Role = changed.contains(column) ? .highlight : base
                if (column == .profit || column == .margin || column == .balance) && value < 0 && !selected { role = .bad }
                right(state.figures[key]?.texts[column] ?? column.format(value), role)
            }
        }
    }

    /// A change with its direction as an arrow (`▲3`), nil when nothing changed.
    private func arrowed(_ change: Decimal) -> String? {
        MetricFormat.delta(change, kind: .count).map { (change > 0 ? context.glyphs.up : context.glyphs.down) + $0.dropFirst() }
    }

    // MARK: Status

    private func drawStatus(_ state: DashboardState, in row: Rect, on canvas: inout Canvas) {
        if state.overview.editingFilter {
            canvas.put(" filter: \(state.overview.filter)_   (Enter keeps, Esc clears)", in: row, role: .accent)
            return
        }
        if let selection = state.overview.selection, let error = state.userStates[selection]?.lastError {
            let text = "\(selection.name): \(error.description)"
            canvas.put(" " + CharacterWidth.truncate(text, to: row.width - 2, ellipsis: context.glyphs.ellipsis), in: row, role: .bad)
            return
        }
        if let demo = state.demoNotice {
            canvas.put(" " + CharacterWidth.truncate(demo, to: row.width - 2, ellipsis: context.glyphs.ellipsis), in: row, role: .muted)
        }
    }
}

/// The overview as a screen: every user alike, a cursor, sorting and a filter of its own.
extension OverviewView: ScreenKind {
    package static let mode = ScreenMode(named: "overview")
    package static let minimumWidth = 40, minimumHeight = 10
    package static let followsCurrentUser = false
    package static let toggle: KeyMap.Binding<Action>? = KeyMap.Binding([.character("o")], .toggleScreen(.overview), help: "overview of every watched user, and back", footer: "o overview")
    package static var ownKeys: [KeyMap.Entry] { KeyMap.entries(KeyMap.overview) }

    package static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect]? {
        if state.overview.editingFilter { return OverviewNavigation.editFilter(key, &state) }
        guard let action = KeyMap.action(for: key, in: KeyMap.overview) else { return nil }
        switch action {
        case .open:
            guard let selection = state.overview.selection, state.fleet.contains(selection) else { return [] }
            state.current = selection
            return DashboardUpdate.show(.dashboard, &state)
        case .refreshAll:
            for server in state.servers.indices where state.servers[server].listsAllUsers {
                state.scheduler.wantUserList(server: server, now: state.now)
            }
            if let selection = state.overview.selection { state.scheduler.refresh(selection, now: state.now) }
            return FleetUpdate.startDue(&state.fleetState).map(Effect.init)
        default:
            OverviewNavigation.perform(action, &state)
            return []
        }
    }

    /// The cursor goes to the user on screen.
    package static func appear(_ state: inout DashboardState) {
        state.overview.selection = state.current
        OverviewNavigation.keepSelectionVisible(&state)
    }
}
