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

    // MARK: Legible colours

    /// A role's style as the terminal should show it at `depth` on a `background` terminal,
    /// guaranteed legible: every text role keeps a WCAG contrast of `Contrast.required(for:)`
    /// against what it is drawn on, with the xterm palette. On 8 colours a bright colour becomes
    /// its base colour in bold (as xterm and the Linux console brighten bold text) and
    /// `bright-black`, which 8 colours lack, the default colour dimmed: never colour 0 over a
    /// default background. A colour below the required contrast is replaced by the nearest one
    /// (by RGB distance) that meets it, so meaning by hue survives where the palette allows.
    package static func resolve(_ style: TextStyle, role: Role, depth: ColorDepth, background: TerminalBackground) -> ResolvedStyle {
        var result = ResolvedStyle(foreground: -1, background: -1, bold: style.bold, underline: style.underline,
                                   reverse: style.reverse, dim: style.dim)
        guard depth != .monochrome else {
            // Without colour, a background colour becomes reverse video so bars still stand out.
            if style.background != .terminalDefault { result.reverse = true }
            return result
        }
        result.background = terminalColor(style.background, depth: depth)
        result.foreground = terminalColor(style.foreground, depth: depth)
        if depth == .eight, case .indexed(let index) = style.foreground, (8..<16).contains(index) {
            if index == 8 {
                result.foreground = -1
                result.dim = true
            } else {
                result.bold = true
            }
        }
        guard !style.reverse else { return result }
        let (wanted, ground) = shown(result, depth: depth, background: background)
        let needed = Contrast.required(for: role)
        if Contrast.ratio(wanted, ground) < needed {
            let choice = nearestLegible(to: wanted, on: ground, needed: needed, depth: depth, bold: result.bold,
                                        defaultAllowed: result.background == -1, background: background)
            result.foreground = choice.index
            result.bold = choice.bold
        }
        return result
    }

    /// What a person sees: text and ground as RGB, in the xterm palette, with `default` as the
    /// background assumes, reverse video applied, and on 8 colours bold text in the bright
    /// colour (as xterm and the Linux console show it).
    package static func shown(_ style: ResolvedStyle, depth: ColorDepth, background: TerminalBackground) -> (text: (Int, Int, Int), ground: (Int, Int, Int)) {
        var foreground = style.foreground
        if depth == .eight && style.bold && (0..<8).contains(foreground) { foreground += 8 }
        let fg = shownRGB(foreground, depth: depth, default: background.defaultForeground)
        let bg = shownRGB(style.background, depth: depth, default: background.defaultBackground)
        return style.reverse ? (bg, fg) : (fg, bg)
    }

    /// The RGB a terminal shows for a palette index (or packed true colour) at `depth`.
    package static func shownRGB(_ color: Int, depth: ColorDepth, default fallback: (Int, Int, Int)) -> (Int, Int, Int) {
        if color < 0 { return fallback }
        if depth == .trueColor && color > 255 { return ((color >> 16) & 0xff, (color >> 8) & 0xff, color & 0xff) }
        return rgb(ofIndex: min(255, color))
    }

    private static func nearestLegible(to wanted: (Int, Int, Int), on ground: (Int, Int, Int), needed: Double, depth: ColorDepth,
                                       bold: Bool, defaultAllowed: Bool, background: TerminalBackground) -> (index: Int, bold: Bool) {
        func distance(_ c: (Int, Int, Int)) -> Int {
            let dr = c.0 - wanted.0, dg = c.1 - wanted.1, db = c.2 - wanted.2
            return 3 * dr * dr + 4 * dg * dg + 2 * db * db
        }
        struct Candidate { let index: Int; let bold: Bool; let rgb: (Int, Int, Int) }
        var candidates: [Candidate] = []
        switch depth {
        case .trueColor:
            // The wanted colour, darkened or lightened in steps: the same hue, legible.
            for step in 1...20 {
                let t = Double(step) / 20
                let darker = (Int(Double(wanted.0) * (1 - t)), Int(Double(wanted.1) * (1 - t)), Int(Double(wanted.2) * (1 - t)))
                let lighter = (wanted.0 + Int(Double(255 - wanted.0) * t), wanted.1 + Int(Double(255 - wanted.1) * t),
                               wanted.2 + Int(Double(255 - wanted.2) * t))
                for c in [darker, lighter] { candidates.append(Candidate(index: (c.0 << 16) | (c.1 << 8) | c.2, bold: bold, rgb: c)) }
            }
        case .indexed256: candidates = (0..<256).map { Candidate(index: $0, bold: bold, rgb: rgb(ofIndex: $0)) }
        case .sixteen: candidates = (0..<16).map { Candidate(index: $0, bold: bold, rgb: rgb(ofIndex: $0)) }
        case .eight, .monochrome:
            // Bold shows the bright colour here; without bold, the base one. Both may serve.
            candidates = (0..<8).flatMap { index in
                [Candidate(index: index, bold: false, rgb: rgb(ofIndex: index)), Candidate(index: index, bold: true, rgb: rgb(ofIndex: index + 8))]
            }
        }
        if defaultAllowed { candidates.append(Candidate(index: -1, bold: bold, rgb: background.defaultForeground)) }
        let legible = candidates.filter { Contrast.ratio($0.rgb, ground) >= needed }
        if let best = legible.min(by: { distance($0.rgb) < distance($1.rgb) }) { return (best.index, best.bold) }
        // Nothing reaches it (a mid-grey ground): black or white, whichever contrasts more.
        let black = Contrast.ratio((0, 0, 0), ground), white = Contrast.ratio((255, 255, 255), ground)
        if depth == .trueColor { return (black >= white ? 0 : 0xffffff, false) }
        return (black >= white ? 0 : (depth == .eight ? 7 : 15), depth == .eight && black < white)
    }
}
