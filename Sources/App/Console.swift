import Foundation
import TextSafety

/// Everything m4top prints for people or scripts goes through here, cleaned: no text of any
/// origin (a server's, a flag's, a file name's) can move the cursor, retitle the window or
/// split a line.
enum Console {
    /// A message on stderr (errors, notes), each line cleaned.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((TerminalSafeText.cleanLines(text) + "\n").utf8))
    }

    /// Output on stdout (results, listings), each line cleaned. JSON is already escaped.
    static func out(_ text: String) {
        print(TerminalSafeText.cleanLines(text))
    }
}
