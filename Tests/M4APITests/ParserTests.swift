import TextSafety
import Foundation
import M4API
import Testing

@Suite("Parsing quickstats_get answers")
struct ParserTests {
    /// The seed page's sample, byte for byte as the page shows it (on one line, spaces between).
    static let seedSample = #"<?xml version="1.0" encoding="UTF-8"?> <page> <quickstats> <today> <calls>4</calls> <duration>345</duration> <revenue>1.4475</revenue> <self_cost>0.6725</self_cost> <profit>0.775</profit> <margin>54</margin> </today> <month> <calls>19</calls> <duration>2182</duration> <revenue>6.04</revenue> <self_cost>3.734166</self_cost> <profit>2.305834</profit> <margin>38</margin> </month> <active_calls> <total>0</total> <answered_calls>0</answered_calls> </active_calls> </quickstats> </page>"#

    func stats(_ xml: String) throws -> QuickStats {
        guard case .stats(let stats) = try QuickStatsParser.parse(Data(xml.utf8)) else {
            Issue.record("expected stats")
            throw CancellationError()
        }
        return stats
    }

    func failure(_ xml: String) -> FetchError? {
        do {
            _ = try QuickStatsParser.parse(Data(xml.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("The seed's sample keeps every value's exact text")
    func seedSample() throws {
        let s = try stats(Self.seedSample)
        #expect(s.sections.map(\.name) == ["today", "month", "active_calls"])
        #expect(s.today?.fields.map(\.name) == ["calls", "duration", "revenue", "self_cost", "profit", "margin"])
        #expect(s.today?.fields.map(\.text) == ["4", "345", "1.4475", "0.6725", "0.775", "54"])
        #expect(s.month?.fields.map(\.text) == ["19", "2182", "6.04", "3.734166", "2.305834", "38"])
        #expect(s.activeCalls?["total"]?.text == "0")
        #expect(s.activeCalls?["answered_calls"]?.number == 0)
        #expect(s.month?["self_cost"]?.number == Decimal(string: "3.734166"))
    }

    @Test("Whitespace between elements does not matter")
    func noWhitespace() throws {
        let compact = Self.seedSample.replacingOccurrences(of: "> <", with: "><")
        let pretty = Self.seedSample.replacingOccurrences(of: "> <", with: ">\n    <")
        #expect(try stats(compact) == stats(Self.seedSample))
        #expect(try stats(pretty) == stats(Self.seedSample))
    }

    @Test("Odd numbers are kept exactly; negatives parse as decimals")
    func oddNumbers() throws {
        let s = try stats("<page><quickstats><today><revenue>28.110331000000002</revenue><profit>-0.5</profit><margin>-12</margin><self_cost>1e-3</self_cost></today></quickstats></page>")
        #expect(s.today?["revenue"]?.text == "28.110331000000002")
        #expect(s.today?["revenue"]?.number == Decimal(string: "28.110331000000002"))
        #expect(s.today?["profit"]?.number == Decimal(string: "-0.5"))
        #expect(s.today?["margin"]?.number == -12)
        #expect(s.today?["self_cost"]?.number == Decimal(string: "0.001"))
    }

    @Test("Text that is not a number is kept as text, not read as a number")
    func notNumbers() throws {
        let s = try stats("<page><quickstats><today><calls>12abc</calls><revenue></revenue><x>N/A</x></today></quickstats></page>")
        #expect(s.today?["calls"]?.number == nil)
        #expect(s.today?["calls"]?.text == "12abc")
        #expect(s.today?["revenue"]?.text == "")
        #expect(s.today?["x"]?.text == "N/A")
    }

    @Test("The MOR variant: this_month before today, no margin")
    func morVariant() throws {
        let s = try stats("<page><quickstats><this_month><calls>7</calls><duration>60</duration></this_month><today><calls>1</calls></today></quickstats></page>")
        #expect(s.month?.name == "month")
        #expect(s.month?.elementName == "this_month", "the server's own name is kept")
        #expect(s.month?["calls"]?.text == "7")
        #expect(s.month?["margin"] == nil)
        #expect(s.sections.map(\.elementName) == ["this_month", "today"])
    }

    @Test("A simple user's answer: unknown names kept, balance found, active calls absent (not zero)")
    func simpleUser() throws {
        let s = try stats("<page><quickstats><today><calls>3</calls><duration>100</duration><price>0.3</price></today><month><calls>9</calls><price>1.2</price><fancy>x</fancy></month><balance>42.5</balance><nested><a><b>1</b></a></nested></quickstats></page>")
        #expect(s.today?["price"]?.text == "0.3")
        #expect(s.month?["fancy"]?.text == "x")
        #expect(s.field("balance")?.text == "42.5")
        #expect(s.activeCalls == nil)
        #expect(s.section("nested")?.fields.map(\.name) == ["a.b"])
    }

    @Test("Each error wrapper and each documented text becomes a typed API error with a hint",
          arguments: APIErrorKind.allCases)
    func errorWrappers(kind: APIErrorKind) throws {
        let wrappers = [
            "<status><error>\(kind.rawValue)</error></status>",
            "<?xml version=\"1.0\"?>\n<page><status><error>\(kind.rawValue)</error></status></page>",
            "<page>\n  <error>\(kind.rawValue)</error>\n</page>",
        ]
        for xml in wrappers {
            let answer = try QuickStatsParser.parse(Data(xml.utf8))
            guard case .apiError(let error) = answer else {
                Issue.record("no API error from \(xml)")
                continue
            }
            #expect(error.kind == kind)
            #expect(error.text == kind.rawValue)
            #expect(error.hint?.isEmpty == false)
        }
    }

    @Test("An undocumented error text is still an API error, verbatim")
    func unknownError() throws {
        let answer = try QuickStatsParser.parse(Data("<status><error>Something new happened</error></status>".utf8))
        #expect(answer == .apiError(APIError(text: "Something new happened")))
        if case .apiError(let error) = answer {
            #expect(error.kind == nil)
            #expect(FetchError.api(error).message == "Something new happened")
        }
    }

    @Test("An XML declaration is skipped however it is written: after white space or a byte order mark, with another encoding named")
    func declarations() throws {
        let body = String(Self.seedSample.drop { $0 != ">" }.dropFirst())
        for declaration in ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "\u{FEFF}<?xml version=\"1.0\"?>", " \r\n<?xml version='1.0' encoding='ISO-8859-1' ?>\n"] {
            #expect(try stats(declaration + body) == (try stats(Self.seedSample)), "\(declaration.debugDescription)")
        }
    }

    @Test("Bodies that are not answers get their own response errors")
    func badBodies() {
        #expect(failure("") == .response(.empty))
        #expect(failure("  \n ") == .response(.empty))
        #expect(failure("Internal error: please try again later\n") == .response(.notXML(preview: "Internal error: please try again later ")))
        #expect(failure("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>") == .response(.htmlPage))
        #expect(failure("<html><head><title>Login</title></head></html>") == .response(.htmlPage))
        // HTML in upper case, after white space, and past a byte order mark.
        #expect(failure("\n  <!doctype HTML><HTML><BODY>Gateway</BODY></HTML>") == .response(.htmlPage))
        #expect(failure("\u{FEFF}<HtMl lang=\"en\"><body>x</body></HtMl>") == .response(.htmlPage))
        // A declaration that never ends is not skipped: libxml2 names what is wrong.
        if case .response(.malformedXML) = failure("<?xml version=\"1.0\" <page></page>") {} else {
            Issue.record("an unterminated declaration should be malformed XML, got \(String(describing: failure("<?xml version=\"1.0\" <page></page>")))")
        }
        #expect(failure(String(Self.seedSample.prefix(200))) == .response(.truncated))
        #expect(failure("<?xml version=\"1.0\"?><page><quickstats><today><calls>4</calls>") == .response(.truncated))
        #expect(failure("<users><user>x</user></users>") == .response(.unexpectedXML(root: "users", expected: "quickstats")))
        if case .response(.malformedXML) = failure("<page><a>1</b></page>") {} else {
            Issue.record("mismatched tags should be malformed XML, got \(String(describing: failure("<page><a>1</b></page>")))")
        }
    }

    @Test("Control characters, escape sequences and bidi overrides never leave the parser")
    func hostileValues() throws {
        let xml = "<page><quickstats><today><calls>4\u{1B}[2J\u{07}</calls><revenue>\u{9B}31m1.5</revenue><x>abc\u{202E}def</x></today><note>\u{9D}x</note></quickstats></page>"
        let s = try stats(xml)
        let everything = s.sections.flatMap { $0.fields.flatMap { [$0.name, $0.text] } } + s.fields.flatMap { [$0.name, $0.text] }
        for text in everything {
            #expect(!text.unicodeScalars.contains(where: TerminalSafeText.isUnsafe), "unsafe scalar in \(text.debugDescription)")
        }
        #expect(s.today?["calls"]?.text == "4\u{FFFD}[2J\u{FFFD}")
        #expect(s.today?["calls"]?.number == nil)
        let error = try QuickStatsParser.parse(Data("<status><error>Bad\u{1B}]0;x\u{07} login</error></status>".utf8))
        if case .apiError(let apiError) = error {
            #expect(!apiError.text.unicodeScalars.contains(where: TerminalSafeText.isUnsafe))
        } else {
            Issue.record("expected an API error")
        }
    }

    @Test("JSON number rule", arguments: [("4", true), ("-0.5", true), ("28.110331000000002", true), ("1e5", true),
                                          ("007", false), (".5", false), ("1.", false), ("NaN", false), ("", false), ("+1", false)])
    func jsonNumbers(text: String, isNumber: Bool) {
        #expect(NumberText.isJSONNumber(text) == isNumber)
    }

    @Test("Error messages name the failure")
    func messages() {
        #expect(FetchError.transport(.timedOut(seconds: 10)).message == "no answer within 10 s (timeout)")
        #expect(FetchError.transport(.timedOut(seconds: 1.5)).message == "no answer within 1.5 s (timeout)")
        #expect(FetchError.response(.httpStatus(code: 502, reason: "Bad Gateway", isHTML: true)).message
            == "HTTP 502 Bad Gateway (an HTML error page, not an API answer)")
        #expect(FetchError.transport(.cannotConnect(host: "h", port: 80, reason: "connection refused")).message
            == "cannot connect to h:80: connection refused")
        #expect(FetchError.api(APIError(text: "Incorrect hash")).kind == .api)
        #expect(FetchError.response(.empty).kind == .response)
    }
}
