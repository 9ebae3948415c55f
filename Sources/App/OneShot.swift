import Foundation
import History
import M4API
import Watch

/// `--once`: fetch each watched user of each server once, print, and report the worst outcome.
enum OneShot {
    static func run(settings: RunSettings, format: OneShotOutput.Format) async -> ExitStatus {
        let targets: [ServerTarget]
        do {
            targets = try await ServerTarget.openAll(settings.servers)
        } catch {
            report(kind: "config", message: error.description, hint: nil, format: format)
            return .usage
        }
        if let demo = targets.first(where: \.isDemo) { Console.error(DemoNotice.text(automatic: demo.automaticDemo)) }
        var worst = ExitStatus.success
        func note(_ error: FetchError) {
            let status = ExitStatus(for: error)
            if worst == .success || status.rawValue > worst.rawValue { worst = status }
        }
        var first = true
        // Forecasts need the store's last week; a read-only look, and nothing without a store.
        let store = settings.historyPath.flatMap { try? HistoryStore.openReadOnly(path: $0) }
        for target in targets {
            // The server's max_rate and max_in_flight hold here too: users = "all" asked 23 a second.
            let gate = ServerGate(budget: target.setup.budget, timers: target.client.executor)
            var users = target.settings.users
            if target.settings.allUsers {
                _ = await gate.enter()
                let listed = await target.client.fetchUsersResult()
                gate.leave()
                do {
                    let list = try listed.get()
                    users = [target.settings.adminName] + list.filter { !$0.hidden && !$0.blocked && $0.username != target.settings.adminName }.map(\.username)
                } catch {
                    // Refused or failed: say so, and go on with the configured users.
                    report(kind: error.kind.rawValue, message: "users_get: \(error.message)", hint: error.hint, format: format)
                    note(error)
                }
            }
            for user in users {
                _ = await gate.enter()
                let result = await target.client.fetchResult(user: user)
                gate.leave()
                do {
                    let stats = try result.get()
                    let now = Date()
                    switch format {
                    case .json:
                        let forecast = target.isDemo ? [] : Self.forecast(store, target: target, user: user, stats: stats, now: now)
                        print(OneShotOutput.json(server: target.displayURL, user: user, fetchedAt: now, stats: stats, forecast: forecast))
                    case .text:
                        if !first { print("") }
                        Console.out(OneShotOutput.text(server: target.displayURL, user: user, fetchedAt: now, stats: stats))
                    }
                    first = false
                } catch {
                    report(kind: error.kind.rawValue, message: error.message, hint: error.hint, format: format, user: user)
                    note(error)
                }
            }
        }
        for target in targets { await target.close() }
        return worst
    }

    /// Today's counters projected to midnight, scaled by last week's same day (else yesterday).
    static func forecast(_ store: HistoryStore?, target: ServerTarget, user: String, stats: QuickStats, now: Date) -> [OneShotOutput.ForecastLine] {
        guard let store else { return [] }
        let server = target.settings.storeName
        guard let baseline = try? store.baseline(server: server, user: user, now: now, timeZone: target.setup.timeZone) else { return [] }
        let input = MetricInput(stats: stats)
        return [MetricID.todayCalls, .todayDuration, .todayRevenue, .todaySelfCost, .todayProfit, .todayPrice].compactMap { id in
            guard let forecast = baseline.forecast(id, current: MetricTable[id].value(input)) else { return nil }
            var exact = forecast.value, rounded = Decimal()
            NSDecimalRound(&rounded, &exact, MetricTable[id].kind == .money ? 6 : 0, .plain)
            return OneShotOutput.ForecastLine(metric: id, value: rounded, basis: forecast.basis)
        }
    }

    static func report(kind: String, message: String, hint: String?, format: OneShotOutput.Format, user: String? = nil) {
        if format == .json { print(OneShotOutput.jsonError(kind: kind, message: message, hint: hint)) }
        let who = user.map { " (user \($0))" } ?? ""
        let label = kind == "api" ? "the server answered" : kind == "config" ? "configuration" : "\(kind) error"
        Console.error("m4top: \(label)\(who): \(message)" + (hint.map { "\n  hint: \($0)" } ?? ""))
    }
}
