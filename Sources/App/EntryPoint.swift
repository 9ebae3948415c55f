import ArgumentParser
import Foundation

/// The program's entry: parses, runs, and maps every ending to the contract's exit status.
package enum Main {
    package static func run() async -> Never {
        var arguments = Array(CommandLine.arguments.dropFirst())
        // `swift run m4top -- --demo` passes the separator on; m4top takes no positional
        // arguments, so a leading `--` can only be that.
        if arguments.first == "--" { arguments.removeFirst() }
        do {
            // `history` has a `--format` of its own (csv|json); parsed from the root, the root's
            // `--format` (text|json, for --once) would take it.
            var command = arguments.first == HistoryCommand.configuration.commandName
                ? try HistoryCommand.parseAsRoot(Array(arguments.dropFirst()))
                : try M4TopCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            finish(0)
        } catch let request as ExitRequest {
            finish(request.status.rawValue)
        } catch {
            let code = M4TopCommand.exitCode(for: error)
            if code == .success {
                // --help, --version
                Console.out(M4TopCommand.fullMessage(for: error))
                finish(0)
            }
            let message = M4TopCommand.fullMessage(for: error)
            if wantsJSON(arguments) {
                Console.out(OneShotOutput.jsonError(kind: "config", message: message.split(separator: "\n").first.map(String.init) ?? message))
            }
            Console.error(message)
            // Bad flags are usage errors: 2, as the contract says (ArgumentParser would use 64).
            finish(code == .validationFailure || code.rawValue == 64 ? ExitStatus.usage.rawValue : code.rawValue)
        }
    }

    /// Every ending: a failed log is reported once the terminal is the user's again.
    static func finish(_ status: Int32) -> Never {
        LogSetup.reportFailure()
        exit(status)
    }

    static func wantsJSON(_ arguments: [String]) -> Bool {
        if arguments.contains("--format=json") { return true }
        if let index = arguments.firstIndex(of: "--format"), index + 1 < arguments.count { return arguments[index + 1] == "json" }
        return false
    }
}
