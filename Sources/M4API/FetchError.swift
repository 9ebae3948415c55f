import TextSafety
import Foundation

/// The documented `<error>` texts of `quickstats_get`.
package enum APIErrorKind: String, Sendable, CaseIterable {
    case apiDisabled = "API Requests are disabled"
    case getDisabled = "GET Requests are disabled"
    case accessDenied = "Access Denied"
    case badLogin = "Bad login"
    case incorrectHash = "Incorrect hash"
    case elasticsearchDown = "Cannot connect to Elasticsearch"
    /// `users_get` by a user who is not an admin (or a manager with the permission).
    case notAuthorized = "You are not authorized to view this page"

    /// Recognises a documented text, ignoring case and surrounding space.
    package init?(serverText: String) {
        let wanted = serverText.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else { return nil }
        self = match
    }

    /// What the operator should do about it.
    package var hint: String {
        switch self {
        case .apiDisabled: return "enable \"Allow API globally\" in MAINTENANCE > Settings > API"
        case .getDisabled: return "use POST (drop --get), or enable \"Allow GET API\" on the server"
        case .accessDenied: return "this user may not use quickstats_get (a manager needs the Quick Stats permission)"
        case .badLogin: return "the username is missing or unknown: check --user"
        case .incorrectHash: return "check the API secret (MAINTENANCE > Settings > API); the admin's name is not hashed, see --admin-name"
        case .elasticsearchDown: return "the server's statistics store is down: transient, last data kept, retrying"
        case .notAuthorized: return "only the admin (or a manager with the permission) may list users: set admin_name, or list users in the config"
        }
    }
}

/// The server answered, with an `<error>`.
package struct APIError: Sendable, Equatable {
    /// The server's text, verbatim apart from control characters.
    package let text: String
    /// Nil for a text the documentation does not list.
    package let kind: APIErrorKind?

    /// Says something about the whole server (its settings, its data store, its secret), not
    /// about the one user asked for: the scheduler backs off the server, not just the row.
    package var concernsServer: Bool {
        switch kind {
        case .apiDisabled, .getDisabled, .elasticsearchDown: return true
        case .accessDenied, .badLogin, .incorrectHash, .notAuthorized, nil: return false
        }
    }

    package init(text: String) {
        self.text = TerminalSafeText.clean(text.trimmingCharacters(in: .whitespacesAndNewlines))
        self.kind = APIErrorKind(serverText: text)
    }

    package var hint: String? { kind?.hint }
}

/// The request did not get an answer.
package enum TransportFailure: Sendable, Equatable {
    case cannotConnect(host: String, port: Int, reason: String)
    case hostNotFound(host: String)
    case timedOut(seconds: Double)
    case tls(reason: String)
    case connectionClosed
    case other(reason: String)
    /// Read back from the history store (a replay): only the message was kept.
    case recorded(message: String)
}

/// An answer came, but not one `quickstats_get` gives.
package enum ResponseFailure: Sendable, Equatable {
    case httpStatus(code: Int, reason: String, isHTML: Bool)
    case redirect(code: Int, location: String?)
    case htmlPage
    case empty
    case notXML(preview: String)
    case truncated
    case malformedXML(detail: String)
    case tooLarge(limitBytes: Int)
    /// XML, but not what `method` answers (`quickstats`, `users`).
    case unexpectedXML(root: String, expected: String)
    /// Bytes that are not UTF-8, in an answer that declares no other encoding.
    case notUTF8
    /// Past one of `AnswerLimits`: deeper, larger or longer than any real answer.
    case tooComplex(reason: String)
    /// The same element twice in one place: which one is true cannot be told.
    case duplicateElement(name: String)
    /// Read back from the history store (a replay): only the message was kept.
    case recorded(message: String)
}

/// Everything a fetch can end in besides numbers. Messages are safe to print.
package enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// How a TLS failure begins when the machine has no CA certificates to verify with.
    package static let noTrustStore = "cannot load this machine's trusted CA certificates"

    case api(APIError)
    case transport(TransportFailure)
    case response(ResponseFailure)

    package enum Kind: String, Sendable {
        case api, transport, response
    }

    /// `api`, `transport` or `response`: the `kind` in the JSON error shape.
    package var kind: Kind {
        switch self {
        case .api: return .api
        case .transport: return .transport
        case .response: return .response
        }
    }

    package var message: String {
        switch self {
        case .api(let error): return error.text
        case .transport(let failure): return failure.message
        case .response(let failure): return failure.message
        }
    }

    /// A failure as the history store kept it (its kind and message), for a replay: the same
    /// kind, so the row says `down`, `denied` or `error` as it did.
    package static func recorded(kind: String?, message: String?) -> FetchError {
        let text = TerminalSafeText.clean(message ?? "failed")
        switch Kind(rawValue: kind ?? "") {
        case .api: return .api(APIError(text: text))
        case .response: return .response(.recorded(message: text))
        case .transport, nil: return .transport(.recorded(message: text))
        }
    }

    package var hint: String? {
        switch self {
        case .api(let error): return error.hint
        case .transport(.cannotConnect): return "is the server up, and the URL's host and port right?"
        case .transport(.hostNotFound): return "check the host name in --url"
        case .transport(.timedOut): return "the server or the link is slow: raise --timeout, or check the server"
        case .transport(.tls(let reason)) where reason.hasPrefix(FetchError.noTrustStore): return nil
        case .transport(.tls): return "for a self-signed certificate use --insecure (only on a network you trust)"
        case .response(.redirect): return "use the URL the server redirects to as --url"
        case .response(.httpStatus(404, _, _)): return "check the URL: it should be the GUI base, e.g. https://host/billing"
        case .response(.htmlPage), .response(.httpStatus): return "a proxy or the web server answered instead of the M4 API: check the URL"
        default: return nil
        }
    }

    package var description: String {
        hint.map { "\(message) (\($0))" } ?? message
    }
}

extension TransportFailure {
    var message: String {
        switch self {
        case .cannotConnect(let host, let port, let reason): return "cannot connect to \(host):\(port): \(reason)"
        case .hostNotFound(let host): return "host not found: \(host) (DNS lookup failed)"
        case .timedOut(let seconds):
            let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
            return "no answer within \(shown) s (timeout)"
        case .tls(let reason): return "TLS failed: \(reason)"
        case .connectionClosed: return "the server closed the connection before answering in full"
        case .other(let reason): return "request failed: \(reason)"
        case .recorded(let message): return message
        }
    }
}

extension ResponseFailure {
    var message: String {
        switch self {
        case .httpStatus(let code, let reason, let isHTML):
            return "HTTP \(code) \(reason)" + (isHTML ? " (an HTML error page, not an API answer)" : "")
        case .redirect(let code, let location): return "HTTP \(code) redirect" + (location.map { " to \($0)" } ?? "")
        case .htmlPage: return "the server sent an HTML page, not an API answer"
        case .empty: return "the server sent an empty answer"
        case .notXML(let preview): return "the answer is not XML: \"\(preview)\""
        case .truncated: return "the answer was cut off (incomplete XML)"
        case .malformedXML(let detail): return "the answer is not well-formed XML: \(detail)"
        case .notUTF8: return "the answer is not well-formed XML: it is not UTF-8"
        case .tooLarge(let limit): return "the answer is larger than \(limit / 1024) KiB; stopped reading"
        case .tooComplex(let reason): return "the answer is larger than any real one (\(reason)); not read"
        case .duplicateElement(let name): return "the answer sends <\(name)> twice; neither value is trusted"
        case .unexpectedXML(let root, let expected): return "the answer is XML but not a \(expected) answer (root <\(root)>)"
        case .recorded(let message): return message
        }
    }
}
