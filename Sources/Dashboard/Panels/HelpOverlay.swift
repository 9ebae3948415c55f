import Screen
import Watch

/// `?`: every key of the screen up and what it does, generated from its key tables, then the
/// alert rules. Taller than the terminal, it scrolls, and says how much more there is.
enum HelpOverlay {
    /// The lines for the screen up: its own keys, the common ones it leaves alone, the alerts.
    static func lines(_ state: DashboardState) -> [(keys: String, text: String)] {
        // In a replay its keys come first: they are asked first.
        let replay = state.isReplaying ? [("Time travel", "(REPLAY: these keys first)")] + KeyMap.helpLines(KeyMap.replay) + [("", "")] : []
        return replay + Screens.helpLines(state.screen) + Overlays.alertHelp(state)
    }

    /// Key lines the box has room for at this terminal height (the box keeps a row free above
    /// and below it, a border each side, and a closing line).
    static func listRows(height: Int) -> Int { max(1, height - 2 - 2 - 1) }

    static func draw(_ lines: [(keys: String, text: String)], scroll: Int, in screen: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let keyWidth = lines.map { CharacterWidth.of($0.keys) }.max() ?? 0
        let textWidth = lines.map { CharacterWidth.of($0.text) }.max() ?? 0
        let rows = min(listRows(height: screen.height), lines.count)
        let rect = screen.centered(width: min(screen.width - 2, keyWidth + textWidth + 7), height: min(screen.height - 2, rows + 3))
        canvas.fill(rect, role: .text)
        canvas.box(rect, title: "Keys", glyphs: context.glyphs)
        let inner = rect.inset(dx: 2, dy: 1)
        let (list, closing) = inner.splitBottom(1)
        let first = min(max(0, scroll), max(0, lines.count - list.height))
        for (index, line) in lines.dropFirst(first).prefix(list.height).enumerated() {
            let row = list.row(index)
            canvas.put(line.keys, in: row, role: .accent)
            canvas.put(line.text, x: row.x + keyWidth + 2, y: row.y, role: .text, maxWidth: row.width - keyWidth - 2)
        }
        let below = lines.count - first - list.height
        let glyphs = context.glyphs
        var marks: [String] = []
        if first > 0 { marks.append("\(glyphs.up) \(first) above") }
        if below > 0 { marks.append("\(glyphs.down) \(below) more") }
        let hint = marks.isEmpty ? "Esc or ? closes"
            : marks.joined(separator: " ") + " \(glyphs.separator) j k PgUp PgDn scroll \(glyphs.separator) Esc closes"
        canvas.put(hint, in: closing, role: marks.isEmpty ? .muted : .accent)
    }
}
