import Foundation

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

extension TerminalSafeText {
    /// Text for a line of a terminal or a log: every line cleaned on its own, the line breaks
    /// themselves kept (a message's hint goes on its own line).
    package static func cleanLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { clean(String($0)) }.joined(separator: "\n")
    }

    /// Text quoted inside a message: cleaned, and cut to `limit` characters (a 100 MB value
    /// in a config file is named, not echoed).
    package static func excerpt(_ text: String, limit: Int = 60) -> String {
        let cleaned = clean(String(text.prefix(limit + 1)))
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
    }

    /// A URL as m4top shows it: no user name or password, no query (a redirect's query can
    /// carry the admin's hash, a replayable credential), no fragment; cleaned for the terminal.
    package static func redactedURL(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.scheme != nil else {
            // Not a URL we can take apart: drop everything from a '?' and anything before an '@'.
            var rest = Substring(text)
            if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
            if let at = rest.lastIndex(of: "@"), let scheme = rest.range(of: "://") {
                rest = rest[..<scheme.upperBound] + rest[rest.index(after: at)...]
            }
            return clean(String(rest))
        }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return clean(components.string ?? "")
    }
}
