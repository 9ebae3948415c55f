import Foundation
import TOMLKit

/// A TOML file read into plain Sendable values, with the source text kept so that errors can
/// name the line a key is on. Config and theme files both go through it.
package struct TOMLDocument: Sendable {
    package indirect enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        case array([Value])
        case table([(String, Value)])
        case other(String)

        package static func == (lhs: Value, rhs: Value) -> Bool { String(describing: lhs) == String(describing: rhs) }

        package var typeName: String {
            switch self {
            case .string: return "a string"
            case .integer: return "an integer"
            case .float: return "a number"
            case .boolean: return "true or false"
            case .array: return "a list"
            case .table: return "a table"
            case .other(let name): return name
            }
        }

        package var tableEntries: [(String, Value)]? {
            if case .table(let entries) = self { return entries }
            return nil
        }
    }

    package struct ParseError: Error, Sendable, CustomStringConvertible {
        package let path: String
        package let line: Int
        package let column: Int
        package let reason: String
        package var description: String { "\(path):\(line):\(column): \(reason)" }
    }

    package let path: String
    package let root: [(String, Value)]
    private let lines: [Substring]

    /// Parts in one dotted key or table header (`a.b.c` is 3). m4top's deepest key has 3; a
    /// key of thousands of parts makes the parser and the walk over its tables recurse until the
    /// stack runs out, so it is refused before either runs.
    package static let maximumKeyParts = 32

    package init(path: String, text: String) throws(ParseError) {
        self.path = path
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let (line, parts) = Self.deepestKey(lines, over: Self.maximumKeyParts) {
            throw ParseError(path: path, line: line, column: 1,
                             reason: "a key of \(parts) dotted parts (at most \(Self.maximumKeyParts))")
        }
        do {
            let table = try TOMLTable(string: text)
            self.root = Self.entries(of: table)
        } catch let error as TOMLParseError {
            throw ParseError(path: path, line: error.source.begin.line, column: error.source.begin.column,
                             reason: error.description)
        } catch {
            throw ParseError(path: path, line: 0, column: 0, reason: String(describing: error))
        }
    }

    /// The 1-based line on which `key` is assigned (first match), for error messages.
    package func line(ofKey key: String) -> Int? {
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            let quoted = "\"\(key)\""
            for candidate in [key, quoted] where trimmed.hasPrefix(candidate) {
                let rest = trimmed.dropFirst(candidate.count).drop(while: { $0 == " " || $0 == "\t" })
                if rest.hasPrefix("=") { return index + 1 }
            }
        }
        return nil
    }

    /// `file:line` for a key inside the `index`-th (0-based) `[[table]]` of an array of tables
    /// (`[[alerts]]`), or of the header itself when `key` is nil.
    package func location(ofKey key: String?, inArrayOfTables table: String, index: Int) -> String {
        var seen = -1
        var inside = false
        for (number, line) in lines.enumerated() {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.hasPrefix("[") {
                inside = false
                if trimmed.hasPrefix("[[\(table)]]") {
                    seen += 1
                    if seen == index {
                        inside = true
                        if key == nil { return "\(path):\(number + 1)" }
                    }
                }
                continue
            }
            guard inside, let key else { continue }
            let rest = trimmed.hasPrefix(key) ? trimmed.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\t" }) : ""
            if rest.hasPrefix("=") { return "\(path):\(number + 1)" }
        }
        return path
    }

    /// The first line whose key or `[table]` header has more than `limit` dotted parts, and its
    /// count. Quoted parts may hold dots; lines inside multi-line strings are skipped.
    static func deepestKey(_ lines: [Substring], over limit: Int) -> (line: Int, parts: Int)? {
        var inMultiline = false
        for (index, line) in lines.enumerated() {
            let delimiters = line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1
            defer { if delimiters % 2 == 1 { inMultiline.toggle() } }
            if inMultiline { continue }
            var parts = 1
            var quote: Character?
            scan: for character in line.drop(while: { $0 == " " || $0 == "\t" || $0 == "[" }) {
                switch character {
                case "\"", "'":
                    if quote == nil { quote = character } else if quote == character { quote = nil }
                case "." where quote == nil: parts += 1
                case "=", "]", "#": if quote == nil { break scan }
                default: break
                }
            }
            if parts > limit { return (index + 1, parts) }
        }
        return nil
    }

    /// `file:line` for a key, or just the file when the line cannot be found.
    package func location(ofKey key: String) -> String {
        line(ofKey: key).map { "\(path):\($0)" } ?? path
    }

    private static func entries(of table: TOMLTable) -> [(String, Value)] {
        table.keys.compactMap { key in table[key].map { (key, value(of: $0)) } }
    }

    private static func value(of node: any TOMLValueConvertible) -> Value {
        switch node.type {
        case .string: return .string(node.string ?? "")
        case .int: return .integer(node.int ?? 0)
        case .double: return .float(node.double ?? 0)
        case .bool: return .boolean(node.bool ?? false)
        case .array: return .array(node.array.map { $0.map(value(of:)) } ?? [])
        case .table: return .table(node.table.map(entries(of:)) ?? [])
        default: return .other(String(describing: node.type))
        }
    }
}
