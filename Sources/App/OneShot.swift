import Foundation
import M4API

/// `--once`: fetch each configured user once, print, and report the worst outcome.
enum OneShot {
    static func run(settings: RunSettings, format: OneShotOutput.Format) async -> ExitStatus {
        let target: ServerTarget
        do {
            target = try await ServerTarget.open(settings)
        } catch {
            report(kind: "config", message: error.description, hint: nil, format: format)
            return .usage
        }
        if target.isDemo { Console.error(DemoNotice.text(automatic: target.automaticDemo)) }
        var worst = ExitStatus.success
        for user in settings.users {
            do {
                let stats = try await target.client.fetch(user: user)
                let now = Date()
                switch format {
                case .json: print(OneShotOutput.json(server: target.displayURL, user: user, fetchedAt: now, stats: stats))
                case .text:
                    if user != settings.users.first { print("") }
                    Console.out(OneShotOutput.text(server: target.displayURL, user: user, fetchedAt: now, stats: stats))
                }
            } catch {
                report(kind: error.kind.rawValue, message: error.message, hint: error.hint, format: format, user: user)
                let status = ExitStatus(for: error)
                if worst == .success || status.rawValue > worst.rawValue { worst = status }
            }
        }
        await target.close()
        return worst
    }

    static func report(kind: String, message: String, hint: String?, format: OneShotOutput.Format, user: String? = nil) {
        if format == .json { print(OneShotOutput.jsonError(kind: kind, message: message, hint: hint)) }
        let who = user.map { " (user \($0))" } ?? ""
        let label = kind == "api" ? "the server answered" : kind == "config" ? "configuration" : "\(kind) error"
        Console.error("m4top: \(label)\(who): \(message)" + (hint.map { "\n  hint: \($0)" } ?? ""))
    }
}
