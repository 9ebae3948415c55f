import M4API
import Watch
import Screen

/// One line above the footer: the most urgent thing the user should know.
enum StatusLine {
    static func draw(_ state: DashboardState, in rect: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        guard let message = state.statusMessage else { return }
        let (text, role) = describe(message, context)
        canvas.put(" " + CharacterWidth.truncate(text, to: rect.width - 2, ellipsis: context.glyphs.ellipsis), in: rect, role: role)
    }

    static func describe(_ message: StatusMessage, _ context: PanelContext) -> (String, Role) {
        let glyphs = context.glyphs
        let time = context.time
        switch message {
        case .failure(let error, let failures, let retryIn):
            let source = error.kind == .api ? "server says" : "\(error.kind.rawValue) error"
            let retry = retryIn.map { " retry in \(TimeText.age($0))" } ?? ""
            let count = failures > 1 ? " (\(failures) failures)" : ""
            let hint = error.hint.map { " \(glyphs.separator) \($0)" } ?? ""
            return ("\(source): \(error.message)\(hint)\(count) \(glyphs.separator)\(retry), r now", .bad)
        case .alert(let alert):
            let since = alert.status.firingSince.map { " since \(time.clock($0))" } ?? ""
            let ack = alert.status.acknowledged ? " (acknowledged)" : " (x acknowledges, a shows the log)"
            let hint = alert.rule.condition == .fellToZero(from: 5) ? ": check the switch and the carriers" : ""
            return ("\(alert.rule.severity.word) \(alert.rule.name): \(alert.status.value)\(since)\(hint)\(ack)", alert.rule.severity.role)
        case .stale(let since, let age):
            return ("STALE: no answer since \(time.clock(since)) (\(TimeText.age(age)) ago)", .warning)
        case .rollover(let rollover):
            return ("A new \(rollover.period.unit) began at \(time.clock(rollover.at)): counters started again", .accent)
        case .demo(let text):
            return (text, .muted)
        case .notice(let text):
            return (text, .warning)
        }
    }
}
