import Crypto
import Foundation
import Hummingbird
import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

/// HTTP basic auth against the web config's bcrypt hashes (exporter-toolkit's
/// `basic_auth_users`). Every path is behind it. bcrypt is slow on purpose (tens of ms at cost
/// 10), so it runs on NIO's thread pool, never on a Swift-concurrency thread, and a pair that
/// passed once is remembered (by a SHA-256 of user, password and hash) so that a 15 s scrape
/// does not pay it each time. An unknown user still costs one bcrypt: the time does not tell
/// which names exist.
package struct BasicAuth<Context: RequestContext>: RouterMiddleware {
    let users: [String: String]
    let passed = NIOLockedValueBox(Set<SHA256.Digest>())

    /// At most this many passing pairs are remembered (a handful of Prometheus servers).
    static var rememberedLimit: Int { 64 }

    /// A hash any password fails against, for unknown users.
    static var decoy: String { "$2y$10$8.8oR4lXIiId13Nq8vVuUefffNwvTm7/2DxIYE0Pi.lbRGVtCO9d6" }

    package init(users: [String: String]) {
        self.users = users
    }

    package func handle(_ request: Request, context: Context,
                        next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (user, password) = Self.credentials(request.headers[.authorization]),
              await verify(user: user, password: password) else {
            return Response(status: .unauthorized,
                            headers: [.wwwAuthenticate: "Basic realm=\"m4top exporter\", charset=\"UTF-8\"",
                                      .contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
        }
        return try await next(request, context)
    }

    func verify(user: String, password: String) async -> Bool {
        let hash = users[user]
        let key = SHA256.hash(data: Data("\(user)\u{0}\(password)\u{0}\(hash ?? "")".utf8))
        if hash != nil && passed.withLockedValue({ $0.contains(key) }) { return true }
        let matches = (try? await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: Self.openBSDForm(hash ?? Self.decoy))
        }) ?? false
        guard matches, hash != nil else { return false }
        passed.withLockedValue { remembered in
            if remembered.count >= Self.rememberedLimit { remembered.removeAll() }
            remembered.insert(key)
        }
        return true
    }

    /// `Basic base64(user:password)` -> the pair, or nil when malformed.
    static func credentials(_ header: String?) -> (String, String)? {
        guard let header, header.count <= 4096 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// htpasswd writes `$2y$`, Python's bcrypt `$2b$`: the same algorithm; the OpenBSD code
    /// reads `$2a$` and `$2b$` only.
    static func openBSDForm(_ hash: String) -> String {
        hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash
    }
}

package enum BasicAuthHash {
    /// `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 04 to 31, 53 characters of salt and hash.
    package static func isBcrypt(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, hash.hasPrefix("$2"), [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: bytes[4...5], as: UTF8.self)), (4...31).contains(cost) else { return false }
        let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return bytes[7...].allSatisfy(alphabet.contains)
    }
}
