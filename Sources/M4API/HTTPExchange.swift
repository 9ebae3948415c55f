import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request and its answer, on SwiftNIO's own HTTP codec and NIOSSL (the libraries
/// async-http-client is built on). Connections are kept alive between requests to the same
/// server (a fleet asks one server several times a second: setting up and tearing down a
/// connection each time was a third of m4top's CPU); an idle connection is dropped after a few
/// seconds, and a request on a kept connection that the server closed meanwhile is sent once
/// more on a new one.
///
/// Why not async-http-client: its request state machine treats a status below 200 as an
/// informational answer that has no body, and a status line below 100 (`HTTP/1.1 000 Zero`)
/// that does carry a body then ends the process in a `preconditionFailure`
/// (`HTTPRequestStateMachine.receivedHTTPResponseBodyPart`); no configuration avoids it, and no
/// answer from a server may end m4top. This exchange takes any status as an answer. It also
/// never follows redirects and stops reading past the size limit.
struct HTTPExchange: Sendable {
    struct Answer: Sendable {
        let status: Int
        let reason: String
        let location: String?
        let body: Data
        /// The server keeps the connection open for another request.
        var keepAlive = false
    }

    enum Failure: Error {
        case tooLarge
        case closedEarly
        case timedOut
        /// A kept connection was closed by the server before any answer: worth one more try.
        case staleConnection
    }

    let insecureTLS: Bool
    /// Every connection of this exchange lives on this loop (see `LoopExecutor`).
    let loop: any EventLoop
    /// Made once; a failure is kept and reported by each https request only, so that a machine
    /// without the system's CA certificates still reaches an http:// server.
    private let tlsContext: Result<NIOSSLContext, FetchError>
    private let pool: ConnectionPool

    init(insecureTLS: Bool, keepAlive: TimeAmount = ConnectionPool.defaultIdleLimit,
         loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.insecureTLS = insecureTLS
        self.loop = loop
        pool = ConnectionPool(idleLimit: keepAlive)
        var tls = TLSConfiguration.makeClientConfiguration()
        if insecureTLS { tls.certificateVerification = .none }
        tlsContext = Result { try NIOSSLContext(configuration: tls) }.mapError { error in
            .transport(.tls(reason: "\(FetchError.noTrustStore) (\(error)); install them (Debian: apt install ca-certificates)"))
        }
    }

    /// Sends the request and returns the whole answer, or fails by `timeout` (connect to last
    /// byte) with `Failure.timedOut`. The deadline is a timer on the connection's event loop: no
    /// extra task or thread per request. Cancelling closes the connection. A body larger than
    /// `maxBodyBytes` fails with `Failure.tooLarge` without being read further.
    func send(url: URL, method: HTTPMethod, headers: HTTPHeaders, body: String?, timeout: TimeAmount,
              maxBodyBytes: Int) async throws -> Answer {
        let deadline = NIODeadline.now() + timeout
        // The Host header is written unchecked (see `connect`): a host with a control character
        // or a space is no host (`QuickStatsEndpoint` refuses such a URL before it gets here).
        guard let host = url.host, QuickStatsEndpoint.isUsableHost(host) else {
            throw ChannelError.inappropriateOperationForState
        }
        let secure = url.scheme?.lowercased() == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let origin = "\(secure ? "https" : "http")://\(host):\(port)"
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: Self.target(of: url))
        head.headers = headers
        head.headers.replaceOrAdd(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
        if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count)) }
        if let kept = pool.take(origin) {
            do {
                return try await exchange(head, body: body, on: kept, origin: origin, armed: nil, deadline: deadline, limit: maxBodyBytes)
            } catch Failure.staleConnection {
                // The server closed it while it was idle: a new connection, same deadline.
            }
        }
        // A new connection's collector is armed before it connects: a TLS handshake refused
        // right after the connect must reach this request, not be lost.
        let first = loop.makePromise(of: Answer.self)
        let channel: any Channel
        do {
            channel = try await connect(host: host, port: port, secure: secure, timeout: deadline - NIODeadline.now(),
                                        collector: { AnswerCollector(promise: first, limit: maxBodyBytes) })
        } catch {
            first.fail(error)
            throw error
        }
        do {
            return try await exchange(head, body: body, on: channel, origin: origin, armed: first, deadline: deadline, limit: maxBodyBytes)
        } catch Failure.staleConnection {
            throw Failure.closedEarly
        }
    }

    private func connect(host: String, port: Int, secure: Bool, timeout: TimeAmount,
                         collector: @escaping @Sendable () -> AnswerCollector) async throws -> any Channel {
        let tlsContext = secure ? try self.tlsContext.get() : nil
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(max(timeout, .milliseconds(1)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        // SNI and name checks need a host name; an IP literal is checked as an address.
                        let name = Self.isIPAddress(host) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: name))
                    }
                    // No outbound header check: every header value is a constant or the URL's
                    // host, checked in `send` (NIO's check was 3 % of a request's CPU).
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(collector())
                }
            }
        // An address needs no resolver (a getaddrinfo round trip on another thread per poll).
        if Self.isIPAddress(host), let address = try? SocketAddress(ipAddress: host, port: port) {
            return try await bootstrap.connect(to: address).get()
        }
        return try await bootstrap.connect(host: host, port: port).get()
    }

    /// One request on `channel`; the channel goes back to the pool when the answer says it may.
    /// `armed`: a new connection's promise, given to its collector at the start; nil for a kept one.
    private func exchange(_ head: HTTPRequestHead, body: String?, on channel: any Channel, origin: String,
                          armed: EventLoopPromise<Answer>?, deadline: NIODeadline, limit: Int) async throws -> Answer {
        let promise = armed ?? channel.eventLoop.makePromise(of: Answer.self)
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        return try await withTaskCancellationHandler {
            // One trip to the event loop: arm a kept connection's collector, then write the
            // request (three writes from outside the loop were three wake-ups).
            channel.eventLoop.execute {
                if armed == nil {
                    do {
                        try channel.pipeline.syncOperations.handler(type: AnswerCollector.self).begin(promise: promise, limit: limit)
                    } catch {
                        // Closed meanwhile: its handlers are gone.
                        promise.fail(Failure.staleConnection)
                        return
                    }
                }
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil) }
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            }
            do {
                let answer = try await promise.futureResult.get()
                timer.cancel()
                if answer.keepAlive && !Task.isCancelled { pool.put(channel, origin: origin) } else { channel.close(promise: nil) }
                return answer
            } catch {
                timer.cancel()
                channel.close(promise: nil)
                throw error
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// The request target: path and query.
    static func target(of url: URL) -> String {
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        return path
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// A client's idle kept-alive connections, by origin. Few and short-lived: a server's own
/// keep-alive timeout is often 5 s, so a connection idle longer is closed here first.
final class ConnectionPool: Sendable {
    private struct Idle {
        let channel: any Channel
        let since: NIODeadline
    }

    static let maxIdlePerOrigin = 4
    static let defaultIdleLimit = TimeAmount.seconds(3)
    let idleLimit: TimeAmount

    init(idleLimit: TimeAmount = defaultIdleLimit) {
        self.idleLimit = idleLimit
    }

    private let idle = NIOLockedValueBox<[String: [Idle]]>([:])

    /// A kept connection still open and not idle too long, or nil.
    func take(_ origin: String) -> (any Channel)? {
        let now = NIODeadline.now()
        var stale: [any Channel] = []
        let found: (any Channel)? = idle.withLockedValue { pools in
            var list = pools[origin] ?? []
            defer { pools[origin] = list.isEmpty ? nil : list }
            while let last = list.popLast() {
                if last.channel.isActive && now - last.since < idleLimit { return last.channel }
                stale.append(last.channel)
            }
            return nil
        }
        stale.forEach { $0.close(promise: nil) }
        return found
    }

    func put(_ channel: any Channel, origin: String) {
        let now = NIODeadline.now()
        var dropped: [any Channel] = []
        idle.withLockedValue { pools in
            var list = (pools[origin] ?? []).filter { entry in
                let keep = entry.channel.isActive && now - entry.since < idleLimit
                if !keep { dropped.append(entry.channel) }
                return keep
            }
            if list.count < Self.maxIdlePerOrigin { list.append(Idle(channel: channel, since: now)) } else { dropped.append(channel) }
            pools[origin] = list
        }
        dropped.forEach { $0.close(promise: nil) }
    }
}

/// Collects one response at a time: head, body up to the limit, end. Fails the request's
/// promise on an error or when the connection closes first. Lives as long as its connection.
final class AnswerCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    // A channel handler lives on its channel's event loop: no locks needed.
    private var promise: EventLoopPromise<HTTPExchange.Answer>?
    private var limit = 0
    private var reused = false
    private var head: HTTPResponseHead?
    private var body = Data()
    /// What went wrong while no request was waiting (a TLS handshake refused right after the
    /// connect, a kept connection closed by the server): the next request gets it.
    private var failure: (any Error)?

    /// A new connection's collector, armed for its first request.
    init(promise: EventLoopPromise<HTTPExchange.Answer>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    /// Armed for the next request on a kept connection.
    func begin(promise: EventLoopPromise<HTTPExchange.Answer>, limit: Int) {
        if failure != nil {
            promise.fail(HTTPExchange.Failure.staleConnection)
            return
        }
        self.promise = promise
        self.limit = limit
        self.reused = true
        head = nil
        body = Data()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let promise else {
            // Bytes nobody asked for: this connection cannot be trusted with another request.
            fail(HTTPExchange.Failure.closedEarly, context)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
            if let length = responseHead.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                fail(HTTPExchange.Failure.tooLarge, context)
            }
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= limit else { return fail(HTTPExchange.Failure.tooLarge, context) }
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return fail(HTTPExchange.Failure.closedEarly, context) }
            self.promise = nil
            promise.succeed(HTTPExchange.Answer(status: Int(head.status.code), reason: head.status.reasonPhrase,
                                                location: head.headers.first(name: "Location"), body: body,
                                                keepAlive: head.isKeepAlive && (200..<300).contains(Int(head.status.code))))
            body = Data()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPExchange.Failure.closedEarly, context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(HTTPExchange.Failure.closedEarly, context)
    }

    private func fail(_ error: any Error, _ context: ChannelHandlerContext) {
        guard let promise else {
            if failure == nil { failure = error }
            context.close(promise: nil)
            return
        }
        failure = error
        self.promise = nil
        // Nothing came back on a kept connection: the server closed it while idle.
        let timedOut = (error as? HTTPExchange.Failure) == .timedOut
        promise.fail(reused && head == nil && !timedOut ? HTTPExchange.Failure.staleConnection : error)
        context.close(promise: nil)
    }
}
