import Foundation

/// File checks for secrets and config: who may read it, and why it cannot be read.
enum FileAccess {
    /// True when group and others have no access bits (0600, 0400, 0700...).
    static func isOwnerOnly(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & 0o077 == 0
    }

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
        var info = stat()
        if stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR { return "it is a directory" }
        return String(cString: strerror(errno))
    }

    static func expandTilde(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
    }
}
