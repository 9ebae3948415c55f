import TextSafety
import Foundation

/// What every M4 answer goes through before its own parser reads it: refused when empty,
/// HTML, not XML, not UTF-8, with PIs or a DTD, or past the method's `AnswerLimits`; control
/// bytes replaced. Never decides by Content-Type: the server sends XML errors as text/html.
package enum AnswerDocument {
    /// The answer's root element, or the precise reason there is none.
    package static func root(of body: Data, limits: AnswerLimits) throws(FetchError) -> XMLNode {
        let trimmedStart = body.drop(while: isLeading)
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
            root = try XMLTreeBuilder.parse(replacingControlBytes(in: document), limits: limits)
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
        return root
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
    /// the default). Scanned on the bytes: `Data.firstRange(of:)` was a fifth of a parse.
    static func withoutXMLDeclaration(_ body: Data) -> Data {
        let rest = body.withUnsafeBytes { raw -> Int? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count, isLeading(bytes[start]) { start += 1 }
            guard bytes.count - start >= xmlDeclaration.count,
                  bytes[start..<start + xmlDeclaration.count].elementsEqual(xmlDeclaration) else { return nil }
            var index = start + xmlDeclaration.count
            while index + 1 < bytes.count {
                if bytes[index] == UInt8(ascii: "?") && bytes[index + 1] == UInt8(ascii: ">") { return index + 2 }
                index += 1
            }
            return nil
        }
        guard let rest else { return body }
        return Data(body[(body.startIndex + rest)...])
    }

    private static let xmlDeclaration = Array("<?xml".utf8)

    /// White space and a UTF-8 byte order mark's bytes, which may come before the declaration.
    private static func isLeading(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF: true
        default: false
        }
    }

    /// Bytes, ASCII case folded: `String.contains` went through NSString and was a tenth of a
    /// parse (the needles are ASCII, so ASCII folding finds what Unicode folding found).
    private static func looksLikeHTML(_ body: Data) -> Bool {
        body.prefix(512).withUnsafeBytes { raw in
            let head = raw.bindMemory(to: UInt8.self)
            return contains(head, htmlDoctype) || contains(head, htmlTag)
        }
    }

    private static let htmlDoctype = Array("<!doctype html".utf8), htmlTag = Array("<html".utf8)

    /// Whether `needle` (lower case) is in `bytes`, folding ASCII upper case as it compares.
    private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where foldedASCII(bytes[start]) == needle[0] {
            var index = 1
            while index < needle.count, foldedASCII(bytes[start + index]) == needle[index] { index += 1 }
            if index == needle.count { return true }
        }
        return false
    }

    private static func foldedASCII(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// An XML answer that stops before its root element closes.
    private static func isCutOff(_ body: Data) -> Bool {
        if let page = Whitespace.endsWith(body, closePage), let status = Whitespace.endsWith(body, closeStatus) {
            return !(page || status)
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return !(text.hasSuffix("</page>") || text.hasSuffix("</status>"))
    }

    private static let closePage = Array("</page>".utf8), closeStatus = Array("</status>".utf8)

    static func preview(_ body: Data) -> String {
        let text = String(decoding: body.prefix(60), as: UTF8.self)
        let flat = TerminalSafeText.clean(text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " "))
        return body.count > 60 ? flat + "..." : flat
    }
}
