import Foundation

/// `--listen HOST:PORT` (`[::1]:9417` for IPv6). Loopback is the default; anything else carries
/// a carrier's revenue over a network, so it needs TLS or an explicit `--insecure-listen`.
package struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    package let host: String
    package let port: Int

    /// The exporter's port when `--listen` is not given.
    package static let defaultPort = 9417
    package static let `default` = ListenAddress(host: "127.0.0.1", port: defaultPort)

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        package let description: String
    }

    package init(parsing text: String) throws(Invalid) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Invalid(description: "--listen \(text): expected [IPV6]:PORT, e.g. [::1]:\(Self.defaultPort)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw Invalid(description: "--listen \(text): expected HOST:PORT, e.g. 127.0.0.1:\(Self.defaultPort)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else {
            throw Invalid(description: "--listen \(text): the host is missing (127.0.0.1 for this machine only, 0.0.0.0 for every address)")
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw Invalid(description: "--listen \(text): the port must be a number from 0 to 65535")
        }
        self.init(host: String(host), port: port)
    }

    /// Reachable from this machine only.
    package var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
