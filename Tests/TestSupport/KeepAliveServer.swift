import Foundation
import Synchronization

/// A loopback HTTP/1.1 server that keeps connections alive and counts them, for the client's
/// connection reuse: it answers `answersPerConnection` requests on a connection, then closes
/// the connection on the next request without answering (what a server whose keep-alive timer
/// fires as a request arrives does). `closeAfterAnswer` closes right after each answer while
/// still promising keep-alive. One thread per connection, never the Swift concurrency pool.
package final class KeepAliveServer: Sendable {
    package let port: Int
    private let listener: Int32
    private let stopped = Mutex(false)
    private let counts = Mutex((connections: 0, requests: 0))
    private let body: Data
    private let answersPerConnection: Int
    private let closeAfterAnswer: Bool
    private let connectionHeader: String

    package init(body: Data, answersPerConnection: Int = .max, closeAfterAnswer: Bool = false, connectionHeader: String = "keep-alive") throws {
        self.body = body
        self.answersPerConnection = answersPerConnection
        self.closeAfterAnswer = closeAfterAnswer
        self.connectionHeader = connectionHeader
        (listener, port) = try RawHTTPServer.listenOnLoopback()
        Thread { [self] in acceptLoop() }.start()
    }

    package var baseURL: String { "http://127.0.0.1:\(port)/billing" }
    package var connections: Int { counts.withLock { $0.connections } }
    package var requests: Int { counts.withLock { $0.requests } }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            counts.withLock { $0.connections += 1 }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var pending = Data()
        var answered = 0
        while true {
            guard let request = readRequest(client, &pending) else { return }
            _ = request
            if answered == answersPerConnection { return }  // closes without answering
            counts.withLock { $0.requests += 1 }
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: \(body.count)\r\nConnection: \(connectionHeader)\r\n\r\n"
            guard writeAll(client, Data(head.utf8) + body) else { return }
            answered += 1
            if closeAfterAnswer || connectionHeader == "close" { return }
        }
    }

    /// One request (head and Content-Length body), or nil when the client closed.
    private func readRequest(_ client: Int32, _ pending: inout Data) -> Data? {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            if let end = pending.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if pending.count - end.upperBound >= length {
                    let request = pending[..<(end.upperBound + length)]
                    pending = Data(pending[(end.upperBound + length)...])
                    return Data(request)
                }
            }
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { return nil }
            pending.append(contentsOf: buffer[0..<count])
        }
    }

    private func writeAll(_ client: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(client, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }

    package func stop() {
        let wasStopped = stopped.withLock { state in
            defer { state = true }
            return state
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }
}
