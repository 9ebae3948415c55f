/// Terminal column widths, computed here (not with the C library) so the view is pure and the
/// same under any locale: combining marks take none, East Asian wide characters and emoji two.
package enum CharacterWidth {
    package static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.index(after: scalars.startIndex) == scalars.endIndex {
            // Fast paths for what every frame draws: ASCII and Latin, box drawing and blocks.
            let v = first.value
            if v < 0x300 { return v < 0x20 ? 0 : 1 }
            if (0x2500...0x25FC).contains(v) { return 1 }
        }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if isWide(first.value) || first.properties.isEmojiPresentation { return 2 }
        return 1
    }

    package static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
    }

    /// Cuts `text` to at most `width` columns, ending in `…` (or `~`) when cut.
    package static func truncate(_ text: String, to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        guard of(text) > width else { return text }
        var out = "", used = 0
        let room = width - of(ellipsis)
        for character in text {
            let w = of(character)
            if used + w > room { break }
            out.append(character)
            used += w
        }
        return out + ellipsis
    }
}
