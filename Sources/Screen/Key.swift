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

extension Key {
    /// The keys without terminal replies in them: an answer to a query that came too late (a
    /// device-attributes `ESC [ ? 1 ; 2 c`, a colour `ESC ] 11 ; rgb:… BEL`) would otherwise be
    /// read as `?`, `1`, `2`… and open help or switch users.
    package static func droppingTerminalReplies(_ keys: [Key]) -> [Key] {
        var result: [Key] = []
        var index = 0
        func scalar(_ key: Key) -> UInt32? {
            if case .character(let c) = key, let value = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1 { return value }
            return nil
        }
        while index < keys.count {
            guard keys[index] == .escape, index + 1 < keys.count, let introducer = scalar(keys[index + 1]),
                  introducer == 0x5B || introducer == 0x5D else {
                result.append(keys[index])
                index += 1
                continue
            }
            index += 2
            if introducer == 0x5B {
                // CSI: parameter and intermediate bytes, then one final byte.
                while index < keys.count, let value = scalar(keys[index]), (0x20...0x3F).contains(value) { index += 1 }
                if index < keys.count, let value = scalar(keys[index]), (0x40...0x7E).contains(value) { index += 1 }
            } else {
                // OSC: up to BEL or ESC \.
                while index < keys.count {
                    if keys[index] == .control("g") { index += 1; break }
                    if keys[index] == .escape { index += index + 1 < keys.count && scalar(keys[index + 1]) == 0x5C ? 2 : 1; break }
                    index += 1
                }
            }
        }
        return result
    }
}
