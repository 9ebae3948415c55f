import Foundation
import Logging
import TextSafety
import Synchronization

/// swift-log output goes to `--log-file` only: the terminal belongs to the dashboard. A log
/// that cannot be written (a full disk, a file that cannot be opened) never ends m4top: logging
/// stops, and m4top says so once, on stderr, when it exits.
enum LogSetup {
    private static let bootstrapped = Mutex(false)
    /// Why logging stopped, once it has.
    private static let failure = Mutex<String?>(nil)

    static func bootstrapOnce(logFile: String?) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        guard let logFile else {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            return
        }
        guard let handle = FileLogHandler.open(logFile) else {
            stop("cannot open --log-file \(logFile) (\(FileAccess.reason(for: logFile)))")
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = FileLogHandler(label: label, file: handle)
            handler.logLevel = .debug
            return handler
        }
    }

    static var isStopped: Bool { failure.withLock { $0 != nil } }

    /// Logging ends here; the first reason is kept.
    static func stop(_ reason: String) {
        failure.withLock { if $0 == nil { $0 = reason } }
    }

    /// Called once on the way out: the terminal is the user's again.
    static func reportFailure() {
        guard let reason = failure.withLock({ $0 }) else { return }
        Console.error("m4top: logging stopped: \(reason)")
    }
}

/// One line per message: time, level, label, message, metadata.
struct FileLogHandler: LogHandler {
    let label: String
    let file: FileHandle
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    static func open(_ path: String) -> FileHandle? {
        // A FIFO would block the opening for ever (until a reader comes); a device is no log.
        if FileAccess.notRegularKind(path) != nil { return nil }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        _ = try? handle.seekToEnd()
        return handle
    }

    static let stampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        guard !LogSetup.isStopped else { return }
        // A format style, not a new ISO8601DateFormatter per line: a fleet logs many lines a
        // second, and building a formatter cost more than the rest of the request.
        // Milliseconds: requests to one server are a fifth of a second apart.
        let stamp = Date().formatted(Self.stampStyle)
        let line = TerminalSafeText.clean("\(stamp) \(event.level) \(label): \(event.message)\(meta)")
        do {
            try file.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            LogSetup.stop("writing the log failed (\(error.localizedDescription))")
        }
    }
}
