import Screen
import Watch

extension Severity {
    /// The colour role a firing alert is drawn in (its word, CRIT or WARN, is always beside it).
    package var role: Role { self == .critical ? .bad : .warning }
}
