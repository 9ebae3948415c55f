import CCrashGuard
import CNcursesw
import Dispatch
import Foundation

/// The one owner of signals in m4top: which ones end a run, how they reach a queue, how
/// ncurses is kept from taking them, and how a crash restores the terminal.
package enum Signals {
    /// Signals that end the dashboard and the simulator, with 128 + the number as exit status.
    package static let termination: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// Delivers each of `signals` to `handler` on `queue`. Their default action (ending the
    /// process at once) is switched off first, so the program can clean up. Keep the sources
    /// and cancel them when done.
    package static func watch(_ signals: [Int32], on queue: DispatchQueue,
                             _ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
        signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Before curses starts: ncurses installs handlers of its own for signals whose action is
    /// the default, and these are ours (Dispatch sources). Then a crash restores the terminal
    /// before the Swift runtime reports it.
    static func prepareForCurses() {
        for number in termination + [SIGTSTP, SIGWINCH] { signal(number, SIG_IGN) }
        m4_install_crash_handlers()
    }
}
