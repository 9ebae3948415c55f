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

extension PanelContext {
    /// Every view starts here: a blank canvas the size of the terminal, and whether the view
    /// fits. When it does not, the canvas already says the size this view needs.
    func canvas(for state: DashboardState, minimumWidth: Int, minimumHeight: Int) -> (canvas: Canvas, screen: Rect, fits: Bool) {
        var canvas = Canvas(width: state.width, height: state.height, asciiOnly: glyphs.isASCII)
        let screen = Rect(x: 0, y: 0, width: state.width, height: state.height)
        guard state.width >= minimumWidth, state.height >= minimumHeight else {
            TooSmallPanel.draw(state, minimumWidth: minimumWidth, minimumHeight: minimumHeight, in: screen, on: &canvas)
            return (canvas, screen, false)
        }
        return (canvas, screen, true)
    }
}
