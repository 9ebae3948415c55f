import Foundation
import Screen
import Watch

/// `a`: every firing, resolution and acknowledgement, newest first, with time, severity, rule,
/// server and user, and the value.
enum AlertLogOverlay {
    static func draw(_ state: DashboardState, scroll: Int, in screen: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let glyphs = context.glyphs
        let rect = screen.inset(dx: 2, dy: 2)
        guard rect.width > 20, rect.height > 4 else { return }
        canvas.fill(rect, role: .text)
        let firing = state.alerts.firing
        canvas.box(rect, title: "Alerts (\(firing.count) firing)", glyphs: glyphs)
        let inner = rect.inset(dx: 2, dy: 1)
        let (list, closing) = inner.splitBottom(1)
        var lines: [(String, Role)] = []
        for alert in firing {
            let ack = alert.status.acknowledged ? " ack" : ""
            let since = alert.status.firingSince.map { " since \(context.time.clock($0))" } ?? ""
            lines.append(("\(alert.rule.severity.word)\(ack) \(alert.rule.name) \(glyphs.separator) \(subject(alert.subject, state)) \(glyphs.separator) \(alert.status.value)\(since)",
                          alert.rule.severity.role))
        }
        if !firing.isEmpty { lines.append(("", .text)) }
        if state.alerts.log.isEmpty {
            lines.append(("No alert has fired. Rules:", .muted))
            lines += state.alerts.rules.map { ("  \($0.severity.word) \($0.name): \($0.summary)", .muted) }
        }
        let events = state.alerts.log.reversed().dropFirst(scroll)
        for event in events {
            let word: String
            let role: Role
            switch event.kind {
            case .fired: (word, role) = ("FIRED \(event.severity.word)", event.severity.role)
            case .resolved: (word, role) = ("resolved", .good)
            case .acknowledged: (word, role) = ("acked", .muted)
            case .ended: (word, role) = ("ended", .muted)
            }
            lines.append(("\(context.time.clock(event.time)) \(word) \(event.rule) \(glyphs.separator) \(subject(event.subject, state)) \(glyphs.separator) \(event.value)", role))
        }
        for (index, line) in lines.prefix(list.height).enumerated() {
            canvas.put(CharacterWidth.truncate(line.0, to: list.width, ellipsis: glyphs.ellipsis), in: list.row(index), role: line.1)
        }
        canvas.put("x acknowledges  Up/Down scroll  Esc closes", in: closing, role: .muted)
    }

    /// `prod/alice`, or `prod` for a server-wide alert.
    static func subject(_ subject: AlertSubject, _ state: DashboardState) -> String {
        guard state.servers.indices.contains(subject.server) else { return "?" }
        let server = state.servers[subject.server].title
        switch subject {
        case .server: return server
        case .user(let key): return state.servers.count > 1 || !state.servers[0].name.isEmpty ? "\(server)/\(key.name)" : key.name
        }
    }
}

/// The overlays every screen can show, drawn over it.
enum Overlays {
    static func draw(_ state: DashboardState, in screen: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        switch state.overlay {
        case .none: break
        case .help(let scroll): HelpOverlay.draw(HelpOverlay.lines(state), scroll: scroll, in: screen, on: &canvas, context)
        case .userList(let selection): UserListOverlay.draw(state, selection: selection, in: screen, on: &canvas, context)
        case .alertLog(let scroll): AlertLogOverlay.draw(state, scroll: scroll, in: screen, on: &canvas, context)
        case .answer(let scroll): AnswerOverlay.draw(state, scroll: scroll, in: screen, on: &canvas, context)
        }
    }

    /// The alert rules at the end of help: what can fire, in a few words.
    static func alertHelp(_ state: DashboardState) -> [(keys: String, text: String)] {
        [("", ""), ("alerts", state.alerts.bell ? "(bell on)" : "(bell off: --bell)")]
            + state.alerts.rules.map { (keys: $0.severity.word, text: "\($0.name): \($0.summary)") }
    }
}
