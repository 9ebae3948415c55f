import Foundation

package enum RequestMethod: String, Sendable, CaseIterable {
    case post = "POST"
    case get = "GET"
}

/// One parameter of an API call, in the order it is sent.
package struct APIParameter: Sendable, Equatable {
    package let name: String
    package let value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One signed API call (`quickstats_get`, `users_get`), before it meets the network.
package struct APIRequest: Sendable, Equatable {
    package var methodURL: URL
    package var method: RequestMethod
    /// Sent in this order, `hash` last, as the vendor's examples do.
    package var parameters: [APIParameter]

    package init(methodURL: URL, method: RequestMethod, parameters: [APIParameter]) {
        self.methodURL = methodURL
        self.method = method
        self.parameters = parameters
    }

    /// `quickstats_get` for `user`: `u`, then `hash` when hashing is on.
    package static func quickstats(methodURL: URL, method: RequestMethod, user: String, hash: String?) -> APIRequest {
        APIRequest(methodURL: methodURL, method: method,
                   parameters: [APIParameter("u", user)] + (hash.map { [APIParameter("hash", $0)] } ?? []))
    }

    /// `users_get` as `admin` for `user_id` (`all`, or one id): `u`, `user_id`, then `hash`.
    package static func usersGet(methodURL: URL, method: RequestMethod, admin: String, userID: String, hash: String?) -> APIRequest {
        APIRequest(methodURL: methodURL, method: method,
                   parameters: [APIParameter("u", admin), APIParameter("user_id", userID)] + (hash.map { [APIParameter("hash", $0)] } ?? []))
    }

    /// The value of one parameter, if sent.
    package subscript(name: String) -> String? { parameters.first { $0.name == name }?.value }

    /// application/x-www-form-urlencoded text of the parameters.
    package var formEncoded: String {
        parameters.map { "\(Self.formEscape($0.name))=\(Self.formEscape($0.value))" }.joined(separator: "&")
    }

    /// The URL actually requested: the method URL, plus the query for GET.
    package var requestURL: URL {
        guard method == .get else { return methodURL }
        return URL(string: methodURL.absoluteString + "?" + formEncoded) ?? methodURL
    }

    /// The POST body, or nil for GET.
    package var body: String? { method == .post ? formEncoded : nil }

    /// Letters, digits and `-._*` stay; every other UTF-8 byte is `%XX` (upper-case hex), as
    /// Foundation's `addingPercentEncoding` would write it. By hand: that call was a twentieth of
    /// the exporter's CPU (every request is encoded).
    static func formEscape(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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
