import Foundation

/// File checks for secrets and config: who may read it, and why it cannot be read.
enum FileAccess {
    static func mode(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return String(info.st_mode & 0o777, radix: 8)
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & S_IFMT == S_IFREG
    }

    /// A short reason why `path` cannot be opened for reading.
    static func reason(for path: String) -> String {
        if access(path, F_OK) != 0 { return "no such file" }
        if access(path, R_OK) != 0 { return "permission denied" }
        if let kind = notRegularKind(path) { return kind }
        let error = errno
        return error == 0 ? "unreadable" : String(cString: strerror(error))
    }

    /// What a path is when it is not a regular file: `it is a directory`, `a FIFO`...
    static func notRegularKind(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "it is a directory"
        case S_IFIFO: return "it is a FIFO (named pipe), not a regular file"
        case S_IFCHR, S_IFBLK: return "it is a device, not a regular file"
        case S_IFSOCK: return "it is a socket, not a regular file"
        default: return "not a regular file"
        }
    }

    struct ReadError: Error {
        let reason: String
    }

    /// A regular file of at most `limit` bytes. FIFOs and devices are refused before they are
    /// opened (a FIFO would block, /dev/zero never ends).
    static func readSmallFile(_ path: String, limit: Int) throws(ReadError) -> Data {
        if access(path, F_OK) != 0 { throw ReadError(reason: "no such file") }
        if let kind = notRegularKind(path) { throw ReadError(reason: kind) }
        if access(path, R_OK) != 0 { throw ReadError(reason: "permission denied") }
        var info = stat()
        if stat(path, &info) == 0, Int(info.st_size) > limit {
            throw ReadError(reason: "it is \(info.st_size / 1024) KiB; at most \(limit / 1024) KiB is read")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ReadError(reason: reason(for: path)) }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else { throw ReadError(reason: "it is larger than \(limit / 1024) KiB") }
            return data
        } catch let error as ReadError {
            throw error
        } catch {
            throw ReadError(reason: error.localizedDescription)
        }
    }

    static func expandTilde(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
    }

    /// A path as typed, made absolute against the working folder (`rel.sqlite` was a store
    /// whose folder "" could not be made).
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), !path.isEmpty else { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }
}
