import TextSafety
import Foundation

/// What a well-formed answer says: numbers, or an API error.
package enum QuickStatsAnswer: Sendable, Equatable {
    case stats(QuickStats)
    case apiError(APIError)
}

/// Turns a response body into a `QuickStatsAnswer`, or says precisely why it cannot.
/// Never decides by Content-Type: the server sends XML errors as text/html.
package enum QuickStatsParser {
    package static func parse(_ body: Data) throws(FetchError) -> QuickStatsAnswer {
        let root = try AnswerDocument.root(of: body, limits: .quickstats)
        if let stats = root.first(named: "quickstats") {
            return .stats(try model(from: stats))
        }
        if let error = root.first(named: "error") {
            return .apiError(APIError(text: error.text))
        }
        throw .response(.unexpectedXML(root: TerminalSafeText.clean(root.name), expected: "quickstats"))
    }

    /// The answer's values, in document order. A name that comes twice in one place (two
    /// `<calls>` in `<today>`, or both `<month>` and `<this_month>`) is refused: which one is
    /// true cannot be told, and a reader that keeps the last would see another number than one
    /// that keeps the first.
    static func model(from quickstats: XMLNode) throws(FetchError) -> QuickStats {
        var sections: [StatSection] = []
        var fields: [StatField] = []
        var topNames: Set<String> = []
        for child in quickstats.children {
            if child.children.isEmpty {
                let leaf = field(child, name: child.name)
                guard topNames.insert(leaf.name).inserted else { throw .response(.duplicateElement(name: leaf.name)) }
                fields.append(leaf)
            } else {
                let section = StatSection(name: TerminalSafeText.clean(child.name), fields: leaves(of: child, prefix: ""))
                guard topNames.insert(section.name).inserted else { throw .response(.duplicateElement(name: section.elementName)) }
                var names: Set<String> = []
                for leaf in section.fields where !names.insert(leaf.name).inserted {
                    throw .response(.duplicateElement(name: "\(section.elementName).\(leaf.name)"))
                }
                sections.append(section)
            }
        }
        return QuickStats(sections: sections, fields: fields)
    }

    /// Leaves of a section; deeper nesting (not seen so far) is flattened as `outer.inner`.
    private static func leaves(of node: XMLNode, prefix: String) -> [StatField] {
        node.children.flatMap { child -> [StatField] in
            let name = prefix + child.name
            return child.children.isEmpty ? [field(child, name: name)] : leaves(of: child, prefix: name + ".")
        }
    }

    private static func field(_ node: XMLNode, name: String) -> StatField {
        StatField(name: TerminalSafeText.clean(name),
                  text: TerminalSafeText.clean(Whitespace.trimmed(node.text)))
    }
}
