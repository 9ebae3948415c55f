import Screen

/// A terminal below a view's minimum says the size it needs instead of drawing garbage.
enum TooSmallPanel {
    static func draw(_ state: DashboardState, minimumWidth: Int, minimumHeight: Int, in screen: Rect, on canvas: inout Canvas) {
        let lines = ["Terminal too small: \(state.width)x\(state.height)",
                     "m4top needs at least \(minimumWidth)x\(minimumHeight)", "q quits"]
        for (index, line) in lines.enumerated() {
            let y = screen.height / 2 - 1 + index
            let x = max(0, (screen.width - CharacterWidth.of(line)) / 2)
            canvas.put(line, x: x, y: y, role: index == 0 ? .warning : .text)
        }
    }
}
