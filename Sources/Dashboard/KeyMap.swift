import Screen

/// Everything a key can do. Each action has a stable `name` (as sngrep's named key bindings
/// do), so that a later config file can rebind keys by name.
package enum Action: Hashable, Sendable {
    case refresh
    case nextUser, previousUser
    /// Jump to user 1 to 9.
    case jumpToUser(Int)
    case openUserList
    case togglePause
    case slower, faster
    case nextTheme
    case showHelp
    case redraw
    case suspend
    case quit

    package var name: String {
        switch self {
        case .refresh: return "refresh"
        case .nextUser: return "next-user"
        case .previousUser: return "previous-user"
        case .jumpToUser(let number): return "user-\(number)"
        case .openUserList: return "user-list"
        case .togglePause: return "pause"
        case .slower: return "interval-longer"
        case .faster: return "interval-shorter"
        case .nextTheme: return "next-theme"
        case .showHelp: return "help"
        case .redraw: return "redraw"
        case .suspend: return "suspend"
        case .quit: return "quit"
        }
    }
}

/// What a key can do inside an overlay (the user list, help): a table of its own, so the
/// dashboard's actions have no overlay cases to ignore.
package enum OverlayAction: String, Hashable, Sendable {
    case up = "list-up"
    case down = "list-down"
    case choose = "list-choose"
    case close
    case quit

    package var name: String { rawValue }
}

/// The one key table: bindings, footer hints and the help screen all come from here, so they
/// cannot drift apart. (htop writes its help screen by hand; here it is generated.)
package enum KeyMap {
    package struct Binding<Target: Hashable & Sendable>: Sendable {
        package let keys: [Key]
        package let action: Target
        package let help: String
        /// The keys as the help screen writes them, when not simply listed (`1-9`).
        package let keysLabel: String?
        /// A short footer item (`+/- interval`), or nil to leave the binding out of the footer.
        package let footer: String?

        init(_ keys: [Key], _ action: Target, help: String, keysLabel: String? = nil, footer: String? = nil) {
            self.keys = keys
            self.action = action
            self.help = help
            self.keysLabel = keysLabel
            self.footer = footer
        }

        package var label: String { keysLabel ?? keys.map(\.label).joined(separator: " ") }
    }

    package static let main: [Binding<Action>] = [
        Binding([.character("r")], .refresh, help: "refresh now", footer: "r refresh"),
        Binding([.character("u"), .tab], .nextUser, help: "next user", footer: "u user"),
        Binding([.character("U"), .backTab], .previousUser, help: "previous user"),
    ] + (1...9).map { number in
        Binding([.character(Character(String(number)))], .jumpToUser(number), help: "jump to user 1-9", keysLabel: "1-9")
    } + [
        Binding([.character("l"), .enter], .openUserList, help: "pick a user from the list", footer: "l users"),
        Binding([.character("p"), .character(" ")], .togglePause, help: "pause / resume polling", footer: "p pause"),
        Binding([.character("+"), .character("=")], .slower, help: "poll less often (longer interval)", footer: "+/- interval"),
        Binding([.character("-")], .faster, help: "poll more often (shorter interval)"),
        Binding([.character("t")], .nextTheme, help: "next theme", footer: "t theme"),
        Binding([.character("?"), .function(1), .character("h")], .showHelp, help: "this help", footer: "? help"),
        Binding([.control("l")], .redraw, help: "redraw the screen"),
        Binding([.control("z")], .suspend, help: "suspend (fg to resume)"),
        Binding([.character("q"), .control("c")], .quit, help: "quit", footer: "q quit"),
    ]

    package static let userList: [Binding<OverlayAction>] = [
        Binding([.up, .character("k")], .up, help: "move up"),
        Binding([.down, .character("j")], .down, help: "move down"),
        Binding([.enter], .choose, help: "show this user"),
        Binding([.escape, .character("l")], .close, help: "close the list"),
        Binding([.character("q"), .control("c")], .quit, help: "quit"),
    ]

    package static let help: [Binding<OverlayAction>] = [
        Binding([.escape, .character("?"), .function(1), .character("h")], .close, help: "close help"),
        Binding([.character("q"), .control("c")], .quit, help: "quit"),
    ]

    /// The action bound to `key` in a table.
    package static func action<Target>(for key: Key, in table: [Binding<Target>]) -> Target? {
        table.first { $0.keys.contains(key) }?.action
    }

    /// The dashboard action with this stable name.
    package static func action(named name: String) -> Action? {
        main.first { $0.action.name == name }?.action
    }

    /// `r refresh  u user ...` for the footer.
    package static func footerItems(_ table: [Binding<Action>] = main) -> [String] {
        table.compactMap(\.footer)
    }

    /// Lines of the help screen: keys, then what they do; bindings that share a label (1-9)
    /// are one line.
    package static func helpLines<Target>(_ table: [Binding<Target>] = main) -> [(keys: String, text: String)] {
        var lines: [(keys: String, text: String)] = []
        for binding in table where !lines.contains(where: { $0.keys == binding.label && $0.text == binding.help }) {
            lines.append((binding.label, binding.help))
        }
        return lines
    }
}
