import Foundation

public enum RequestMethod: String, Sendable, CaseIterable {
    case post = "POST"
    case get = "GET"
}

/// One signed `quickstats_get` call, before it meets the network.
public struct QuickStatsRequest: Sendable, Equatable {
    public var methodURL: URL
    public var method: RequestMethod
    public var user: String
    public var hash: String?

    public init(methodURL: URL, method: RequestMethod, user: String, hash: String?) {
        self.methodURL = methodURL
        self.method = method
        self.user = user
        self.hash = hash
    }

    /// `u` first, then `hash`, as the vendor's examples do.
    public var parameters: [(String, String)] {
        var list = [("u", user)]
        if let hash { list.append(("hash", hash)) }
        return list
    }

    /// application/x-www-form-urlencoded text of the parameters.
    public var formEncoded: String {
        parameters.map { "\(Self.formEscape($0.0))=\(Self.formEscape($0.1))" }.joined(separator: "&")
    }

    /// The URL actually requested: the method URL, plus the query for GET.
    public var requestURL: URL {
        guard method == .get else { return methodURL }
        return URL(string: methodURL.absoluteString + "?" + formEncoded) ?? methodURL
    }

    /// The POST body, or nil for GET.
    public var body: String? { method == .post ? formEncoded : nil }

    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*")

    static func formEscape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// Parses `a=b&c=d` (form body or query) the way a server does. Shared by the simulator and tests.
public enum FormDecoding {
    public static func decode(_ text: String) -> [String: String] {
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
