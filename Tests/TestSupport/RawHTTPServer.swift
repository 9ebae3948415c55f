import Foundation
import Synchronization

/// A loopback server that answers every connection with the same bytes, exactly as given (a
/// status line below 100, invalid UTF-8, a redirect), then closes. For what no well-behaved
/// server library would send. Runs on its own thread, never on the Swift concurrency pool.
package final class RawHTTPServer: Sendable {
    package let port: Int
    private let listener: Int32
    private let stopped = Mutex(false)

    /// `response` is sent whole; `body(_:)` makes a 200 answer around an XML body.
    package init(response: Data) throws {
        (listener, port) = try Self.listenOnLoopback()
        let thread = Thread { [self] in serve(response) }
        thread.start()
    }

    package var baseURL: String { "http://127.0.0.1:\(port)/billing" }

    /// A listening socket on a free loopback port: the descriptor and the port.
    static func listenOnLoopback() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound, listen(fd, 16) == 0 else {
            close(fd)
            throw CocoaError(.fileWriteUnknown)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A `200 OK` answer around `body`, with its Content-Length.
    package static func ok(_ body: Data, contentType: String = "text/xml") -> Data {
        Data("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
    }

    private func serve(_ response: Data) {
        while !stopped.withLock({ $0 }) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            // Read the request (enough of it), answer, close.
            var buffer = [UInt8](repeating: 0, count: 65536)
            _ = read(client, &buffer, buffer.count)
            response.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(client, raw.baseAddress! + offset, raw.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            shutdown(client, Int32(SHUT_WR))
            close(client)
        }
    }

    /// Stops accepting; safe to call more than once (the socket is closed once: a second close
    /// could hit a descriptor the process has handed out again).
    package func stop() {
        let first = stopped.withLock { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }
}
