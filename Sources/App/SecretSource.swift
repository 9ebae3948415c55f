import Foundation

/// Where the API secret comes from, in order: `--secret-file`, `M4TOP_SECRET`, then the config's
/// `secret_file`, `secret_command` or `secret`. The secret itself never appears in a message.
enum SecretSource {
    static func resolve(flagFile: String?, environment: [String: String], profile: ProfileConfig,
                        config: ConfigFile?, timeout: TimeInterval = commandTimeout) throws(ConfigError) -> String? {
        if let flagFile {
            return try readSecretFile(FileAccess.expandTilde(flagFile, environment: environment), origin: "--secret-file")
        }
        if let value = environment["M4TOP_SECRET"] {
            let secret = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { throw ConfigError("M4TOP_SECRET is set but empty") }
            return secret
        }
        let configPath = config?.path ?? "config"
        if let file = profile.secretFile {
            return try readSecretFile(FileAccess.expandTilde(file, environment: environment),
                                      origin: "\(configPath): key 'secret_file'")
        }
        if let command = profile.secretCommand {
            // Never longer than the run's own timeout: `check --timeout 2` must not wait 10 s.
            return try runSecretCommand(command, origin: "\(configPath): key 'secret_command'", timeout: min(commandTimeout, timeout))
        }
        if let secret = profile.secret {
            if let problem = config.map({ $0.secretProblem }) ?? "its permissions are unknown" {
                throw ConfigError("\(configPath): key 'secret': the file holds a secret, but \(problem); or use secret_file")
            }
            guard !secret.isEmpty else { throw ConfigError("\(configPath): key 'secret' is empty") }
            return secret
        }
        return nil
    }

    /// The first line of an owner-only regular file.
    static func readSecretFile(_ path: String, origin: String) throws(ConfigError) -> String {
        guard access(path, R_OK) == 0, FileAccess.isRegularFile(path) else {
            throw ConfigError("\(origin): cannot read secret file \(path) (\(FileAccess.reason(for: path)))")
        }
        if let problem = FileAccess.secretProblem(path) {
            throw ConfigError("\(origin): secret file \(path) is refused: \(problem)")
        }
        let data: Data
        do {
            data = try FileAccess.readSmallFile(path, limit: 64 * 1024)
        } catch {
            throw ConfigError("\(origin): cannot read secret file \(path) (\(error.reason))")
        }
        let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let secret = firstLine.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ConfigError("\(origin): secret file \(path) is empty") }
        return secret
    }

    /// How long `secret_command` may take.
    static let commandTimeout: TimeInterval = 10

    /// Runs the configured command (e.g. `pass show m4/prod`) and takes the first line it prints.
    /// Bounded: the command and everything it started (its process group) are killed after
    /// `commandTimeout`, and once it exits m4top does not wait for children that keep its
    /// output open.
    static func runSecretCommand(_ command: String, origin: String, timeout: TimeInterval = commandTimeout) throws(ConfigError) -> String {
        let output: Data
        switch BoundedCommand.run(["/bin/sh", "-c", command], timeout: timeout) {
        case .failedToStart:
            throw ConfigError("\(origin): cannot start the secret command")
        case .timedOut:
            throw ConfigError("\(origin): the secret command did not finish within \(timeout.formatted()) s; it was stopped")
        case .exited(let status, let data):
            guard status == 0 else { throw ConfigError("\(origin): the secret command failed (exit status \(status))") }
            output = data
        }
        let secret = (String(decoding: output, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ConfigError("\(origin): the secret command printed nothing") }
        return secret
    }
}

/// A child process with a deadline, in a process group of its own so that it and whatever it
/// started can be stopped together. Its stdin is /dev/null, its stderr the user's.
enum BoundedCommand {
    enum Outcome: Equatable {
        case exited(status: Int32, output: Data)
        case timedOut
        case failedToStart
    }

    /// At most this much output is kept (a secret is one short line).
    static let outputLimit = 64 * 1024

    static func run(_ arguments: [String], timeout: TimeInterval) -> Outcome {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return .failedToStart }
        let (readEnd, writeEnd) = (pipeFDs[0], pipeFDs[1])
        defer { close(readEnd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        close(writeEnd)
        guard spawned == 0 else { return .failedToStart }

        let deadline = Date().addingTimeInterval(timeout)
        var output = Data()
        var status: Int32 = 0
        var exited = false
        var endOfOutput = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !exited {
            if waitpid(pid, &status, WNOHANG) == pid { exited = true }
            let wait = exited ? 0 : Int32(min(100, max(0, deadline.timeIntervalSinceNow * 1000)))
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            if endOfOutput {
                usleep(UInt32(wait) * 1000)
            }
            // Read what is there; after exit only what is already written (a child it left
            // behind may hold the pipe open for ever).
            while !endOfOutput, poll(&descriptor, 1, wait) > 0, descriptor.revents & Int16(POLLIN | POLLHUP) != 0 {
                let count = read(readEnd, &buffer, buffer.count)
                guard count > 0 else { endOfOutput = true; break }
                if output.count < outputLimit { output.append(contentsOf: buffer[0..<count]) }
                if !exited { break }
            }
            if !exited && Date() >= deadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                return .timedOut
            }
        }
        kill(-pid, SIGKILL)  // anything it left running in its group
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return .exited(status: code, output: output)
    }
}
