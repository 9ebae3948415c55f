import Screen
import Watch

/// Everything a key can do. Each action has a stable `name` (as sngrep's named key bindings
/// do), so that a later config file can rebind keys by name.
package enum Action: Hashable, Sendable {
    case refresh
    case nextUser, previousUser
    /// Jump to user 1 to 9.
    case jumpToUser(Int)
    case openUserList
    /// A screen and back (`o` the overview, `w` the wall): the screen declares its key.
    case toggleScreen(ScreenMode)
    /// `a`: the alert log.
    case openAlertLog
    /// The last answer, every value exactly as sent.
    case openAnswer
    /// `x`: acknowledge the firing alerts (their bell stops).
    case acknowledgeAlerts
    /// `R`: pause or resume the rotation through users.
    case toggleRotation
    /// `[` `]`: the charts' time range.
    case shorterChart, longerChart
    case togglePause
    case slower, faster
    case nextTheme
    /// `T`: time travel, from one answer back.
    case startReplay
    /// `@`: go to a typed moment of the store.
    case goToTime
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
        case .toggleScreen(let mode): return mode.rawValue
        case .openAlertLog: return "alert-log"
        case .openAnswer: return "answer"
        case .acknowledgeAlerts: return "acknowledge"
        case .toggleRotation: return "rotation"
        case .shorterChart: return "chart-shorter"
        case .longerChart: return "chart-longer"
        case .togglePause: return "pause"
        case .slower: return "interval-longer"
        case .faster: return "interval-shorter"
        case .nextTheme: return "next-theme"
        case .startReplay: return "replay"
        case .goToTime: return "go-to-time"
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
    case pageUp = "page-up"
    case pageDown = "page-down"
    case acknowledge
    case close
    case quit

    package var name: String { rawValue }
}

/// What a key does on the overview (before the dashboard's table is asked).
package enum OverviewAction: String, Hashable, Sendable {
    case up = "row-up"
    case down = "row-down"
    case pageUp = "page-up"
    case pageDown = "page-down"
    case home = "first-row"
    case end = "last-row"
    case open = "open-dashboard"
    case sortNext = "sort-next"
    case sortPrevious = "sort-previous"
    case invertSort = "sort-invert"
    case startFilter = "filter"
    case clearFilter = "filter-clear"
    case refreshAll = "refresh-all"

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
        package var entry: Entry { Entry(keys: keys, label: label, help: help) }
    }

    /// A binding as the help screen sees it, whatever its table's actions.
    package struct Entry: Sendable {
        package let keys: [Key]
        package let label: String
        package let help: String
    }

    package static func entries<Target>(_ table: [Binding<Target>]) -> [Entry] { table.map(\.entry) }

    package static let main: [Binding<Action>] = [
        Binding([.character("r")], .refresh, help: "refresh now", footer: "r refresh"),
        Binding([.character("u"), .tab], .nextUser, help: "next user", footer: "u user"),
        Binding([.character("U"), .backTab], .previousUser, help: "previous user"),
    ] + (1...9).map { number in
        Binding([.character(Character(String(number)))], .jumpToUser(number), help: "jump to user 1-9", keysLabel: "1-9")
    } + [
        Binding([.character("l"), .enter], .openUserList, help: "pick a user from the list"),
    ] + Screens.all.compactMap { $0.toggle } + [
        Binding([.character("a")], .openAlertLog, help: "alert log: every firing and resolution"),
        Binding([.character("v")], .openAnswer, help: "the last answer, every value exactly as the server sent it"),
        Binding([.character("x")], .acknowledgeAlerts, help: "acknowledge firing alerts (the bell stops)"),
        Binding([.character("R")], .toggleRotation, help: "pause / resume rotation through users"),
        Binding([.character("[")], .shorterChart, help: "chart range shorter (15m 1h 6h 24h 7d)"),
        Binding([.character("]")], .longerChart, help: "chart range longer"),
        Binding([.character("p"), .character(" ")], .togglePause, help: "pause / resume polling", footer: "p pause"),
        Binding([.character("+"), .character("=")], .slower, help: "poll less often (longer interval)", footer: "+/- interval"),
        Binding([.character("-")], .faster, help: "poll more often (shorter interval)"),
        Binding([.character("t")], .nextTheme, help: "next theme"),
        Binding([.character("T")], .startReplay, help: "time travel: replay from one answer ago"),
        Binding([.character("@")], .goToTime, help: "time travel to a time: 03:12, -2h, a date"),
        Binding([.character("?"), .function(1), .character("h")], .showHelp, help: "this help", footer: "? help"),
        Binding([.control("l")], .redraw, help: "redraw the screen"),
        Binding([.control("z")], .suspend, help: "suspend (fg to resume)"),
        Binding([.character("q"), .control("c")], .quit, help: "quit", footer: "q quit"),
    ]

    /// Keys of the overview; the dashboard's table (`main`) applies to the keys not here.
    package static let overview: [Binding<OverviewAction>] = [
        Binding([.up, .character("k")], .up, help: "previous row"),
        Binding([.down, .character("j")], .down, help: "next row"),
        Binding([.pageUp], .pageUp, help: "a page up"),
        Binding([.pageDown], .pageDown, help: "a page down"),
        Binding([.home, .character("g")], .home, help: "first row"),
        Binding([.end, .character("G")], .end, help: "last row"),
        Binding([.enter], .open, help: "open this user's dashboard", footer: "Enter open"),
        Binding([.character(">")], .sortNext, help: "sort by the next column", footer: "<> sort"),
        Binding([.character("<")], .sortPrevious, help: "sort by the previous column"),
        Binding([.character("i")], .invertSort, help: "invert the sort"),
        Binding([.character("/")], .startFilter, help: "filter rows by user or server name", footer: "/ filter"),
        Binding([.escape], .clearFilter, help: "clear the filter"),
        Binding([.character("r")], .refreshAll, help: "refresh the user lists and this row now"),
    ]

    /// Keys in a replay, asked first (the screens' and the dashboard's keys still work).
    package static let replay: [Binding<ReplayAction>] = [
        Binding([.left, .character("T")], .answerBack, help: "one answer back (anyone's on the overview)", footer: "<- -> answer"),
        Binding([.right], .answerForward, help: "one answer forward"),
        Binding([.character("b")], .minuteBack, help: "a minute back"),
        Binding([.character("f")], .minuteForward, help: "a minute forward", footer: "b/f minute"),
        Binding([.character("B")], .hourBack, help: "an hour back"),
        Binding([.character("F")], .hourForward, help: "an hour forward", footer: "B/F hour"),
        Binding([.character("@")], .goToTime, help: "go to a typed time", footer: "@ time"),
        Binding([.character("P")], .play, help: "play forward / stop (1x)", footer: "P play"),
        Binding([.character("*")], .faster, help: "play speed: 1x, 10x, 60x"),
        Binding([.escape, .character("L")], .live, help: "back to live", footer: "Esc live"),
    ]

    package static let userList: [Binding<OverlayAction>] = [
        Binding([.up, .character("k")], .up, help: "move up"),
        Binding([.down, .character("j")], .down, help: "move down"),
        Binding([.enter], .choose, help: "show this user"),
        Binding([.escape, .character("l")], .close, help: "close the list"),
        Binding([.character("q"), .control("c")], .quit, help: "quit"),
    ]

    package static let alertLog: [Binding<OverlayAction>] = [
        Binding([.up, .character("k")], .up, help: "older"),
        Binding([.down, .character("j")], .down, help: "newer"),
        Binding([.character("x")], .acknowledge, help: "acknowledge firing alerts"),
        Binding([.escape, .character("a")], .close, help: "close the log"),
        Binding([.character("q"), .control("c")], .quit, help: "quit"),
    ]

    package static let answer: [Binding<OverlayAction>] = [
        Binding([.up, .character("k")], .up, help: "scroll up"),
        Binding([.down, .character("j")], .down, help: "scroll down"),
        Binding([.pageUp], .pageUp, help: "a page up"),
        Binding([.pageDown, .character(" ")], .pageDown, help: "a page down"),
        Binding([.escape, .character("v")], .close, help: "close"),
        Binding([.character("q"), .control("c")], .quit, help: "quit"),
    ]

    package static let help: [Binding<OverlayAction>] = [
        Binding([.up, .character("k")], .up, help: "scroll up"),
        Binding([.down, .character("j")], .down, help: "scroll down"),
        Binding([.pageUp], .pageUp, help: "a page up"),
        Binding([.pageDown, .character(" ")], .pageDown, help: "a page down"),
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
    package static func footerItems<Target>(_ table: [Binding<Target>]) -> [String] {
        table.compactMap(\.footer)
    }

    /// The overview's footer: its own keys, then the dashboard's that still apply there (`o`
    /// goes back to the dashboard from here).
    package static var overviewFooterItems: [String] {
        // Room is short at 80 columns: the way back, help and quit; `?` lists the rest.
        let back = main.filter { $0.action == .toggleScreen(.overview) }.map { "\($0.label) dashboard" }
        return footerItems(overview) + back + footerItems(main.filter { [.showHelp, .quit].contains($0.action) })
    }

    /// Lines of the help screen: keys, then what they do; bindings that share a label (1-9)
    /// are one line.
    package static func helpLines<Target>(_ table: [Binding<Target>] = main) -> [(keys: String, text: String)] {
        helpLines(entries(table))
    }

    package static func helpLines(_ entries: [Entry]) -> [(keys: String, text: String)] {
        var lines: [(keys: String, text: String)] = []
        for entry in entries where !lines.contains(where: { $0.keys == entry.label && $0.text == entry.help }) {
            lines.append((entry.label, entry.help))
        }
        return lines
    }
}
