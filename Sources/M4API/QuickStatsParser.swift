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
        let trimmedStart = body.drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF })
        guard !trimmedStart.isEmpty else { throw .response(.empty) }
        if looksLikeHTML(body) { throw .response(.htmlPage) }
        guard trimmedStart.first == UInt8(ascii: "<") else {
            throw .response(.notXML(preview: preview(body)))
        }
        // FoundationXML traps on some invalid UTF-8 (in element names): never hand it any, and
        // drop the XML declaration so that no declared encoding makes libxml2 read the valid
        // UTF-8 as something else. (M4 servers answer in UTF-8; the fuzzer found both traps.)
        guard String(validating: body, as: UTF8.self) != nil else { throw .response(.notUTF8) }
        let document = withoutXMLDeclaration(body)
        // No answer has processing instructions or a DTD, and FoundationXML traps on some (a PI
        // without data, found by the fuzzer): refuse them before libxml2 sees them.
        if hasInstructionsOrDTD(document) {
            throw .response(.malformedXML(detail: "processing instructions and DTDs are not part of an answer"))
        }
        let root: XMLNode
        do {
            root = try XMLTreeBuilder.parse(replacingControlBytes(in: document))
        } catch {
            switch error {
            case .limit(let reason):
                throw .response(.tooComplex(reason: reason))
            case .parse(let code, _, let message):
                // 5 = premature end of document: what a cut-off answer looks like.
                if code == 5 || code == 4 || isCutOff(body) { throw .response(.truncated) }
                throw .response(.malformedXML(detail: TerminalSafeText.clean(message)))
            }
        }
        if let stats = root.first(named: "quickstats") {
            return .stats(try model(from: stats))
        }
        if let error = root.first(named: "error") {
            return .apiError(APIError(text: error.text))
        }
        throw .response(.unexpectedXML(root: TerminalSafeText.clean(root.name)))
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
                  text: TerminalSafeText.clean(node.text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// XML 1.0 forbids most C0 characters, so libxml2 would reject the whole answer. Keep the
    /// answer and mark the spot instead: the byte becomes U+FFFD, which no terminal acts on.
    static func replacingControlBytes(in body: Data) -> Data {
        guard body.contains(where: isForbiddenControl) else { return body }
        var out = Data(capacity: body.count + 16)
        for byte in body {
            if isForbiddenControl(byte) { out.append(contentsOf: [0xEF, 0xBF, 0xBD]) } else { out.append(byte) }
        }
        return out
    }

    private static func isForbiddenControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F
    }

    /// `<?` or `<!D`/`<!d`/`<!E` anywhere (comments `<!--` and CDATA `<![` are fine). One pass
    /// over the bytes: this runs on every answer.
    static func hasInstructionsOrDTD(_ body: Data) -> Bool {
        body.withUnsafeBytes { raw -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count > 1 else { return false }
            for index in 0..<(bytes.count - 1) where bytes[index] == UInt8(ascii: "<") {
                let next = bytes[index + 1]
                if next == UInt8(ascii: "?") { return true }
                if next == UInt8(ascii: "!"), index + 2 < bytes.count {
                    let third = bytes[index + 2] | 0x20  // lower case
                    if third == UInt8(ascii: "d") || third == UInt8(ascii: "e") { return true }
                }
            }
            return false
        }
    }

    /// The body after its `<?xml ...?>` declaration, if it has one (it is optional: UTF-8 is
    /// the default).
    static func withoutXMLDeclaration(_ body: Data) -> Data {
        let start = body.firstIndex { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) } ?? body.endIndex
        guard body[start...].starts(with: Array("<?xml".utf8)),
              let end = body[start...].firstRange(of: Array("?>".utf8)) else { return body }
        return Data(body[end.upperBound...])
    }

    private static func looksLikeHTML(_ body: Data) -> Bool {
        let head = String(decoding: body.prefix(512), as: UTF8.self).lowercased()
        return head.contains("<!doctype html") || head.contains("<html")
    }

    /// An XML answer that stops before its root element closes.
    private static func isCutOff(_ body: Data) -> Bool {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return !(text.hasSuffix("</page>") || text.hasSuffix("</status>"))
    }

    static func preview(_ body: Data) -> String {
        let text = String(decoding: body.prefix(60), as: UTF8.self)
        let flat = TerminalSafeText.clean(text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " "))
        return body.count > 60 ? flat + "..." : flat
    }
}
