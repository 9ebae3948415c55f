import Screen
import Watch

/// Two rows: who and where, with the connection state on the right; then freshness and the
/// poll plan.
enum HeaderPanel {
    static func draw(_ state: DashboardState, in rect: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let glyphs = context.glyphs
        let top = rect.row(0)
        canvas.fill(top, role: .header)
        let kind = state.isAdminShown ? "admin" : "user"
        let position = state.fleet.count > 1 ? " \(state.currentIndex + 1)/\(state.fleet.count)" : ""
        var x = top.x + canvas.put(" m4top ", in: top, role: .header)
        x += canvas.put("\(glyphs.separator) \(state.currentUser) (\(kind))\(position) \(glyphs.separator) ", x: x, y: top.y, role: .header)
        let (label, role) = connectionLabel(state.connection, glyphs)
        let demo = (state.alertSummary.map { " \(glyphs.cross) \($0.text) " } ?? "") + (state.demoNotice != nil ? " DEMO " : "")
        let serverRoom = top.maxX - x - CharacterWidth.of(label) - CharacterWidth.of(demo) - 2
        if serverRoom > 8 {
            let server = state.currentServer.name.isEmpty ? state.server : "\(state.currentServer.name) \(state.server)"
            canvas.put(CharacterWidth.truncate(server, to: serverRoom, ellipsis: glyphs.ellipsis), x: x, y: top.y, role: .header)
        }
        canvas.putRight(label + " ", rightEdge: top.maxX - CharacterWidth.of(demo), y: top.y, role: role)
        var right = top.maxX
        if state.demoNotice != nil { right -= canvas.putRight(" DEMO ", rightEdge: right, y: top.y, role: .warning) }
        if let alerts = state.alertSummary { canvas.putRight(" \(glyphs.cross) \(alerts.text) ", rightEdge: right, y: top.y, role: alerts.role) }

        let userState = state.currentState
        var parts: [String] = []
        if let last = userState.lastSuccess {
            parts.append("updated \(context.time.clock(last)) (\(TimeText.age(state.now.timeIntervalSince(last))) ago)")
        } else {
            parts.append(state.isReplaying ? "no answer stored at or before this moment"
                         : userState.isInFlight ? "waiting for the first answer" : "no answer yet")
        }
        // A replay's polling is the live one's, not the past's: the bar above says where it is.
        if !state.isReplaying {
            switch state.pollPlan {
            case .paused: parts.append("PAUSED (p resumes)")
            case .fetching: parts.append("fetching\(glyphs.ellipsis)")
            case .next(let wait): parts.append("next poll in " + TimeText.age(wait))
            case .retry(let wait): parts.append("retry in " + TimeText.age(wait))
            case .idle: break
            }
            parts.append("every \(TimeText.seconds(state.interval))")
        }
        if let rotation = rotationText(state) { parts.append(rotation) }
        canvas.put(" " + parts.joined(separator: "  \(glyphs.separator)  "), in: rect.row(1), role: .muted)
    }

    /// `next user in 12s` or `rotation paused (R)` while `--rotate` is on.
    static func rotationText(_ state: DashboardState) -> String? {
        guard state.rotation.isOn, state.fleet.count > 1, !state.isReplaying else { return nil }
        if state.rotation.paused { return "rotation paused (R)" }
        return state.rotation.nextAt.map { "next user in \(TimeText.age(max(0, $0.timeIntervalSince(state.now)).rounded(.up)))" }
    }

    /// A word for the state, with a glyph, and its role: colour never carries it alone.
    static func connectionLabel(_ connection: ConnectionState, _ glyphs: Glyphs) -> (String, Role) {
        switch connection {
        case .stale: return ("\(glyphs.bullet) STALE", .warning)
        case .failing: return ("\(glyphs.cross) ERROR", .bad)
        case .paused: return ("\(glyphs.pause) PAUSED", .warning)
        case .connecting: return ("\(glyphs.bullet) connecting", .accent)
        case .noData: return ("\(glyphs.bullet) no data then", .muted)
        case .live: return ("\(glyphs.bullet) live", .good)
        }
    }
}
