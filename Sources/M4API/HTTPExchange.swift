import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request and its answer over a fresh connection, on SwiftNIO's own HTTP codec and
/// NIOSSL (the libraries async-http-client is built on).
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
    }

    enum Failure: Error {
        case tooLarge
        case closedEarly
        case timedOut
    }

    let insecureTLS: Bool
    private let tlsContext: NIOSSLContext?

    init(insecureTLS: Bool) throws {
        self.insecureTLS = insecureTLS
        var tls = TLSConfiguration.makeClientConfiguration()
        if insecureTLS { tls.certificateVerification = .none }
        tlsContext = try NIOSSLContext(configuration: tls)
    }

    /// Sends the request and returns the whole answer, or fails by `timeout` (connect to last
    /// byte) with `Failure.timedOut`. The deadline is a timer on the connection's event loop: no
    /// extra task or thread per request. Cancelling closes the connection. A body larger than
    /// `maxBodyBytes` fails with `Failure.tooLarge` without being read further.
    func send(url: URL, method: HTTPMethod, headers: HTTPHeaders, body: String?, timeout: TimeAmount,
              maxBodyBytes: Int) async throws -> Answer {
        let deadline = NIODeadline.now() + timeout
        guard let host = url.host else { throw ChannelError.inappropriateOperationForState }
        let secure = url.scheme?.lowercased() == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Answer.self)
        let limit = maxBodyBytes
        let tlsContext = secure ? self.tlsContext : nil
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        // SNI and name checks need a host name; an IP literal is checked as an address.
                        let name = Self.isIPAddress(host) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(AnswerCollector(promise: promise, limit: limit))
                }
            }
        // An address needs no resolver (a getaddrinfo round trip on another thread per poll).
        let channel: any Channel
        if Self.isIPAddress(host), let address = try? SocketAddress(ipAddress: host, port: port) {
            channel = try await bootstrap.connect(to: address).get()
        } else {
            channel = try await bootstrap.connect(host: host, port: port).get()
        }
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        return try await withTaskCancellationHandler {
            var path = url.path.isEmpty ? "/" : url.path
            if let query = url.query { path += "?" + query }
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
            head.headers = headers
            head.headers.replaceOrAdd(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
            head.headers.replaceOrAdd(name: "Connection", value: "close")
            if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count)) }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            defer {
                timer.cancel()
                channel.close(promise: nil)
            }
            return try await promise.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// Collects one response: head, body up to the limit, end. Fails the promise on an error or
/// when the connection closes first.
private final class AnswerCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPExchange.Answer>
    private let limit: Int
    // A channel handler lives on its channel's event loop: no locks needed.
    private var head: HTTPResponseHead?
    private var body = Data()
    private var done = false

    init(promise: EventLoopPromise<HTTPExchange.Answer>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
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
            done = true
            promise.succeed(HTTPExchange.Answer(status: Int(head.status.code), reason: head.status.reasonPhrase,
                                                location: head.headers.first(name: "Location"), body: body))
            context.close(promise: nil)
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
        guard !done else { return }
        done = true
        promise.fail(error)
        context.close(promise: nil)
    }
}
