import Foundation
import Screen
import Watch

/// Which screen is up, by the name `--start` takes (`dashboard`, `overview`, `wall`). Each
/// screen declares its own constant next to its view.
package struct ScreenMode: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    package let rawValue: String

    /// A registered screen's name; nil for any other text.
    package init?(rawValue: String) {
        guard Screens.all.contains(where: { $0.mode.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// For a screen's own constant.
    init(named name: String) { rawValue = name }

    package static var allCases: [ScreenMode] { Screens.all.map { $0.mode } }
    /// `dashboard, overview or wall`, for help texts.
    package static var names: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + (names.count > 1 ? " or " : "") + (names.last ?? "")
    }
    package var description: String { rawValue }

    // The screens code names (a new screen needs none of these).
    package static var dashboard: ScreenMode { DashboardView.mode }
    package static var overview: ScreenMode { OverviewView.mode }
    package static var wall: ScreenMode { WallView.mode }
}

/// One screen of the terminal UI: its view, the keys it adds to the common table (which reach
/// its footer and the help), the size it needs and how it polls. Adding a screen is its file
/// (a view conforming to this) and one line in `Screens.all`.
package protocol ScreenKind: Sendable {
    static var mode: ScreenMode { get }
    static var minimumWidth: Int { get }
    static var minimumHeight: Int { get }
    /// True: the user on screen is polled every interval and the rest every round (the
    /// dashboard, the wall). False: every user alike, with a cursor of the screen's own.
    static var followsCurrentUser: Bool { get }
    /// The common table's binding that switches to this screen and back, if it has one.
    static var toggle: KeyMap.Binding<Action>? { get }
    /// Its own keys, asked before the common table (for the help screen and what it hides).
    static var ownKeys: [KeyMap.Entry] { get }
    /// The keys this screen takes before the common table; nil when `key` is not one of them.
    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect]?
    /// The screen has just come up (or its user changed from elsewhere: `u`, `1`-`9`).
    static func appear(_ state: inout DashboardState)

    var context: PanelContext { get }
    init(context: PanelContext)
    /// The screen's own drawing, on a terminal at least its minimum size; overlays go on top.
    func draw(_ state: DashboardState, in screen: Rect, on canvas: inout Canvas)
}

extension ScreenKind {
    package static var toggle: KeyMap.Binding<Action>? { nil }
    package static var ownKeys: [KeyMap.Entry] { [] }
    package static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect]? { nil }
    package static func appear(_ state: inout DashboardState) {}

    package init(glyphs: Glyphs = .unicode, timeZone: TimeZone = .current) {
        self.init(context: PanelContext(glyphs: glyphs, time: TimeText(timeZone: timeZone)))
    }

    /// The frame: a canvas the terminal's size, the screen (or the size it needs, when the
    /// terminal is smaller), then the overlay that is open.
    package func render(_ state: DashboardState) -> Canvas {
        guard state.replay != nil || state.momentPrompt != nil, state.height >= 2 else { return renderScreen(state) }
        // Time travel takes the top row for its bar; the screen below shows the replayed fleet,
        // its header and frames in the replay's colours.
        var below = state.shown
        below.height = state.height - 1
        let screen = renderScreen(below)
        var canvas = Canvas(width: state.width, height: state.height, asciiOnly: context.glyphs.isASCII)
        ReplayBar.draw(state, in: Rect(x: 0, y: 0, width: state.width, height: 1), on: &canvas, context)
        let replaying = state.replay != nil
        canvas.paste(screen, atRow: 1) { role in
            guard replaying else { return role }
            switch role {
            case .border: return .replayBorder
            case .header: return .replay
            default: return role
            }
        }
        return canvas
    }

    /// The screen alone, at the state's size.
    func renderScreen(_ state: DashboardState) -> Canvas {
        var canvas = Canvas(width: state.width, height: state.height, asciiOnly: context.glyphs.isASCII)
        let screen = Rect(x: 0, y: 0, width: state.width, height: state.height)
        guard state.width >= Self.minimumWidth, state.height >= Self.minimumHeight else {
            TooSmallPanel.draw(state, minimumWidth: Self.minimumWidth, minimumHeight: Self.minimumHeight, in: screen, on: &canvas)
            return canvas
        }
        draw(state, in: screen, on: &canvas)
        Overlays.draw(state, in: screen, on: &canvas, context)
        return canvas
    }
}

/// The screens, in the order their toggles appear in the key table.
package enum Screens {
    /// Every screen of the terminal UI: a new screen is registered here.
    package static let all: [any ScreenKind.Type] = [DashboardView.self, OverviewView.self, WallView.self]

    package static func kind(_ mode: ScreenMode) -> any ScreenKind.Type {
        all.first { $0.mode == mode } ?? DashboardView.self
    }

    /// The help screen's key lines on a screen: its own keys first, then the common table's
    /// keys that it leaves alone.
    package static func helpLines(_ mode: ScreenMode) -> [(keys: String, text: String)] {
        let own = kind(mode).ownKeys
        let taken = Set(own.flatMap(\.keys))
        return KeyMap.helpLines(own) + KeyMap.helpLines(KeyMap.entries(KeyMap.main).filter { taken.isDisjoint(with: $0.keys) })
    }
}
