/// Numbers drawn large, from a 3x5 font of blocks, for a wall read from across the room. Each
/// font cell becomes `scaleX` by `scaleY` terminal cells: full blocks where the locale is UTF-8,
/// `#` otherwise. Only what numbers need is drawn: digits, `-` `+` `.` `,` `:` `%`, space and
/// the arrows; anything else makes the text not drawable (the caller falls back to plain text).
package enum BigText {
    /// Rows of the font.
    package static let fontRows = 5

    /// Each glyph as rows of `#` (ink) and `.` (paper); narrow glyphs are one column wide.
    static let font: [Character: [String]] = [
        "0": ["###", "#.#", "#.#", "#.#", "###"],
        "1": [".#.", "##.", ".#.", ".#.", "###"],
        "2": ["###", "..#", "###", "#..", "###"],
        "3": ["###", "..#", "###", "..#", "###"],
        "4": ["#.#", "#.#", "###", "..#", "..#"],
        "5": ["###", "#..", "###", "..#", "###"],
        "6": ["###", "#..", "###", "#.#", "###"],
        "7": ["###", "..#", "..#", "..#", "..#"],
        "8": ["###", "#.#", "###", "#.#", "###"],
        "9": ["###", "#.#", "###", "..#", "###"],
        "-": ["...", "...", "###", "...", "..."],
        "+": ["...", ".#.", "###", ".#.", "..."],
        "%": ["#.#", "..#", ".#.", "#..", "#.#"],
        ".": [".", ".", ".", ".", "#"],
        ",": [".", ".", ".", "#", "#"],
        ":": [".", "#", ".", "#", "."],
        " ": ["..", "..", "..", "..", ".."],
        "▲": ["...", ".#.", "###", "...", "..."],
        "▼": ["...", "###", ".#.", "...", "..."],
    ]

    /// A rendering: `rows` lines of equal width, ready to put on a canvas.
    package struct Rendering: Sendable, Equatable {
        package let rows: [String]
        package let scaleX: Int
        package let scaleY: Int
        package var width: Int { rows.first.map(CharacterWidth.of) ?? 0 }
        package var height: Int { rows.count }
    }

    /// Can every character of `text` be drawn large?
    package static func canDraw(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { font[$0] != nil }
    }

    /// Cells `text` takes at these scales (one font column of gap between glyphs).
    package static func width(of text: String, scaleX: Int) -> Int {
        let glyphs = text.compactMap { font[$0]?.first?.count }
        guard !glyphs.isEmpty else { return 0 }
        return (glyphs.reduce(0, +) + glyphs.count - 1) * scaleX
    }

    /// `text` at exactly these scales, or nil when a character is not in the font.
    package static func render(_ text: String, scaleX: Int, scaleY: Int, ascii: Bool) -> Rendering? {
        guard canDraw(text), scaleX > 0, scaleY > 0 else { return nil }
        let ink = ascii ? "#" : "█"
        var rows: [String] = []
        for fontRow in 0..<fontRows {
            var line = ""
            for (index, character) in text.enumerated() {
                if index > 0 { line += String(repeating: " ", count: scaleX) }
                for cell in font[character]![fontRow] {
                    line += String(repeating: cell == "#" ? ink : " ", count: scaleX)
                }
            }
            rows += Array(repeating: line, count: scaleY)
        }
        return Rendering(rows: rows, scaleX: scaleX, scaleY: scaleY)
    }

    /// `text` as large as fits in `width` by `height` cells: the tallest scale that fits, and
    /// twice as wide as tall when room allows (a terminal cell is about twice as tall as wide,
    /// so that keeps digits in proportion). Nil when even one row per font row does not fit.
    package static func fitting(_ text: String, width: Int, height: Int, ascii: Bool) -> Rendering? {
        guard canDraw(text) else { return nil }
        var scaleY = height / fontRows
        while scaleY >= 1 {
            for scaleX in [2 * scaleY, scaleY + (scaleY + 1) / 2, scaleY] where Self.width(of: text, scaleX: scaleX) <= width {
                return render(text, scaleX: scaleX, scaleY: scaleY, ascii: ascii)
            }
            scaleY -= 1
        }
        return nil
    }
}
