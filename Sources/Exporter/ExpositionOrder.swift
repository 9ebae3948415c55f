/// swift-prometheus writes families and series in dictionary order, which changes from one
/// process to the next. Scrapes are compared by people (diff, curl | head) and by tests, so
/// the text is put in a stable order: families by name, series by their label text.
enum ExpositionOrder {
    static func sorted(_ text: [UInt8]) -> [UInt8] {
        struct Family {
            var name: ArraySlice<UInt8>
            var comments: [ArraySlice<UInt8>] = []
            var samples: [ArraySlice<UInt8>] = []
        }
        var families: [Family] = []
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let name = familyName(of: line)
            // A histogram's x_bucket, x_sum and x_count belong to family x.
            let sameFamily = families.last.map { family in
                family.name == name || (line.first != UInt8(ascii: "#") && name.starts(with: family.name + [UInt8(ascii: "_")]))
            } ?? false
            if !sameFamily {
                families.append(Family(name: name))
            }
            if line.first == UInt8(ascii: "#") {
                families[families.count - 1].comments.append(line)
            } else {
                families[families.count - 1].samples.append(line)
            }
        }
        // A family can be written in two runs only if its samples were split by another's;
        // merging by name keeps one block per family.
        var merged: [ArraySlice<UInt8>: Family] = [:]
        for family in families {
            merged[family.name, default: Family(name: family.name)].comments += family.comments
            merged[family.name, default: Family(name: family.name)].samples += family.samples
        }
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        for family in merged.values.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            // HELP before TYPE, each once.
            var seen: Set<ArraySlice<UInt8>> = []
            for line in family.comments.sorted(by: { $0.lexicographicallyPrecedes($1) }) where seen.insert(line).inserted {
                output += line
                output.append(UInt8(ascii: "\n"))
            }
            for line in family.samples.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                output += line
                output.append(UInt8(ascii: "\n"))
            }
        }
        return output
    }

    /// `# HELP name …`, `# TYPE name …` or `name{labels} value`: the name.
    static func familyName(of line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var rest = line
        if rest.first == UInt8(ascii: "#") {
            // Skip "# HELP " / "# TYPE ".
            rest = rest.drop { $0 != UInt8(ascii: " ") }.dropFirst()
            rest = rest.drop { $0 != UInt8(ascii: " ") }.dropFirst()
        }
        let end = rest.firstIndex { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: " ") } ?? rest.endIndex
        return rest[rest.startIndex..<end]
    }
}
