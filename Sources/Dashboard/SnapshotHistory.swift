import DequeModule
import Foundation
import M4API

/// One successful answer and when it arrived.
public struct Snapshot: Sendable, Equatable {
    public let time: Date
    public let stats: QuickStats

    public init(time: Date, stats: QuickStats) {
        self.time = time
        self.stats = stats
    }
}

/// A bounded, time-ordered history of one user's snapshots: kept for `retention` seconds and
/// at most `capacity` entries, so memory stays flat over days on a wall screen.
public struct SnapshotHistory: Sendable {
    public let retention: TimeInterval
    public let capacity: Int
    public private(set) var snapshots = Deque<Snapshot>()

    public init(retention: TimeInterval = 3600, capacity: Int = 4096) {
        self.retention = retention
        self.capacity = capacity
    }

    public var latest: Snapshot? { snapshots.last }
    public var count: Int { snapshots.count }

    public mutating func append(_ snapshot: Snapshot) {
        snapshots.append(snapshot)
        let oldest = snapshot.time.addingTimeInterval(-retention)
        while let first = snapshots.first, first.time < oldest || snapshots.count > capacity {
            snapshots.removeFirst()
        }
    }

    /// Snapshots no older than `window` seconds before the latest.
    public func recent(_ window: TimeInterval) -> [Snapshot] {
        guard let latest else { return [] }
        let from = latest.time.addingTimeInterval(-window)
        var result: [Snapshot] = []
        for snapshot in snapshots.reversed() {
            if snapshot.time < from { break }
            result.append(snapshot)
        }
        return result.reversed()
    }
}
