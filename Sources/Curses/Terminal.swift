import CNcursesw
import Screen
import Foundation

/// The one owner of the terminal. Starts curses, draws canvases by changed cells only, decodes
/// keys, and restores the terminal on every way out. Main queue only.
@MainActor
package final class Terminal {
    package enum StartError: Error, CustomStringConvertible {
        case notATerminal
        case unknownTerminal(String)
        package var description: String {
            switch self {
            case .notATerminal: return "standard input and output must be a terminal (use --once for scripts)"
            case .unknownTerminal(let term): return "the terminal type '\(term)' is unknown to ncurses (check TERM, or use --once for text or JSON output)"
            }
        }
    }

    package private(set) var width: Int
    package private(set) var height: Int
    /// The locale is UTF-8: box drawing and sparkline blocks can be used.
    package let isUTF8: Bool
    package private(set) var colorDepth: ColorDepth
    private var stopped = false
    private var shown: Canvas?
    /// Set by `invalidate`: the next draw makes curses repaint the whole terminal.
    private var repaintAll = false
    private var styles: [Role: (attrs: attr_t, pair: Int32)] = [:]

    /// Why this terminal cannot show a dashboard (not a terminal, no TERM, or `dumb`), or nil.
    package nonisolated static func unsuitable(environment: [String: String]) -> String? {
        guard isatty(0) == 1, isatty(1) == 1 else { return StartError.notATerminal.description }
        let term = environment["TERM"] ?? ""
        guard term.isEmpty || term == "dumb" else { return nil }
        let which = term.isEmpty ? "TERM is not set" : "TERM=dumb"
        return "\(which): this terminal cannot draw a dashboard. Set TERM (e.g. xterm-256color), or use --once for text or JSON output"
    }

    /// Starts curses in raw mode (Ctrl-C and Ctrl-Z arrive as keys), no echo, hidden cursor.
    /// `colors: false` draws with attributes only (NO_COLOR, --color never).
    package static func start(colors: Bool) throws -> Terminal {
        guard isatty(0) == 1, isatty(1) == 1 else { throw StartError.notATerminal }
        setlocale(LC_ALL, "")
        let utf8 = m4_is_utf8_locale() != 0
        Signals.prepareForCurses()
        guard m4_newterm() != nil else {
            throw StartError.unknownTerminal(ProcessInfo.processInfo.environment["TERM"] ?? "")
        }
        raw()
        noecho()
        nonl()
        keypad(m4_stdscr(), true)
        nodelay(m4_stdscr(), true)
        _ = curs_set(0)
        set_escdelay(25)
        // No typeahead check while drawing: ncurses flushes its output before each check, so a
        // frame went out as twenty small writes (each a trip through the tty layer) instead of one.
        typeahead(-1)
        var depth = ColorDepth.monochrome
        if colors && has_colors() {
            start_color()
            use_default_colors()
            let env = ProcessInfo.processInfo.environment
            let trueColor = (env["COLORTERM"] == "truecolor" || env["COLORTERM"] == "24bit") && m4_colors() >= 1 << 24
            depth = ColorDepth(colors: Int(m4_colors()), trueColor: trueColor)
        }
        let terminal = Terminal(width: Int(m4_cols()), height: Int(m4_lines()), isUTF8: utf8, colorDepth: depth)
        return terminal
    }

    private init(width: Int, height: Int, isUTF8: Bool, colorDepth: ColorDepth) {
        self.width = width
        self.height = height
        self.isUTF8 = isUTF8
        self.colorDepth = colorDepth
    }

    /// Ends curses: cursor back, echo on, out of the alternate screen. Safe to call twice.
    package func stop() {
        guard !stopped else { return }
        stopped = true
        _ = curs_set(1)
        endwin()
        fflush(nil)
    }

    // MARK: Size

    /// Reads the real size from the tty and tells curses; returns it.
    @discardableResult
    package func updateSize() -> (width: Int, height: Int) {
        var rows: Int32 = 0, cols: Int32 = 0
        if m4_tty_size(1, &rows, &cols) == 0 {
            resizeterm(rows, cols)
        }
        width = Int(m4_cols())
        height = Int(m4_lines())
        shown = nil
        return (width, height)
    }

    // MARK: Styles

    /// Prepares one colour pair and attribute set per role for this theme and terminal.
    /// Colours are resolved for the terminal's background so that every role stays legible
    /// (`ColorMapping.resolve`); the same resolution the legibility test checks.
    package func apply(_ theme: Theme, background: TerminalBackground) {
        styles = [:]
        for role in Role.allCases {
            let style = ColorMapping.resolve(theme.style(role), role: role, depth: colorDepth, background: background)
            var attrs = m4_attr_normal()
            if style.bold { attrs |= m4_attr_bold() }
            if style.underline { attrs |= m4_attr_underline() }
            if style.reverse { attrs |= m4_attr_reverse() }
            if style.dim { attrs |= m4_attr_dim() }
            var pair: Int32 = 0
            if style.foreground != -1 || style.background != -1 {
                let allocated = alloc_pair(Int32(style.foreground), Int32(style.background))
                pair = allocated > 0 ? allocated : 0
            }
            styles[role] = (attrs, pair)
        }
        shown = nil
    }

    // MARK: Drawing

    /// Forgets what is on screen: the next `draw` clears the terminal and paints every cell.
    /// The terminal's bell (BEL, which tmux and screen pass on as a visual or audible bell).
    /// Written straight to the terminal: ncurses' `beep` may flash instead, and a NOC that
    /// turned the bell on wants the bell.
    package func bell() {
        var bel: UInt8 = 0x07
        _ = write(STDOUT_FILENO, &bel, 1)
    }

    package func invalidate() {
        shown = nil
        repaintAll = true
    }

    /// Copies the cells that differ from what is on screen, then lets ncurses send its own diff.
    package func draw(_ canvas: Canvas) {
        guard !stopped else { return }
        if shown == nil || shown!.width != canvas.width || shown!.height != canvas.height {
            werase(m4_stdscr())
            shown = nil
        }
        if repaintAll {
            clearok(m4_stdscr(), true)
            repaintAll = false
        }
        var wide = [wchar_t](repeating: 0, count: 8)
        for change in canvas.changes(from: shown) where change.y < height && change.x < width {
            let style = styles[change.cell.role] ?? (m4_attr_normal(), 0)
            var count = 0
            for scalar in change.cell.text.unicodeScalars where count < 5 {
                wide[count] = wchar_t(bitPattern: scalar.value)
                count += 1
            }
            if count == 0 { wide[0] = 32; count = 1 }
            wide[count] = 0
            _ = m4_put_cell(Int32(change.y), Int32(change.x), wide, style.attrs, style.pair)
        }
        shown = canvas
        wnoutrefresh(m4_stdscr())
        doupdate()
    }

    // MARK: Keys

    /// Every key waiting on stdin, decoded (keys it cannot name are dropped), and how many inputs
    /// were read at all: zero when stdin was readable yet empty, which is how a closed terminal looks.
    /// Never blocks.
    package func readKeys() -> (keys: [Key], inputs: Int) {
        var keys: [Key] = []
        var inputs = 0
        var code: wint_t = 0
        while inputs < 256 {
            let result = wget_wch(m4_stdscr(), &code)
            if result == m4_err() { break }
            inputs += 1
            if result == m4_key_code_yes() {
                if let key = Self.decodeFunctionKey(Int32(code)) { keys.append(key) }
            } else if let key = Self.decodeCharacter(UInt32(code)) {
                keys.append(key)
            }
        }
        return (Key.droppingTerminalReplies(keys), inputs)
    }

    /// The terminal hung up (an ssh link dropped, the window closed): stdin reports HUP or an error.
    /// The shell may never pass SIGHUP on, so the input side must notice by itself.
    package func isHungUp() -> Bool {
        var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) >= 0 else { return true }
        return descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    static func decodeCharacter(_ value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(value + 96)!))
        case 0, 28...31: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }

    static func decodeFunctionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case (KEY_F0 + 1)...(KEY_F0 + 12): return .function(Int(code - KEY_F0))
        default: return nil
        }
    }

    // MARK: Suspend

    /// Ctrl-Z: give the terminal back, stop, and take it again after `fg`.
    package func suspend() {
        def_prog_mode()
        _ = curs_set(1)
        endwin()
        fflush(nil)
        kill(getpid(), SIGSTOP)
        // Resumed.
        reset_prog_mode()
        _ = curs_set(0)
        updateSize()
    }
}
