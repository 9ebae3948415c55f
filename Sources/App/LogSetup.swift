import Foundation
import Logging
import Synchronization

/// swift-log output goes to `--log-file` only: the terminal belongs to the dashboard.
enum LogSetup {
    private static let bootstrapped = Mutex(false)

    static func bootstrapOnce(logFile: String?) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        guard let logFile, let handle = FileLogHandler.open(logFile) else {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = FileLogHandler(label: label, file: handle)
            handler.logLevel = .debug
            return handler
        }
    }
}

/// One line per message: time, level, label, message, metadata.
struct FileLogHandler: LogHandler {
    let label: String
    let file: FileHandle
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    static func open(_ path: String) -> FileHandle? {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        handle.seekToEndOfFile()
        return handle
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let stamp = ISO8601DateFormatter().string(from: Date())
        file.write(Data("\(stamp) \(event.level) \(label): \(event.message)\(meta)\n".utf8))
    }
}
