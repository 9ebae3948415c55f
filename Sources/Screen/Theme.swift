/// What a piece of the screen means; themes give each role a colour and attributes.
package enum Role: String, Sendable, CaseIterable {
    case background, text, muted, border, title, accent, good, bad, warning, stale, highlight
    case header, footer, sparkline
    /// Time travel: the replay bar (and the header), then every frame, so that the past is
    /// never taken for now.
    case replay, replayBorder = "replay-border"
}

/// A colour as a theme writes it.
package enum ThemeColor: Sendable, Equatable, Hashable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the 256 indexed colours (0-15 are the basic sixteen).
    case indexed(Int)
    case rgb(UInt8, UInt8, UInt8)
}

package struct TextStyle: Sendable, Equatable, Hashable {
    package var foreground: ThemeColor
    package var background: ThemeColor
    package var bold: Bool
    package var underline: Bool
    package var reverse: Bool
    package var dim: Bool

    package init(_ foreground: ThemeColor = .terminalDefault, on background: ThemeColor = .terminalDefault,
                bold: Bool = false, underline: Bool = false, reverse: Bool = false, dim: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
        self.dim = dim
    }
}

/// A complete set of role styles.
package struct Theme: Sendable, Equatable {
    package var name: String
    package var styles: [Role: TextStyle]

    package init(name: String, styles: [Role: TextStyle]) {
        self.name = name
        self.styles = styles
    }

    package func style(_ role: Role) -> TextStyle {
        styles[role] ?? Theme.builtinDefault.styles[role] ?? TextStyle()
    }

    /// Built in, so the binary always works alone; `themes/default.toml` mirrors it.
    package static let builtinDefault = Theme(name: "default", styles: [
        .background: TextStyle(),
        .text: TextStyle(),
        .muted: TextStyle(.indexed(8)),
        .border: TextStyle(.indexed(4)),
        .title: TextStyle(.indexed(14), bold: true),
        .accent: TextStyle(.indexed(6)),
        .good: TextStyle(.indexed(10), bold: true),
        .bad: TextStyle(.indexed(9), bold: true),
        .warning: TextStyle(.indexed(11), bold: true),
        .stale: TextStyle(.indexed(8), dim: true),
        .highlight: TextStyle(.indexed(15), on: .indexed(4), bold: true),
        .header: TextStyle(.indexed(15), on: .indexed(4), bold: true),
        .footer: TextStyle(.indexed(0), on: .indexed(6)),
        .sparkline: TextStyle(.indexed(6)),
        .replay: TextStyle(.indexed(0), on: .indexed(13), bold: true),
        .replayBorder: TextStyle(.indexed(13), bold: true),
    ])
}
