import TextSafety
/// One screen cell: a character (or "" for the right half of a wide one) and its role.
package struct Cell: Equatable, Sendable {
    package var text: String
    package var role: Role

    package init(text: String = " ", role: Role = .background) {
        self.text = text
        self.role = role
    }

    package static let continuation = ""
}

/// An in-memory screen the view draws into. The terminal layer copies only changed cells out,
/// and tests read it back as text.
package struct Canvas: Sendable, Equatable {
    package let width: Int
    package let height: Int
    package private(set) var cells: [Cell]
    /// Replaces characters a non-UTF-8 terminal cannot show.
    package let asciiOnly: Bool

    package init(width: Int, height: Int, asciiOnly: Bool = false) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.asciiOnly = asciiOnly
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    package subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Another canvas's cells placed from row `y` down (clipped), their roles mapped by `role`.
    package mutating func paste(_ other: Canvas, atRow y: Int, role: (Role) -> Role = { $0 }) {
        for row in 0..<other.height where y + row >= 0 && y + row < height {
            for column in 0..<min(width, other.width) {
                var cell = other.cells[row * other.width + column]
                cell.role = role(cell.role)
                cells[(y + row) * width + column] = cell
            }
        }
    }

    /// Writes `text` at (x, y), clipped to the canvas and to `maxWidth` columns; returns the columns used.
    @discardableResult
    package mutating func put(_ text: String, x: Int, y: Int, role: Role, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        // Most of a frame is printable ASCII: one byte, one column, no grapheme breaking.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            var column = x
            for byte in text.utf8 {
                if column >= limit { break }
                if column >= 0 { cells[y * width + column] = Cell(text: String(UnicodeScalar(byte)), role: role) }
                column += 1
            }
            return column - x
        }
        var column = x
        for character in text {
            // Nothing that a terminal acts on reaches a cell, whatever the text's origin.
            let safe = character.unicodeScalars.contains(where: TerminalSafeText.isUnsafe) ? TerminalSafeText.replacement : character
            let shown: Character = asciiOnly && !safe.isASCII ? "?" : safe
            let w = CharacterWidth.of(shown)
            if w == 0 { continue }
            if column + w > limit { break }
            if column >= 0 {
                cells[y * width + column] = Cell(text: String(shown), role: role)
                if w == 2 { cells[y * width + column + 1] = Cell(text: Cell.continuation, role: role) }
            }
            column += w
        }
        return column - x
    }

    /// Right-aligns `text` so that it ends just before `rightEdge`.
    @discardableResult
    package mutating func putRight(_ text: String, rightEdge: Int, y: Int, role: Role) -> Int {
        let w = CharacterWidth.of(text)
        return put(text, x: rightEdge - w, y: y, role: role)
    }

    package mutating func fill(x: Int, y: Int, width w: Int, height h: Int, role: Role, text: String = " ") {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                cells[row * width + column] = Cell(text: text, role: role)
            }
        }
    }

    /// A box with a title in the top border.
    package mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String, glyphs: Glyphs,
                             role: Role = .border, titleRole: Role = .title) {
        guard w >= 2, h >= 2 else { return }
        // Box glyphs are one column each by construction: set the cells without measuring.
        func set(_ glyph: String, _ column: Int, _ row: Int) {
            guard column >= 0, column < width, row >= 0, row < height else { return }
            cells[row * width + column] = Cell(text: asciiOnly && !glyph.allSatisfy(\.isASCII) ? "?" : glyph, role: role)
        }
        for column in (x + 1)..<(x + w - 1) {
            set(glyphs.horizontal, column, y)
            set(glyphs.horizontal, column, y + h - 1)
        }
        for row in (y + 1)..<(y + h - 1) {
            set(glyphs.vertical, x, row)
            set(glyphs.vertical, x + w - 1, row)
        }
        set(glyphs.topLeft, x, y)
        set(glyphs.topRight, x + w - 1, y)
        set(glyphs.bottomLeft, x, y + h - 1)
        set(glyphs.bottomRight, x + w - 1, y + h - 1)
        if !title.isEmpty && w > 6 {
            put(" \(title) ", x: x + 2, y: y, role: titleRole, maxWidth: w - 4)
        }
    }

    /// Cells that differ between `previous` and this canvas, in row order: all of them when
    /// the size changed or there is no previous. The terminal copies only these. A wide
    /// character's right half is never listed: writing the left half covers it.
    package func changes(from previous: Canvas?) -> [(x: Int, y: Int, cell: Cell)] {
        let same = previous.map { $0.width == width && $0.height == height } ?? false
        var result: [(x: Int, y: Int, cell: Cell)] = []
        for y in 0..<height {
            for x in 0..<width {
                let index = y * width + x
                let cell = cells[index]
                if same, previous!.cells[index] == cell { continue }
                if cell.text == Cell.continuation { continue }
                result.append((x, y, cell))
            }
        }
        return result
    }

    // MARK: Rect-based drawing

    /// Writes `text` inside `rect`'s first row, clipped to it.
    @discardableResult
    package mutating func put(_ text: String, in rect: Rect, role: Role) -> Int {
        guard !rect.isEmpty else { return 0 }
        return put(text, x: rect.x, y: rect.y, role: role, maxWidth: rect.width)
    }

    package mutating func fill(_ rect: Rect, role: Role) {
        fill(x: rect.x, y: rect.y, width: rect.width, height: rect.height, role: role)
    }

    package mutating func box(_ rect: Rect, title: String, glyphs: Glyphs) {
        box(x: rect.x, y: rect.y, width: rect.width, height: rect.height, title: title, glyphs: glyphs)
    }

    /// The canvas as plain text, one line per row, trailing spaces trimmed (for tests).
    package var text: String {
        (0..<height).map { row in
            var line = ""
            for column in 0..<width { line += cells[row * width + column].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// The roles along one row (for tests that check colour by meaning).
    package func roles(row: Int) -> [Role] {
        (0..<width).map { cells[row * width + $0].role }
    }
}
