import Foundation
import M4API
import Testing

@Suite("Whitespace trimmed as Foundation trims it")
struct WhitespaceTests {
    static let pieces = ["", " ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{A0}", "\u{2028}", "\u{85}", "\u{3000}", "\u{1C}",
                         "12.50", "-3", "abc", "é", "日本", "\u{FEFF}", "a b", "x\u{A0}y", "</page>", "\u{301}"]

    /// Every pair and triple of pieces (the empty piece makes the pairs).
    static let triples = pieces.flatMap { a in pieces.flatMap { b in pieces.map { c in a + b + c } } }

    @Test("Every pair and triple of pieces: the same text as trimmingCharacters(in: .whitespacesAndNewlines)")
    func sameAsFoundation() {
        for text in Self.triples {
            #expect(Whitespace.trimmed(text) == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(Array(text.unicodeScalars))")
        }
    }

    @Test("Blank text (layout between elements) is told as Character.isWhitespace tells it")
    func blank() {
        for text in Self.triples {
            #expect(Whitespace.isBlank(text) == text.allSatisfy(\.isWhitespace), "\(Array(text.unicodeScalars))")
        }
    }

    @Test("An answer's end is told as the trimmed text's suffix would tell it")
    func answerEnd() {
        for a in Self.pieces {
            for b in ["</page>", "</status>", "</page", "page>"] {
                for c in Self.pieces {
                    let text = a + b + c
                    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    let body = Data(text.utf8)
                    for suffix in ["</page>", "</status>"] {
                        if let fast = Whitespace.endsWith(body, Array(suffix.utf8)) {
                            #expect(fast == trimmed.hasSuffix(suffix), "\(Array(text.unicodeScalars)) \(suffix)")
                        }
                    }
                }
            }
        }
        #expect(Whitespace.endsWith(Data("<page></page>\n \r\n".utf8), Array("</page>".utf8)) == true)
        #expect(Whitespace.endsWith(Data("<page></page>\u{A0}".utf8), Array("</page>".utf8)) == nil, "not ASCII at the end: Foundation decides")
    }
}
