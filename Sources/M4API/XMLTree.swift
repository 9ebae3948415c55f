import CLibXML2
import Foundation

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

/// Builds an `XMLNode` tree with libxml2's own parser. (Foundation's XMLParser leaked 80-160
/// bytes on every document that is not well-formed: a server answering garbage for a week
/// grew m4top for good.) No network, no entity substitution, no DTD loading, and no error
/// printed to stderr (it would land on the dashboard's screen).
enum XMLTreeBuilder {
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
        | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)

    /// libxml2 wants this once before threads use it (polls parse on several at once).
    private static let initialized: Void = xmlInitParser()

    static func parse(_ data: Data, limits: AnswerLimits) throws(XMLTreeError) -> XMLNode {
        _ = initialized
        guard let context = xmlNewParserCtxt() else { throw .parse(code: 2, line: 0, message: "out of memory") }
        defer { xmlFreeParserCtxt(context) }
        let document = data.withUnsafeBytes { raw -> xmlDocPtr? in
            guard let base = raw.baseAddress, raw.count > 0, raw.count <= Int(Int32.max) else { return nil }
            return xmlCtxtReadMemory(context, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), nil, "UTF-8", options)
        }
        guard let document else {
            let error = xmlCtxtGetLastError(context)
            let message = error?.pointee.message.map { String(cString: $0) } ?? "document ended early"
            // libxml2 stops at 256 levels before our own limit is asked: the same refusal.
            if message.hasPrefix("Excessive depth") { throw .limit("elements nested more than \(limits.depth) deep") }
            throw .parse(code: Int(error?.pointee.code ?? 4), line: Int(error?.pointee.line ?? 0),
                         message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        defer { xmlFreeDoc(document) }
        guard let rootElement = xmlDocGetRootElement(document) else { throw .parse(code: 4, line: 0, message: "no root element") }
        var elements = 0
        return try node(rootElement, depth: 1, elements: &elements, limits: limits)
    }

    /// One element and what is inside it, within the limits (the depth bounds the recursion).
    private static func node(_ element: xmlNodePtr, depth: Int, elements: inout Int, limits: AnswerLimits) throws(XMLTreeError) -> XMLNode {
        elements += 1
        if depth > limits.depth { throw .limit("elements nested more than \(limits.depth) deep") }
        if elements > limits.elements { throw .limit("more than \(limits.elements) elements") }
        let name = element.pointee.name.map { String(cString: $0) } ?? ""
        if name.count > limits.nameLength { throw .limit("an element name longer than \(limits.nameLength) characters") }
        var children: [XMLNode] = []
        var pieces: [String] = []
        var child = element.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(try node(current, depth: depth + 1, elements: &elements, limits: limits))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { pieces.append(String(cString: content)) }
            default:
                break  // comments
            }
            child = current.pointee.next
        }
        // Whitespace between child elements is layout: an indented list of 20,000 users would
        // otherwise pile it up as the list's own text, past the value limit.
        if !children.isEmpty { pieces.removeAll(where: Whitespace.isBlank) }
        let text = pieces.joined()
        if text.utf8.count > limits.valueBytes { throw .limit("a value longer than \(limits.valueBytes / 1024) KiB") }
        return XMLNode(name: name, text: text, children: children)
    }
}
