@testable import Dashboard
import Testing

/// The TOML reader every config and theme file goes through: hostile shapes are errors with a
/// line, never a crash.
@Suite("TOML documents: bounded before parsing")
struct TOMLDocumentTests {
    func reason(_ text: String) -> String? {
        do {
            _ = try TOMLDocument(path: "c.toml", text: text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("A key or header of 30,000 dotted parts is refused with its line (it crashed the check, --once and --list-themes)")
    func deepKeys() {
        let deep = Array(repeating: "a", count: 30_000).joined(separator: ".")
        #expect(reason("x = 1\n\(deep) = 1\n") == "c.toml:2:1: a key of 30000 dotted parts (at most 32)")
        #expect(reason("[\(deep)]\n") == "c.toml:1:1: a key of 30000 dotted parts (at most 32)")
        #expect(reason("[[\(deep)]]\n") == "c.toml:1:1: a key of 30000 dotted parts (at most 32)")
        let limit = Array(repeating: "a", count: TOMLDocument.maximumKeyParts).joined(separator: ".")
        #expect(reason("\(limit) = 1\n") == nil, "32 parts are allowed")
    }

    @Test("Dots that are not key parts do not count: quoted keys, values, comments, multi-line strings")
    func dotsElsewhere() {
        let dots = String(repeating: ".", count: 100)
        #expect(reason("\"\(dots)\" = 1\n") == nil)
        #expect(reason("[profiles.'\(dots)']\nurl = \"http://10.1.2.3/\(dots)\"\n") == nil)
        #expect(reason("a = 1 # \(dots)\n") == nil)
        #expect(reason("text = \"\"\"\n\(dots) = x\n\"\"\"\n") == nil)
        #expect(reason("x = 1\nlist = [\n  \"\(dots)\",\n]\n") == nil)
    }
}
