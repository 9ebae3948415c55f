import Crypto
import Foundation

/// The `hash` parameter: SHA1 hex of the hashed parameter values followed by the API secret.
/// For `quickstats_get` the only hashed value is `u`, and it is left out for the admin.
/// (docs/m4-api.md has the rules per method.)
package struct RequestSigner: Sendable, Equatable {
    package var adminName: String
    /// The server has "Disable hash checking" on: send no hash at all.
    package var hashDisabled: Bool

    package init(adminName: String = "admin", hashDisabled: Bool = false) {
        self.adminName = adminName
        self.hashDisabled = hashDisabled
    }

    /// Lowercase hex, written straight into one string (a string per byte, joined, was most
    /// of a request's signing cost).
    package static func sha1Hex(_ text: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array(text.utf8))
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: Insecure.SHA1.byteCount * 2) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }

    package func isAdmin(_ user: String) -> Bool { user == adminName }

    /// `users_get` hashes `u` and `user_id`, the admin's name included (unlike quickstats_get):
    /// `SHA1(u + user_id + secret)`. Nil when hashing is off.
    package func usersGetHash(admin: String, userID: String, secret: String) -> String? {
        if hashDisabled { return nil }
        return Self.sha1Hex(admin + userID + secret)
    }

    /// The `quickstats_get` hash for `user`, or nil when hashing is off.
    package func hash(user: String, secret: String) -> String? {
        if hashDisabled { return nil }
        return Self.sha1Hex(isAdmin(user) ? secret : user + secret)
    }
}
