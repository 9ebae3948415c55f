import Foundation
import M4API
import Watch
import Screen

/// The wall (`w`): one tile per metric in big digits, growing with the terminal, and below
/// them, where room allows, a wide chart of active calls with a time axis. Read from across a
/// room: every tile says its name, its value, its change, and its alert in a word.
package struct WallView {
    /// The chart appears from this many rows of room under the tiles.
    static let chartMinimumRows = 6

    package let context: PanelContext
    package init(context: PanelContext) { self.context = context }

    package func draw(_ state: DashboardState, in screen: Rect, on canvas: inout Canvas) {
        let (top, rest) = screen.splitTop(1)
        let (body, bottom) = rest.splitBottom(2)
        drawHeader(state, in: top, on: &canvas)
        // The numbers come first: the chart takes a seventh of a tall screen (at least six
        // rows, with its axis), so that at 160x45 a digit is three times as tall as at 80x24.
        let chartRows = body.height >= 24 ? max(Self.chartMinimumRows, body.height / 7) : 0
        let (tilesArea, chartArea) = body.splitBottom(chartRows)
        let tiles = state.wallTiles
        let grid = Self.grid(count: tiles.count, in: tilesArea)
        for (index, id) in tiles.enumerated() where index < grid.count {
            drawTile(id, state, in: grid[index], on: &canvas)
        }
        if chartArea.height >= Self.chartMinimumRows {
            drawChart(state, in: chartArea, on: &canvas)
        }
        StatusLine.draw(state, in: bottom.row(0), on: &canvas, context)
        Footer.draw(KeyMap.footerItems(KeyMap.main), in: bottom.row(1), on: &canvas)
    }

    // MARK: Layout

    /// Tiles in a grid: the number of columns that gives each tile the most room for big digits
    /// (height in font rows, width for about eight characters at double width).
    package static func grid(count: Int, in area: Rect) -> [Rect] {
        guard count > 0 else { return [] }
        var best: (columns: Int, score: Double) = (1, -.infinity)
        for columns in 1...count {
            let rows = (count + columns - 1) / columns
            let width = Double(area.width / columns), height = Double(area.height / rows)
            // Fractions count: on a small screen the layout that comes nearest to big digits
            // also leaves the most room for plain ones.
            let byHeight = (height - 3) / Double(BigText.fontRows)
            let byWidth = (width - 4) / Double(BigText.width(of: "8,888.88", scaleX: 1))
            let score = min(byHeight, byWidth)
            if score > best.score { best = (columns, score) }
        }
        let columns = best.columns
        let rows = (count + columns - 1) / columns
        var rects: [Rect] = []
        for index in 0..<count {
            let row = index / columns, column = index % columns
            let x = area.x + area.width * column / columns
            let y = area.y + area.height * row / rows
            let nextX = area.x + area.width * (column + 1) / columns
            let nextY = area.y + area.height * (row + 1) / rows
            rects.append(Rect(x: x, y: y, width: nextX - x, height: nextY - y))
        }
        return rects
    }

    // MARK: Parts

    private func drawHeader(_ state: DashboardState, in row: Rect, on canvas: inout Canvas) {
        let glyphs = context.glyphs
        canvas.fill(row, role: .header)
        let kind = state.isAdminShown ? "admin" : "user"
        let position = state.fleet.count > 1 ? " \(state.currentIndex + 1)/\(state.fleet.count)" : ""
        let server = state.currentServer.name.isEmpty ? "" : " \(glyphs.separator) \(state.currentServer.name)"
        var text = " m4top \(glyphs.separator) wall \(glyphs.separator) \(state.currentUser) (\(kind))\(position)\(server)"
        if let rotation = HeaderPanel.rotationText(state) { text += "  \(glyphs.separator) \(rotation)" }
        canvas.put(text, in: row, role: .header)
        var right = row.maxX
        if state.demoNotice != nil { right -= canvas.putRight(" DEMO ", rightEdge: right, y: row.y, role: .warning) }
        let (label, role) = HeaderPanel.connectionLabel(state.connection, glyphs)
        right -= canvas.putRight(label + " ", rightEdge: right, y: row.y, role: role)
        if let alerts = state.alertSummary {
            canvas.putRight("\(glyphs.cross) \(alerts.text) ", rightEdge: right, y: row.y, role: alerts.role)
        }
    }

    private func drawTile(_ id: MetricID, _ state: DashboardState, in rect: Rect, on canvas: inout Canvas) {
        let glyphs = context.glyphs
        guard rect.width >= 6, rect.height >= 3 else { return }
        let userState = state.currentState
        let metric = id.metric
        let priceOnly = userState.latest?.isPriceOnly ?? !state.isAdminShown
        let label = Self.label(metric, priceOnly: priceOnly)
        let alert = tileAlert(metric, state)
        AlertFrame.box(rect, title: label, alert: alert, on: &canvas, glyphs)
        let inner = rect.inset(dx: 1, dy: 1)
        guard inner.height >= 1 else { return }
        let input = MetricInput(stats: userState.latest, trends: userState.trends, staleSeconds: nil)
        guard let value = metric.value(input) else {
            let text = userState.latest == nil ? (state.isReplaying ? "no data then" : "waiting\(glyphs.ellipsis)") : "not sent for this user"
            canvas.put(text, x: inner.x + 1, y: inner.y + inner.height / 2, role: .muted, maxWidth: inner.width - 2)
            return
        }
        let text = MetricFormat.format(value, kind: metric.kind) ?? "\(value)"
        let valueRole: Role = state.isStale ? .stale : alert?.role ?? .text
        // The change since the last answer, on the tile's last row when there is room for it.
        let change = deltaText(metric, userState, glyphs)
        let (digitsArea, deltaRow) = inner.height >= 3 ? inner.splitBottom(1) : (inner, Rect(x: 0, y: 0, width: 0, height: 0))
        if let big = BigText.fitting(text, width: digitsArea.width - 2, height: digitsArea.height, ascii: glyphs.isASCII) {
            let x = digitsArea.x + (digitsArea.width - big.width) / 2
            let y = digitsArea.y + (digitsArea.height - big.height) / 2
            for (index, line) in big.rows.enumerated() {
                canvas.put(line, x: x, y: y + index, role: valueRole)
            }
        } else {
            // Too small for big digits: the normal number, centred; never garbage.
            let shown = NumberFit.scaled(text, toFit: digitsArea.width) ?? CharacterWidth.truncate(text, to: digitsArea.width, ellipsis: glyphs.ellipsis)
            canvas.put(shown, x: digitsArea.x + max(0, (digitsArea.width - CharacterWidth.of(shown)) / 2),
                       y: digitsArea.y + digitsArea.height / 2, role: valueRole)
        }
        if let change, deltaRow.height > 0 {
            canvas.put(change.text, x: deltaRow.x + max(0, (deltaRow.width - CharacterWidth.of(change.text)) / 2), y: deltaRow.y,
                       role: change.role, maxWidth: deltaRow.width)
        }
        // "Is this normal for this hour?" on the tile's bottom border: `-12% vs Tue 24 Nov 14:00`.
        if let versus = baselineText(metric, value: value, state), rect.width >= 12 {
            let text = " " + CharacterWidth.truncate(versus.text, to: rect.width - 4, ellipsis: glyphs.ellipsis) + " "
            canvas.put(text, x: rect.x + max(1, (rect.width - CharacterWidth.of(text)) / 2), y: rect.maxY - 1, role: versus.role)
        }
    }

    /// A counter against the same time last week in percent; active calls against that
    /// minute's range last week. Nil when the store has no such time.
    private func baselineText(_ metric: Metric, value: Decimal, _ state: DashboardState) -> (text: String, role: Role)? {
        guard let lastWeek = state.baselines[state.current]?.lastWeek, let id = metric.id else { return nil }
        let when = lastWeek.moment.label(timeZone: state.servers[state.current.server].calendar.timeZone)
        if id == .activeCallsTotal, let range = lastWeek.activeRange {
            let low = MetricFormat.count(range.lowerBound), high = MetricFormat.count(range.upperBound)
            return ("\(low == high ? low : "\(low)\u{2013}\(high)") on \(when)", .muted)
        }
        // A percent of a percent (margin) misleads: left out, as on the dashboard.
        guard metric.kind != .percent, let percent = UserBaseline.percent(value, of: lastWeek.metrics[id]) else { return nil }
        return ("\(BaselineColumn.text(percent)) vs \(when)", BaselineColumn.role(percent, polarity: metric.polarity))
    }

    /// A tile's name, whole: `Active calls`, `Today's revenue`, `Balance`.
    static func label(_ metric: Metric, priceOnly: Bool) -> String {
        let name = metric.label(priceOnly: priceOnly)
        switch metric.section {
        case FieldName.activeCalls?: return metric.id == .activeCallsTotal ? "Active calls" : "\(name) calls"
        case Period.today.rawValue?: return "Today's \(name.lowercased())"
        case Period.month.rawValue?: return "This month's \(name.lowercased())"
        default: return name
        }
    }

    /// The alert on this tile's metric for the user on screen (active calls also show the
    /// server's silence).
    private func tileAlert(_ metric: Metric, _ state: DashboardState) -> Severity? {
        var worst = state.alerts.worst(for: state.current) { $0 == metric.id }
        if metric.section == FieldName.activeCalls, let server = state.alerts.worst(for: .server(state.current.server)) {
            worst = max(worst ?? server.rule.severity, server.rule.severity)
        }
        return worst
    }

    private func deltaText(_ metric: Metric, _ userState: UserState, _ glyphs: Glyphs) -> (text: String, role: Role)? {
        guard case .field(let section, let name) = metric.source, let change = userState.diff.delta(section ?? "", name),
              let text = MetricFormat.delta(change, kind: metric.kind) else { return nil }
        let arrow = change > 0 ? glyphs.up : glyphs.down
        return ("\(arrow) \(text) since the last answer", ValueColumns.deltaRole(metric.polarity.meaning(of: change)))
    }

    /// Active calls over the chart range (`[` `]`), as wide as the screen, with a time axis.
    private func drawChart(_ state: DashboardState, in area: Rect, on canvas: inout Canvas) {
        let glyphs = context.glyphs
        let window = state.chartWindow
        let kept = state.currentState.history.retention
        let fromStore = state.longChart.map { $0.key == state.current && $0.window == window && !$0.samples.isEmpty } ?? false
        let note = window > kept ? (fromStore ? " (from the history store)" : " (\(Self.rangeName(kept)) kept in memory)") : ""
        canvas.box(area, title: "Active calls, last \(Self.rangeName(window))\(note)  [ ] range", glyphs: glyphs)
        let inner = area.inset(dx: 2, dy: 1)
        let (bars, axis) = inner.splitBottom(1)
        let scale = ActiveCallsPanel.scaleWidth
        Sparkline.draw(state.chartSamples, window: window, in: bars, on: &canvas, scaleWidth: scale, glyphs, behind: state.chartLastWeek)
        // The axis: the left edge's time, the middle's, and now, under the bars.
        let columns = bars.width - scale
        guard columns > 20 else { return }
        let now = state.chartSamples.last.map { Date(timeIntervalSince1970: $0.time) } ?? state.now
        let marks = [(0, now.addingTimeInterval(-window)), (columns / 2, now.addingTimeInterval(-window / 2)), (columns - 8, now)]
        for (offset, time) in marks {
            canvas.put(clockLabel(time, window: window), x: axis.x + scale + offset, y: axis.y, role: .muted)
        }
    }

    /// `15m`, `1h`, `7d`.
    static func rangeName(_ seconds: TimeInterval) -> String {
        if seconds >= 86_400 * 2 { return "\(Int(seconds / 86_400))d" }
        if seconds >= 3_600 { return "\(Int(seconds / 3_600))h" }
        return "\(Int(seconds / 60))m"
    }

    /// `14:05` for ranges up to a day, `Mon 14h` for a week.
    private func clockLabel(_ date: Date, window: TimeInterval) -> String {
        let clock = context.time.clock(date)
        return window > 86_400 ? String(clock.prefix(5)) + " " + context.time.weekday(date) : String(clock.prefix(5))
    }
}

/// The wall as a screen: the user on screen's numbers in big digits, the common keys only.
extension WallView: ScreenKind {
    package static let mode = ScreenMode(named: "wall")
    /// Below this the wall falls back to normal-size numbers in its tiles.
    package static let minimumWidth = 40, minimumHeight = 12
    package static let followsCurrentUser = true
    package static let toggle: KeyMap.Binding<Action>? = KeyMap.Binding([.character("w")], .toggleScreen(.wall), help: "wall: big numbers for across the room, and back", footer: "w wall")
}
