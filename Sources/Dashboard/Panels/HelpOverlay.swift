import Screen
import Watch

/// `?`: every key and what it does, generated from the key table.
enum HelpOverlay {
    static func draw(_ lines: [(keys: String, text: String)], in screen: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let keyWidth = lines.map { CharacterWidth.of($0.keys) }.max() ?? 0
        let textWidth = lines.map { CharacterWidth.of($0.text) }.max() ?? 0
        let rect = screen.centered(width: min(screen.width - 2, keyWidth + textWidth + 7), height: min(screen.height - 2, lines.count + 4))
        canvas.fill(rect, role: .text)
        canvas.box(rect, title: "Keys", glyphs: context.glyphs)
        let inner = rect.inset(dx: 2, dy: 1)
        let (list, closing) = inner.splitBottom(1)
        for (index, line) in lines.enumerated() where index < list.height {
            let row = list.row(index)
            canvas.put(line.keys, in: row, role: .accent)
            canvas.put(line.text, x: row.x + keyWidth + 2, y: row.y, role: .text, maxWidth: row.width - keyWidth - 2)
        }
        canvas.put("Esc or ? closes", in: closing, role: .muted)
    }
}
