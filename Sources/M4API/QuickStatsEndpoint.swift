import TextSafety
import Foundation

/// Builds the method URL from the GUI base the user gives, e.g. `https://pbx.example.com/billing`.
package enum QuickStatsEndpoint {
    package static let methodPath = "/api/quickstats_get"

    package enum URLError: Error, Equatable, CustomStringConvertible {
        case empty
        case unparsable(String)
        case unsupportedScheme(String)
        case missingHost(String)
        case hasQuery(String)
        case badPort(String)
        case badHost(String)

        package var description: String {
            switch self {
            case .empty: return "the server URL is empty"
            case .unparsable(let s): return "'\(TerminalSafeText.redactedURL(s))' is not a URL"
            case .unsupportedScheme(let s): return "'\(TerminalSafeText.redactedURL(s))' must start with http:// or https://"
            case .missingHost(let s): return "'\(TerminalSafeText.redactedURL(s))' has no host name"
            case .hasQuery(let s): return "'\(TerminalSafeText.redactedURL(s))' must not carry a query or fragment (parameters are sent by m4top)"
            case .badPort(let s): return "'\(TerminalSafeText.redactedURL(s))' has a port outside 1-65535"
            case .badHost(let s): return "'\(TerminalSafeText.redactedURL(s))' has a host name with spaces or control characters (percent-encoded)"
            }
        }
    }

    /// The full `quickstats_get` URL. A base that already ends in `/api/quickstats_get` is kept.
    package static func methodURL(fromBase base: String) throws(URLError) -> URL {
        let trimmed = base.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .empty }
        guard let components = URLComponents(string: trimmed) else { throw .unparsable(trimmed) }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .unsupportedScheme(trimmed)
        }
        guard let host = components.host, !host.isEmpty else { throw .missingHost(trimmed) }
        guard isUsableHost(host) else { throw .badHost(trimmed) }
        guard components.query == nil, components.fragment == nil else { throw .hasQuery(trimmed) }
        if let port = components.port, !(1...65535).contains(port) { throw .badPort(trimmed) }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        if !path.hasSuffix(methodPath) { path += methodPath }
        var result = components
        result.path = path
        guard let url = result.url else { throw .unparsable(trimmed) }
        return url
    }

    /// A decoded host with no space or control character: `%0d%0a` in a host decodes to a line
    /// break, which would end the Host header early.
    package static func isUsableHost(_ host: String) -> Bool {
        !host.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F }
    }

    /// Another method of the same server: `.../api/quickstats_get` becomes `.../api/users_get`.
    package static func sibling(of methodURL: URL, method name: String) -> URL {
        methodURL.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// The GUI base for display: the method URL without `/api/quickstats_get`, and without any
    /// user name or password it carries (those are never shown or logged).
    package static func displayBase(of methodURL: URL) -> String {
        var text = TerminalSafeText.redactedURL(methodURL.absoluteString)
        if text.hasSuffix(methodPath) { text.removeLast(methodPath.count) }
        return text
    }
}
