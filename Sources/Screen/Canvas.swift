/// One screen cell: a character (or "" for the right half of a wide one) and its role.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var role: Role

    public init(text: String = " ", role: Role = .background) {
        self.text = text
        self.role = role
    }

    public static let continuation = ""
}

/// An in-memory screen the view draws into. The terminal layer copies only changed cells out,
/// and tests read it back as text.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Replaces characters a non-UTF-8 terminal cannot show.
    public let asciiOnly: Bool

    public init(width: Int, height: Int, asciiOnly: Bool = false) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.asciiOnly = asciiOnly
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes `text` at (x, y), clipped to the canvas and to `maxWidth` columns; returns the columns used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        var column = x
        for character in text {
            let shown: Character = asciiOnly && !character.isASCII ? "?" : character
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
    public mutating func putRight(_ text: String, rightEdge: Int, y: Int, role: Role) -> Int {
        let w = CharacterWidth.of(text)
        return put(text, x: rightEdge - w, y: y, role: role)
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, role: Role, text: String = " ") {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                cells[row * width + column] = Cell(text: text, role: role)
            }
        }
    }

    /// A box with a title in the top border.
    public mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String, glyphs: Glyphs,
                             role: Role = .border, titleRole: Role = .title) {
        guard w >= 2, h >= 2 else { return }
        put(glyphs.topLeft + String(repeating: glyphs.horizontal, count: w - 2) + glyphs.topRight, x: x, y: y, role: role)
        for row in (y + 1)..<(y + h - 1) {
            put(glyphs.vertical, x: x, y: row, role: role)
            put(glyphs.vertical, x: x + w - 1, y: row, role: role)
        }
        put(glyphs.bottomLeft + String(repeating: glyphs.horizontal, count: w - 2) + glyphs.bottomRight, x: x, y: y + h - 1, role: role)
        if !title.isEmpty && w > 6 {
            put(" \(title) ", x: x + 2, y: y, role: titleRole, maxWidth: w - 4)
        }
    }

    /// The canvas as plain text, one line per row, trailing spaces trimmed (for tests).
    public var text: String {
        (0..<height).map { row in
            var line = ""
            for column in 0..<width { line += cells[row * width + column].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// The roles along one row (for tests that check colour by meaning).
    public func roles(row: Int) -> [Role] {
        (0..<width).map { cells[row * width + $0].role }
    }
}
