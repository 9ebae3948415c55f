import Foundation

/// Who may own and read a file that holds a secret (the API secret, a config with `secret`, a
/// TLS private key). Owner-only (0600, 0400) always passes. Group-readable (0640, 0440) passes
/// when the file's group is one the reader belongs to, the way daemons read `root:ssl-cert`
/// keys, so one file can serve the exporter and Nagios. Nothing for others, no group write,
/// and the owner is the reader or root (anyone else could rewrite it).
struct SecretFilePermissions: Equatable {
    let mode: mode_t
    let owner: uid_t
    let group: gid_t

    /// The reading process: its user and every group it is in.
    struct Reader {
        let user: uid_t
        let groups: Set<gid_t>

        static var current: Reader {
            let count = getgroups(0, nil)
            var list = [gid_t](repeating: 0, count: Int(max(count, 0)))
            let filled = count > 0 ? getgroups(count, &list) : 0
            return Reader(user: geteuid(), groups: Set(list.prefix(Int(max(filled, 0)))).union([getegid()]))
        }
    }

    init(mode: mode_t, owner: uid_t, group: gid_t) {
        self.mode = mode & 0o7777
        self.owner = owner
        self.group = group
    }

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(mode: info.st_mode, owner: info.st_uid, group: info.st_gid)
    }

    var octal: String { "0" + String(mode & 0o777, radix: 8) }

    /// What is wrong, in words that name the bits or the owner and what is allowed; nil when
    /// the file may hold a secret.
    func problem(for reader: Reader) -> String? {
        var wrong: [String] = []
        if owner != reader.user && owner != 0 {
            wrong.append("it is owned by \(Self.userName(owner)), not by you (\(Self.userName(reader.user))) or root")
        }
        let others = Self.verbs(mode & 0o007, read: 0o004, write: 0o002, execute: 0o001)
        if !others.isEmpty { wrong.append("others can \(others)") }
        let groupWrites = Self.verbs(mode & 0o030, read: 0, write: 0o020, execute: 0o010)
        if !groupWrites.isEmpty { wrong.append("group \(Self.groupName(group)) can \(groupWrites)") }
        if mode & 0o040 != 0 && !reader.groups.contains(group) {
            wrong.append("group \(Self.groupName(group)) can read it and you are not in that group")
        }
        guard !wrong.isEmpty else { return nil }
        return "mode \(octal), \(wrong.joined(separator: "; ")). Allowed: 0600 or 0400 owned by you, "
            + "or 0640/0440 with a group you are in (e.g. chgrp nagios FILE)"
    }

    /// `read, write`… for the given bits that are set.
    private static func verbs(_ bits: mode_t, read: mode_t, write: mode_t, execute: mode_t) -> String {
        [(read, "read it"), (write, "write it"), (execute, "execute it")]
            .filter { $0.0 != 0 && bits & $0.0 != 0 }.map(\.1).joined(separator: ", ")
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return "gid \(gid)" }
        return String(cString: name)
    }
}

extension FileAccess {
    /// Why `path` may not hold a secret for this process, or nil when it may.
    static func secretProblem(_ path: String) -> String? {
        guard let permissions = SecretFilePermissions(path: path) else { return reason(for: path) }
        return permissions.problem(for: .current)
    }
}
