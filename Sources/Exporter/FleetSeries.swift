import Foundation
import M4API
import NIOConcurrencyHelpers
import Prometheus
import Watch

/// Every watched user's latest numbers as Prometheus series, kept up to date from the fleet's
/// events (the same events the overview draws from), so that a scrape only writes out what is
/// already there: no parsing, no decimal arithmetic per scrape.
///
/// Staleness is explicit: `m4_up` is 0 while the user's last poll failed or its server is down,
/// `m4_last_success_timestamp_seconds` says when the numbers were true, and
/// `m4_poll_errors_total{kind}` counts the failures. The last numbers stay published meanwhile
/// (a graph keeps its line; alerts read `m4_up`).
package final class FleetSeries: FleetSink {
    /// The exporter's own series (build info, users watched per server).
    package let registry = PrometheusCollectorRegistry()

    /// Users' series live in registries of at most `shardSize` users each: swift-prometheus
    /// copies a family's dictionary of series for every series added to it, so one registry for
    /// 10,000 users took 151 s to fill (1.4 s for 1,000); shards keep it linear. The shards'
    /// texts are joined into one exposition by `ExpositionOrder` (families merged, their HELP
    /// and TYPE once), byte for byte what one registry wrote.
    static let shardSize = 64

    /// One user's series. Value gauges exist only while the user's answer has the value.
    private struct UserSeries {
        /// The registry holding this user's series.
        let registry: PrometheusCollectorRegistry
        let labels: [(String, String)]
        var values: [Gauge?]
        let up: Gauge
        /// Absent until the user's first success: a time that never happened is no series (a 0
        /// would read as "last answered in 1970").
        var lastSuccess: Gauge?
        let errors: [FetchError.Kind: Counter]
    }

    private struct Book {
        var users: [UserKey: UserSeries] = [:]
        /// The users' registries, with how many users each holds; a new user goes into the
        /// first with room.
        var shards: [(registry: PrometheusCollectorRegistry, users: Int)] = []
        var watchedCount: [Int: Gauge] = [:]
        /// Per server, the users it watches or lists: who /probe may ask for.
        var names: [Int: Set<String>] = [:]
    }

    private let book = NIOLockedValueBox(Book())
    private let serverLabels: [String]

    static let upHelp = "1 when the user's last poll succeeded and its server answers, 0 while it fails (the values are then the last good ones)."
    static let lastSuccessHelp = "When the user's numbers were last fetched successfully, in seconds since the Unix epoch."
    static let errorsHelp = "Failed polls of the user since the exporter started, by kind: api (the server refused), transport (no answer), response (not an M4 answer)."
    static let watchedHelp = "Users the exporter watches on the server (from the config, or from users_get)."

    /// `serverLabels`: the `server` label of each watched server, by index.
    package init(serverLabels: [String], version: String) {
        self.serverLabels = serverLabels
        registry.makeGauge(descriptor: .named("m4_exporter_build_info", help: "Always 1: the m4top version serving these metrics."), labels: [("version", version)]).set(1.0)
    }

    /// Applies one fleet event, after the state has taken it in.
    package func fleet(_ state: FleetState, took event: FleetEvent) {
        switch event {
        case .fetched(let key, let result, let at):
            // Still watched (an answer can arrive after its user left the list).
            guard state.userStates[key] != nil else { return }
            book.withLockedValue { book in
                var series = book.users[key] ?? makeSeries(key, in: &book)
                switch result {
                case .success(let stats):
                    update(&series, with: stats)
                    let lastSuccess = series.lastSuccess ?? series.registry.makeGauge(descriptor: .named("m4_last_success_timestamp_seconds", help: Self.lastSuccessHelp),
                                                                                       labels: series.labels)
                    lastSuccess.set(at.timeIntervalSince1970)
                    series.lastSuccess = lastSuccess
                    series.up.set(state.servers[key.server].failure == nil ? 1.0 : 0.0)
                case .failure(let error):
                    series.errors[error.kind]?.increment()
                    series.up.set(0.0)
                }
                book.users[key] = series
                if state.servers[key.server].failure != nil { markDown(server: key.server, in: &book) }
            }
        case .userListFetched(let server, let result, _):
            book.withLockedValue { book in
                if case .success = result {
                    forgetUnwatched(server: server, state: state, in: &book)
                    book.names[server] = Set(state.servers[server].users)
                }
                if state.servers[server].failure != nil { markDown(server: server, in: &book) }
                gauge(watchedOn: server, in: &book).set(Double(Self.polledUsers(of: state.servers[server]).count))
            }
        default:
            break
        }
    }

    /// The number of watched users of each server, before any answer.
    package func noteWatched(_ state: FleetState) {
        book.withLockedValue { book in
            for server in state.servers.indices {
                gauge(watchedOn: server, in: &book).set(Double(Self.polledUsers(of: state.servers[server]).count))
                book.names[server] = Set(state.servers[server].users)
            }
        }
    }

    /// Whether the server watches or lists this user (its configured users, or its latest
    /// `users_get` list).
    package func watches(server: Int, user: String) -> Bool {
        book.withLockedValue { $0.names[server]?.contains(user) ?? false }
    }

    /// The text exposition format (version 0.0.4), ready to send, in a stable order.
    package func exposition() -> [UInt8] {
        let shards = book.withLockedValue { $0.shards.map(\.registry) }
        var text = registry.emitToBuffer()
        for shard in shards { shard.emit(into: &text) }
        return ExpositionOrder.sorted(text)
    }

    /// How many users have series (for the landing page and the bench).
    package var userCount: Int { book.withLockedValue { $0.users.count } }

    // MARK: Series

    private func makeSeries(_ key: UserKey, in book: inout Book) -> UserSeries {
        let shard: Int
        if let open = book.shards.firstIndex(where: { $0.users < Self.shardSize }) {
            shard = open
        } else {
            book.shards.append((PrometheusCollectorRegistry(), 0))
            shard = book.shards.count - 1
        }
        book.shards[shard].users += 1
        let registry = book.shards[shard].registry
        let labels = [("server", serverLabels[key.server]), ("user", key.name)]
        var errors: [FetchError.Kind: Counter] = [:]
        for kind in ExporterLabels.errorKinds {
            errors[kind] = registry.makeCounter(descriptor: .named("m4_poll_errors_total", help: Self.errorsHelp), labels: labels + [("kind", kind.rawValue)])
        }
        return UserSeries(registry: registry, labels: labels, values: Array(repeating: nil, count: ExportedMetric.all.count),
                          up: registry.makeGauge(descriptor: .named("m4_up", help: Self.upHelp), labels: labels),
                          lastSuccess: nil,
                          errors: errors)
    }

    private func update(_ series: inout UserSeries, with stats: QuickStats) {
        for (index, exported) in ExportedMetric.all.enumerated() {
            if let value = exported.value(in: stats) {
                let gauge = series.values[index] ?? series.registry.makeGauge(descriptor: exported.descriptor, labels: series.labels)
                gauge.set(value)
                series.values[index] = gauge
            } else if let gone = series.values[index] {
                // The answer no longer has it (a user's active calls hidden): no stale number.
                series.registry.unregisterGauge(gone)
                series.values[index] = nil
            }
        }
    }

    private func markDown(server: Int, in book: inout Book) {
        for (key, series) in book.users where key.server == server { series.up.set(0.0) }
    }

    /// A user gone from the server's list (or now blocked) disappears from /metrics.
    private func forgetUnwatched(server: Int, state: FleetState, in book: inout Book) {
        let keep = Set(Self.polledUsers(of: state.servers[server]))
        for (key, series) in book.users where key.server == server && !keep.contains(key.name) {
            for gauge in series.values.compactMap({ $0 }) + [series.up] + [series.lastSuccess].compactMap({ $0 }) { series.registry.unregisterGauge(gauge) }
            for counter in series.errors.values { series.registry.unregisterCounter(counter) }
            if let shard = book.shards.firstIndex(where: { $0.registry === series.registry }) { book.shards[shard].users -= 1 }
            book.users[key] = nil
        }
    }

    /// The users that get series: watched, and not blocked (blocked users are never polled).
    static func polledUsers(of server: WatchedServer) -> [String] {
        server.users.filter { !server.isBlocked($0) }
    }

    private func gauge(watchedOn server: Int, in book: inout Book) -> Gauge {
        if let gauge = book.watchedCount[server] { return gauge }
        let gauge = registry.makeGauge(descriptor: .named("m4_users_watched", help: Self.watchedHelp), labels: [("server", serverLabels[server])])
        book.watchedCount[server] = gauge
        return gauge
    }
}
