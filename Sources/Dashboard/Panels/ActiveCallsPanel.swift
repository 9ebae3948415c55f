import DequeModule
import Foundation
import M4API
import Watch
import Screen

/// Active calls in one line (total with its change, answered, ringing), then the values no
/// other panel shows, then a sparkline of active calls over the history in what room is left.
enum ActiveCallsPanel {
    /// Columns left of the sparkline for its scale (`1,234` and `0`).
    static let scaleWidth = 8

    static func draw(_ state: DashboardState, in rect: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        guard rect.height >= 3 else { return }
        let glyphs = context.glyphs
        let userState = state.currentState
        var alert = state.alerts.worst(for: state.current) { $0.metric.section == FieldName.activeCalls }
        if let server = state.alerts.worst(for: .server(state.current.server)) { alert = max(alert ?? server.rule.severity, server.rule.severity) }
        AlertFrame.box(rect, title: "Active calls", alert: alert, on: &canvas, glyphs)
        var inner = rect.inset(dx: 2, dy: 1)
        guard let formatted = state.currentFormatted else {
            Placeholder.draw(userState, replaying: state.isReplaying, in: inner, on: &canvas, glyphs)
            return
        }
        let valueRole: Role = state.isStale ? .stale : .text
        if let active = formatted.activeCalls {
            drawSummary(active, in: inner.row(0), on: &canvas, valueRole: valueRole, glyphs)
        } else {
            canvas.put("not shown for this user (the server's \"Show Active Calls for Users\" is off)", in: inner, role: .muted)
        }
        inner = inner.splitTop(1).rest
        for row in formatted.extras where !inner.isEmpty {
            drawExtra(row, in: inner.row(0), on: &canvas, valueRole: valueRole, glyphs)
            inner = inner.splitTop(1).rest
        }
        // The chart fills what is left: a NOC wall sees the shape of the last hour.
        if !inner.isEmpty && formatted.activeCalls != nil {
            Sparkline.draw(state.chartSamples, window: state.chartWindow, in: inner, on: &canvas, scaleWidth: scaleWidth, glyphs,
                           behind: state.chartLastWeek)
        }
    }

    /// `Total 3 +3 ▲   Answered 2   Ringing 1`: items that do not fit whole are left out,
    /// from the right; the first (the total) is cut only when nothing else fits.
    static func drawSummary(_ rows: [MetricRow], in line: Rect, on canvas: inout Canvas, valueRole: Role, _ glyphs: Glyphs) {
        var x = line.x
        for (index, row) in rows.enumerated() {
            let gap = index == 0 ? "" : "   "
            let change = index == 0 ? row.delta.map { " \($0) \(row.deltaIsUp ? glyphs.up : glyphs.down)" } ?? "" : ""
            let width = CharacterWidth.of(gap + row.label + " " + row.value + change)
            guard x + width <= line.maxX else {
                if index == 0 { canvas.put(NumberFit.scaled(row.value, toFit: line.width) ?? row.value, in: line, role: valueRole) }
                break
            }
            x += canvas.put(gap + row.label + " ", x: x, y: line.y, role: .muted)
            x += canvas.put(row.value, x: x, y: line.y, role: valueRole)
            x += canvas.put(change, x: x, y: line.y, role: .accent)
        }
    }

    /// `Balance 42.50 +1.00 ▲`: a value that does not fit drops its change, then is cut.
    static func drawExtra(_ row: MetricRow, in line: Rect, on canvas: inout Canvas, valueRole: Role, _ glyphs: Glyphs) {
        var x = line.x
        x += canvas.put("\(row.label) ", in: line, role: .muted)
        let room = line.maxX - x
        let value = NumberFit.scaled(row.value, toFit: room) ?? CharacterWidth.truncate(row.value, to: room, ellipsis: glyphs.ellipsis)
        x += canvas.put(value, x: x, y: line.y, role: valueRole)
        if let delta = ValueColumns.deltaText(row, glyphs), x + 1 + CharacterWidth.of(delta) <= line.maxX {
            canvas.put(delta, x: x + 1, y: line.y, role: ValueColumns.deltaRole(row.meaning))
        }
    }
}

/// Bars of eighths over a fixed time window, with the maximum and zero on the left. Each column
/// is a span of time (its highest value), aligned to the clock: the chart moves one column when
/// a span ends, not on every answer, so a quiet wall screen repaints one column, not all.
package enum Sparkline {
    /// `behind`: another curve on the same clock (last week's, moved a week on), drawn as a line
    /// (`─`) where this one's bars do not cover it; the scale fits both.
    package static func draw(_ points: Deque<ChartSample>, window: TimeInterval, in rect: Rect,
                     on canvas: inout Canvas, scaleWidth: Int, _ glyphs: Glyphs, behind: Deque<ChartSample> = []) {
        let columns = rect.width - scaleWidth
        guard columns > 2, let last = points.last else { return }
        let span = window / Double(columns)
        let lastBucket = (last.time / span).rounded(.down)
        let heights = columnHeights(points, columns: columns, span: span, lastBucket: lastBucket)
        guard heights.contains(where: { $0 != nil }) else { return }
        let under = behind.isEmpty ? [] : columnHeights(behind, columns: columns, span: span, lastBucket: lastBucket)
        let maximum = max(heights.compactMap { $0 }.max() ?? 0, under.compactMap { $0 }.max() ?? 0)
        let levels = glyphs.spark.count
        let scale = maximum > 0 ? Double(rect.height * levels) / maximum : 0
        canvas.put(MetricFormat.count(Decimal(maximum)), x: rect.x, y: rect.y, role: .muted, maxWidth: scaleWidth - 1)
        canvas.put("0", x: rect.x, y: rect.maxY - 1, role: .muted)
        // Last week first: this week's bars are drawn over it.
        for (index, height) in under.enumerated() {
            guard let value = height, value > 0 else { continue }
            let row = rect.maxY - 1 - min(rect.height - 1, Int((value * scale / Double(levels)).rounded(.down)))
            canvas.put(glyphs.horizontal, x: rect.x + scaleWidth + index, y: row, role: .muted)
        }
        for (index, height) in heights.enumerated() {
            guard let value = height, value > 0 else { continue }
            let filled = max(1, Int(min(Double(Int32.max), (value * scale).rounded(.down))))
            for row in 0..<rect.height {
                let here = filled - (rect.height - 1 - row) * levels
                guard here > 0 else { continue }
                canvas.put(glyphs.spark[min(levels, here) - 1], x: rect.x + scaleWidth + index, y: rect.y + row, role: .sparkline)
            }
        }
    }

    /// Each column's highest level: a column is a span of time aligned to the clock. Newest
    /// first, stopping at the window's left edge: a frame reads only what it shows.
    static func columnHeights(_ points: Deque<ChartSample>, columns: Int, span: Double, lastBucket: Double) -> [Double?] {
        var heights = [Double?](repeating: nil, count: columns)
        var index = points.endIndex
        while index > points.startIndex {
            index -= 1
            let point = points[index]
            let column = columns - 1 - Int(lastBucket - (point.time / span).rounded(.down))
            guard column >= 0 else { break }
            guard column < columns, point.level.isFinite else { continue }
            heights[column] = max(heights[column] ?? 0, point.level)
        }
        return heights
    }
}
