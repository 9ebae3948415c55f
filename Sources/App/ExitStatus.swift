import M4API

/// The exit statuses of the contract.
package struct ExitStatus: RawRepresentable, Equatable, Sendable {
    package let rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }

    package static let success = ExitStatus(rawValue: 0)
    /// The server answered with an API error.
    package static let apiError = ExitStatus(rawValue: 1)
    /// Usage or configuration error.
    package static let usage = ExitStatus(rawValue: 2)
    /// Transport or response error.
    package static let transport = ExitStatus(rawValue: 3)

    package init(for error: FetchError) {
        if case .api = error { self = .apiError } else { self = .transport }
    }
}

/// Ends the program with a status; carried out by `Main`.
package struct ExitRequest: Error, Sendable {
    package let status: ExitStatus
    package init(_ status: ExitStatus) { self.status = status }
}
