import Foundation

/// The terminal's own background, as detected (OSC 11, `COLORFGBG`) or assumed (dark).
package enum TerminalBackground: String, Sendable, Equatable, CaseIterable {
    case dark, light

    /// The colours `default` stands for, as the test of legibility assumes them.
    package var defaultBackground: (Int, Int, Int) { self == .dark ? (0, 0, 0) : (255, 255, 255) }
    package var defaultForeground: (Int, Int, Int) { self == .dark ? (229, 229, 229) : (0, 0, 0) }

    /// From a colour's luminance: light above the middle.
    package init(red: Double, green: Double, blue: Double) {
        self = Contrast.luminance(red, green, blue) > 0.35 ? .light : .dark
    }
}

/// WCAG 2 contrast: relative luminance and the ratio between two colours (1 to 21).
package enum Contrast {
    package static func luminance(_ r: Double, _ g: Double, _ b: Double) -> Double {
        func channel(_ value: Double) -> Double {
            let c = value / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    package static func ratio(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Double {
        let la = luminance(Double(a.0), Double(a.1), Double(a.2)), lb = luminance(Double(b.0), Double(b.1), Double(b.2))
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    /// What a role needs: 4.5 for text, 3.0 for muted and stale text, borders and the chart
    /// (WCAG's large-text and non-text figure).
    package static func required(for role: Role) -> Double {
        switch role {
        case .muted, .stale, .border, .replayBorder, .sparkline: return 3.0
        default: return 4.5
        }
    }
}

/// A role's colours as the terminal will show them: palette indexes (-1 for the terminal's
/// default) and attributes.
package struct ResolvedStyle: Sendable, Equatable {
    package var foreground: Int
    package var background: Int
    package var bold: Bool
    package var underline: Bool
    package var reverse: Bool
    package var dim: Bool
}
