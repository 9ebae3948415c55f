import Screen
import Testing

@Suite("Canvas diff and Rect layout")
struct CanvasAndRectTests {
    @Test("changes(from:) lists only cells that differ, a colour-only change included")
    func changedCells() {
        var before = Canvas(width: 10, height: 2)
        before.put("abc", x: 0, y: 0, role: .text)
        var after = before
        #expect(after.changes(from: before).isEmpty, "the same canvas: nothing to send")
        after.put("b", x: 1, y: 0, role: .good)
        let changes = after.changes(from: before)
        #expect(changes.count == 1)
        #expect(changes.first?.x == 1 && changes.first?.y == 0 && changes.first?.cell.role == .good)
    }

    @Test("A wide character is one change at its left cell; its right half is never sent")
    func wideCharacters() {
        let before = Canvas(width: 6, height: 1)
        var after = before
        after.put("界", x: 2, y: 0, role: .text)
        let changes = after.changes(from: before)
        #expect(changes.map(\.x) == [2])
        #expect(changes.first?.cell.text == "界")
        // Narrow text over the wide one: both cells change, both are sent.
        var narrow = after
        narrow.put("ab", x: 2, y: 0, role: .text)
        #expect(narrow.changes(from: after).map(\.x) == [2, 3])
    }

    @Test("No previous canvas, or another size: every cell is a change")
    func resize() {
        let small = Canvas(width: 4, height: 2)
        let large = Canvas(width: 5, height: 3)
        #expect(large.changes(from: small).count == 15)
        #expect(small.changes(from: nil).count == 8)
    }

    @Test("Rect splits: top, bottom, equal columns with the remainder last, rows, inset, centring")
    func rects() {
        let screen = Rect(x: 0, y: 0, width: 81, height: 24)
        let (header, body) = screen.splitTop(2)
        #expect(header == Rect(x: 0, y: 0, width: 81, height: 2))
        #expect(body == Rect(x: 0, y: 2, width: 81, height: 22))
        let (rest, footer) = body.splitBottom(2)
        #expect(rest.height == 20 && footer.y == 22 && footer.height == 2)
        #expect(screen.columns(2).map(\.width) == [40, 41])
        #expect(screen.columns(3).map(\.x) == [0, 27, 54])
        #expect(screen.row(5) == Rect(x: 0, y: 5, width: 81, height: 1))
        #expect(screen.inset(dx: 2, dy: 1) == Rect(x: 2, y: 1, width: 77, height: 22))
        #expect(screen.centered(width: 21, height: 4) == Rect(x: 30, y: 10, width: 21, height: 4))
        #expect(Rect(x: 0, y: 0, width: 3, height: 1).splitTop(5).rest.isEmpty, "never negative")
        #expect(Rect(x: 0, y: 0, width: 3, height: 3).inset(dx: 4, dy: 4).isEmpty)
    }

    @Test("A terminal's late reply is not read as keys; plain keys and a lone Escape are")
    func terminalReplies() {
        func keys(_ text: String) -> [Key] {
            text.unicodeScalars.map { scalar -> Key in
                switch scalar.value {
                case 27: return .escape
                case 7: return .control("g")
                default: return .character(Character(scalar))
                }
            }
        }
        #expect(Key.droppingTerminalReplies(keys("\u{1B}[?1;2c")) == [])
        #expect(Key.droppingTerminalReplies(keys("r\u{1B}]11;rgb:0000/0000/0000\u{07}q")) == [.character("r"), .character("q")])
        #expect(Key.droppingTerminalReplies(keys("\u{1B}]11;rgb:ffff/ffff/ffff\u{1B}\\u")) == [.character("u")])
        #expect(Key.droppingTerminalReplies([.escape]) == [.escape], "Esc closes overlays")
        #expect(Key.droppingTerminalReplies(keys("?12")) == keys("?12"))
    }
}
