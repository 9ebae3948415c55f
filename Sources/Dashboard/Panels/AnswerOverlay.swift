import Foundation
import M4API
import Screen
import Watch

/// `v`: the last answer of the user on screen, every element with its exact text as the server
/// sent it (control characters already taken out). Where a panel had to scale a number to fit
/// (`1.2e22`) or a value is longer than a line, this is where it is read whole: long values wrap.
enum AnswerOverlay {
    /// The lines, wrapped to `width` columns: sections as headings, then `name  text` pairs.
    static func lines(_ state: DashboardState, width: Int, clock: (Date) -> String = { _ in "" }, ellipsis: String = "…") -> [(text: String, role: Role)] {
        let key = subject(state)
        guard let snapshot = state.userStates[key]?.history.latest else {
            return [("No answer from \(AlertLogOverlay.subject(.user(key), state)) yet.", .muted)]
        }
        let stats = snapshot.stats
        var lines: [(text: String, role: Role)] = [
            ("\(AlertLogOverlay.subject(.user(key), state)) at \(clock(snapshot.time)), as the server sent it", .muted),
        ]
        let names = stats.sections.flatMap(\.fields).map(\.name) + stats.fields.map(\.name)
        let nameWidth = min(24, (names.map(CharacterWidth.of).max() ?? 0) + 2)
        func add(_ fields: [StatField], indent: Int) {
            for field in fields {
                let label = String(repeating: " ", count: indent) + CharacterWidth.truncate(field.name, to: nameWidth - 2, ellipsis: ellipsis)
                let room = max(8, width - indent - nameWidth)
                let value = field.text.isEmpty ? "(empty)" : field.text
                let role: Role = field.number == nil && !field.text.isEmpty ? .muted : .text
                if CharacterWidth.of(value) <= room {
                    lines.append((label + String(repeating: " ", count: max(1, indent + nameWidth - CharacterWidth.of(label))) + value, role))
                    continue
                }
                // Too long beside its name: on lines of its own, whole (a number never split
                // when a line can hold it).
                lines.append((label, .text))
                let margin = String(repeating: " ", count: indent + 2)
                for piece in wrap(value, width: max(8, width - indent - 2)) { lines.append((margin + piece, role)) }
            }
        }
        for section in stats.sections {
            lines.append(("", .text))
            lines.append((section.elementName, .accent))
            add(section.fields, indent: 2)
        }
        if !stats.fields.isEmpty {
            lines.append(("", .text))
            add(stats.fields, indent: 0)
        }
        return lines
    }

    /// Whose answer: the overview's selected row, else the user on screen.
    static func subject(_ state: DashboardState) -> UserKey {
        state.screen == .overview ? state.overview.selection ?? state.current : state.current
    }

    /// `text` in pieces of at most `width` columns.
    static func wrap(_ text: String, width: Int) -> [String] {
        var pieces: [String] = [], piece = "", used = 0
        for character in text {
            let cells = CharacterWidth.of(String(character))
            if used + cells > width, !piece.isEmpty {
                pieces.append(piece)
                piece = ""
                used = 0
            }
            piece.append(character)
            used += cells
        }
        if !piece.isEmpty || pieces.isEmpty { pieces.append(piece) }
        return pieces
    }

    /// The box: the screen less a margin; its text area.
    static func box(_ screen: Rect) -> (rect: Rect, list: Rect, closing: Rect) {
        let rect = screen.inset(dx: screen.width > 60 ? 4 : 1, dy: 1)
        let inner = rect.inset(dx: 2, dy: 1)
        let (list, closing) = inner.splitBottom(1)
        return (rect, list, closing)
    }

    /// Lines a page holds at this terminal size, and the furthest the list scrolls.
    static func pageRows(_ state: DashboardState) -> (page: Int, last: Int) {
        let list = box(Rect(x: 0, y: 0, width: state.width, height: state.height)).list
        return (max(1, list.height), max(0, lines(state, width: list.width).count - list.height))
    }

    static func draw(_ state: DashboardState, scroll: Int, in screen: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let (rect, list, closing) = box(screen)
        guard rect.width > 20, rect.height > 4 else { return }
        canvas.fill(rect, role: .text)
        canvas.box(rect, title: "Last answer", glyphs: context.glyphs)
        let lines = lines(state, width: list.width, clock: context.time.clock, ellipsis: context.glyphs.ellipsis)
        let first = min(max(0, scroll), max(0, lines.count - list.height))
        for (index, line) in lines.dropFirst(first).prefix(list.height).enumerated() {
            canvas.put(line.text, in: list.row(index), role: line.role)
        }
        let below = lines.count - first - list.height
        let glyphs = context.glyphs
        var marks: [String] = []
        if first > 0 { marks.append("\(glyphs.up) \(first) above") }
        if below > 0 { marks.append("\(glyphs.down) \(below) more") }
        let hint = (marks.isEmpty ? "" : marks.joined(separator: " ") + " \(glyphs.separator) j k PgUp PgDn scroll \(glyphs.separator) ") + "Esc or v closes"
        canvas.put(hint, in: closing, role: marks.isEmpty ? .muted : .accent)
    }
}
