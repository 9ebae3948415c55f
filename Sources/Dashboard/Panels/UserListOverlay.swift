import Screen

/// `l`: the users, each with its state; Enter shows one.
enum UserListOverlay {
    static func draw(_ state: DashboardState, selection: Int, in screen: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let glyphs = context.glyphs
        let nameWidth = min(30, state.users.map { CharacterWidth.of($0) }.max() ?? 0)
        let width = min(screen.width - 2, max(nameWidth + 32, 40))
        let visible = min(state.users.count, screen.height - 6)
        let height = visible + 3
        var rect = screen.centered(width: width, height: height)
        rect.y = max(2, rect.y)
        canvas.fill(rect, role: .text)
        canvas.box(rect, title: "Users", glyphs: glyphs)
        let first = min(max(0, selection - visible + 1), max(0, state.users.count - visible))
        for row in 0..<visible {
            let index = first + row
            let user = state.users[index]
            let line = Rect(x: rect.x + 1, y: rect.y + 1 + row, width: rect.width - 2, height: 1)
            let role: Role = index == selection ? .highlight : .text
            let marker = index == selection ? ">" : " "
            let number = index < 9 ? "\(index + 1)" : " "
            let name = CharacterWidth.truncate(user, to: nameWidth, ellipsis: glyphs.ellipsis)
            let kind = user == state.adminName ? "admin" : "user"
            canvas.fill(line, role: role)
            canvas.put("\(marker) \(number) \(name)", x: line.x + 1, y: line.y, role: role)
            canvas.putRight("\(kind)  \(status(of: state.userStates[user] ?? UserState(), now: state))", rightEdge: line.maxX - 1, y: line.y, role: role)
        }
        canvas.put("Enter shows, Esc closes", x: rect.x + 2, y: rect.maxY - 2, role: .muted, maxWidth: rect.width - 4)
    }

    static func status(of userState: UserState, now state: DashboardState) -> String {
        if userState.lastError != nil { return "error" }
        if let last = userState.lastSuccess { return "\(TimeText.age(state.now.timeIntervalSince(last))) ago" }
        return "not fetched"
    }
}
