import Foundation
import M4API

/// One server as the settings give it to the dashboard.
package struct ServerSetup: Sendable, Equatable {
    /// The profile's name (`prod`); empty for a server given by `--url` alone.
    package var name: String
    package var displayURL: String
    package var adminName: String
    /// The users to watch from the start; with `listsAllUsers`, the fallback when the server
    /// refuses `users_get`.
    package var users: [String]
    /// `users = "all"`: the list comes from the server's `users_get`.
    package var listsAllUsers: Bool
    package var timeZone: TimeZone
    package var budget: ServerBudget

    package init(name: String, displayURL: String, adminName: String, users: [String], listsAllUsers: Bool = false,
                 timeZone: TimeZone = .current, budget: ServerBudget = ServerBudget()) {
        self.name = name
        self.displayURL = displayURL
        self.adminName = adminName
        self.users = users
        self.listsAllUsers = listsAllUsers
        self.timeZone = timeZone
        self.budget = budget
    }
}

/// Where a server's user list stands.
package enum UserListStatus: Sendable, Equatable {
    /// The users listed in the config (`users = [...]`).
    case configured
    /// `users = "all"`, before the first answer.
    case waiting
    /// From `users_get`: how many listed, and how many hidden ones were left out.
    case listed(count: Int, hiddenLeftOut: Int, at: Date)
    /// The server said no (not an admin, not authorized): its words; the configured users
    /// (or the admin alone) are watched instead.
    case refused(String)
    /// No list could be had this time (server down, garbage): the last list is kept.
    case failed(String)
}

/// One watched server: who is on it, and what its `users_get` said.
package struct WatchedServer: Sendable {
    package let name: String
    package let displayURL: String
    package let adminName: String
    package let configuredUsers: [String]
    package let listsAllUsers: Bool
    /// The calendar of the server's days.
    package let calendar: Calendar
    /// Watched now, the admin (the server's totals) first when watched.
    package var users: [String]
    /// What `users_get` said about each user (balance, blocked, names).
    package var directory: [String: M4User] = [:]
    package var userList: UserListStatus
    /// The last failure that concerned the whole server (down, HTML, API off), until it answers.
    package var failure: FetchError?
    package var failingSince: Date?

    package init(_ setup: ServerSetup) {
        name = setup.name
        displayURL = setup.displayURL
        adminName = setup.adminName
        configuredUsers = setup.users
        listsAllUsers = setup.listsAllUsers
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = setup.timeZone
        self.calendar = calendar
        users = setup.users
        userList = setup.listsAllUsers ? .waiting : .configured
    }

    /// How the server is named on screen: the profile, else the URL.
    package var title: String { name.isEmpty ? displayURL : name }

    package func isBlocked(_ user: String) -> Bool { directory[user]?.blocked ?? false }

    /// The users to watch from a `users_get` list: the admin first, then the listed users in
    /// the server's order; hidden users are left out (the server's GUI hides them too), blocked
    /// ones stay (marked, and not polled).
    package func watchedUsers(from list: [M4User]) -> [String] {
        [adminName] + list.filter { !$0.hidden && $0.username != adminName }.map(\.username)
    }
}
