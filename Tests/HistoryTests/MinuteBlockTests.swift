import Foundation
@testable import History
import Testing
import Watch

@Suite("Minute blocks: an hour of a user's minutes in one BLOB")
struct MinuteBlockTests {
    static let count = HistoryStore.storedOrder.count

    /// An hour of minutes whose values move now and then, as a quiet user's do.
    static func hour(_ hour: Int, seed: UInt64) -> [MinuteEntry] {
        var random = seed
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        var values = (0..<count).map { index -> String? in index % 7 == 6 ? nil : "\(index * 13).\(index)" }
        var entries: [MinuteEntry] = []
        for offset in 0..<60 where next(5) != 0 {
            for _ in 0..<next(4) {
                let index = next(count)
                values[index] = next(6) == 0 ? nil : "\(next(100_000))" + (next(2) == 0 ? ".\(next(999_999))" : "")
            }
            let active = values[HistoryStore.activeIndex]
            let low = next(3) == 0 ? "\(next(9))" : active, high = next(3) == 0 ? "\(next(99))" : active
            entries.append(MinuteEntry(minute: hour * 60 + offset, values: values, activeMin: low, activeMax: high))
        }
        return entries
    }

    @Test("Entries come back exactly: values, absent values, the active calls' range, in minute order")
    func roundTrip() throws {
        for seed in UInt64(1)...40 {
            let hour = 498_611 + Int(seed)
            let entries = Self.hour(hour, seed: seed)
            let bytes = MinuteBlock.encode(entries, hour: hour)
            let back = try bytes.withUnsafeBytes { try MinuteBlock.decode($0, hour: hour) }
            #expect(back == entries, "seed \(seed)")
            // A read of part of the hour, or of its newest few, gives those of the whole.
            let range = (hour * 60 + Int(seed % 20))...(hour * 60 + 30 + Int(seed % 25))
            let part = try bytes.withUnsafeBytes { try MinuteBlock.decode($0, hour: hour, range: range) }
            #expect(part == entries.filter { range.contains($0.minute) })
            let newest = try bytes.withUnsafeBytes { try MinuteBlock.decode($0, hour: hour, range: range, last: 2) }
            #expect(newest == Array(entries.filter { range.contains($0.minute) }.suffix(2)))
        }
    }

    @Test("A minute that moved nothing costs three bytes; a full first minute its text")
    func size() {
        let values = (0..<Self.count).map { index -> String? in "\(index)" }
        let quiet = (0..<60).map { MinuteEntry(minute: 60 + $0, values: values, activeMin: values[HistoryStore.activeIndex], activeMax: values[HistoryStore.activeIndex]) }
        let first = MinuteBlock.encode(Array(quiet.prefix(1)), hour: 1).count
        #expect(MinuteBlock.encode(quiet, hour: 1).count == first + 59 * 3)
    }

    @Test("A damaged block throws (never a trap): cut short, wrong version, minutes out of order, lengths past the end")
    func damaged() {
        let hour = 500_000
        let bytes = MinuteBlock.encode(Self.hour(hour, seed: 7), hour: hour)
        func reads(_ data: [UInt8]) -> Bool { (try? data.withUnsafeBytes { try MinuteBlock.decode($0, hour: hour) }) != nil }
        #expect(reads(bytes))
        for cut in 1..<bytes.count where !reads(Array(bytes.prefix(cut))) { _ = cut }  // any prefix: no trap
        #expect(!reads([2] + bytes.dropFirst()), "a version this m4top does not know")
        #expect(!reads([1, 5, 0, 0, 3, 0, 0]), "minute 3 after minute 5")
        #expect(!reads([1, 0, 0, 1, 200]), "a value longer than the block")
        #expect(!reads([1, 61, 0, 0]), "an offset past the hour")
        #expect(!reads([1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), "a varint past 64 bits")
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var mangled = bytes
            mangled[Int.random(in: 0..<mangled.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            _ = reads(mangled)
        }
    }
}

extension MinuteBlockTests {
    @Test("An hour past any minute a store holds (edited by hand) is damaged, not an overflow")
    func hourOutOfRange() {
        let bytes = MinuteBlock.encode(Self.hour(1, seed: 3), hour: 1)
        for hour in [Int.max, Int.min, 9_000_000_000_000_000_000, -2_000_000_001] {
            #expect((try? bytes.withUnsafeBytes { try MinuteBlock.decode($0, hour: hour) }) == nil, "hour \(hour)")
        }
        #expect(floorDivide(Int.min, 60) == Int.min / 60 - 1 && floorDivide(-1, 60) == -1 && floorDivide(-60, 60) == -1 && floorDivide(59, 60) == 0)
    }
}
