import Foundation

/// swift-prometheus writes families and series in dictionary order, which changes from one
/// process to the next. Scrapes are compared by people (diff, curl | head) and by tests, so
/// the text is put in a stable order: families by name, HELP then TYPE, series by their text.
/// Byte ranges and memcmp throughout: 1,000 users are ~25,000 lines on every scrape.
enum ExpositionOrder {
    static func sorted(_ text: [UInt8]) -> [UInt8] {
        text.withUnsafeBufferPointer { bytes -> [UInt8] in
            // Lines as ranges of the text.
            var lines: [Range<Int>] = []
            lines.reserveCapacity(bytes.count / 40)
            var start = 0
            for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
                if index > start { lines.append(start..<index) }
                start = index + 1
            }
            if start < bytes.count { lines.append(start..<bytes.count) }

            func less(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
                let order = memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, min(a.count, b.count))
                return order != 0 ? order < 0 : a.count < b.count
            }
            func equal(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
                a.count == b.count && memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, a.count) == 0
            }
            // A family's name, and its lines (comments first, then samples).
            var families: [(name: Range<Int>, comments: [Range<Int>], samples: [Range<Int>])] = []
            // Each family's index by its name, and the family of the line before (most lines
            // follow one of their own family): 10,000 users' 200,000 lines were a linear search each.
            var byName: [ArraySlice<UInt8>: Int] = [:]
            var current: Int?
            for line in lines {
                let isComment = bytes[line.lowerBound] == UInt8(ascii: "#")
                let name = familyName(of: line, in: bytes)
                // A histogram's x_bucket, x_sum and x_count belong to family x; a family split in
                // two runs is joined again.
                // The family of that name (several registries each write theirs: one family);
                // else a sample of the family just written whose name extends it.
                let target: Int
                if let current, equal(families[current].name, name) {
                    target = current
                } else if let exact = byName[ArraySlice(UnsafeBufferPointer(rebasing: bytes[name]))] {
                    target = exact
                } else if !isComment, let last = families.indices.last, name.count > families[last].name.count,
                          bytes[name.lowerBound + families[last].name.count] == UInt8(ascii: "_"),
                          equal(families[last].name, name.lowerBound..<(name.lowerBound + families[last].name.count)) {
                    target = last
                } else {
                    families.append((name, [], []))
                    target = families.count - 1
                    byName[ArraySlice(UnsafeBufferPointer(rebasing: bytes[name]))] = target
                }
                current = target
                if isComment { families[target].comments.append(line) } else { families[target].samples.append(line) }
            }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            func write(_ line: Range<Int>) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[line]))
                output.append(UInt8(ascii: "\n"))
            }
            for family in families.sorted(by: { less($0.name, $1.name) }) {
                var previous: Range<Int>?
                for line in family.comments.sorted(by: less) where previous.map({ !equal($0, line) }) ?? true {
                    write(line)
                    previous = line
                }
                for line in family.samples.sorted(by: less) { write(line) }
            }
            return output
        }
    }

    /// `# HELP name …`, `# TYPE name …` or `name{labels} value`: the name's byte range.
    static func familyName(of line: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var start = line.lowerBound
        if bytes[start] == UInt8(ascii: "#") {
            // Past "# HELP " or "# TYPE ".
            var spaces = 0
            while start < line.upperBound && spaces < 2 {
                if bytes[start] == UInt8(ascii: " ") { spaces += 1 }
                start += 1
            }
        }
        var end = start
        while end < line.upperBound && bytes[end] != UInt8(ascii: "{") && bytes[end] != UInt8(ascii: " ") { end += 1 }
        return start..<end
    }
}
