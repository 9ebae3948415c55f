import TextSafety
import Foundation

/// One user as `users_get` lists it. Only what m4top uses is kept; every text is terminal-safe.
package struct M4User: Sendable, Equatable {
    package var id: String
    package var username: String
    package var firstName: String
    package var lastName: String
    /// Nil when the server sent none or not a number.
    package var balance: Decimal?
    package var blocked: Bool
    /// Hidden users are left out of the fleet (the server's own GUI hides them too).
    package var hidden: Bool
    /// `admin`, `user`, `reseller`, `accountant`…, as the server sends it.
    package var userType: String

    package init(id: String = "", username: String, firstName: String = "", lastName: String = "", balance: Decimal? = nil,
                 blocked: Bool = false, hidden: Bool = false, userType: String = "user") {
        self.id = id
        self.username = username
        self.firstName = firstName
        self.lastName = lastName
        self.balance = balance
        self.blocked = blocked
        self.hidden = hidden
        self.userType = userType
    }

    /// `Alice Smith`, or empty.
    package var fullName: String {
        [firstName, lastName].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// What a well-formed `users_get` answer says: the users, or an API error.
package enum UserListAnswer: Sendable, Equatable {
    case users([M4User])
    case apiError(APIError)
}

/// Turns a `users_get` body into a `UserListAnswer`, or says precisely why it cannot. The list
/// comes inside `<status>` (as documented) or without it; newer servers add elements (ignored),
/// older ones lack `user_status` and `hidden` (read as not hidden).
package enum UserListParser {
    package static func parse(_ body: Data) throws(FetchError) -> UserListAnswer {
        let root = try AnswerDocument.root(of: body, limits: .userList)
        if let list = root.first(named: "users") {
            return .users(users(in: list))
        }
        if let error = root.first(named: "error") {
            return .apiError(APIError(text: error.text))
        }
        throw .response(.unexpectedXML(root: TerminalSafeText.clean(root.name), expected: "users_get"))
    }

    /// Users in document order. An entry without a username, or one whose name had control
    /// characters (replaced by U+FFFD on the way in: such a name could not be asked for), is
    /// skipped; a name listed twice is kept once (the
    /// first), because the fleet keys rows by name.
    static func users(in list: XMLNode) -> [M4User] {
        var seen: Set<String> = []
        var result: [M4User] = []
        for entry in list.children where entry.name == "user" {
            func text(_ name: String) -> String {
                (entry.children.first { $0.name == name }?.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let raw = text("username")
            guard !raw.isEmpty, !raw.unicodeScalars.contains(where: { TerminalSafeText.isUnsafe($0) || $0 == "\u{FFFD}" }),
                  raw.count <= maximumNameLength, seen.insert(raw).inserted else { continue }
            result.append(M4User(id: TerminalSafeText.clean(text("id")), username: raw,
                                 firstName: TerminalSafeText.clean(text("first_name")),
                                 lastName: TerminalSafeText.clean(text("last_name")),
                                 balance: number(text("balance")), blocked: flag(text("blocked")),
                                 hidden: flag(text("hidden")), userType: TerminalSafeText.clean(text("usertype")).lowercased()))
        }
        return result
    }

    /// Longer names are not user names (M4 limits them far below this).
    static let maximumNameLength = 200

    /// `1`, `true`, `yes` are on; anything else (empty, `0`, garbage) is off.
    static func flag(_ text: String) -> Bool {
        ["1", "true", "yes"].contains(text.lowercased())
    }

    static func number(_ text: String) -> Decimal? {
        NumberText.decimal(text)
    }
}
