import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A minimal element tree: enough for answers of a few elements, with text and children kept.
package struct XMLNode: Sendable, Equatable {
    package var name: String
    package var text: String
    package var children: [XMLNode]

    /// The first element of this name, searched breadth-first (the tree is at most
    /// `AnswerLimits.depth` deep, so this never recurses far).
    package func first(named wanted: String) -> XMLNode? {
        var level = [self]
        while !level.isEmpty {
            if let found = level.first(where: { $0.name == wanted }) { return found }
            level = level.flatMap(\.children)
        }
        return nil
    }
}

/// Limits that a real answer never meets, and that keep a hostile or broken server from
/// costing time, memory or the stack. One set per method: a quickstats answer is a few hundred
/// bytes and about 20 elements; a `users_get` list has about 12 elements per user.
package struct AnswerLimits: Sendable, Equatable {
    /// Elements inside one another.
    package var depth = 16
    /// Elements in one answer.
    package var elements = 2_000
    /// Characters in one element name.
    package var nameLength = 100
    /// Bytes in one value.
    package var valueBytes = 4_096

    package static let quickstats = AnswerLimits()
    /// Room for 20,000 users: far past any real server's list.
    package static let userList = AnswerLimits(elements: 400_000)
}

enum XMLTreeError: Error {
    case parse(code: Int, line: Int, message: String)
    /// The answer went past one of `AnswerLimits`.
    case limit(String)
}

/// Builds an `XMLNode` tree with Foundation's XMLParser (libxml2).
enum XMLTreeBuilder {
    static func parse(_ data: Data, limits: AnswerLimits) throws(XMLTreeError) -> XMLNode {
        let delegate = Delegate(limits: limits)
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let ok = parser.parse()
        if let exceeded = delegate.exceeded { throw .limit(exceeded) }
        // libxml2 can report success and still leave an error behind (premature end, for one).
        guard ok, parser.parserError == nil, let root = delegate.root, delegate.stack.isEmpty else {
            let error = parser.parserError as NSError?
            throw .parse(code: error?.code ?? -1, line: parser.lineNumber,
                         message: error?.localizedDescription ?? "document ended early")
        }
        return root
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var stack: [XMLNode] = []
        var root: XMLNode?
        var elements = 0
        /// Set when a limit was passed; parsing stops there.
        var exceeded: String?
        let limits: AnswerLimits

        init(limits: AnswerLimits) {
            self.limits = limits
        }

        private func stop(_ parser: XMLParser, _ reason: String) {
            exceeded = reason
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            guard exceeded == nil else { return }
            elements += 1
            if stack.count >= limits.depth { return stop(parser, "elements nested more than \(limits.depth) deep") }
            if elements > limits.elements { return stop(parser, "more than \(limits.elements) elements") }
            if elementName.count > limits.nameLength {
                return stop(parser, "an element name longer than \(limits.nameLength) characters")
            }
            // Indentation before a first child is layout, not the parent's value.
            if let parent = stack.indices.last, stack[parent].text.allSatisfy(\.isWhitespace) { stack[parent].text = "" }
            stack.append(XMLNode(name: elementName, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            append(string, parser)
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            append(String(decoding: CDATABlock, as: UTF8.self), parser)
        }

        private func append(_ text: String, _ parser: XMLParser) {
            guard exceeded == nil, !stack.isEmpty else { return }
            // Whitespace between child elements is layout: an indented list of 20,000 users
            // would otherwise pile it up as the list's own text, past the value limit.
            if !stack[stack.count - 1].children.isEmpty && text.allSatisfy(\.isWhitespace) { return }
            stack[stack.count - 1].text += text
            if stack[stack.count - 1].text.utf8.count > limits.valueBytes {
                stop(parser, "a value longer than \(limits.valueBytes / 1024) KiB")
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?) {
            guard exceeded == nil, let done = stack.popLast() else { return }
            if stack.isEmpty {
                root = done
            } else {
                stack[stack.count - 1].children.append(done)
            }
        }
    }
}
