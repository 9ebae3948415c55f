import Foundation

/// The server-side settings of an M4 that matter to `quickstats_get`, each a flag of `simulate`.
public struct SimulatorSettings: Sendable, Equatable {
    /// MAINTENANCE > Settings > API: "Allow API globally".
    public var apiEnabled = true
    /// "Allow GET API".
    public var getEnabled = false
    /// Off = "Disable hash checking" is ticked.
    public var hashChecking = true
    /// The system-wide API_Secret_Key.
    public var secret = "secret"
    /// "Show Active Calls for Users".
    public var showActiveCallsToUsers = true
    /// The System Admin's username: not hashed, sees the whole system.
    public var adminName = "admin"
    /// Simple users that exist.
    public var users = ["alice", "bob", "carol"]
    /// Users (admin included) that get "Access Denied".
    public var deniedUsers: Set<String> = []
    /// Which of the three wrappers errors come in.
    public var errorWrapper = ErrorWrapper.status

    public init() {}

    public enum ErrorWrapper: String, Sendable, CaseIterable {
        /// `<status><error>X</error></status>`: what the seed page shows.
        case status
        /// `<page><status><error>X</error></status></page>`
        case pageStatus = "page-status"
        /// `<page><error>X</error></page>`
        case page
    }
}
