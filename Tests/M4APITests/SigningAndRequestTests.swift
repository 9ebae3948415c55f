import Foundation
@testable import M4API
import Testing

@Suite("Hash, URL and request building")
struct SigningAndRequestTests {
    @Test("The seed page's example: admin with secret 'secret'")
    func seedExample() {
        let signer = RequestSigner()
        #expect(signer.hash(user: "admin", secret: "secret") == "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")
    }

    @Test("A simple user's name is hashed before the secret")
    func simpleUser() {
        let signer = RequestSigner()
        #expect(signer.hash(user: "alice", secret: "secret") == RequestSigner.sha1Hex("alicesecret"))
        #expect(RequestSigner.sha1Hex("alicesecret") == "be2ce0751d4a56709c4b7a4ba81acc6bf754465e")
        #expect(signer.hash(user: "alice", secret: "secret") != signer.hash(user: "admin", secret: "secret"))
    }

    @Test("SHA1 hex matches known vectors")
    func sha1Vectors() {
        #expect(RequestSigner.sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(RequestSigner.sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test("The admin name is configurable, and --no-hash sends none")
    func adminNameAndNoHash() {
        let custom = RequestSigner(adminName: "root")
        #expect(custom.hash(user: "root", secret: "secret") == "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")
        #expect(custom.hash(user: "admin", secret: "secret") == RequestSigner.sha1Hex("adminsecret"))
        #expect(RequestSigner(hashDisabled: true).hash(user: "admin", secret: "secret") == nil)
    }

    @Test("Method URL from the GUI base", arguments: [
        ("http://127.0.0.1:8080/billing", "http://127.0.0.1:8080/billing/api/quickstats_get"),
        ("https://pbx.example.com/billing/", "https://pbx.example.com/billing/api/quickstats_get"),
        ("https://pbx.example.com/billing/api/quickstats_get", "https://pbx.example.com/billing/api/quickstats_get"),
        ("http://10.0.0.5", "http://10.0.0.5/api/quickstats_get"),
        ("  https://pbx.example.com/m4/billing  ", "https://pbx.example.com/m4/billing/api/quickstats_get"),
        ("HTTP://pbx.example.com/billing", "HTTP://pbx.example.com/billing/api/quickstats_get"),
    ])
    func methodURL(base: String, expected: String) throws {
        #expect(try QuickStatsEndpoint.methodURL(fromBase: base).absoluteString == expected)
    }

    @Test("Bad base URLs are refused with a specific reason")
    func badBases() {
        #expect(throws: QuickStatsEndpoint.URLError.empty) { try QuickStatsEndpoint.methodURL(fromBase: " ") }
        #expect(throws: QuickStatsEndpoint.URLError.unsupportedScheme("ftp://host/billing")) {
            try QuickStatsEndpoint.methodURL(fromBase: "ftp://host/billing")
        }
        #expect(throws: QuickStatsEndpoint.URLError.unsupportedScheme("pbx.example.com/billing")) {
            try QuickStatsEndpoint.methodURL(fromBase: "pbx.example.com/billing")
        }
        #expect(throws: QuickStatsEndpoint.URLError.hasQuery("http://h/billing?u=admin")) {
            try QuickStatsEndpoint.methodURL(fromBase: "http://h/billing?u=admin")
        }
        // A host that decodes to a line break or a space: never a Host header.
        for base in ["http://pbx%0d%0aX-Evil:1/billing", "http://pbx%20example.com/billing", "https://pbx%7f/billing"] {
            #expect(throws: QuickStatsEndpoint.URLError.badHost(base)) { try QuickStatsEndpoint.methodURL(fromBase: base) }
        }
    }

    @Test("Display base strips the method path")
    func displayBase() throws {
        let url = try QuickStatsEndpoint.methodURL(fromBase: "https://pbx.example.com/billing")
        #expect(QuickStatsEndpoint.displayBase(of: url) == "https://pbx.example.com/billing")
    }

    @Test("POST sends a form body; GET puts the same parameters in the query")
    func requestEncoding() throws {
        let url = try QuickStatsEndpoint.methodURL(fromBase: "http://h/billing")
        let post = APIRequest.quickstats(methodURL: url, method: .post, user: "a b&c=d", hash: "abc")
        #expect(post.body == "u=a%20b%26c%3Dd&hash=abc")
        #expect(post.requestURL == url)
        let get = APIRequest.quickstats(methodURL: url, method: .get, user: "admin", hash: nil)
        #expect(get.body == nil)
        #expect(get.requestURL.absoluteString == "http://h/billing/api/quickstats_get?u=admin")
        #expect(FormDecoding.decode(post.formEncoded) == ["u": "a b&c=d", "hash": "abc"])
    }

    @Test("The form encoder writes what Foundation's percent-encoding writes, for any name", arguments: [
        "admin", "a b&c=d", "o'brien+1", "ünïcødé", "名前", "tab\tnew\nline", "%41", "-._*~!$()", "emoji 🚀", "",
    ])
    func formEscapeMatchesFoundation(text: String) {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*")
        #expect(APIRequest.formEscape(text) == text.addingPercentEncoding(withAllowedCharacters: allowed))
        #expect(FormDecoding.decode("u=" + APIRequest.formEscape(text))["u"] == text)
    }
}
