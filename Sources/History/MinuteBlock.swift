import Foundation
import GRDB
import Watch

/// One user's minute older than a day: the minute's last values (exact decimal text, in the
/// store's metric order) and its lowest and highest active calls.
package struct MinuteEntry: Sendable, Equatable {
    /// Minutes since 1970.
    package var minute: Int
    /// The exact text of each value in `HistoryStore.storedOrder`; nil where absent.
    var values: [String?]
    var activeMin: String?
    var activeMax: String?

    init(minute: Int, values: [String?], activeMin: String? = nil, activeMax: String? = nil) {
        self.minute = minute
        self.values = values
        self.activeMin = activeMin
        self.activeMax = activeMax
    }

    /// The minute's last values as a snapshot's metrics.
    var metrics: [MetricID: Decimal] {
        var result: [MetricID: Decimal] = [:]
        for (index, text) in values.enumerated() where index < HistoryStore.storedOrder.count {
            if let text, let value = HistoryStore.decimal(text) { result[HistoryStore.storedOrder[index]] = value }
        }
        return result
    }

    /// Only these metrics' values, in order (see `HistoryStore.decode(_:only:)`).
    func values(only wanted: [MetricID]) -> [Decimal?] {
        wanted.map { id in
            guard let index = HistoryStore.storedOrder.firstIndex(of: id), index < values.count, let text = values[index] else { return nil }
            return HistoryStore.decimal(text)
        }
    }

    var activeRange: (low: Decimal?, high: Decimal?) {
        (activeMin.flatMap(HistoryStore.decimal), activeMax.flatMap(HistoryStore.decimal))
    }

    /// A later part of the same minute (the next prune's rows) merged in: its last values
    /// stand, the active calls' range covers both.
    mutating func merge(_ later: MinuteEntry) {
        values = later.values
        activeMin = Self.pick(activeMin, later.activeMin, <)
        activeMax = Self.pick(activeMax, later.activeMax, >)
    }

    private static func pick(_ one: String?, _ other: String?, _ better: (Decimal, Decimal) -> Bool) -> String? {
        guard let one, let first = HistoryStore.decimal(one) else { return other }
        guard let other, let second = HistoryStore.decimal(other) else { return one }
        return better(second, first) ? other : one
    }
}

/// An hour of one user's minutes in one BLOB: a row per user-hour instead of a row per
/// user-minute (a week is 168 rows, not 10,080). Each minute keeps only the values that changed
/// since the minute before it in the block, as exact text, so a quiet minute is three bytes
/// and nothing is rounded.
///
/// Layout: a version byte (1), then per minute in ascending order: its offset in the hour (one
/// byte, 0-59), a flags byte, a varint mask of the values that changed (bit i: `storedOrder[i]`),
/// each changed value (a varint of its length + 1, 0 for absent, then its UTF-8 bytes), then
/// the active calls' lowest and highest when the flags say they differ from the minute's
/// active total.
enum MinuteBlock {
    static let version: UInt8 = 1

    struct Damaged: Error {}

    private enum Flag {
        static let lowWritten: UInt8 = 1, highWritten: UInt8 = 2
    }

    /// `entries` sorted by minute, all inside `hour` (minutes / 60).
    static func encode(_ entries: [MinuteEntry], hour: Int) -> [UInt8] {
        var bytes: [UInt8] = [version]
        bytes.reserveCapacity(64 + entries.count * 8)
        var previous: [String?] = []
        let totalIndex = HistoryStore.storedOrder.firstIndex(of: .activeCallsTotal)
        for entry in entries {
            bytes.append(UInt8(entry.minute - hour * 60))
            let total = totalIndex.flatMap { $0 < entry.values.count ? entry.values[$0] : nil }
            var flags: UInt8 = 0
            if entry.activeMin != total { flags |= Flag.lowWritten }
            if entry.activeMax != total { flags |= Flag.highWritten }
            bytes.append(flags)
            func value(_ list: [String?], _ index: Int) -> String? { index < list.count ? list[index] : nil }
            // A value present before and absent now is written as absent.
            var mask: UInt64 = 0
            for index in 0..<min(max(entry.values.count, previous.count), 64) where value(entry.values, index) != value(previous, index) {
                mask |= 1 << UInt64(index)
            }
            appendVarint(mask, to: &bytes)
            for index in 0..<64 where mask & (1 << UInt64(index)) != 0 { appendText(value(entry.values, index), to: &bytes) }
            if flags & Flag.lowWritten != 0 { appendText(entry.activeMin, to: &bytes) }
            if flags & Flag.highWritten != 0 { appendText(entry.activeMax, to: &bytes) }
            previous = entry.values
        }
        return bytes
    }

    /// The block's minutes in `range`, in ascending order (only the last `last` of them when
    /// given: a read of the newest few pays for no more); a block that does not read throws
    /// `Damaged`. Every minute is read (each holds what changed since the one before), but only
    /// those kept become entries.
    static func decode(_ data: UnsafeRawBufferPointer, hour: Int, range: ClosedRange<Int> = Int.min...Int.max,
                       last: Int? = nil) throws(Damaged) -> [MinuteEntry] {
        let bytes = data.bindMemory(to: UInt8.self)
        var position = 0
        func byte() throws(Damaged) -> UInt8 {
            guard position < bytes.count else { throw Damaged() }
            defer { position += 1 }
            return bytes[position]
        }
        func varint() throws(Damaged) -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                let next = try byte()
                guard shift < 64 else { throw Damaged() }
                value |= UInt64(next & 0x7f) << shift
                if next & 0x80 == 0 { return value }
                shift += 7
            }
        }
        // A value is kept as where its bytes are (a String is made only for a minute kept: a
        // read of one minute of the hour pays for one minute's strings).
        func slice() throws(Damaged) -> Range<Int>? {
            let length = try varint()
            guard length > 0 else { return nil }
            guard length - 1 <= UInt64(bytes.count - position) else { throw Damaged() }
            let end = position + Int(length - 1)
            defer { position = end }
            return position..<end
        }
        func text(_ slice: Range<Int>?) -> String? {
            slice.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        }
        // An hour past any minute a store holds (edited by hand) would overflow the arithmetic below.
        guard try byte() == version, (-2_000_000_000...2_000_000_000).contains(hour) else { throw Damaged() }
        let count = HistoryStore.storedOrder.count
        let totalIndex = HistoryStore.storedOrder.firstIndex(of: .activeCallsTotal)
        var entries: [MinuteEntry] = []
        var values = [Range<Int>?](repeating: nil, count: count)
        var lastOffset = -1
        while position < bytes.count {
            let offset = Int(try byte())
            guard offset < 60, offset > lastOffset else { throw Damaged() }
            lastOffset = offset
            let flags = try byte()
            let mask = try varint()
            for index in 0..<64 where mask & (1 << UInt64(index)) != 0 {
                let value = try slice()
                // A value of a metric this version does not know (a later m4top's) is skipped.
                if index < count { values[index] = value }
            }
            let total = totalIndex.flatMap { values[$0] }
            let low = flags & Flag.lowWritten != 0 ? try slice() : total
            let high = flags & Flag.highWritten != 0 ? try slice() : total
            guard range.contains(hour * 60 + offset) else { continue }
            if let last, entries.count == last { entries.removeFirst() }
            entries.append(MinuteEntry(minute: hour * 60 + offset, values: values.map(text), activeMin: text(low), activeMax: text(high)))
        }
        return entries
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private static func appendText(_ text: String?, to bytes: inout [UInt8]) {
        guard let text else { return bytes.append(0) }
        appendVarint(UInt64(text.utf8.count) + 1, to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }
}

/// Floor division for minutes and hours (a time before 1970 still lands in its own hour);
/// never overflows, whatever a hand-edited store holds.
func floorDivide(_ value: Int, _ divisor: Int) -> Int {
    let quotient = value / divisor
    return value % divisor != 0 && value < 0 ? quotient - 1 : quotient
}

/// Minutes a store can hold (±190,000 years): a value past them (edited by hand) is damaged,
/// and minute arithmetic on what is inside never overflows.
let storableMinutes = -100_000_000_000...100_000_000_000

/// The `minute_block` table: reads and writes of minute entries through their hour blocks.
enum MinuteBlocks {
    /// A row's (`hour`, `data`) block as its entries (those in `range`; the last `last` of them).
    static func decode(_ row: Row, range: ClosedRange<Int> = Int.min...Int.max, last: Int? = nil) throws -> [MinuteEntry] {
        let hour: Int = try row.decode(forColumn: "hour")
        return try row.withUnsafeData(named: "data") { data in
            guard let data else { throw MinuteBlock.Damaged() }
            return try data.withUnsafeBytes { bytes throws(MinuteBlock.Damaged) in try MinuteBlock.decode(bytes, hour: hour, range: range, last: last) }
        }
    }

    /// One user's entries with minutes in `from...through`, oldest first (or newest first), at
    /// most `limit`: only the blocks of those hours are read. A damaged block is counted and
    /// skipped.
    static func entries(_ db: Database, series: Int64, from: Int, through: Int, descending: Bool = false, limit: Int = .max,
                        damaged: DamagedRows) throws -> [MinuteEntry] {
        guard from <= through, limit > 0 else { return [] }
        let statement = try db.cachedStatement(sql: descending
            ? "SELECT hour, data FROM minute_block WHERE series = ? AND hour >= ? AND hour <= ? ORDER BY hour DESC"
            : "SELECT hour, data FROM minute_block WHERE series = ? AND hour >= ? AND hour <= ? ORDER BY hour")
        let rows = try Row.fetchCursor(statement, arguments: [series, floorDivide(from, 60), floorDivide(through, 60)])
        var result: [MinuteEntry] = []
        while let row = try rows.next() {
            let wanted = limit - result.count
            guard let block = damaged.check({ try decode(row, range: from...through, last: descending ? wanted : nil) }) else { continue }
            result += descending ? block.reversed() : block
            if result.count >= limit { return Array(result.prefix(limit)) }
        }
        return result
    }

    /// Entries merged into their blocks (a minute already there: see `MinuteEntry.merge`), each
    /// block read and written once.
    static func merge(_ rows: [(series: Int64, entry: MinuteEntry)], into db: Database) throws {
        guard !rows.isEmpty else { return }
        struct Key: Hashable { let series: Int64; let hour: Int }
        var groups: [Key: [MinuteEntry]] = [:]
        for row in rows where storableMinutes.contains(row.entry.minute) {
            groups[Key(series: row.series, hour: floorDivide(row.entry.minute, 60)), default: []].append(row.entry)
        }
        let read = try db.cachedStatement(sql: "SELECT hour, data FROM minute_block WHERE series = ? AND hour = ?")
        let write = try db.cachedStatement(sql: "INSERT OR REPLACE INTO minute_block (series, hour, data) VALUES (?, ?, ?)")
        for (key, added) in groups {
            var byMinute: [Int: MinuteEntry] = [:]
            // A damaged block is replaced by what is being written (its minutes could not be read anyway).
            if let row = try Row.fetchOne(read, arguments: [key.series, key.hour]), let existing = try? decode(row) {
                for entry in existing { byMinute[entry.minute] = entry }
            }
            for entry in added {
                if byMinute[entry.minute] != nil { byMinute[entry.minute]!.merge(entry) } else { byMinute[entry.minute] = entry }
            }
            let entries = byMinute.values.sorted { $0.minute < $1.minute }
            try write.execute(arguments: [key.series, key.hour, Data(MinuteBlock.encode(entries, hour: key.hour))])
        }
    }
}
