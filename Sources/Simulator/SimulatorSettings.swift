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

    package init() {}

    package enum ErrorWrapper: String, Sendable, CaseIterable {
        /// `<status><error>X</error></status>`: what the seed page shows.
        case status
        /// `<page><status><error>X</error></status></page>`
        case pageStatus = "page-status"
        /// `<page><error>X</error></page>`
        case page
    }
}
