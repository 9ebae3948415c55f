import Foundation

/// Where the API secret comes from, in order: `--secret-file`, `M4TOP_SECRET`, then the config's
/// `secret_file`, `secret_command` or `secret`. The secret itself never appears in a message.
enum SecretSource {
    static func resolve(flagFile: String?, environment: [String: String], profile: ProfileConfig,
                        config: ConfigFile?) throws(ConfigError) -> String? {
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
            return try runSecretCommand(command, origin: "\(configPath): key 'secret_command'")
        }
        if let secret = profile.secret {
            guard config?.isPrivate == true else {
                throw ConfigError("\(configPath): key 'secret': the file holds a secret but others can read it (mode \(FileAccess.mode(configPath) ?? "?")); run chmod 600 \(configPath), or use secret_file")
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
        guard FileAccess.isOwnerOnly(path) else {
            throw ConfigError("\(origin): secret file \(path) can be read by others (mode \(FileAccess.mode(path) ?? "?")); run chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(origin): cannot read secret file \(path) (\(FileAccess.reason(for: path)))")
        }
        let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let secret = firstLine.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ConfigError("\(origin): secret file \(path) is empty") }
        return secret
    }

    /// Runs the configured command (e.g. `pass show m4/prod`) and takes the first line it prints.
    static func runSecretCommand(_ command: String, origin: String) throws(ConfigError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ConfigError("\(origin): cannot start the secret command")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ConfigError("\(origin): the secret command failed (exit status \(process.terminationStatus))")
        }
        let secret = (String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ConfigError("\(origin): the secret command printed nothing") }
        return secret
    }
}
