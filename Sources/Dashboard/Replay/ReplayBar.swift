import Foundation
import Screen
import Watch

/// The top row in a replay: `REPLAY`, the moment and how long ago it was, how it moves, and the
/// keys; or the `@` prompt being typed.
///
/// ```
///  ◀◀ REPLAY Mon 30 Nov 03:12:07 · 7h 02m ago · ▶ 10x            <- -> answer  b/f minute  Esc live
/// ```
enum ReplayBar {
    static func draw(_ state: DashboardState, in row: Rect, on canvas: inout Canvas, _ context: PanelContext) {
        let glyphs = context.glyphs
        canvas.fill(row, role: .replay)
        if let typed = state.momentPrompt {
            let zone = state.currentServer.calendar.timeZone
            let zoneNote = zone == .current ? "" : " (\(zone.identifier))"
            let help = state.momentPromptProblem.map { "\($0): try " } ?? ""
            canvas.put(" Go to\(zoneNote): \(typed)_   \(help)03:12 \(glyphs.separator) yesterday 14:00 \(glyphs.separator) -2h \(glyphs.separator) 2026-11-30 14:00   Enter goes, Esc cancels",
                       in: row, role: .replay)
            return
        }
        guard let replay = state.replay else { return }
        // The local clock, as the header's times; the server's too when its zone differs (a typed
        // `@` time is read in the server's zone).
        var moment = "\(context.time.day(replay.moment, yearUnless: state.now)) \(context.time.clock(replay.moment))"
        let zone = state.currentServer.calendar.timeZone
        if zone.secondsFromGMT(for: replay.moment) != context.time.timeZone.secondsFromGMT(for: replay.moment) {
            let server = TimeText(timeZone: zone)
            moment += " (\(server.clock(replay.moment)) \(zone.abbreviation(for: replay.moment) ?? zone.identifier))"
        }
        var parts = ["\(glyphs.isASCII ? "<<" : "◀◀") REPLAY \(moment)"]
        parts.append("\(TimeText.age(max(0, state.now.timeIntervalSince(replay.moment)))) ago")
        if let speed = replay.speed { parts.append("\(glyphs.isASCII ? ">" : "▶") \(Int(speed))x") }
        if replay.loading != nil { parts.append("reading\(glyphs.ellipsis)") }
        if replay.offline { parts.append("no server asked") }
        if let message = replay.message { parts.append(message) }
        let text = " " + parts.joined(separator: " \(glyphs.separator) ")
        // The way back first, then the moves, as many as fit beside the moment.
        var items = KeyMap.footerItems(KeyMap.replay)
        if let back = items.popLast() { items.insert(back, at: 0) }
        let room = row.width - CharacterWidth.of(text) - 2
        while !items.isEmpty && CharacterWidth.of(items.joined(separator: "  ")) + 1 > room { items.removeLast() }
        canvas.put(CharacterWidth.truncate(text, to: row.width, ellipsis: glyphs.ellipsis), in: row, role: .replay)
        if !items.isEmpty { canvas.putRight(items.joined(separator: "  ") + " ", rightEdge: row.maxX, y: row.y, role: .replay) }
    }
}
