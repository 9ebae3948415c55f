import Foundation

/// The server-side settings of an M4 that matter to `quickstats_get`, each a flag of `simulate`.
package struct SimulatorSettings: Sendable, Equatable {
    /// MAINTENANCE > Settings > API: "Allow API globally".
    package var apiEnabled = true
    /// "Allow GET API".
    package var getEnabled = false
    /// Off = "Disable hash checking" is ticked.
    package var hashChecking = true
    /// The system-wide API_Secret_Key.
    package var secret = "secret"
    /// "Show Active Calls for Users".
    package var showActiveCallsToUsers = true
    /// The System Admin's username: not hashed, sees the whole system.
    package var adminName = "admin"
    /// Simple users that exist.
    package var users = ["alice", "bob", "carol"]
    /// Users (admin included) that get "Access Denied".
    package var deniedUsers: Set<String> = []
    /// Which of the three wrappers errors come in.
    package var errorWrapper = ErrorWrapper.status
    /// Users listed by `users_get` as blocked (they still answer quickstats_get).
    package var blockedUsers: Set<String> = []
    /// Users listed by `users_get` as hidden.
    package var hiddenUsers: Set<String> = []
    /// Off: the admin gets "You are not authorized to view this page" from `users_get`, as a
    /// manager without the permission would.
    package var usersGetAllowed = true
    /// Active calls the admin sees, fixed (all answered), instead of the traffic model's: a
    /// test or a demo makes calls fall to zero on cue.
    package var pinnedActiveCalls: Int?

    package init() {}

    /// A carrier's worth of users: `user0001`…, every 10th blocked, every 25th hidden.
    package mutating func makeFleet(count: Int) {
        let width = max(4, String(count).count)
        users = (1...max(1, count)).map { number in
            let digits = String(number)
            return "user" + String(repeating: "0", count: width - digits.count) + digits
        }
        blockedUsers = Set(users.enumerated().filter { ($0.offset + 1) % 10 == 0 }.map(\.element))
        hiddenUsers = Set(users.enumerated().filter { ($0.offset + 1) % 25 == 0 }.map(\.element))
    }

    package enum ErrorWrapper: String, Sendable, CaseIterable {
        /// `<status><error>X</error></status>`: what the seed page shows.
        case status
        /// `<page><status><error>X</error></status></page>`
        case pageStatus = "page-status"
        /// `<page><error>X</error></page>`
        case page
    }
}
