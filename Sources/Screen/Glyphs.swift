/// Box drawing, arrows and sparkline blocks: Unicode where the locale is UTF-8, ASCII otherwise.
package struct Glyphs: Sendable, Equatable {
    package let topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical: String
    package let up, down, bullet, cross, pause, ellipsis, separator: String
    package let spark: [String]

    package static let unicode = Glyphs(topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
                                       horizontal: "─", vertical: "│", up: "▲", down: "▼", bullet: "●",
                                       cross: "✖", pause: "‖", ellipsis: "…", separator: "·",
                                       spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"])
    package static let ascii = Glyphs(topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
                                     horizontal: "-", vertical: "|", up: "^", down: "v", bullet: "*",
                                     cross: "x", pause: "||", ellipsis: "~", separator: "|",
                                     spark: ["_", ".", "-", "=", "+", "*", "#", "@"])

    package var isASCII: Bool { self == .ascii }
}
