import Foundation
import Synchronization

/// Owns the clients made inside it and shuts every one down however the scope ends: an
/// async-http-client that is never shut down stops the process in its deinit.
public final class ClientScope: Sendable {
    private let clients = Mutex<[QuickStatsClient]>([])

    public init() {}

    /// A client that the scope will shut down.
    public func client(settings: ConnectionSettings, secret: String?) -> QuickStatsClient {
        let client = QuickStatsClient(settings: settings, secret: secret)
        clients.withLock { $0.append(client) }
        return client
    }

    public func shutdownAll() async {
        let all = clients.withLock { list -> [QuickStatsClient] in
            defer { list.removeAll() }
            return list
        }
        for client in all { await client.shutdown() }
    }

    /// Runs `body` with a fresh scope; its clients are shut down before this returns or throws.
    public static func run<T>(_ body: (ClientScope) async throws -> T) async throws -> T {
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
