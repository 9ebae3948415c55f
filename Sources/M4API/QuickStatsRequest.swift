import Foundation

package enum RequestMethod: String, Sendable, CaseIterable {
    case post = "POST"
    case get = "GET"
}

/// One signed `quickstats_get` call, before it meets the network.
package struct QuickStatsRequest: Sendable, Equatable {
    package var methodURL: URL
    package var method: RequestMethod
    package var user: String
    package var hash: String?

    package init(methodURL: URL, method: RequestMethod, user: String, hash: String?) {
        self.methodURL = methodURL
        self.method = method
        self.user = user
        self.hash = hash
    }

    /// `u` first, then `hash`, as the vendor's examples do.
    package var parameters: [(String, String)] {
        var list = [("u", user)]
        if let hash { list.append(("hash", hash)) }
        return list
    }

    /// application/x-www-form-urlencoded text of the parameters.
    package var formEncoded: String {
        parameters.map { "\(Self.formEscape($0.0))=\(Self.formEscape($0.1))" }.joined(separator: "&")
    }

    /// The URL actually requested: the method URL, plus the query for GET.
    package var requestURL: URL {
        guard method == .get else { return methodURL }
        return URL(string: methodURL.absoluteString + "?" + formEncoded) ?? methodURL
    }

    /// The POST body, or nil for GET.
    package var body: String? { method == .post ? formEncoded : nil }

    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*")

    static func formEscape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// Parses `a=b&c=d` (form body or query) the way a server does. Shared by the simulator and tests.
package enum FormDecoding {
    package static func decode(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = unescape(String(parts[0]))
            let value = parts.count > 1 ? unescape(String(parts[1])) : ""
            if result[key] == nil { result[key] = value }
        }
        return result
    }

    private static func unescape(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
