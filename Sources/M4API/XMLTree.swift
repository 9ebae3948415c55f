import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A minimal element tree: enough for answers of a few elements, with text and children kept.
package struct XMLNode: Sendable, Equatable {
    package var name: String
    package var text: String
    package var children: [XMLNode]

    package func first(named wanted: String) -> XMLNode? {
        if name == wanted { return self }
        for child in children {
            if let found = child.first(named: wanted) { return found }
        }
        return nil
    }
}

enum XMLTreeError: Error {
    case parse(code: Int, line: Int, message: String)
}

/// Builds an `XMLNode` tree with Foundation's XMLParser (libxml2).
enum XMLTreeBuilder {
    static func parse(_ data: Data) throws(XMLTreeError) -> XMLNode {
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let ok = parser.parse()
        // libxml2 can report success and still leave an error behind (premature end, for one).
        if !ok || parser.parserError != nil || delegate.root == nil || !delegate.stack.isEmpty {
            let error = parser.parserError as NSError?
            throw .parse(code: error?.code ?? -1, line: parser.lineNumber,
                         message: error?.localizedDescription ?? "document ended early")
        }
        return delegate.root!
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var stack: [XMLNode] = []
        var root: XMLNode?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            stack.append(XMLNode(name: elementName, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?) {
            guard let done = stack.popLast() else { return }
            if stack.isEmpty {
                root = done
            } else {
                stack[stack.count - 1].children.append(done)
            }
        }
    }
}
