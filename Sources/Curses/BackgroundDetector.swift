import Foundation
import Screen

/// Finds out whether the terminal's background is dark or light: by asking it (OSC 11, answered
/// by xterm, VTE, kitty, iTerm2, Windows Terminal and tmux), else from `COLORFGBG` (rxvt,
/// Konsole), else dark. Runs before curses starts; the answer never reaches the screen or the
/// input.
package enum BackgroundDetector {
    package struct Finding: Sendable, Equatable {
        package let background: TerminalBackground
        /// Why: "the terminal answered rgb:ffff/ffff/ffff", "COLORFGBG=0;15", "assumed".
        package let reason: String
    }

    /// How long a terminal may take to answer.
    package static let answerWait: TimeInterval = 0.1

    package static func detect(environment: [String: String]) -> Finding {
        if let answer = askTerminal(), let background = parseOSC11(answer) {
            return Finding(background: background.0, reason: "the terminal answered \(background.1)")
        }
        if let value = environment["COLORFGBG"], let background = fromCOLORFGBG(value) {
            return Finding(background: background, reason: "COLORFGBG=\(value)")
        }
        return Finding(background: .dark, reason: "assumed (the terminal did not say)")
    }

    /// `COLORFGBG=15;0`: the last field is the background's ANSI colour; 7 and 9-15 are light.
    package static func fromCOLORFGBG(_ value: String) -> TerminalBackground? {
        guard let last = value.split(separator: ";").last, let index = Int(last), (0...15).contains(index) else { return nil }
        return index == 7 || index >= 9 ? .light : .dark
    }

    /// `ESC ] 11 ; rgb:RRRR/GGGG/BBBB` (1 to 4 hex digits each), within whatever else came back.
    package static func parseOSC11(_ answer: String) -> (TerminalBackground, String)? {
        guard let start = answer.range(of: "]11;rgb:") else { return nil }
        let fields = answer[start.upperBound...].prefix { $0.isHexDigit || $0 == "/" }.split(separator: "/")
        guard fields.count == 3 else { return nil }
        var channels: [Double] = []
        for field in fields {
            guard (1...4).contains(field.count), let value = UInt32(field, radix: 16) else { return nil }
            let maximum = Double((1 << (4 * field.count)) - 1)
            channels.append(Double(value) / maximum * 255)
        }
        return (TerminalBackground(red: channels[0], green: channels[1], blue: channels[2]), "rgb:" + fields.joined(separator: "/"))
    }

    /// Sends OSC 11 and, after it, a device-attributes query (DA1) that every terminal answers:
    /// once DA1's answer is in, any OSC 11 answer is too, so nothing arrives later as keys.
    /// Waits at most `answerWait`; then drops whatever input came.
    static func askTerminal() -> String? {
        guard isatty(0) == 1, isatty(1) == 1 else { return nil }
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ICANON | ECHO)
        guard tcsetattr(0, TCSANOW, &quiet) == 0 else { return nil }
        defer {
            tcflush(0, TCIFLUSH)
            tcsetattr(0, TCSANOW, &saved)
        }
        let query = "\u{1B}]11;?\u{1B}\\\u{1B}[c"
        _ = query.withCString { write(1, $0, strlen($0)) }
        var received = [UInt8]()
        let deadline = Date().addingTimeInterval(answerWait)
        var buffer = [UInt8](repeating: 0, count: 256)
        while Date() < deadline {
            var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&descriptor, 1, wait) > 0 else { break }
            let count = read(0, &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[0..<count]
            if daAnswered(received) { break }
        }
        return received.isEmpty ? nil : String(decoding: received, as: UTF8.self)
    }

    /// `ESC [ ? ... c`: the device-attributes answer.
    static func daAnswered(_ bytes: [UInt8]) -> Bool {
        guard let start = bytes.indices.first(where: { $0 + 2 < bytes.count && bytes[$0] == 0x1B && bytes[$0 + 1] == UInt8(ascii: "[") && bytes[$0 + 2] == UInt8(ascii: "?") }) else { return false }
        return bytes[(start + 3)...].contains(UInt8(ascii: "c"))
    }
}
