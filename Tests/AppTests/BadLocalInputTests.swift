@testable import App
import Foundation
import M4API
import Testing
import TextSafety

/// Local input that once trapped, hung or reached the terminal raw (issue "Hostile servers and
/// bad local input", items 7, 9, 11-13).
@Suite("Bad local input: ranges, commands, odd files, control characters")
struct BadLocalInputTests {
    let dir = TempDir()

    func message(_ flags: ConnectionFlags, env: [String: String] = [:]) -> String? {
        do {
            _ = try SettingsResolver.resolve(flags, environment: ["XDG_CONFIG_HOME": dir.path, "HOME": dir.path, "M4TOP_SECRET": "s"].merging(env) { $1 })
            return nil
        } catch {
            return error.message
        }
    }

    func withURL(_ url: String = "http://127.0.0.1/billing") -> ConnectionFlags {
        var flags = ConnectionFlags()
        flags.url = url
        return flags
    }

    @Test("Numbers past any sensible range are errors naming the flag or key and the range")
    func ranges() {
        var flags = withURL()
        flags.timeout = 1e11
        #expect(message(flags)?.contains("--timeout: must be more than 0 and at most 3600 seconds") == true)
        flags.timeout = nil
        flags.interval = 1e19
        #expect(message(flags)?.contains("--interval: must be 1-86400 seconds") == true)
        let config = dir.write("m4top/config.toml", "url = \"http://127.0.0.1/billing\"\ninterval = 1e308\n")
        var fromConfig = ConnectionFlags()
        fromConfig.configPath = config
        #expect(message(fromConfig)?.contains("key 'interval'") == true, "\(message(fromConfig) ?? "")")
        #expect(message(withURL("http://127.0.0.1:99999/billing"))?.contains("port outside 1-65535") == true)
    }

    @Test("A user name with control characters is refused, and the message shows none of them")
    func controlCharactersInUsers() throws {
        var flags = withURL()
        flags.users = ["\u{1B}]0;pwn\u{07}"]
        let text = try #require(message(flags))
        #expect(text.contains("cannot contain control characters"))
        #expect(!text.unicodeScalars.contains { TerminalSafeText.isUnsafe($0) })
        flags.users = ["alice\nERROR: fake"]
        #expect(message(flags)?.contains("\n") == false, "a newline never splits the error line")
    }

    @Test("A URL's user name and password, and a redirect's query, are never shown")
    func redaction() throws {
        let url = try QuickStatsEndpoint.methodURL(fromBase: "http://ops:hunter2@pbx.example.com/billing")
        let shown = QuickStatsEndpoint.displayBase(of: url)
        #expect(shown == "http://pbx.example.com/billing")
        #expect(TerminalSafeText.redactedURL("https://pbx.example.com/billing/api/quickstats_get?u=admin&hash=e5e9fa1b#x")
                == "https://pbx.example.com/billing/api/quickstats_get")
        let error = FetchError.response(.redirect(code: 301, location: TerminalSafeText.redactedURL("https://u:p@h/x?hash=abc")))
        #expect(!error.message.contains("hash") && !error.message.contains("u:p"))
    }

    @Test("secret_command is bounded: a hang is stopped after the limit; a child left running is not waited for")
    func secretCommandBounded() {
        let started = Date()
        let hung = BoundedCommand.run(["/bin/sh", "-c", "sleep 100"], timeout: 1)
        #expect(hung == .timedOut)
        #expect(Date().timeIntervalSince(started) < 3)
        let leftBehind = Date()
        let result = BoundedCommand.run(["/bin/sh", "-c", "echo S; (sleep 30 &)"], timeout: 10)
        #expect(result == .exited(status: 0, output: Data("S\n".utf8)))
        #expect(Date().timeIntervalSince(leftBehind) < 3, "did not wait for the background sleep")
        #expect(BoundedCommand.run(["/bin/sh", "-c", "exit 3"], timeout: 5) == .exited(status: 3, output: Data()))
    }

    @Test("FIFOs, devices and huge files as config or secret: what is wrong, never 'Success'",
          arguments: ["fifo", "/dev/null", "/dev/zero", "huge"])
    func oddFiles(kind: String) throws {
        var path = kind
        if kind == "fifo" {
            path = dir.path + "/pipe"
            #expect(mkfifo(path, 0o600) == 0)
        } else if kind == "huge" {
            path = dir.write("huge.toml", "url = \"" + String(repeating: "x", count: 3 << 20) + "\"\n")
        }
        var flags = ConnectionFlags()
        flags.configPath = path
        let configMessage = try #require(message(flags))
        #expect(!configMessage.contains("Success"), "\(configMessage)")
        #expect(configMessage.count < 300, "a short message, not the file")
        #expect(configMessage.contains("FIFO") || configMessage.contains("device") || configMessage.contains("KiB"), "\(configMessage)")
        if kind == "fifo" {
            var secret = withURL()
            secret.secretFile = path
            let secretMessage = try #require(message(secret))
            #expect(secretMessage.contains("FIFO"), "\(secretMessage)")
            #expect(!secretMessage.contains("No such file"))
        }
    }

    @Test("timezone: a server in another zone starts its day at its own midnight; an unknown zone is named")
    func timeZone() throws {
        let good = dir.write("m4top/config.toml", "url = \"http://127.0.0.1/billing\"\ntimezone = \"Asia/Tokyo\"\n")
        var flags = ConnectionFlags()
        flags.configPath = good
        let settings = try SettingsResolver.resolve(flags, environment: ["M4TOP_SECRET": "s", "HOME": dir.path])
        #expect(settings.servers[0].timeZone.identifier == "Asia/Tokyo")
        let bad = dir.write("m4top/bad.toml", "url = \"http://127.0.0.1/billing\"\ntimezone = \"Mars/Olympus\"\n")
        flags.configPath = bad
        #expect(message(flags)?.contains("unknown time zone 'Mars/Olympus'") == true)
    }

    @Test("A long value in the config is quoted as a short excerpt")
    func excerpt() throws {
        let config = dir.write("m4top/config.toml", "url = \"http://127.0.0.1/billing\"\nmethod = \"" + String(repeating: "y", count: 100_000) + "\"\n")
        var flags = ConnectionFlags()
        flags.configPath = config
        let text = try #require(message(flags))
        #expect(text.count < 300, "\(text.count) characters")
    }
}
