/// A key press, decoded by the terminal layer into something the key table can name.
package enum Key: Hashable, Sendable {
    case character(Character)
    case enter, tab, backTab, escape, backspace
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
    /// Control plus a letter, e.g. `.control("c")` for Ctrl-C.
    case control(Character)

    /// How the help screen and the footer write it.
    package var label: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let c): return String(c)
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .escape: return "Esc"
        case .backspace: return "Backspace"
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .function(let n): return "F\(n)"
        case .control(let c): return "Ctrl-\(c.uppercased())"
        }
    }
}
