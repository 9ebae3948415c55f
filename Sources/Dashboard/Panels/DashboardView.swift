import Foundation
import M4API
import Watch
import Screen

/// What every panel draws with: the glyph set and the clock's time zone.
package struct PanelContext: Sendable {
    package let glyphs: Glyphs
    package let time: TimeText
}

/// Where each part of the dashboard goes, split from the whole screen.
struct DashboardLayout: Equatable {
    var header: Rect
    var periods: [Rect]
    var activeCalls: Rect
    var status: Rect
    var footer: Rect

    /// From this width on, the three panels stand side by side.
    static let wideWidth = 120
    static let headerRows = 2
    /// The active-calls panel keeps at least this many rows under narrow period panels.
    static let activeCallsMinimumRows = 3

    init(_ screen: Rect, periodRows: Int) {
        let (header, rest) = screen.splitTop(Self.headerRows)
        let (body, bottom) = rest.splitBottom(2)
        self.header = header
        status = bottom.row(0)
        footer = bottom.row(1)
        if screen.width >= Self.wideWidth {
            let columns = body.columns(3)
            periods = Array(columns[0..<2])
            activeCalls = columns[2]
        } else {
            let (top, below) = body.splitTop(min(periodRows + 2, body.height - Self.activeCallsMinimumRows))
            periods = top.columns(2)
            activeCalls = below
        }
    }
}

/// Draws a `DashboardState` into a `Canvas`. Pure: the same state gives the same cells. Each
/// part is a panel of its own (Panels/), given its rectangle of the screen.
package struct DashboardView {
    /// Rows a period panel reserves before the first answer arrives.
    static let placeholderRows = 6

    package let context: PanelContext
    package init(context: PanelContext) { self.context = context }

    package func draw(_ state: DashboardState, in screen: Rect, on canvas: inout Canvas) {
        let formatted = state.currentFormatted
        let periodRows = formatted.map { f in Period.allCases.map { f.periods[$0]?.count ?? 0 }.max() ?? 0 } ?? Self.placeholderRows
        let layout = DashboardLayout(screen, periodRows: periodRows)
        HeaderPanel.draw(state, in: layout.header, on: &canvas, context)
        for (period, rect) in zip(Period.allCases, layout.periods) {
            PeriodPanel.draw(period, state, in: rect, on: &canvas, context)
        }
        ActiveCallsPanel.draw(state, in: layout.activeCalls, on: &canvas, context)
        StatusLine.draw(state, in: layout.status, on: &canvas, context)
        Footer.draw(KeyMap.footerItems(KeyMap.main), in: layout.footer, on: &canvas)
    }
}

/// The dashboard as a screen: one user's panels, the common keys only.
extension DashboardView: ScreenKind {
    package static let mode = ScreenMode(named: "dashboard")
    package static let minimumWidth = 60, minimumHeight = 18
    package static let followsCurrentUser = true
}

/// Clock times and ages as the screen writes them.
package struct TimeText: Sendable {
    /// Made once: a Calendar costs more to build than a whole frame to draw.
    private let calendar: Calendar

    package var timeZone: TimeZone { calendar.timeZone }

    package init(timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `14:05:09`
    package func clock(_ date: Date) -> String {
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    /// `Mon`: the day of the week, for chart axes spanning days.
    package func weekday(_ date: Date) -> String {
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        return names[(calendar.component(.weekday, from: date) - 1) % 7]
    }

    /// `Mon 30 Nov`, a replayed moment's day, with the year when it is not `now`'s (`Wed 1 Dec 2027`).
    package func day(_ date: Date, yearUnless now: Date? = nil) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let c = calendar.dateComponents([.day, .month, .year], from: date)
        let year = now.map { calendar.component(.year, from: $0) != c.year } == true ? " \(c.year ?? 0)" : ""
        return "\(weekday(date)) \(c.day ?? 1) \(months[(((c.month ?? 1) - 1) % 12 + 12) % 12])\(year)"
    }

    /// `42s`, `3m 05s`, `2h 10m`: the age of data at a glance.
    package static func age(_ seconds: TimeInterval) -> String { MetricFormat.age(seconds) }

    /// `5s`, `1.5s`: an interval.
    static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval))s" : String(format: "%.1fs", interval)
    }
}
