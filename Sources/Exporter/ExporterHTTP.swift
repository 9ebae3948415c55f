import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The exporter's HTTP face: `/metrics`, `/probe`, `/-/healthy` and a landing page at `/`.
package enum ExporterHTTP {
    /// Prometheus's text exposition format.
    package static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// What the landing page says: no URLs, no secrets, only names.
    package struct About: Sendable {
        package let version: String
        package let servers: [String]
        /// Nil: probe-only, nothing polled.
        package let pollInterval: TimeInterval?

        package init(version: String, servers: [String], pollInterval: TimeInterval?) {
            self.version = version
            self.servers = servers
            self.pollInterval = pollInterval
        }
    }

    package static func router(series: FleetSeries, prober: Prober, about: About, web: WebConfig = WebConfig()) -> Router<BasicRequestContext> {
        let router = Router()
        // A request that asked to close (HTTP/1.0, see HTTP10Close) is told so in the answer.
        router.add(middleware: CloseEcho())
        // Before every route: the web config's headers, then its basic auth (a 401 carries the headers too).
        if !web.headers.isEmpty { router.add(middleware: ResponseHeaders(headers: web.headers)) }
        if !web.basicAuthUsers.isEmpty { router.add(middleware: BasicAuth(users: web.basicAuthUsers)) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: metricsContentType],
                     body: .init(byteBuffer: ByteBuffer(bytes: series.exposition())))
        }
        router.get("/probe") { request, _ in
            let query = request.uri.queryParameters
            do throws(Prober.BadRequest) {
                // As blackbox_exporter: Prometheus's scrape timeout, less a margin, is the deadline.
                let header = request.headers.first { $0.name.canonicalName == "x-prometheus-scrape-timeout-seconds" }?.value
                let deadline = Prober.deadline(scrapeTimeoutHeader: header)
                let outcome = try await prober.probe(target: query["target"].map(String.init), user: query["user"].map(String.init),
                                                     deadline: deadline)
                return Response(status: .ok, headers: [.contentType: metricsContentType],
                                body: .init(byteBuffer: ByteBuffer(bytes: Prober.exposition(outcome))))
            } catch {
                return plain(.badRequest, error.message + "\n")
            }
        }
        router.get("/-/healthy") { _, _ in plain(.ok, "OK\n") }
        // HEAD answers as GET would, without the body (load balancers and curl -I ask it).
        router.head("/metrics") { _, _ in Response(status: .ok, headers: [.contentType: metricsContentType]) }
        router.head("/-/healthy") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"]) }
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: landingPage(about, usersWithSeries: series.userCount, targets: await prober.targetNames))))
        }
        return router
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The application, not yet running; `onListening` gets the bound port (for port 0).
    package static func application(router: Router<BasicRequestContext>, address: ListenAddress, tls: ServerTLS?, logger: Logger,
                                    limits: ConnectionLimits = ConnectionLimits(),
                                    onListening: @escaping @Sendable (Int) async -> Void) throws(ServerTLS.LoadError) -> Application<RouterResponder<BasicRequestContext>> {
        let http1 = HTTP1Channel.Configuration(idleTimeout: .milliseconds(Int64(limits.idleSeconds * 1000)))
        return Application(
            router: router,
            server: try tls?.serverBuilder(http: http1, headSeconds: limits.headSeconds) ?? HTTPServerBuilder { responder in
                FirstRequestGuard(base: HTTP1Channel(responder: responder, configuration: http1), headSeconds: limits.headSeconds)
            },
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "m4top-exporter",
                                 availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections, logger: logger)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? address.port) },
            logger: logger
        )
    }

    /// What clients may hold. Idle sockets once took every descriptor: `/metrics` timed out and
    /// the polls failed with "Too many open files". A connection quiet for `idleSeconds` is
    /// closed (a scrape reopens it), and at most `maximumConnections` are open at once, half of
    /// the process's descriptor limit, so the polls always have descriptors of their own; the
    /// rest wait in the listen queue.
    package struct ConnectionLimits: Sendable, Equatable {
        package var idleSeconds: Double
        package var maximumConnections: Int
        /// From accept to the end of the first request's head (slowloris), at most 10 s.
        package var headSeconds: Int64 { Int64(max(1, min(10, idleSeconds.rounded(.up)))) }

        package static let defaultIdleSeconds: Double = 30

        package init(idleSeconds: Double = defaultIdleSeconds, descriptorLimit: Int = Self.descriptorLimit) {
            self.idleSeconds = idleSeconds
            self.maximumConnections = max(8, min(1_024, descriptorLimit / 2))
        }

        /// The soft RLIMIT_NOFILE.
        package static var descriptorLimit: Int {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }  // unlimited clamps to Int.max
            return Int(clamping: limit.rlim_cur)
        }
    }

    static func landingPage(_ about: About, usersWithSeries: Int, targets: [String]) -> String {
        let example = targets.first.map(html) ?? "PROFILE"
        let servers = about.servers.map { "<li><code>\(html($0))</code></li>" }.joined()
        let metrics = about.pollInterval.map {
            "every watched user's latest numbers (\(usersWithSeries) users so far), polled every \(Int($0)) s or slower as each server's budget allows."
        } ?? "the exporter's build info only: this exporter is probe-only, and asks a server only for what a /probe names."
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>m4top exporter</title></head>
        <body>
        <h1>m4top exporter</h1>
        <p>Version \(html(about.version)). Kolmisoft M4 quickstats_get, as Prometheus metrics.</p>
        <ul>
        <li><a href="/metrics">/metrics</a>: \(metrics)</li>
        <li><a href="/probe?target=\(example)">/probe?target=\(example)&amp;user=USER</a>: one user, blackbox style; target is a profile name, never a URL.</li>
        <li><a href="/-/healthy">/-/healthy</a></li>
        </ul>
        <p>Watched servers:</p><ul>\(servers)</ul>
        </body></html>

        """
    }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// Fixed response headers from the web config (`http_server_config.headers`).
struct ResponseHeaders<Context: RequestContext>: RouterMiddleware {
    let headers: [(name: String, value: String)]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in headers {
            if let field = HTTPFields.Element.Name(name) { response.headers[field] = value }
        }
        return response
    }
}

/// `Connection: close` in the answer when the request had it: the client knows the connection
/// ends with this answer.
struct CloseEcho<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.headers[.connection]?.lowercased() == "close" { response.headers[.connection] = "close" }
        return response
    }
}
