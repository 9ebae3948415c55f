import Screen

/// The key hints, from the key table, as many as fit.
enum Footer {
    static func draw(_ items: [String], in rect: Rect, on canvas: inout Canvas) {
        canvas.fill(rect, role: .footer)
        var x = rect.x + 1
        for item in items {
            if x + CharacterWidth.of(item) >= rect.maxX { break }
            x += canvas.put(item, x: x, y: rect.y, role: .footer) + 2
        }
    }
}
