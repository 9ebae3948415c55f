import Screen
import Foundation
import M4API

/// Draws a `DashboardState` into a `Canvas`. Pure: the same state gives the same cells.
public struct DashboardView {
    public static let minimumWidth = 60
    public static let minimumHeight = 18
    /// From this width on, the three panels stand side by side.
    public static let wideWidth = 120

    public let glyphs: Glyphs
    public let timeZone: TimeZone
    /// Made once: a Calendar costs more to build than a whole frame to draw.
    private let calendar: Calendar

    public init(glyphs: Glyphs = .unicode, timeZone: TimeZone = .current) {
        self.glyphs = glyphs
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    public func render(_ state: DashboardState) -> Canvas {
        var canvas = Canvas(width: state.width, height: state.height, asciiOnly: glyphs.isASCII)
        guard state.width >= Self.minimumWidth, state.height >= Self.minimumHeight else {
            drawTooSmall(&canvas, state)
            return canvas
        }
        drawHeader(&canvas, state)
        drawPanels(&canvas, state)
        drawStatusLine(&canvas, state)
        drawFooter(&canvas)
        switch state.overlay {
        case .none: break
        case .help: drawHelp(&canvas)
        case .userList(let selection): drawUserList(&canvas, state, selection: selection)
        }
        return canvas
    }

    // MARK: Frame

    func drawTooSmall(_ canvas: inout Canvas, _ state: DashboardState) {
        let lines = ["Terminal too small: \(state.width)x\(state.height)",
                     "m4top needs at least \(Self.minimumWidth)x\(Self.minimumHeight)", "q quits"]
        for (index, line) in lines.enumerated() {
            let y = canvas.height / 2 - 1 + index
            let x = max(0, (canvas.width - CharacterWidth.of(line)) / 2)
            canvas.put(line, x: x, y: y, role: index == 0 ? .warning : .text)
        }
    }

    func drawHeader(_ canvas: inout Canvas, _ state: DashboardState) {
        let width = canvas.width
        canvas.fill(x: 0, y: 0, width: width, height: 1, role: .header)
        let user = state.currentUser
        let kind = state.isAdminShown ? "admin" : "user"
        let position = state.users.count > 1 ? " \(state.current + 1)/\(state.users.count)" : ""
        var x = canvas.put(" m4top ", x: 0, y: 0, role: .header)
        x += canvas.put("\(glyphs.separator) \(user) (\(kind))\(position) \(glyphs.separator) ", x: x, y: 0, role: .header)
        let (label, role) = connectionState(state)
        let right = state.demoNotice != nil ? " DEMO " : ""
        let labelWidth = CharacterWidth.of(label)
        let serverRoom = width - x - labelWidth - CharacterWidth.of(right) - 2
        if serverRoom > 8 {
            x += canvas.put(CharacterWidth.truncate(state.server, to: serverRoom, ellipsis: glyphs.ellipsis), x: x, y: 0, role: .header)
        }
        canvas.putRight(label + " ", rightEdge: width - CharacterWidth.of(right), y: 0, role: role)
        if !right.isEmpty { canvas.putRight(right, rightEdge: width, y: 0, role: .warning) }

        // Second line: freshness and the poll plan.
        let userState = state.currentState
        var parts: [String] = []
        if let last = userState.lastSuccess {
            parts.append("updated \(clock(last)) (\(Self.age(state.now.timeIntervalSince(last))) ago)")
        } else {
            parts.append(userState.isInFlight ? "waiting for the first answer" : "no answer yet")
        }
        if state.paused {
            parts.append("PAUSED (p resumes)")
        } else if userState.isInFlight {
            parts.append("fetching\(glyphs.ellipsis)")
        } else if let due = userState.nextPoll {
            let wait = max(0, due.timeIntervalSince(state.now))
            parts.append((userState.consecutiveFailures > 0 ? "retry in " : "next poll in ") + Self.age(wait.rounded(.up)))
        }
        parts.append("every \(Self.seconds(state.interval))")
        canvas.put(" " + parts.joined(separator: "  \(glyphs.separator)  "), x: 0, y: 1, role: .muted)
    }

    func connectionState(_ state: DashboardState) -> (String, Role) {
        let userState = state.currentState
        let bullet = glyphs.bullet
        if state.isStale() { return ("\(bullet) STALE", .warning) }
        if userState.lastError != nil { return (glyphs.isASCII ? "x ERROR" : "✖ ERROR", .bad) }
        if state.paused { return ("\(glyphs.isASCII ? "||" : "‖") PAUSED", .warning) }
        if userState.lastSuccess == nil { return ("\(bullet) connecting", .accent) }
        return ("\(bullet) live", .good)
    }

    func drawFooter(_ canvas: inout Canvas) {
        let y = canvas.height - 1
        canvas.fill(x: 0, y: y, width: canvas.width, height: 1, role: .footer)
        var x = 1
        for (keys, text) in KeyMap.footerHints() {
            let item = "\(keys) \(text)"
            if x + CharacterWidth.of(item) >= canvas.width { break }
            x += canvas.put(item, x: x, y: y, role: .footer) + 2
        }
    }

    func drawStatusLine(_ canvas: inout Canvas, _ state: DashboardState) {
        let y = canvas.height - 2
        let userState = state.currentState
        var text = ""
        var role = Role.muted
        if let error = userState.lastError {
            let retry = userState.nextPoll.map { " retry in \(Self.age(max(0, $0.timeIntervalSince(state.now)).rounded(.up)))" } ?? ""
            let failures = userState.consecutiveFailures > 1 ? " (\(userState.consecutiveFailures) failures)" : ""
            text = "\(error.kind == "api" ? "server says" : "\(error.kind) error"): \(error.message)"
                + (error.hint.map { " \(glyphs.separator) \($0)" } ?? "") + "\(failures) \(glyphs.separator)\(retry), r now"
            role = .bad
        } else if let drop = userState.activeCallsDrop {
            text = "\(glyphs.down) Active calls fell from \(MetricFormat.count(drop.from)) to 0 at \(clock(drop.at)): check the switch and the carriers"
            role = .warning
        } else if state.isStale(), let last = userState.lastSuccess {
            text = "STALE: no answer since \(clock(last)) (\(Self.age(state.now.timeIntervalSince(last))) ago)"
            role = .warning
        } else if let rollover = userState.rollover, state.now.timeIntervalSince(rollover.at) < 120 {
            text = "A new \(rollover.kind) began at \(clock(rollover.at)): counters started again"
            role = .accent
        } else if let demo = state.demoNotice {
            text = demo
        }
        canvas.put(" " + CharacterWidth.truncate(text, to: canvas.width - 2, ellipsis: glyphs.ellipsis), x: 0, y: y, role: role)
    }

    // MARK: Panels

    func drawPanels(_ canvas: inout Canvas, _ state: DashboardState) {
        let top = 2
        let available = canvas.height - top - 2
        let width = canvas.width
        let stats = state.currentState.latest
        if width >= Self.wideWidth {
            let third = width / 3
            drawPeriod(&canvas, state, section: "today", x: 0, y: top, width: third, height: available)
            drawPeriod(&canvas, state, section: "month", x: third, y: top, width: third, height: available)
            drawActive(&canvas, state, x: 2 * third, y: top, width: width - 2 * third, height: available)
        } else {
            let rows = max(periodRows(stats, "today").count, periodRows(stats, "month").count)
            let periodHeight = min(rows + 2, available - 3)
            let half = width / 2
            drawPeriod(&canvas, state, section: "today", x: 0, y: top, width: half, height: periodHeight)
            drawPeriod(&canvas, state, section: "month", x: half, y: top, width: width - half, height: periodHeight)
            drawActive(&canvas, state, x: 0, y: top + periodHeight, width: width, height: available - periodHeight)
        }
    }

    /// A row of a period panel: label, the field (if from the server) or a derived value.
    struct Row {
        var label: String
        var field: StatField?
        var derived: String?
    }

    func periodRows(_ stats: QuickStats?, _ name: String, trends: Trends? = nil) -> [Row] {
        guard let stats else { return Array(repeating: Row(label: ""), count: 6) }
        let section = name == "month" ? stats.month : stats.section(name)
        guard let section else { return [] }
        var rows = section.fields.map { Row(label: MetricCatalog.label($0.name), field: $0) }
        rows.append(Row(label: "ACD", derived: Trends.acd(section).map(MetricFormat.duration) ?? "-"))
        if name == "today" {
            let perMinute = trends?.callsPerMinute.map { MetricFormat.money($0, places: 1) } ?? "-"
            rows.append(Row(label: "Calls/min", derived: perMinute))
            let moneyLabel = section["price"] != nil && section["revenue"] == nil ? "Price/h" : "Revenue/h"
            rows.append(Row(label: moneyLabel, derived: trends?.revenuePerHour.map { MetricFormat.money($0) } ?? "-"))
        }
        return rows
    }

    func drawPeriod(_ canvas: inout Canvas, _ state: DashboardState, section name: String,
                    x: Int, y: Int, width: Int, height: Int) {
        let userState = state.currentState
        let stats = userState.latest
        let sectionName = name == "month" ? (stats?.month?.name ?? "month") : name
        var title = name == "today" ? "Today" : "Month"
        if let rollover = userState.rollover, state.now.timeIntervalSince(rollover.at) < 120,
           (name == "today") || (rollover.kind == "month") {
            title += " \(glyphs.separator) new \(name == "today" ? "day" : "month")"
        }
        canvas.box(x: x, y: y, width: width, height: height, title: title, glyphs: glyphs)
        let inner = width - 4
        let left = x + 2
        guard stats != nil else {
            placeholder(&canvas, state, x: left, y: y + 1, width: inner)
            return
        }
        let rows = periodRows(stats, name, trends: userState.trends)
        if rows.isEmpty {
            canvas.put("not sent by the server", x: left, y: y + 1, role: .muted, maxWidth: inner)
            return
        }
        let deltaWidth = max(6, min(13, inner / 3))
        let labelWidth = min(10, inner - deltaWidth - 6)
        let valueRight = left + inner - deltaWidth - 1
        for (index, row) in rows.enumerated() {
            let rowY = y + 1 + index
            guard rowY < y + height - 1 else { break }
            canvas.put(CharacterWidth.truncate(row.label, to: labelWidth, ellipsis: glyphs.ellipsis), x: left, y: rowY,
                       role: row.field == nil ? .muted : .text)
            let valueWidth = valueRight - left - labelWidth - 1
            if let field = row.field {
                let delta = userState.diff.delta(sectionName, field.name)
                let role: Role = state.isStale() ? .stale : (delta != nil && state.highlightActive()) ? .highlight : .text
                let text = CharacterWidth.truncate(MetricFormat.value(field), to: valueWidth, ellipsis: glyphs.ellipsis)
                canvas.putRight(text, rightEdge: valueRight, y: rowY, role: role)
                if let delta { drawDelta(&canvas, delta, field: field.name, rightEdge: left + inner, y: rowY, width: deltaWidth) }
            } else if let derived = row.derived {
                canvas.putRight(derived, rightEdge: valueRight, y: rowY, role: state.isStale() ? .stale : .accent)
            }
        }
    }

    func drawDelta(_ canvas: inout Canvas, _ delta: Decimal, field: String, rightEdge: Int, y: Int, width: Int) {
        let kind = MetricCatalog.kind(field)
        let arrow = delta > 0 ? glyphs.up : glyphs.down
        let meaning = MetricCatalog.polarity(field) * (delta > 0 ? 1 : -1)
        let role: Role = meaning > 0 ? .good : meaning < 0 ? .bad : .accent
        let text = CharacterWidth.truncate(MetricFormat.delta(delta, kind: kind), to: width - 2, ellipsis: glyphs.ellipsis) + " " + arrow
        canvas.putRight(text, rightEdge: rightEdge, y: y, role: role)
    }

    func placeholder(_ canvas: inout Canvas, _ state: DashboardState, x: Int, y: Int, width: Int) {
        let userState = state.currentState
        let text: String
        if let error = userState.lastError {
            text = "no data: \(error.message)"
        } else {
            text = "waiting for the first answer\(glyphs.ellipsis)"
        }
        canvas.put(CharacterWidth.truncate(text, to: width, ellipsis: glyphs.ellipsis), x: x, y: y,
                   role: userState.lastError == nil ? .muted : .bad)
    }

    func drawActive(_ canvas: inout Canvas, _ state: DashboardState, x: Int, y: Int, width: Int, height: Int) {
        guard height >= 3 else { return }
        let userState = state.currentState
        canvas.box(x: x, y: y, width: width, height: height, title: "Active calls", glyphs: glyphs)
        let left = x + 2
        let inner = width - 4
        var rowY = y + 1
        let bottom = y + height - 1
        guard let stats = userState.latest else {
            placeholder(&canvas, state, x: left, y: rowY, width: inner)
            return
        }
        let valueRole: Role = state.isStale() ? .stale : .text
        if let active = stats.activeCalls {
            var cx = left
            let total = active["total"]
            let answered = active["answered_calls"]
            cx += canvas.put("Total ", x: cx, y: rowY, role: .muted)
            cx += canvas.put(total.map { MetricFormat.value($0) } ?? "-", x: cx, y: rowY, role: valueRole)
            if let delta = userState.diff.delta("active_calls", "total") {
                let arrow = delta > 0 ? glyphs.up : glyphs.down
                cx += canvas.put(" \(MetricFormat.delta(delta, kind: .count)) \(arrow)", x: cx, y: rowY, role: .accent)
            }
            cx += canvas.put("   Answered ", x: cx, y: rowY, role: .muted)
            cx += canvas.put(answered.map { MetricFormat.value($0) } ?? "-", x: cx, y: rowY, role: valueRole)
            if let t = total?.number, let a = answered?.number {
                cx += canvas.put("   Ringing ", x: cx, y: rowY, role: .muted)
                cx += canvas.put(MetricFormat.count(t - a), x: cx, y: rowY, role: valueRole)
            }
            for field in active.fields where field.name != "total" && field.name != "answered_calls" {
                cx += canvas.put("   \(MetricCatalog.label(field.name)) ", x: cx, y: rowY, role: .muted)
                cx += canvas.put(MetricFormat.value(field), x: cx, y: rowY, role: valueRole)
            }
            rowY += 1
        } else {
            canvas.put("not shown for this user (the server's \"Show Active Calls for Users\" is off)",
                       x: left, y: rowY, role: .muted, maxWidth: inner)
            rowY += 1
        }
        // Top-level values (a simple user's balance) and sections the dashboard has no panel for.
        var extras: [(String, String, Decimal?, String)] = stats.fields.map {
            (MetricCatalog.label($0.name), MetricFormat.value($0), userState.diff.delta("", $0.name), $0.name)
        }
        for section in stats.sections where !["today", "month", "this_month", "active_calls"].contains(section.name) {
            extras += section.fields.map { ("\(section.name).\($0.name)", $0.text, nil, $0.name) }
        }
        for (label, value, delta, name) in extras where rowY < bottom {
            var cx = left
            cx += canvas.put("\(label) ", x: cx, y: rowY, role: .muted, maxWidth: inner)
            cx += canvas.put(value, x: cx, y: rowY, role: valueRole, maxWidth: left + inner - cx)
            if let delta { drawDelta(&canvas, delta, field: name, rightEdge: min(left + inner, cx + 16), y: rowY, width: 15) }
            rowY += 1
        }
        // The sparkline fills what is left: a NOC wall sees the shape of the last hour.
        let series = userState.trends.activeSeries
        let sparkHeight = bottom - rowY
        if sparkHeight >= 1 && !series.isEmpty && stats.activeCalls != nil {
            drawSparkline(&canvas, series: series, x: left, y: rowY, width: inner, height: sparkHeight)
        }
    }

    func drawSparkline(_ canvas: inout Canvas, series: [Decimal], x: Int, y: Int, width: Int, height: Int) {
        let values = Array(series.suffix(width - 8))
        guard let maximum = values.max(), width > 10 else { return }
        let levels = glyphs.spark.count
        let scale = maximum > 0 ? Decimal(height * levels) / maximum : 0
        canvas.put(MetricFormat.count(maximum), x: x, y: y, role: .muted, maxWidth: 7)
        canvas.put("0", x: x, y: y + height - 1, role: .muted)
        for (index, value) in values.enumerated() {
            let scaled = NSDecimalNumber(decimal: value * scale).intValue
            let filled = maximum > 0 && value > 0 ? max(1, scaled) : 0
            for row in 0..<height {
                let fromBottom = height - 1 - row
                let here = filled - fromBottom * levels
                guard here > 0 else { continue }
                let glyph = glyphs.spark[min(levels, here) - 1]
                canvas.put(glyph, x: x + 8 + index, y: y + row, role: .sparkline)
            }
        }
    }

    // MARK: Overlays

    func drawHelp(_ canvas: inout Canvas) {
        let lines = KeyMap.helpLines()
        let keyWidth = lines.map { CharacterWidth.of($0.keys) }.max() ?? 0
        let textWidth = lines.map { CharacterWidth.of($0.text) }.max() ?? 0
        let width = min(canvas.width - 2, keyWidth + textWidth + 7)
        let height = min(canvas.height - 2, lines.count + 4)
        let x = (canvas.width - width) / 2, y = (canvas.height - height) / 2
        canvas.fill(x: x, y: y, width: width, height: height, role: .text)
        canvas.box(x: x, y: y, width: width, height: height, title: "Keys", glyphs: glyphs)
        for (index, line) in lines.enumerated() where y + 1 + index < y + height - 2 {
            canvas.put(line.keys, x: x + 2, y: y + 1 + index, role: .accent)
            canvas.put(line.text, x: x + 4 + keyWidth, y: y + 1 + index, role: .text, maxWidth: width - keyWidth - 6)
        }
        canvas.put("Esc or ? closes", x: x + 2, y: y + height - 2, role: .muted, maxWidth: width - 4)
    }

    func drawUserList(_ canvas: inout Canvas, _ state: DashboardState, selection: Int) {
        let nameWidth = min(30, state.users.map { CharacterWidth.of($0) }.max() ?? 0)
        let width = min(canvas.width - 2, max(nameWidth + 32, 40))
        let visible = min(state.users.count, canvas.height - 6)
        let height = visible + 3
        let x = (canvas.width - width) / 2, y = max(2, (canvas.height - height) / 2)
        canvas.fill(x: x, y: y, width: width, height: height, role: .text)
        canvas.box(x: x, y: y, width: width, height: height, title: "Users", glyphs: glyphs)
        let first = min(max(0, selection - visible + 1), max(0, state.users.count - visible))
        for row in 0..<visible {
            let index = first + row
            let user = state.users[index]
            let userState = state.userStates[user] ?? UserState()
            let marker = index == selection ? ">" : " "
            let number = index < 9 ? "\(index + 1)" : " "
            let role: Role = index == selection ? .highlight : .text
            let name = CharacterWidth.truncate(user, to: nameWidth, ellipsis: glyphs.ellipsis)
            let status: String
            if userState.lastError != nil { status = "error" }
            else if let last = userState.lastSuccess { status = "\(Self.age(state.now.timeIntervalSince(last))) ago" }
            else { status = "not fetched" }
            let kind = user == state.adminName ? "admin" : "user"
            canvas.fill(x: x + 1, y: y + 1 + row, width: width - 2, height: 1, role: role)
            canvas.put("\(marker) \(number) \(name)", x: x + 2, y: y + 1 + row, role: role)
            canvas.putRight("\(kind)  \(status)", rightEdge: x + width - 2, y: y + 1 + row, role: role)
        }
        canvas.put("Enter shows, Esc closes", x: x + 2, y: y + height - 2, role: .muted, maxWidth: width - 4)
    }

    // MARK: Text helpers

    func clock(_ date: Date) -> String {
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    /// `42s`, `3m 05s`, `2h 10m`: the age of data at a glance.
    public static func age(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60)
    }

    static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval))s" : String(format: "%.1fs", interval)
    }
}
