/// A rectangle of cells. Screens are laid out by splitting rectangles, never by hand arithmetic
/// in drawing code (as ratatui's `Layout` does).
package struct Rect: Sendable, Equatable {
    package var x, y, width, height: Int

    package init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    package var maxX: Int { x + width }
    package var maxY: Int { y + height }
    package var isEmpty: Bool { width == 0 || height == 0 }

    /// Shrinks every side: `dx` columns left and right, `dy` rows top and bottom.
    package func inset(dx: Int, dy: Int) -> Rect {
        Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
    }

    /// The first `rows` rows, and what is left below them.
    package func splitTop(_ rows: Int) -> (top: Rect, rest: Rect) {
        let taken = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: taken), Rect(x: x, y: y + taken, width: width, height: height - taken))
    }

    /// What is left on the left, and the last `columns` columns.
    package func splitRight(_ columns: Int) -> (rest: Rect, right: Rect) {
        let taken = min(max(0, columns), width)
        return (Rect(x: x, y: y, width: width - taken, height: height), Rect(x: maxX - taken, y: y, width: taken, height: height))
    }

    /// What is left above, and the last `rows` rows.
    package func splitBottom(_ rows: Int) -> (rest: Rect, bottom: Rect) {
        let taken = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: height - taken),
                Rect(x: x, y: maxY - taken, width: width, height: taken))
    }

    /// `count` columns of equal width; the last takes what division leaves over.
    package func columns(_ count: Int) -> [Rect] {
        guard count > 0 else { return [] }
        let each = width / count
        return (0..<count).map { index in
            let left = x + index * each
            return Rect(x: left, y: y, width: index == count - 1 ? maxX - left : each, height: height)
        }
    }

    /// One row of this rectangle, counted from its top.
    package func row(_ index: Int) -> Rect { Rect(x: x, y: y + index, width: width, height: index < height ? 1 : 0) }

    /// A rectangle of this size centred in this one (clipped to it).
    package func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(w, width), ch = min(h, height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }
}
