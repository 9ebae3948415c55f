/// What the terminal can show, from most to least.
package enum ColorDepth: Sendable, Equatable, Comparable {
    case monochrome, eight, sixteen, indexed256, trueColor

    /// From the number of colours the terminal reports and whether it takes 24-bit colour.
    package init(colors: Int, trueColor: Bool) {
        if trueColor && colors >= 1 << 24 { self = .trueColor }
        else if colors >= 256 { self = .indexed256 }
        else if colors >= 16 { self = .sixteen }
        else if colors >= 8 { self = .eight }
        else { self = .monochrome }
    }
}

/// Maps a theme colour down to what the terminal has: true colour, else the nearest of the
/// 256 (xterm palette), else of 16 or 8. Returns -1 for the terminal's default colour.
package enum ColorMapping {
    /// The xterm palette's 16 basic colours, as most terminals show them.
    static let basic: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// RGB of an xterm-256 index.
    package static func rgb(ofIndex index: Int) -> (Int, Int, Int) {
        switch index {
        case 0..<16: return basic[index]
        case 16..<232:
            let i = index - 16
            let steps = [0, 95, 135, 175, 215, 255]
            return (steps[i / 36], steps[(i / 6) % 6], steps[i % 6])
        default:
            let level = 8 + (min(255, max(232, index)) - 232) * 10
            return (level, level, level)
        }
    }

    package static func terminalColor(_ color: ThemeColor, depth: ColorDepth) -> Int {
        switch color {
        case .terminalDefault:
            return -1
        case .indexed(let index):
            switch depth {
            case .monochrome: return -1
            case .trueColor, .indexed256: return index
            case .sixteen: return index < 16 ? index : nearest(rgb(ofIndex: index), among: 16)
            case .eight: return index < 8 ? index : index < 16 ? index - 8 : nearest(rgb(ofIndex: index), among: 8)
            }
        case .rgb(let r, let g, let b):
            let wanted = (Int(r), Int(g), Int(b))
            switch depth {
            case .monochrome: return -1
            case .trueColor: return (Int(r) << 16) | (Int(g) << 8) | Int(b)
            case .indexed256: return nearest(wanted, among: 256, from: 16)
            case .sixteen: return nearest(wanted, among: 16)
            case .eight: return nearest(wanted, among: 8)
            }
        }
    }

    /// The palette index (in `from..<count`) closest to `wanted`, by a weighted RGB distance.
    static func nearest(_ wanted: (Int, Int, Int), among count: Int, from start: Int = 0) -> Int {
        var best = start, bestDistance = Int.max
        for index in start..<count {
            let (r, g, b) = rgb(ofIndex: index)
            let dr = r - wanted.0, dg = g - wanted.1, db = b - wanted.2
            let distance = 3 * dr * dr + 4 * dg * dg + 2 * db * db
            if distance < bestDistance { best = index; bestDistance = distance }
        }
        return best
    }
}
