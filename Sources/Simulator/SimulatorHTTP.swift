import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import M4API
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Serves a `SimulatedServer` over HTTP: `/billing/api/quickstats_get`, plus a small control API
/// under `/_sim/` for switching settings and faults while running.
package enum SimulatorHTTP {
    package static let basePath = "/billing"
    package static let methodPath = basePath + QuickStatsEndpoint.methodPath
    package static let usersPath = basePath + "/api/users_get"

    /// The router: the M4 method and the control endpoints.
    package static func router(for server: SimulatedServer, requestLog: @escaping @Sendable (ReplyLog) -> Void) -> Router<BasicRequestContext> {
        let router = Router()
        router.on(RouterPath(methodPath), method: .post) { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let parameters = FormDecoding.decode(String(buffer: body))
            return await reply(server: server, method: .post, parameters: parameters, requestLog: requestLog)
        }
        router.on(RouterPath(methodPath), method: .get) { request, _ in
            let parameters = FormDecoding.decode(request.uri.query ?? "")
            return await reply(server: server, method: .get, parameters: parameters, requestLog: requestLog)
        }
        router.on(RouterPath(usersPath), method: .post) { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let parameters = FormDecoding.decode(String(buffer: body))
            return await reply(server: server, method: .post, parameters: parameters, users: true, requestLog: requestLog)
        }
        router.on(RouterPath(usersPath), method: .get) { request, _ in
            let parameters = FormDecoding.decode(request.uri.query ?? "")
            return await reply(server: server, method: .get, parameters: parameters, users: true, requestLog: requestLog)
        }
        router.get("/_sim/status") { _, _ in
            try await statusJSON(server)
        }
        router.post("/_sim/fault") { request, _ in
            let query = FormDecoding.decode(request.uri.query ?? "")
            guard let name = query["name"], let fault = Fault(rawValue: name) else {
                throw HTTPError(.badRequest, message: "name must be one of: \(Fault.allCases.map(\.rawValue).joined(separator: ", "))\n")
            }
            if let ms = query["latency_ms"].flatMap(Int.init) { await server.setLatency(milliseconds: ms) }
            await server.setFault(fault, seconds: query["seconds"].flatMap(Double.init))
            return try await statusJSON(server)
        }
        router.post("/_sim/clear") { request, _ in
            let query = FormDecoding.decode(request.uri.query ?? "")
            await server.clearFaults(query["name"].flatMap(Fault.init(rawValue:)))
            return try await statusJSON(server)
        }
        router.post("/_sim/skip") { request, _ in
            let query = FormDecoding.decode(request.uri.query ?? "")
            guard let seconds = query["seconds"].flatMap(Double.init), seconds > 0, seconds <= 31 * 86400 else {
                throw HTTPError(.badRequest, message: "seconds must be a number of simulated seconds, up to a month\n")
            }
            await server.skip(seconds: seconds)
            return try await statusJSON(server)
        }
        router.post("/_sim/setting") { request, _ in
            let query = FormDecoding.decode(request.uri.query ?? "")
            guard let name = query["name"], let value = query["value"] else {
                throw HTTPError(.badRequest, message: "name and value are required\n")
            }
            try await applySetting(server, name: name, value: value)
            return try await statusJSON(server)
        }
        return router
    }

    static func applySetting(_ server: SimulatedServer, name: String, value: String) async throws {
        let flag: Bool? = ["on": true, "true": true, "1": true, "off": false, "false": false, "0": false][value.lowercased()]
        switch (name, flag) {
        case ("api", let on?): await server.update { $0.apiEnabled = on }
        case ("get", let on?): await server.update { $0.getEnabled = on }
        case ("hash", let on?): await server.update { $0.hashChecking = on }
        case ("active_calls_for_users", let on?): await server.update { $0.showActiveCallsToUsers = on }
        case ("users_get", let on?): await server.update { $0.usersGetAllowed = on }
        case ("block", _): await server.update { $0.blockedUsers.insert(value) }
        case ("active_calls", _):
            guard value == "auto" || Int(value).map({ $0 >= 0 }) == true else {
                throw HTTPError(.badRequest, message: "active_calls is a number of calls, or auto\n")
            }
            await server.update { $0.pinnedActiveCalls = Int(value) }
        case ("deny", _): await server.update { $0.deniedUsers.insert(value) }
        case ("allow", _): await server.update { $0.deniedUsers.remove(value) }
        case ("error_wrapper", _):
            guard let wrapper = SimulatorSettings.ErrorWrapper(rawValue: value) else {
                throw HTTPError(.badRequest, message: "error_wrapper is status, page-status or page\n")
            }
            await server.update { $0.errorWrapper = wrapper }
        default:
            throw HTTPError(.badRequest, message: "unknown setting or value: use api|get|hash|active_calls_for_users|users_get=on|off, deny|allow|block=USER, active_calls=N|auto, error_wrapper=status|page-status|page\n")
        }
    }

    static func statusJSON(_ server: SimulatedServer) async throws -> Response {
        let settings = await server.settings
        let faults = await server.faults
        let now = await server.snapshot().now
        let requests = await server.requests
        let object: [String: Any] = [
            "simulated_time": ISO8601DateFormatter().string(from: now),
            "api": settings.apiEnabled, "get": settings.getEnabled, "hash": settings.hashChecking,
            "active_calls_for_users": settings.showActiveCallsToUsers,
            "users": settings.users, "denied": settings.deniedUsers.sorted(),
            "error_wrapper": settings.errorWrapper.rawValue,
            "faults": faults.active().map(\.rawValue), "latency_ms": faults.latencyMilliseconds,
            "requests": ["total": requests.total, "in_flight": requests.inFlight, "max_in_flight": requests.maxInFlight,
                         "max_per_second": requests.maxPerSecond, "per_user": requests.perUser] as [String: Any],
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data + [0x0A])))
    }

    private struct DroppedOnPurpose: Error {}

    static func reply(server: SimulatedServer, method: RequestMethod, parameters: [String: String], users: Bool = false,
                      requestLog: @Sendable (ReplyLog) -> Void) async -> Response {
        await server.began(user: users ? "users_get" : parameters["u"] ?? "")
        let response = await answer(server: server, method: method, parameters: parameters, users: users, requestLog: requestLog)
        await server.ended()
        return response
    }

    static func answer(server: SimulatedServer, method: RequestMethod, parameters: [String: String], users: Bool,
                       requestLog: @Sendable (ReplyLog) -> Void) async -> Response {
        let delay = await server.latency()
        if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000)) }
        let (outcome, log) = users ? await server.answerUsers(method: method, parameters: parameters)
                                   : await server.answer(method: method, parameters: parameters)
        requestLog(log)
        switch outcome {
        case .xml(let text):
            // The real server sends errors (and often answers) as text/html: clients must not care.
            let type = text.contains("<error>") ? "text/html; charset=utf-8" : "application/xml; charset=utf-8"
            return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .truncated(let text):
            return Response(status: .ok, headers: [.contentType: "application/xml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        case .html502:
            let page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
            return Response(status: .badGateway, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: page)))
        case .notXML:
            return Response(status: .ok, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: "Internal error: please try again later\n")))
        case .drop:
            // Promise a body, send a few bytes, then fail the stream: the connection is closed.
            return Response(status: .ok, headers: [.contentType: "application/xml", .contentLength: "4096"],
                            body: ResponseBody { writer in
                                try await writer.write(ByteBuffer(string: "<?xml version=\"1.0\""))
                                throw DroppedOnPurpose()
                            })
        case .stall:
            // Hold the request until the fault is cleared (or ten minutes pass).
            let until = Date().addingTimeInterval(600)
            while await server.isStalled(), Date() < until, !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
            return await answer(server: server, method: method, parameters: parameters, users: users, requestLog: { _ in })
        }
    }
}

/// A simulator serving on a loopback port inside this process (the demo, and tests).
package final class RunningSimulator: Sendable {
    package let server: SimulatedServer
    package let host: String
    package let port: Int
    package let usesTLS: Bool
    private let task: Task<Void, any Error>
    /// Runs the server; its graceful shutdown is how `stop` ends it.
    private let group: ServiceGroup
    /// Whether the server's task has ended.
    private let ended: EndFlag

    /// GUI base URL to give m4top, e.g. `http://127.0.0.1:8080/billing`.
    package var baseURL: String { "\(usesTLS ? "https" : "http")://\(host):\(port)\(SimulatorHTTP.basePath)" }

    private init(server: SimulatedServer, host: String, port: Int, usesTLS: Bool, task: Task<Void, any Error>,
                 group: ServiceGroup, ended: EndFlag) {
        self.server = server
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
        self.task = task
        self.group = group
        self.ended = ended
    }

    /// A PEM certificate chain and private key, for serving HTTPS.
    package struct TLSFiles: Sendable {
        package let certificate: String
        package let privateKey: String
        package init(certificate: String, privateKey: String) {
            self.certificate = certificate
            self.privateKey = privateKey
        }

        func serverBuilder() throws -> HTTPServerBuilder {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            return try .tls(.http1(), tlsConfiguration: configuration)
        }
    }

    /// Starts serving; port 0 picks a free one. Returns once the socket is listening.
    package static func start(_ server: SimulatedServer, host: String = "127.0.0.1", port: Int = 0, tls: TLSFiles? = nil,
                             logger: Logger = Logger(label: "m4top.simulator", factory: { _ in SwiftLogNoOpLogHandler() }),
                             requestLog: @escaping @Sendable (ReplyLog) -> Void = { _ in }) async throws -> RunningSimulator {
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: SimulatorHTTP.router(for: server, requestLog: requestLog),
            server: try tls?.serverBuilder() ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: "m4top-simulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? port)
                portContinuation.finish()
            },
            logger: logger
        )
        // Run in a group of our own so that `stop` can shut the server down gracefully:
        // cancelling its task while a connection was being accepted trapped in NIO
        // ("Deinited NIOAsyncWriter without calling finish()", swift-nio#3481).
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let ended = EndFlag()
        let task = Task {
            defer {
                portContinuation.finish()
                ended.set()
            }
            try await group.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            // The server ended before listening: surface its error.
            _ = try await task.result.get()
            throw SimulatorStartError(host: host, port: port)
        }
        return RunningSimulator(server: server, host: host, port: bound, usesTLS: tls != nil, task: task, group: group, ended: ended)
    }

    /// Stops gracefully (no new connection; those open finish their request); a request that
    /// still runs after two seconds is cancelled.
    package func stop() async {
        await server.clearFaults()
        await group.triggerGracefulShutdown()
        for _ in 0..<100 where !ended.isSet {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        if !ended.isSet { task.cancel() }
        _ = try? await task.value
    }
}

/// A flag set once, read from anywhere.
final class EndFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

package struct SimulatorStartError: Error, CustomStringConvertible {
    package let host: String
    package let port: Int
    package var description: String { "the simulator could not listen on \(host):\(port)" }
}
