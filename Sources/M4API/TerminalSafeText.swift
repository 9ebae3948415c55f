/// Text from a remote machine is never trusted with the terminal: control characters (C0, DEL,
/// C1, which covers ESC and CSI) and bidi overrides are replaced before any caller sees them.
package enum TerminalSafeText {
    /// Shown in place of anything removed, so the user can tell something odd was sent.
    package static let replacement: Character = "\u{FFFD}"

    package static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true            // C0, DEL, C1
        case 0x200E, 0x200F, 0x061C: return true              // LRM, RLM, ALM
        case 0x202A...0x202E, 0x2066...0x2069: return true    // bidi embeddings, overrides, isolates
        case 0x2028, 0x2029: return true                      // line and paragraph separators
        default: return false
        }
    }

    /// The text with every unsafe scalar replaced by U+FFFD.
    package static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(isUnsafe(scalar) ? "\u{FFFD}" : scalar)
        }
        return String(out)
    }
}
