import Screen
/// Everything a key can do.
public enum Action: Hashable, Sendable {
    case refresh
    case nextUser, previousUser
    case jumpToUser(Int)
    case openUserList
    case togglePause
    case slower, faster
    case nextTheme
    case toggleHelp
    case redraw
    case suspend
    case quit
    // Inside the user list:
    case listUp, listDown, listChoose, closeOverlay
}

/// The one key table: bindings, footer hints and the help screen all come from here, so they
/// cannot drift apart (htop's Action.c does the same).
public enum KeyMap {
    public struct Binding: Sendable {
        public let keys: [Key]
        public let action: Action
        public let help: String
        /// Short hint for the footer, or nil to leave it out of the footer.
        public let hint: String?
    }

    public static let main: [Binding] = [
        Binding(keys: [.character("r")], action: .refresh, help: "refresh now", hint: "refresh"),
        Binding(keys: [.character("u"), .tab], action: .nextUser, help: "next user", hint: "user"),
        Binding(keys: [.character("U"), .backTab], action: .previousUser, help: "previous user", hint: nil),
        Binding(keys: (1...9).map { .character(Character(String($0))) }, action: .jumpToUser(0),
                help: "jump to user 1-9", hint: nil),
        Binding(keys: [.character("l"), .enter], action: .openUserList, help: "pick a user from the list", hint: "users"),
        Binding(keys: [.character("p"), .character(" ")], action: .togglePause, help: "pause / resume polling", hint: "pause"),
        Binding(keys: [.character("+"), .character("=")], action: .slower, help: "poll less often (longer interval)", hint: nil),
        Binding(keys: [.character("-")], action: .faster, help: "poll more often (shorter interval)", hint: "+/- interval"),
        Binding(keys: [.character("t")], action: .nextTheme, help: "next theme", hint: "theme"),
        Binding(keys: [.character("?"), .function(1), .character("h")], action: .toggleHelp, help: "this help", hint: "help"),
        Binding(keys: [.control("l")], action: .redraw, help: "redraw the screen", hint: nil),
        Binding(keys: [.control("z")], action: .suspend, help: "suspend (fg to resume)", hint: nil),
        Binding(keys: [.character("q"), .control("c")], action: .quit, help: "quit", hint: "quit"),
    ]

    public static let userList: [Binding] = [
        Binding(keys: [.up, .character("k")], action: .listUp, help: "move up", hint: nil),
        Binding(keys: [.down, .character("j")], action: .listDown, help: "move down", hint: nil),
        Binding(keys: [.enter], action: .listChoose, help: "show this user", hint: nil),
        Binding(keys: [.escape, .character("l")], action: .closeOverlay, help: "close the list", hint: nil),
        Binding(keys: [.character("q"), .control("c")], action: .quit, help: "quit", hint: nil),
    ]

    public static let help: [Binding] = [
        Binding(keys: [.escape, .character("?"), .function(1), .character("h")], action: .closeOverlay, help: "close help", hint: nil),
        Binding(keys: [.character("q"), .control("c")], action: .quit, help: "quit", hint: nil),
    ]

    /// The action for `key` in a table; digits carry their user number.
    public static func action(for key: Key, in table: [Binding]) -> Action? {
        for binding in table where binding.keys.contains(key) {
            if case .jumpToUser = binding.action, case .character(let c) = key, let n = c.wholeNumberValue {
                return .jumpToUser(n - 1)
            }
            return binding.action
        }
        return nil
    }

    /// `r refresh  u user ...` for the footer.
    public static func footerHints(_ table: [Binding] = main) -> [(keys: String, text: String)] {
        table.compactMap { binding in
            guard let hint = binding.hint else { return nil }
            if binding.action == .faster { return ("+/-", "interval") }
            return (binding.keys[0].label, hint)
        }
    }

    /// Lines of the help screen: keys, then what they do.
    public static func helpLines(_ table: [Binding] = main) -> [(keys: String, text: String)] {
        table.map { binding in
            if case .jumpToUser = binding.action { return ("1-9", binding.help) }
            return (binding.keys.map(\.label).joined(separator: " "), binding.help)
        }
    }
}
