import M4API

/// The exit statuses of the contract.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// The server answered with an API error.
    case apiError = 1
    /// Usage or configuration error.
    case usage = 2
    /// Transport or response error.
    case transport = 3

    public init(for error: FetchError) {
        if case .api = error { self = .apiError } else { self = .transport }
    }
}

/// Ends the program with a status; carried out by `Main`.
public struct ExitRequest: Error, Sendable {
    public let status: ExitStatus
    public init(_ status: ExitStatus) { self.status = status }
}
