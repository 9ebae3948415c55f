import Foundation

/// The live dashboard session (to be wired in the dashboard issue).
enum LiveSession {
    static func run(settings: RunSettings, environment: [String: String], themeOptions: ConnectionOptions) async -> ExitStatus {
        Console.error("m4top: the live dashboard is not built yet; use --once")
        return .usage
    }
}
