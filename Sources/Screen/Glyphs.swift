/// Box drawing, arrows and sparkline blocks: Unicode where the locale is UTF-8, ASCII otherwise.
public struct Glyphs: Sendable, Equatable {
    public let topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical: String
    public let up, down, bullet, ellipsis, separator: String
    public let spark: [String]

    public static let unicode = Glyphs(topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
                                       horizontal: "─", vertical: "│", up: "▲", down: "▼", bullet: "●",
                                       ellipsis: "…", separator: "·",
                                       spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"])
    public static let ascii = Glyphs(topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
                                     horizontal: "-", vertical: "|", up: "^", down: "v", bullet: "*",
                                     ellipsis: "~", separator: "|",
                                     spark: ["_", ".", "-", "=", "+", "*", "#", "@"])

    public var isASCII: Bool { self == .ascii }
}
