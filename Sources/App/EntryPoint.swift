import ArgumentParser
import Foundation
import PluginCheck

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
            // The same for the subcommands that share the root's connection flags: each parses its own.
            var command = try parse(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            finish(0)
        } catch let request as ExitRequest {
            finish(request.status.rawValue)
        } catch where arguments.first == CheckCommand.configuration.commandName && M4TopCommand.exitCode(for: error) != .success {
            // A plugin's every failure is UNKNOWN (3): a 2 would read as CRITICAL to Nagios.
            let message = CheckCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
            Console.out(PluginReport.unknown(message).line)
            finish(PluginReport.Status.unknown.rawValue)
        } catch {
            let code = M4TopCommand.exitCode(for: error)
            if code == .success {
                // --help, --version. A plugin's help exits 3 (UNKNOWN), as monitoring-plugins do:
                // a scheduler that runs it by mistake must not read OK.
                Console.out(commandType(arguments).fullMessage(for: error))
                finish(arguments.first == CheckCommand.configuration.commandName ? PluginReport.Status.unknown.rawValue : 0)
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

    static func commandType(_ arguments: [String]) -> any ParsableCommand.Type {
        switch arguments.first {
        case HistoryCommand.configuration.commandName: return HistoryCommand.self
        case ExporterCommand.configuration.commandName: return ExporterCommand.self
        case CheckCommand.configuration.commandName: return CheckCommand.self
        // `simulate --secret-file` is its own flag: parsed from the root, the root's connection
        // flag of the same name took it, and the simulator kept expecting `secret`.
        case SimulateCommand.configuration.commandName: return SimulateCommand.self
        default: return M4TopCommand.self
        }
    }

    /// The subcommands with flags of their own parse alone; everything else from the root.
    static func parse(_ arguments: [String]) throws -> any ParsableCommand {
        let type = commandType(arguments)
        return type == M4TopCommand.self ? try M4TopCommand.parseAsRoot(arguments) : try type.parseAsRoot(Array(arguments.dropFirst()))
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
