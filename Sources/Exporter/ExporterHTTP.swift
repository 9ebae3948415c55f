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
        package let pollInterval: TimeInterval

        package init(version: String, servers: [String], pollInterval: TimeInterval) {
            self.version = version
            self.servers = servers
            self.pollInterval = pollInterval
        }
    }

    package static func router(series: FleetSeries, prober: Prober, about: About) -> Router<BasicRequestContext> {
        let router = Router()
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

    /// A PEM certificate chain and private key for HTTPS.
    package struct TLSFiles: Sendable, Equatable {
        package let certificate: String
        package let privateKey: String

        package init(certificate: String, privateKey: String) {
            self.certificate = certificate
            self.privateKey = privateKey
        }

        /// Loads both files now, so that a bad file is a startup error naming it.
        package func serverBuilder() throws(TLSLoadError) -> HTTPServerBuilder {
            let chain: [NIOSSLCertificateSource]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            } catch {
                throw TLSLoadError(description: "--tls-cert \(certificate): not a readable PEM certificate (\(error))")
            }
            guard !chain.isEmpty else { throw TLSLoadError(description: "--tls-cert \(certificate): no certificate in the file") }
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
            } catch {
                throw TLSLoadError(description: "--tls-key \(privateKey): not a readable PEM private key (\(error))")
            }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            do {
                return try .tls(.http1(), tlsConfiguration: configuration)
            } catch {
                throw TLSLoadError(description: "--tls-cert/--tls-key: \(error)")
            }
        }
    }

    package struct TLSLoadError: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    /// The application, not yet running; `onListening` gets the bound port (for port 0).
    package static func application(router: Router<BasicRequestContext>, address: ListenAddress, tls: TLSFiles?, logger: Logger,
                                    onListening: @escaping @Sendable (Int) async -> Void) throws(TLSLoadError) -> Application<RouterResponder<BasicRequestContext>> {
        Application(
            router: router,
            server: try tls?.serverBuilder() ?? .http1(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "m4top-exporter"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? address.port) },
            logger: logger
        )
    }

    static func landingPage(_ about: About, usersWithSeries: Int, targets: [String]) -> String {
        let example = targets.first.map(html) ?? "PROFILE"
        let servers = about.servers.map { "<li><code>\(html($0))</code></li>" }.joined()
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>m4top exporter</title></head>
        <body>
        <h1>m4top exporter</h1>
        <p>Version \(html(about.version)). Kolmisoft M4 quickstats_get, as Prometheus metrics.</p>
        <ul>
        <li><a href="/metrics">/metrics</a>: every watched user's latest numbers (\(usersWithSeries) users so far), polled every \(Int(about.pollInterval)) s or slower as each server's budget allows.</li>
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
