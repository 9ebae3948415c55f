import Screen
import Watch

/// `l`: every watched user of the fleet, each with its server and state; Enter shows one.
enum UserListOverlay {
    static func draw(_ state: DashboardState, selection: Int, in screen: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let glyphs = context.glyphs
        let fleet = state.fleet
        let showServer = state.servers.count > 1
        let serverWidth = showServer ? min(12, state.servers.map { CharacterWidth.of($0.title) }.max() ?? 0) + 1 : 0
        let nameWidth = min(30, fleet.map { CharacterWidth.of($0.name) }.max() ?? 0)
        let width = min(screen.width - 2, max(nameWidth + serverWidth + 32, 40))
        let visible = max(1, min(fleet.count, screen.height - 6))
        let height = visible + 3
        var rect = screen.centered(width: width, height: height)
        rect.y = max(2, rect.y)
        canvas.fill(rect, role: .text)
        canvas.box(rect, title: "Users (\(fleet.count))", glyphs: glyphs)
        let first = min(max(0, selection - visible + 1), max(0, fleet.count - visible))
        for row in 0..<visible where first + row < fleet.count {
            let index = first + row
            let key = fleet[index]
            let line = Rect(x: rect.x + 1, y: rect.y + 1 + row, width: rect.width - 2, height: 1)
            let role: Role = index == selection ? .highlight : .text
            let marker = index == selection ? ">" : " "
            let number = index < 9 ? "\(index + 1)" : " "
            let server = showServer ? CharacterWidth.truncate(state.servers[key.server].title, to: serverWidth - 1, ellipsis: glyphs.ellipsis) + " " : ""
            let name = CharacterWidth.truncate(key.name, to: nameWidth, ellipsis: glyphs.ellipsis)
            let kind = state.isAdmin(key) ? "admin" : "user"
            canvas.fill(line, role: role)
            canvas.put("\(marker) \(number) \(server)\(name)", x: line.x + 1, y: line.y, role: role)
            canvas.putRight("\(kind)  \(status(of: key, in: state))", rightEdge: line.maxX - 1, y: line.y, role: role)
        }
        canvas.put("Enter shows, Esc closes", x: rect.x + 2, y: rect.maxY - 2, role: .muted, maxWidth: rect.width - 4)
    }

    static func status(of key: UserKey, in state: DashboardState) -> String {
        let userState = state.userStates[key] ?? UserState()
        switch state.rowState(key) {
        case .live, .stale:
            return userState.lastSuccess.map { "\(TimeText.age(state.now.timeIntervalSince($0))) ago" } ?? "not fetched"
        case .wait: return "not fetched"
        case let other: return other.word
        }
    }
}
