import TextSafety
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// How to reach one M4 server.
package struct ConnectionSettings: Sendable, Equatable {
    package var methodURL: URL
    package var method: RequestMethod
    package var signer: RequestSigner
    /// Whole-request limit, connect to last byte.
    package var timeoutSeconds: Double
    /// Accept any TLS certificate (self-signed servers). Off unless the user asks.
    package var insecureTLS: Bool
    /// Answers larger than this are refused without reading further.
    package var maxBodyBytes: Int
    /// The same for `users_get`, whose answer grows with the server's users (about 350 bytes
    /// each): room for 20,000 users.
    package var maxUserListBytes = 8 << 20
    /// A kept-alive connection idle this long is not used again (a server's own keep-alive
    /// timeout is often 5 s: close ours first).
    package var keepAliveSeconds: Double = 3

    package init(methodURL: URL, method: RequestMethod = .post, signer: RequestSigner = RequestSigner(),
                timeoutSeconds: Double = 10, insecureTLS: Bool = false, maxBodyBytes: Int = 1 << 20) {
        self.methodURL = methodURL
        self.method = method
        self.signer = signer
        self.timeoutSeconds = timeoutSeconds
        self.insecureTLS = insecureTLS
        self.maxBodyBytes = maxBodyBytes
    }
}

/// Calls one M4 server's API over HTTP(S): `quickstats_get` for numbers, `users_get` for the
/// list of users. One instance per server.
package final class M4Client: Sendable {
    package let settings: ConnectionSettings
    private let secret: String?
    private let exchange: HTTPExchange
    /// The loop this client's connections live on, as a task executor: a task that prefers it
    /// sends and parses there, with no hop through Swift's global pool.
    package let executor: LoopExecutor
    /// A loop for work that has no client of its own (a fleet of no servers).
    package static let spareExecutor = LoopExecutor(MultiThreadedEventLoopGroup.singleton.next())
    private let logger: Logger

    /// `secret` may be nil only when the signer has hashing disabled.
    package init(settings: ConnectionSettings, secret: String?, logger: Logger = Logger(label: "m4top.api")) {
        self.settings = settings
        self.secret = secret
        self.logger = logger
        // A TLS context that cannot be made (no system roots) is reported on the first fetch.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        self.executor = LoopExecutor(loop)
        self.exchange = HTTPExchange(insecureTLS: settings.insecureTLS, keepAlive: .milliseconds(Int64(settings.keepAliveSeconds * 1000)),
                                     loop: loop)
    }

    /// The request that `fetch` sends for `user` (the hash included).
    package func request(for user: String) -> APIRequest {
        .quickstats(methodURL: settings.methodURL, method: settings.method, user: user,
                    hash: secret.flatMap { settings.signer.hash(user: user, secret: $0) })
    }

    /// The request that `fetchUsers` sends: every user, asked as the admin.
    package func usersRequest() -> APIRequest {
        let admin = settings.signer.adminName
        return .usersGet(methodURL: QuickStatsEndpoint.sibling(of: settings.methodURL, method: "users_get"),
                         method: settings.method, admin: admin, userID: "all",
                         hash: secret.flatMap { settings.signer.usersGetHash(admin: admin, userID: "all", secret: $0) })
    }

    /// Fetches and parses one answer. Returns within the timeout, whatever the server does.
    package func fetch(user: String) async throws(FetchError) -> QuickStats {
        let body = try await fetchBody(user: user)
        switch try QuickStatsParser.parse(body) {
        case .stats(let stats): return stats
        case .apiError(let error): throw .api(error)
        }
    }

    /// `fetch(user:)` as a value, for the loops that hand answers on as events.
    package func fetchResult(user: String) async -> Result<QuickStats, FetchError> {
        do throws(FetchError) {
            return .success(try await fetch(user: user))
        } catch {
            return .failure(error)
        }
    }

    /// `fetchUsers()` as a value.
    package func fetchUsersResult() async -> Result<[M4User], FetchError> {
        do throws(FetchError) {
            return .success(try await fetchUsers())
        } catch {
            return .failure(error)
        }
    }

    /// The server's users (`users_get`, user_id `all`), as the admin. Only an admin, or a
    /// manager with the permission, may ask; others get `.api(notAuthorized)` or Access Denied.
    package func fetchUsers() async throws(FetchError) -> [M4User] {
        let body = try await send(usersRequest(), limit: settings.maxUserListBytes)
        switch try UserListParser.parse(body) {
        case .users(let users): return users
        case .apiError(let error): throw .api(error)
        }
    }

    /// The raw body of one quickstats call, after HTTP-level checks.
    package func fetchBody(user: String) async throws(FetchError) -> Data {
        try await send(request(for: user), limit: settings.maxBodyBytes)
    }

    /// Sends one call; every failure comes back as a `FetchError` in the user's terms.
    private func send(_ call: APIRequest, limit: Int) async throws(FetchError) -> Data {
        // Named inside the log calls: a log that is off (the usual case) reads no URL.
        logger.debug("\(call.methodURL.lastPathComponent)", metadata: ["user": "\(call["u"] ?? "-")", "method": "\(call.method.rawValue)"])
        do {
            return try await exchange(call, limit: limit)
        } catch let error as FetchError {
            logger.debug("\(call.methodURL.lastPathComponent) failed", metadata: ["user": "\(call["u"] ?? "-")", "error": "\(error.message)"])
            throw error
        } catch {
            let mapped = Self.classify(error, url: call.methodURL, timeout: settings.timeoutSeconds, limit: limit)
            logger.debug("\(call.methodURL.lastPathComponent) failed", metadata: ["user": "\(call["u"] ?? "-")", "error": "\(mapped.message)"])
            throw mapped
        }
    }

    private func exchange(_ call: APIRequest, limit: Int) async throws -> Data {
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "m4top")
        headers.add(name: "Accept", value: "application/xml, text/xml, */*")
        if call.body != nil { headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded") }
        let answer = try await exchange.send(url: call.requestURL, method: call.method == .post ? .POST : .GET, headers: headers,
                                             body: call.body, timeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)),
                                             maxBodyBytes: limit)
        switch answer.status {
        case 200: return answer.body
        case 300..<400:
            throw FetchError.response(.redirect(code: answer.status, location: answer.location.map(TerminalSafeText.redactedURL)))
        default:
            let isHTML = String(decoding: answer.body.prefix(512), as: UTF8.self).lowercased().contains("<html")
            throw FetchError.response(.httpStatus(code: answer.status, reason: TerminalSafeText.excerpt(answer.reason), isHTML: isHTML))
        }
    }

    /// Names a failure from the HTTP stack in the user's terms.
    static func classify(_ error: any Error, url: URL, timeout: Double, limit: Int) -> FetchError {
        let host = url.host ?? "?"
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        switch error {
        case let error as HTTPExchange.Failure:
            switch error {
            case .tooLarge: return .response(.tooLarge(limitBytes: limit))
            case .closedEarly, .staleConnection: return .transport(.connectionClosed)
            case .timedOut: return .transport(.timedOut(seconds: timeout))
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return .transport(.hostNotFound(host: error.host))
            }
            if let first = error.connectionErrors.first {
                return classify(first.error, url: url, timeout: timeout, limit: limit)
            }
            return .transport(.cannotConnect(host: error.host, port: error.port, reason: "no address could be reached"))
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return .transport(.cannotConnect(host: host, port: port, reason: "connection refused"))
            case ENETUNREACH, EHOSTUNREACH: return .transport(.cannotConnect(host: host, port: port, reason: "network unreachable"))
            case ECONNRESET, EPIPE: return .transport(.connectionClosed)
            case ETIMEDOUT: return .transport(.timedOut(seconds: timeout))
            default: return .transport(.cannotConnect(host: host, port: port, reason: TerminalSafeText.clean(error.description)))
            }
        case let error as HTTPParserError:
            // The body stopped before its announced length: the server (or a proxy) hung up.
            if error == .invalidEOFState { return .transport(.connectionClosed) }
            return .transport(.other(reason: "the server's HTTP is malformed (\(TerminalSafeText.clean(String(describing: error))))"))
        case is NIOTooManyBytesError:
            return .response(.tooLarge(limitBytes: limit))
        case let error as ChannelError:
            if case .connectTimeout = error { return .transport(.timedOut(seconds: timeout)) }
            if case .eof = error { return .transport(.connectionClosed) }
            return .transport(.other(reason: TerminalSafeText.clean(String(describing: error))))
        case let error as NIOSSLError:
            return .transport(.tls(reason: TerminalSafeText.clean(String(describing: error))))
        case let error as BoringSSLError:
            return .transport(.tls(reason: TerminalSafeText.clean(String(describing: error))))
        case is CancellationError:
            return .transport(.timedOut(seconds: timeout))
        default:
            let text = String(describing: error)
            if text.contains("SSL") || text.contains("certificate") {
                return .transport(.tls(reason: TerminalSafeText.clean(text)))
            }
            if text.lowercased().contains("resolve") || text.contains("DNS") {
                return .transport(.hostNotFound(host: host))
            }
            return .transport(.other(reason: TerminalSafeText.clean(text)))
        }
    }
}
