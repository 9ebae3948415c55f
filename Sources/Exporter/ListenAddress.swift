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
        if Self.isLoopbackLiteral(host) { return true }
        // A name (localhost too: /etc/hosts can say anything) is loopback only when every
        // address it resolves to is.
        let addresses = Self.resolve(host)
        return !addresses.isEmpty && addresses.allSatisfy(Self.isLoopbackLiteral)
    }

    static func isLoopbackLiteral(_ text: String) -> Bool {
        if text == "::1" { return true }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The numeric addresses a host name resolves to (getaddrinfo), empty when it does not.
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
