import Foundation
import M4API
import Watch
import Screen

/// Today or Month: each value with its change since the last answer, then the derived figures.
enum PeriodPanel {
    static func draw(_ period: Period, _ state: DashboardState, in rect: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let glyphs = context.glyphs
        let userState = state.currentState
        var title = period.title
        if let rollover = userState.recentRollover(now: state.now), period == .today || rollover.period == .month {
            title += " \(glyphs.separator) new \(period.unit)"
        }
        AlertFrame.box(rect, title: title, alert: state.alerts.worst(for: state.current) { $0.metric.section == period.rawValue },
                       on: &canvas, glyphs)
        let inner = rect.inset(dx: 2, dy: 1)
        guard let formatted = state.currentFormatted else {
            Placeholder.draw(userState, replaying: state.isReplaying, in: inner, on: &canvas, glyphs)
            return
        }
        guard let rows = formatted.periods[period] else {
            canvas.put("not sent by the server", in: inner, role: .muted)
            return
        }
        // Today against the same time last week: a column of its own where the panel has room.
        let baseline = period == .today ? state.baselines[state.current] : nil
        let comparing = baseline?.lastWeek != nil && inner.width >= Self.widthForBaseline
        let (values, versus) = comparing ? inner.splitRight(BaselineColumn.width + 1) : (inner, Rect(x: inner.maxX, y: inner.y, width: 0, height: 0))
        let columns = ValueColumns(width: values.width, rows: rows, glyphs: glyphs)
        let valueRole: Role = state.isStale ? .stale : .text
        let changedRole: Role = state.isStale ? .stale : state.isHighlightActive ? .highlight : .text
        let latest = state.currentState.latest.map { MetricInput(stats: $0) }
        for (index, row) in rows.enumerated() where index < inner.height {
            let line = values.row(index)
            let role = row.metric.isDerived ? (state.isStale ? .stale : .accent) : row.delta != nil ? changedRole : valueRole
            columns.draw(row, in: line, on: &canvas, valueRole: role, glyphs)
            // Percent-kind rows (margin) are left out: a percent of a percent misleads.
            if comparing, let baseline, let id = row.metric.id, row.metric.kind != .percent, let input = latest,
               let percent = baseline.percentVsLastWeek(id, current: MetricTable[id].value(input)) {
                BaselineColumn.draw(percent, polarity: row.metric.polarity, rightEdge: versus.maxX, y: line.y, on: &canvas)
            }
        }
        // On the panel's bottom border: what the column compares with, and the forecast.
        if let baseline, let input = latest, rect.height >= 3, rect.width >= 12 {
            let border = Rect(x: rect.x + 2, y: rect.maxY - 1, width: rect.width - 4, height: 1)
            BaselineColumn.detail(baseline, input: input, zone: state.servers[state.current.server].calendar.timeZone,
                                  in: border, on: &canvas, glyphs)
        }
    }

    /// A Today panel this wide or wider shows the `vs 7d` column.
    static let widthForBaseline = 36
}

/// `-12%`: a number against the same time last week, coloured by what the change means.
enum BaselineColumn {
    static let width = 6

    static func text(_ percent: Decimal) -> String { UserBaseline.percentText(percent) }

    /// Good or bad news by the metric's polarity; within 5 % either way is "as usual": muted,
    /// not a colour that asks for attention.
    static func role(_ percent: Decimal, polarity: Polarity) -> Role {
        let meaning = abs(percent) < 5 ? 0 : polarity.meaning(of: percent)
        return meaning > 0 ? .good : meaning < 0 ? .bad : .muted
    }

    static func draw(_ percent: Decimal, polarity: Polarity, rightEdge: Int, y: Int, on canvas: inout Canvas) {
        canvas.putRight(text(percent), rightEdge: rightEdge, y: y, role: role(percent, polarity: polarity))
    }

    /// `vs Tue 24 Nov 14:00 · midnight ≈ 5,120 calls, 812.40 revenue`
    static func detail(_ baseline: UserBaseline, input: MetricInput, zone: TimeZone, in row: Rect, on canvas: inout Canvas, _ glyphs: Glyphs) {
        // `midnight ≈ 440 calls, 110.00 revenue`: the counters' end-of-day projections.
        var forecasts: [String] = []
        for id in [MetricID.todayCalls, .todayRevenue, .todayPrice] {
            let metric = MetricTable[id]
            guard let forecast = baseline.forecast(id, current: metric.value(input)) else { continue }
            // A projection's digits beyond the kind's own (a whole call, a cent) are noise.
            var exact = forecast.value, rounded = Decimal()
            NSDecimalRound(&rounded, &exact, metric.kind == .money ? 2 : 0, .plain)
            forecasts.append("\(MetricFormat.derived(rounded, kind: metric.kind)) \(metric.label.lowercased())")
        }
        let label = baseline.lastWeek.map { $0.moment.label(timeZone: zone) }
        // The longest that fits: the full date, then the weekday and time only, then fewer
        // forecasts; cut with an ellipsis only when nothing shorter is left.
        var candidates: [String] = []
        for count in stride(from: forecasts.count, through: 0, by: -1) {
            let forecast = count > 0 ? "midnight \u{2248} " + forecasts.prefix(count).joined(separator: ", ") : nil
            for shown in [label, label.map(Self.shortLabel)] {
                let parts = [shown.map { "vs \($0)" }, forecast].compactMap { $0 }
                if !parts.isEmpty { candidates.append(parts.joined(separator: " \(glyphs.separator) ")) }
            }
        }
        guard let longest = candidates.first, row.width > 2 else { return }
        let text = candidates.first { CharacterWidth.of($0) <= row.width - 2 }
            ?? CharacterWidth.truncate(longest, to: row.width - 2, ellipsis: glyphs.ellipsis)
        canvas.put(" \(text) ", in: row, role: .muted)
    }

    /// `Tue 24 Nov 14:00` → `Tue 14:00`: a week back, the weekday says which day.
    static func shortLabel(_ label: String) -> String {
        let words = label.split(separator: " ")
        return words.count == 4 ? "\(words[0]) \(words[3])" : label
    }
}

/// Label, right-aligned value and right-aligned change, sized for a panel's rows. A number is
/// never cut: when a value is too wide, the change column goes first, then label room.
struct ValueColumns {
    /// Columns for the change (`+0:02:00 ▲`); 0 when changes are dropped for room.
    let delta: Int
    let label: Int

    static func deltaText(_ row: MetricRow, _ glyphs: Glyphs) -> String? {
        row.delta.map { "\($0) \(row.deltaIsUp ? glyphs.up : glyphs.down)" }
    }

    init(width: Int, rows: [MetricRow], glyphs: Glyphs) {
        let widest = rows.map { CharacterWidth.of($0.value) }.max() ?? 0
        let preferredDelta = max(6, min(13, width / 3))
        let preferredLabel = min(10, width - preferredDelta - 6)
        let deltasFit = rows.allSatisfy { (Self.deltaText($0, glyphs).map(CharacterWidth.of) ?? 0) <= preferredDelta }
        if widest <= width - preferredDelta - 1 - preferredLabel - 1 && deltasFit {
            delta = preferredDelta
            label = preferredLabel
        } else {
            delta = 0
            // Labels stay when every value too wide for the rest can be shown scaled (1.2e37):
            // a column of numbers without names tells nobody anything.
            let keptLabel = max(0, min(10, width - 10 - 1))
            let room = width - keptLabel - 1
            let scalable = keptLabel > 0 && rows.allSatisfy { CharacterWidth.of($0.value) <= room || NumberFit.scaled($0.value, toFit: room) != nil }
            label = scalable ? max(keptLabel, min(10, width - widest - 1)) : max(0, min(10, width - widest - 1))
        }
    }

    func draw(_ row: MetricRow, in line: Rect, on canvas: inout Canvas, valueRole: Role, _ glyphs: Glyphs) {
        if label > 0 {
            canvas.put(CharacterWidth.truncate(row.label, to: label, ellipsis: glyphs.ellipsis), x: line.x, y: line.y,
                       role: row.metric.isDerived ? .muted : .text)
        }
        let valueRight = delta > 0 ? line.maxX - delta - 1 : line.maxX
        let room = valueRight - line.x - (label > 0 ? label + 1 : 0)
        let value = NumberFit.scaled(row.value, toFit: room) ?? CharacterWidth.truncate(row.value, to: room, ellipsis: glyphs.ellipsis)
        canvas.putRight(value, rightEdge: valueRight, y: line.y, role: valueRole)
        if delta > 0, let text = Self.deltaText(row, glyphs) {
            canvas.putRight(text, rightEdge: line.maxX, y: line.y, role: Self.deltaRole(row.meaning))
        }
    }

    static func deltaRole(_ meaning: Int) -> Role { meaning > 0 ? .good : meaning < 0 ? .bad : .accent }
}

/// What a panel shows before its first answer.
enum Placeholder {
    static func draw(_ userState: UserState, replaying: Bool = false, in rect: Rect, on canvas: inout Canvas, _ glyphs: Glyphs) {
        let text = userState.lastError.map { "no data: \($0.message)" }
            ?? (replaying ? "nothing stored at or before this moment" : "waiting for the first answer\(glyphs.ellipsis)")
        canvas.put(CharacterWidth.truncate(text, to: rect.width, ellipsis: glyphs.ellipsis), in: rect,
                   role: userState.lastError == nil ? .muted : .bad)
    }
}

/// A panel's frame, turned to the alert's role with its word (`✖ CRIT`) when one of the panel's
/// metrics has an alert firing: seen from across the room, and not by colour alone.
enum AlertFrame {
    static func box(_ rect: Rect, title: String, alert: Severity?, on canvas: inout Canvas, _ glyphs: Glyphs) {
        guard let alert else {
            canvas.box(rect, title: title, glyphs: glyphs)
            return
        }
        canvas.box(x: rect.x, y: rect.y, width: rect.width, height: rect.height, title: title, glyphs: glyphs,
                   role: alert.role, titleRole: alert.role)
        canvas.putRight(" \(glyphs.cross) \(alert.word) ", rightEdge: rect.maxX - 2, y: rect.y, role: alert.role)
    }
}
