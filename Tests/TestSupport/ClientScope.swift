import Foundation
import M4API
import Synchronization

/// Owns the clients made inside it and shuts every one down however the scope ends: an
/// async-http-client that is never shut down stops the process in its deinit.
package final class ClientScope: Sendable {
    private let clients = Mutex<[QuickStatsClient]>([])

    package init() {}

    /// A client that the scope will shut down.
    package func client(settings: ConnectionSettings, secret: String?) -> QuickStatsClient {
        let client = QuickStatsClient(settings: settings, secret: secret)
        clients.withLock { $0.append(client) }
        return client
    }

    package func shutdownAll() async {
        let all = clients.withLock { list -> [QuickStatsClient] in
            defer { list.removeAll() }
            return list
        }
        for client in all { await client.shutdown() }
    }

    /// Runs `body` with a fresh scope; its clients are shut down before this returns or throws.
    package static func run<T>(_ body: (ClientScope) async throws -> T) async throws -> T {
        let scope = ClientScope()
        do {
            let result = try await body(scope)
            await scope.shutdownAll()
            return result
        } catch {
            await scope.shutdownAll()
            throw error
        }
    }
}
