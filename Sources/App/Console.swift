import Foundation

/// Writes for people on stderr (errors, notes) without going through the logger.
enum Console {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
